import { BaseError, ValidationError } from '@mesh-trace/errors';
import type { OtlpTraceRequest } from './otlp-mapping.js';

/**
 * 64-bit integer fields written as bare JSON numbers lose precision in JSON.parse past 2^53 (epoch
 * nanoseconds are ~2^60): quote them first. The match needs an unescaped quote on both sides of
 * the key and a colon after it, which cannot occur inside a JSON string value.
 */
const INT64_NUMBERS =
  /"(startTimeUnixNano|endTimeUnixNano|timeUnixNano|intValue|start_time_unix_nano|end_time_unix_nano|time_unix_nano|int_value)"(\s*:\s*)(-?\d{16,})(?![\d.eE])/g;

const camel = (k: string) => k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

/** Deeper than any trace request needs; past it the recursion below would exhaust the stack. */
const MAX_JSON_DEPTH = 256;

/** The proto3 JSON mapping lets senders use the proto field names (snake_case) too. */
function camelizeKeys(v: unknown, depth = 0): unknown {
  if (depth > MAX_JSON_DEPTH) throw new ValidationError('Request body is nested too deeply');
  if (Array.isArray(v)) return v.map((x) => camelizeKeys(x, depth + 1));
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k.includes('_') ? camel(k) : k] = camelizeKeys(x, depth + 1);
  return out;
}

/** OTLP/JSON: hex ids, 64-bit integers as strings (or numbers), enums as integers. */
export function parseOtlpJson(body: Buffer): OtlpTraceRequest {
  const text = body.toString('utf8').replace(INT64_NUMBERS, '"$1"$2"$3"');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BaseError('invalid_json', 'Malformed JSON body');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ValidationError('Request body must be a JSON ExportTraceServiceRequest object');
  }
  // Only snake_case senders pay for the walk; every key in a trace request is a proto field name.
  return 'resource_spans' in parsed ? (camelizeKeys(parsed) as OtlpTraceRequest) : parsed;
}
