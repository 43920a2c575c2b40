import { ValidationError } from '@mesh-trace/errors';
import { type AttributeMap, type AttributeValue, putAnyValue, readInt64 } from './otlp-values.js';
import type { CandidateSpan } from './span-candidates.js';

/**
 * An ExportTraceServiceRequest as protobufjs decodes it (ids as bytes, 64-bit integers as Long,
 * absent fields null) or as OTLP/JSON parses it (ids as hex, 64-bit integers as strings or
 * numbers, enums as integers). Leaves are `unknown`: JSON brings any type anywhere, and one code
 * path checks both encodings.
 */
export interface OtlpTraceRequest {
  resourceSpans?: unknown;
}

export interface OtlpPartialSuccess {
  rejectedSpans: number;
  errorMessage: string;
}

interface OtlpStatus {
  code?: unknown;
  message?: unknown;
}

export const UNKNOWN_SERVICE = 'unknown_service';

// SpanKind and StatusCode by number; OTLP/JSON sends integers, the names are accepted as well.
const KINDS = ['internal', 'internal', 'server', 'client', 'producer', 'consumer'] as const;
const KIND_NAMES: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUSES = ['unset', 'ok', 'error'] as const;
const STATUS_NAMES: Record<string, number> = {
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
};

/** Links travel as one JSON attribute; past this size the last links are dropped and counted. */
const MAX_LINKS_JSON = 60 * 1024;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

/** A repeated field: absent is empty, anything but a list is a malformed request. */
function list(v: unknown, path: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v;
  throw new ValidationError('Malformed ExportTraceServiceRequest', [{ path, message: 'must be a list' }]);
}

function message(v: unknown, path: string): Obj {
  if (v === undefined || v === null) return {};
  if (isObj(v)) return v;
  throw new ValidationError('Malformed ExportTraceServiceRequest', [{ path, message: 'must be an object' }]);
}

/** Ids are bytes in protobuf and hex in OTLP/JSON; an empty id is an absent one. */
function hexId(v: unknown): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  return v;
}

function optionalId(v: unknown): unknown {
  const id = hexId(v);
  return id === '' || id === null || id === undefined ? null : id;
}

/** Epoch nanoseconds as a digit string (exact beyond 2^53); left as given when not an integer. */
function timestamp(v: unknown): unknown {
  const n = readInt64(v);
  return n === undefined ? v : n.toString();
}

function count(v: unknown): number {
  const n = readInt64(v);
  return n === undefined ? 0 : Number(n);
}

function enumValue(v: unknown, names: Record<string, number>): number | undefined {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return names[v];
  return undefined;
}

