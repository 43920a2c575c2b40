export interface ErrorDetail {
  path: string;
  message: string;
}

/**
 * Every failure the SDK reports: an HTTP error answered by Mesh-Trace (status, stable `code`, the
 * server's request id and field `details`), or a network failure (`status` 0, code `network_error`).
 */
export class MeshTraceError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;
  readonly details: ErrorDetail[];
  /** From Retry-After on 429/503, in seconds. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    message: string,
    opts: {
      status: number;
      code: string;
      requestId?: string;
      details?: ErrorDetail[];
      retryAfterSeconds?: number;
      cause?: unknown;
    },
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'MeshTraceError';
    this.status = opts.status;
    this.code = opts.code;
    this.requestId = opts.requestId;
    this.details = opts.details ?? [];
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }

  /** 429, 5xx and network failures are worth retrying; other 4xx never are. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

/** Retry-After as seconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const s = value.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  const at = Date.parse(s);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - now) / 1000);
}

/** Builds the error of a non-2xx response from the JSON error body of the API. */
export async function errorFromResponse(res: Response): Promise<MeshTraceError> {
  let body: { error?: unknown; code?: unknown; request_id?: unknown; details?: unknown } = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    // Not JSON (a proxy's page): status and headers still tell the story.
  }
  return new MeshTraceError(typeof body.error === 'string' ? body.error : `HTTP ${res.status}`, {
    status: res.status,
    code: typeof body.code === 'string' ? body.code : `http_${res.status}`,
    requestId:
      typeof body.request_id === 'string' ? body.request_id : (res.headers.get('x-request-id') ?? undefined),
    details: Array.isArray(body.details) ? (body.details as ErrorDetail[]) : [],
    retryAfterSeconds: parseRetryAfter(res.headers.get('retry-after')),
  });
}

export function networkError(err: unknown): MeshTraceError {
  const message = err instanceof Error ? err.message : String(err);
  return new MeshTraceError(`Network error: ${message}`, { status: 0, code: 'network_error', cause: err });
}
