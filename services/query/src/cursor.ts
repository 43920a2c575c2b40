import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ValidationError } from '@mesh-trace/errors';
import { z } from 'zod';

/** Where the next page starts, and the snapshot every page of one listing shares. */
export interface CursorState {
  /** The range start fixed by the first page (epoch ns): a defaulted `start_time` does not move. */
  from: bigint;
  /** min(end_time, now) at the first page (epoch ns). */
  snapshotEnd: bigint;
  /** ClickHouse's clock at the first page (epoch ms): traces first stored later are left out. */
  storedBeforeMs: bigint;
  /** The last item returned: the next page holds only items ordered after it. */
  lastStart: bigint;
  lastTraceId: string;
}

/** What a cursor is bound to: the endpoint, the key's organisation and environment, and the filters. */
export interface CursorBinding {
  kind: 'list' | 'search';
  org_id: string;
  env: string;
  filters: Record<string, string | null>;
}

const MAX_CURSOR_CHARS = 2048;
const DIGITS = z.string().regex(/^\d{1,20}$/);

const payloadSchema = z.object({
  v: z.literal(1),
  filters: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  from: DIGITS,
  snapshot_end: DIGITS,
  stored_before: DIGITS,
  last_start: DIGITS,
  last_trace_id: z.string().max(128),
});

const b64 = (b: Buffer) => b.toString('base64url');

/**
 * The hash of a binding: a cursor made for other filters, another org or env, or the other endpoint
 * carries a different hash and is refused. Keys are sorted so the hash does not depend on their order.
 */
export function bindingHash(binding: CursorBinding): string {
  const filters = Object.keys(binding.filters)
    .sort()
    .map((k) => [k, binding.filters[k] ?? null]);
  return b64(
    createHash('sha256')
      .update(JSON.stringify([binding.kind, binding.org_id, binding.env, filters]))
      .digest(),
  );
}

export function badCursor(why: string): ValidationError {
  return new ValidationError('bad cursor', [{ path: 'cursor', message: why }], 'invalid_request');
}

/**
 * Opaque, signed cursors: base64url(JSON payload) "." base64url(HMAC-SHA256(secret, payload)). The
 * payload is not secret (it holds times and a trace id the caller has already seen); the signature
 * makes it unforgeable, and the binding hash inside ties it to one org/env and one set of filters.
 */
export class CursorCodec {
  private readonly secret: Buffer;

  constructor(secret: string | Buffer) {
    this.secret = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
    if (this.secret.length < 16) throw new TypeError('cursor secret must be at least 16 bytes');
  }

  encode(state: CursorState, binding: CursorBinding): string {
    const payload = {
      v: 1,
      filters: bindingHash(binding),
      from: state.from.toString(),
      snapshot_end: state.snapshotEnd.toString(),
      stored_before: state.storedBeforeMs.toString(),
      last_start: state.lastStart.toString(),
      last_trace_id: state.lastTraceId,
    };
    return this.seal(payload);
  }

  /** The cursor's state, or a 400 `invalid_request` "bad cursor" for anything else. */
  decode(cursor: string, binding: CursorBinding): CursorState {
    const p = this.open(cursor, payloadSchema);
    if (p.filters !== bindingHash(binding))
      throw badCursor('the cursor belongs to another query, organisation or environment');
    return {
      from: BigInt(p.from),
      snapshotEnd: BigInt(p.snapshot_end),
      storedBeforeMs: BigInt(p.stored_before),
      lastStart: BigInt(p.last_start),
      lastTraceId: p.last_trace_id,
    };
  }

  /** Any JSON payload as a signed cursor. */
  seal(payload: object): string {
    const body = b64(Buffer.from(JSON.stringify(payload), 'utf8'));
    return `${body}.${b64(this.sign(body))}`;
  }

  /** A sealed payload, checked against its signature and then `schema`; a 400 "bad cursor" otherwise. */
  open<T>(cursor: string, schema: z.ZodType<T>): T {
    if (cursor.length > MAX_CURSOR_CHARS) throw badCursor('too long');
    const m = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/.exec(cursor);
    if (!m?.[1] || !m[2]) throw badCursor('malformed');
    const body = m[1];
    const given = Buffer.from(m[2], 'base64url');
    const expected = this.sign(body);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw badCursor('signature mismatch');
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      throw badCursor('malformed');
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw badCursor('malformed');
    return parsed.data;
  }

  private sign(body: string): Buffer {
    return createHmac('sha256', this.secret).update(`mesh-trace.cursor.v1.${body}`).digest();
  }
}
