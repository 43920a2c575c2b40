/**
 * OTLP AnyValue → the batch API's attribute values (string, number, boolean, or a list of those).
 * Both encodings reach here: protobufjs messages (absent members null, 64-bit integers as Long,
 * bytes as Uint8Array) and OTLP/JSON (64-bit integers as strings, bytes as base64).
 */
export type AttributeValue = string | number | boolean | (string | number | boolean)[];
export type AttributeMap = Record<string, AttributeValue>;

/** kvlists nest; past this depth the rest of a value is kept as JSON text rather than recursed into. */
const MAX_DEPTH = 8;

interface LongLike {
  low: number;
  high: number;
  unsigned?: boolean;
}

function isLong(v: unknown): v is LongLike {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as LongLike).low === 'number' &&
    typeof (v as LongLike).high === 'number'
  );
}

/** A 64-bit integer from a Long, a number or a decimal string; undefined when it is none of those. */
export function readInt64(v: unknown): bigint | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : undefined;
  if (typeof v === 'string') return /^-?\d{1,20}$/.test(v) ? BigInt(v) : undefined;
  if (typeof v === 'bigint') return v;
  if (isLong(v)) {
    const bits = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
    return v.unsigned ? BigInt.asUintN(64, bits) : BigInt.asIntN(64, bits);
  }
  return undefined;
}

/** int64 attribute values: a number when exact, else the decimal text (no silent rounding). */
function intValue(v: unknown): number | string | undefined {
  if (isLong(v) && ((v.high === 0 && v.low >= 0) || (v.high === -1 && v.low < 0))) return v.low;
  const n = readInt64(v);
  if (n === undefined) return undefined;
  const asNumber = Number(n);
  return Number.isSafeInteger(asNumber) ? asNumber : n.toString();
}

const has = (v: unknown) => v !== undefined && v !== null;

type Plain = string | number | boolean | Plain[] | { [k: string]: Plain };

class BadValue extends Error {}

/** JSON text of a value, or a BadValue (a rejected span, not a 500) when it is nested too deeply. */
function jsonText(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch (err) {
    if (err instanceof RangeError) throw new BadValue('nested too deeply');
    throw err;
  }
}

/** One AnyValue as plain JSON data: lists stay lists, kvlists become objects. */
function plain(v: unknown, depth: number): Plain {
  if (v === undefined || v === null) return ''; // no value set
  if (typeof v !== 'object') throw new BadValue('must be an AnyValue');
  const a = v as Record<string, unknown>;
  if (has(a.stringValue)) {
    if (typeof a.stringValue !== 'string') throw new BadValue('stringValue must be a string');
    return a.stringValue;
  }
  if (has(a.boolValue)) {
    if (typeof a.boolValue !== 'boolean') throw new BadValue('boolValue must be a boolean');
    return a.boolValue;
  }
  if (has(a.intValue)) {
    const n = intValue(a.intValue);
    if (n === undefined) throw new BadValue('intValue must be a 64-bit integer');
    return n;
  }
  if (has(a.doubleValue)) {
    const d = a.doubleValue;
    // JSON has no NaN or Infinity: OTLP/JSON sends them as strings, and they are kept as text.
    if (typeof d === 'number') return Number.isFinite(d) ? d : String(d);
    if (typeof d === 'string' && /^-?(NaN|Infinity)$/.test(d)) return d;
    throw new BadValue('doubleValue must be a number');
  }
  if (has(a.bytesValue)) {
    const b = a.bytesValue;
    if (b instanceof Uint8Array) return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
    if (typeof b === 'string') return b; // OTLP/JSON: already base64
    throw new BadValue('bytesValue must be bytes');
  }
  if (has(a.arrayValue)) {
    const values = (a.arrayValue as { values?: unknown }).values;
    if (!has(values)) return [];
    if (!Array.isArray(values)) throw new BadValue('arrayValue.values must be a list');
    return depth >= MAX_DEPTH ? jsonText(values) : values.map((x) => plain(x, depth + 1));
  }
  if (has(a.kvlistValue)) {
    const values = (a.kvlistValue as { values?: unknown }).values;
    if (!has(values)) return {};
    if (!Array.isArray(values)) throw new BadValue('kvlistValue.values must be a list');
    if (depth >= MAX_DEPTH) return jsonText(values);
    const out: Record<string, Plain> = {};
    for (const kv of values as { key?: unknown; value?: unknown }[]) {
      if (typeof kv?.key !== 'string') throw new BadValue('kvlist keys must be strings');
      out[kv.key] = plain(kv.value, depth + 1);
    }
    return out;
  }
  return ''; // an empty AnyValue
}

const isScalar = (v: Plain): v is string | number | boolean => typeof v !== 'object';

/**
 * Puts one attribute into `out`: scalars as they are, lists of scalars as lists, kvlists flattened
 * into dotted keys (`http.request.header.x: …`), anything deeper (lists holding lists or kvlists)
 * as JSON text. A value of the wrong type becomes `undefined`, which the batch schema then rejects
 * with the attribute's path.
 */
export function putAnyValue(out: AttributeMap, key: string, value: unknown, depth: number): void {
  const a = value as Record<string, unknown> | null | undefined;
  if (a && typeof a === 'object' && has(a.kvlistValue) && depth < MAX_DEPTH) {
    const values = (a.kvlistValue as { values?: unknown }).values;
    if (Array.isArray(values)) {
      for (const kv of values as { key?: unknown; value?: unknown }[]) {
        if (typeof kv?.key !== 'string') {
          (out as Record<string, unknown>)[key] = undefined;
          return;
        }
        putAnyValue(out, `${key}.${kv.key}`, kv.value, depth + 1);
      }
      return;
    }
  }
  let v: Plain;
  try {
    v = plain(value, depth);
  } catch (err) {
    if (!(err instanceof BadValue)) throw err;
    (out as Record<string, unknown>)[key] = undefined;
    return;
  }
  if (isScalar(v)) out[key] = v;
  else if (Array.isArray(v) && v.every(isScalar)) out[key] = v;
  else out[key] = JSON.stringify(v);
}