function nonEmpty(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function attributes(kvs: unknown, path: string): AttributeMap {
  const into: AttributeMap = {};
  for (const [i, kv] of list(kvs, path).entries()) {
    const { key, value } = message(kv, `${path}[${i}]`);
    if (typeof key !== 'string') {
      throw new ValidationError('Malformed ExportTraceServiceRequest', [
        { path: `${path}[${i}].key`, message: 'must be a string' },
      ]);
    }
    putAnyValue(into, key, value, 0);
  }
  return into;
}

function links(raw: unknown[], path: string, dropped: number): { json?: string; dropped: number } {
  const out: Obj[] = [];
  for (const [i, l] of raw.entries()) {
    const link = message(l, `${path}[${i}]`);
    const entry: Obj = { trace_id: hexId(link.traceId), span_id: hexId(link.spanId) };
    const state = nonEmpty(link.traceState);
    if (state) entry.trace_state = state;
    const attrs = attributes(link.attributes, `${path}[${i}].attributes`);
    if (Object.keys(attrs).length) entry.attributes = attrs;
    const droppedAttrs = count(link.droppedAttributesCount);
    if (droppedAttrs) entry.dropped_attributes_count = droppedAttrs;
    out.push(entry);
  }
  if (out.length === 0) return { dropped };
  let json = JSON.stringify(out);
  while (json.length > MAX_LINKS_JSON && out.length > 0) {
    out.pop();
    dropped += 1;
    json = JSON.stringify(out);
  }
  return out.length ? { json, dropped } : { dropped };
}

function spanEvents(raw: unknown[], path: string): Obj[] {
  return raw.map((e, i) => {
    const ev = message(e, `${path}[${i}]`);
    const attrs = attributes(ev.attributes, `${path}[${i}].attributes`);
    const droppedAttrs = count(ev.droppedAttributesCount);
    if (droppedAttrs) attrs['otel.dropped_attributes_count'] = droppedAttrs;
    return { name: ev.name, time: timestamp(ev.timeUnixNano), attributes: attrs };
  });
}

function mapSpan(s: Obj, path: string, service: string, resource: AttributeMap, scope: AttributeMap): Obj {
  // Start empty and add the scope after: starting from a copy of `scope` makes V8 build a new
  // hidden-class chain per key order, which cost ten times the mapping itself.
  const attrs = attributes(s.attributes, `${path}.attributes`);
  for (const k in scope) if (!(k in attrs)) attrs[k] = scope[k] as AttributeValue;
  const kind = enumValue(s.kind, KIND_NAMES);
  const status = message(s.status, `${path}.status`) as OtlpStatus;
  const code = enumValue(status.code, STATUS_NAMES);
  const state = nonEmpty(s.traceState);
  if (state) attrs['w3c.tracestate'] = state;
  const droppedAttrs = count(s.droppedAttributesCount);
  if (droppedAttrs) attrs['otel.dropped_attributes_count'] = droppedAttrs;
  const droppedEvents = count(s.droppedEventsCount);
  if (droppedEvents) attrs['otel.dropped_events_count'] = droppedEvents;
  const linked = links(list(s.links, `${path}.links`), `${path}.links`, count(s.droppedLinksCount));
  if (linked.json) attrs['otel.links'] = linked.json;
  if (linked.dropped) attrs['otel.dropped_links_count'] = linked.dropped;
  const statusMessage = nonEmpty(status.message);
  return {
    trace_id: hexId(s.traceId),
    span_id: hexId(s.spanId),
    parent_span_id: optionalId(s.parentSpanId),
    name: s.name ?? undefined,
    service,
    // Unknown enum numbers (a newer proto) read as the default; a wrong type is left for the schema.
    kind: kind === undefined ? s.kind : (KINDS[kind] ?? 'internal'),
    start_time: timestamp(s.startTimeUnixNano),
    end_time: timestamp(s.endTimeUnixNano),
    status: code === undefined ? status.code : (STATUSES[code] ?? 'unset'),
    ...(statusMessage ? { status_message: statusMessage } : {}),
    attributes: attrs,
    resource,
    events: spanEvents(list(s.events, `${path}.events`), `${path}.events`),
  };
}

/**
 * Maps every span of the request to the batch API's span shape (docs/otlp.md has the table). The
 * spans are validated afterwards, one by one, by the batch endpoint's schema.
 */
export function otlpToCandidates(req: OtlpTraceRequest): CandidateSpan[] {
  const out: CandidateSpan[] = [];
  for (const [i, rsRaw] of list(req.resourceSpans, 'resourceSpans').entries()) {
    const rsPath = `resourceSpans[${i}]`;
    const rs = message(rsRaw, rsPath);
    const res = message(rs.resource, `${rsPath}.resource`);
    const resource = attributes(res.attributes, `${rsPath}.resource.attributes`);
    const named = resource['service.name'];
    const service =
      named === undefined || named === ''
        ? UNKNOWN_SERVICE
        : typeof named === 'string'
          ? named
          : String(named);
    for (const [j, ssRaw] of list(rs.scopeSpans, `${rsPath}.scopeSpans`).entries()) {
      const ssPath = `${rsPath}.scopeSpans[${j}]`;
      const ss = message(ssRaw, ssPath);
      const sc = message(ss.scope, `${ssPath}.scope`);
      const scope: AttributeMap = {};
      const scopeName = nonEmpty(sc.name);
      if (scopeName) scope['otel.scope.name'] = scopeName;
      const scopeVersion = nonEmpty(sc.version);
      if (scopeVersion) scope['otel.scope.version'] = scopeVersion;
      for (const [k, spanRaw] of list(ss.spans, `${ssPath}.spans`).entries()) {
        const path = `${ssPath}.spans[${k}]`;
        try {
          out.push({ path, span: mapSpan(message(spanRaw, path), path, service, resource, scope) });
        } catch (err) {
          // A malformed span is rejected on its own; its neighbours may still be accepted.
          if (!(err instanceof ValidationError)) throw err;
          out.push({ path, span: undefined, problem: err.details?.[0] ?? { path, message: err.message } });
        }
      }
    }
  }
  return out;
}

/** partial_success.error_message: how many spans were rejected and the first reasons. */
export function partialSuccessMessage(
  rejected: number,
  total: number,
  problems: { path: string; message: string }[],
): string {
  const head = `${rejected} of ${total} spans rejected`;
  const reasons = problems.slice(0, 10).map((p) => `${p.path}: ${p.message}`);
  const text = reasons.length ? `${head}: ${reasons.join('; ')}` : head;
  return text.length > 2048 ? `${text.slice(0, 2045)}...` : text;
}
