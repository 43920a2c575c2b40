import { ValidationError } from '@mesh-trace/errors';
import { UNKNOWN_SERVICE } from './otlp-mapping.js';
import type { CandidateSpan } from './span-candidates.js';

/**
 * Zipkin v2 JSON spans (POST /api/v2/spans) → the batch API's span shape, the same mapping as
 * OTLP where the models meet (docs/otlp.md). Timestamps and durations are epoch microseconds.
 */
type Obj = Record<string, unknown>;

const KINDS: Record<string, string> = {
  CLIENT: 'client',
  SERVER: 'server',
  PRODUCER: 'producer',
  CONSUMER: 'consumer',
};

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Epoch or duration microseconds as nanoseconds; undefined when not a whole non-negative number. */
function microsToNs(v: unknown): bigint | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v) * 1000n;
  if (typeof v === 'string' && /^\d{1,17}$/.test(v)) return BigInt(v) * 1000n;
  return undefined;
}

/** A timestamp for the schema: nanoseconds as digits, or the value as sent for it to reject. */
const micros = (v: unknown): unknown => microsToNs(v)?.toString() ?? v;

/** 64-bit Zipkin trace ids are the low half of a 128-bit one (the OpenTelemetry convention). */
function traceId(v: unknown): unknown {
  return typeof v === 'string' && v.length === 16 ? `0000000000000000${v}` : v;
}

function endpoint(v: unknown, prefix: 'net.host' | 'net.peer', into: Obj): void {
  if (!isObj(v)) return;
  const ip = v.ipv4 ?? v.ipv6;
  if (typeof ip === 'string' && ip) into[`${prefix}.ip`] = ip;
  if (typeof v.port === 'number' && v.port > 0) into[`${prefix}.port`] = v.port;
}

function mapSpan(s: Obj, startNs: bigint, durationNs: bigint): Obj {
  const local = isObj(s.localEndpoint) ? s.localEndpoint : {};
  const remote = isObj(s.remoteEndpoint) ? s.remoteEndpoint : undefined;
  const service =
    typeof local.serviceName === 'string' && local.serviceName ? local.serviceName : UNKNOWN_SERVICE;
  const tags: Obj = isObj(s.tags) ? { ...s.tags } : s.tags === undefined ? {} : { tags: s.tags };
  // OpenTelemetry's Zipkin exporter carries the status in these tags; other tracers set `error`.
  const otelStatus = tags['otel.status_code'];
  const otelMessage = tags['otel.status_description'];
  delete tags['otel.status_code'];
  delete tags['otel.status_description'];
  const errorTag = tags.error;
  const isError = otelStatus === 'ERROR' || errorTag !== undefined;
  const status = isError ? 'error' : otelStatus === 'OK' ? 'ok' : 'unset';
  const message =
    typeof otelMessage === 'string' && otelMessage
      ? otelMessage
      : typeof errorTag === 'string' && errorTag && errorTag !== 'true'
        ? errorTag
        : undefined;
  endpoint(local, 'net.host', tags);
  if (remote) {
    if (typeof remote.serviceName === 'string' && remote.serviceName)
      tags['peer.service'] = remote.serviceName;
    endpoint(remote, 'net.peer', tags);
  }
  if (s.shared === true) tags['zipkin.shared'] = true;
  if (s.debug === true) tags['zipkin.debug'] = true;
  const end = (startNs + durationNs).toString();
  const annotations = Array.isArray(s.annotations)
    ? s.annotations
    : s.annotations === undefined
      ? []
      : s.annotations;
  return {
    trace_id: traceId(s.traceId),
    span_id: s.id,
    parent_span_id: s.parentId ?? null,
    // Zipkin names are optional; the batch model requires one.
    name: typeof s.name === 'string' && s.name ? s.name : 'unknown',
    service,
    kind: s.kind === undefined ? 'internal' : typeof s.kind === 'string' ? (KINDS[s.kind] ?? s.kind) : s.kind,
    start_time: startNs.toString(),
    end_time: end,
    status,
    ...(message ? { status_message: message } : {}),
    attributes: tags,
    resource: { 'service.name': service },
    events: Array.isArray(annotations)
      ? annotations.map((a) => (isObj(a) ? { name: a.value, time: micros(a.timestamp), attributes: {} } : a))
      : annotations,
  };
}

export function zipkinToCandidates(body: unknown): CandidateSpan[] {
  if (!Array.isArray(body)) {
    throw new ValidationError('Request body must be a JSON array of Zipkin v2 spans');
  }
  return body.map((s, i): CandidateSpan => {
    const path = `[${i}]`;
    if (!isObj(s)) return { path, span: undefined, problem: { path, message: 'must be a span object' } };
    const startNs = microsToNs(s.timestamp);
    if (startNs === undefined) {
      const message = 'timestamp (epoch microseconds) is required';
      return { path, span: undefined, problem: { path: `${path}.timestamp`, message } };
    }
    // A span reported without a duration (still open, or one side of a shared span) has no length.
    const durationNs = s.duration === undefined ? 0n : microsToNs(s.duration);
    if (durationNs === undefined) {
      const message = 'duration must be whole microseconds';
      return { path, span: undefined, problem: { path: `${path}.duration`, message } };
    }
    return { path, span: mapSpan(s, startNs, durationNs) };
  });
}
