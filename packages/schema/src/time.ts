const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Parses an ISO 8601 timestamp (up to nanoseconds, with zone) or epoch nanoseconds (an integer, or a
 * string of digits — JSON numbers above 2^53 lose precision, so OTLP-style strings are preferred).
 * Returns epoch nanoseconds, or undefined when the value is not a timestamp.
 */
export function parseTimestampNs(value: unknown): bigint | undefined {
  if (typeof value === 'string') {
    const fast = parseUtcFast(value);
    if (fast !== null) return fast;
  }
  return parseTimestampNsFull(value);
}

/** The general parser; parseTimestampNs only adds a fast path in front of it (same results). */
export function parseTimestampNsFull(value: unknown): bigint | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || !Number.isInteger(value) || value < 0) return undefined;
    return BigInt(value);
  }
  if (typeof value !== 'string') return undefined;
  if (/^\d{1,20}$/.test(value)) return BigInt(value);
  const m = ISO.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = '', zone = 'Z'] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const check = new Date(ms);
  // Reject calendar overflow such as 2026-02-31, which Date.UTC silently rolls over.
  if (check.getUTCDate() !== Number(d) || check.getUTCMonth() !== Number(mo) - 1 || Number(h) > 23)
    return undefined;
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
  }
  const ns = BigInt(ms - offsetMinutes * 60_000) * 1_000_000n + BigInt(frac.padEnd(9, '0'));
  return ns < 0n ? undefined : ns;
}

/** The number in value[from, to), or -1 when a character there is not a digit. */
function digitsAt(value: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = value.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** Epoch seconds of a valid YYYY-MM-DD's midnight (UTC), NaN for anything else; batches share days. */
const dayStarts = new Map<string, number>();

function dayStartSeconds(date: string): number {
  let start = dayStarts.get(date);
  if (start !== undefined) return start;
  const y = digitsAt(date, 0, 4);
  const mo = digitsAt(date, 5, 7);
  const d = digitsAt(date, 8, 10);
  const ms = Date.UTC(y, mo - 1, d);
  const check = new Date(ms);
  start =
    y >= 1970 && mo >= 1 && d >= 1 && check.getUTCDate() === d && check.getUTCMonth() === mo - 1
      ? ms / 1000
      : Number.NaN;
  if (dayStarts.size >= 4096) dayStarts.clear();
  dayStarts.set(date, start);
  return start;
}

/**
 * `YYYY-MM-DDTHH:MM:SS[.f…]Z` from 1970 on, the form SDKs send, without the regular expression, the
 * Date objects and two BigInt products of the full parser (a fifth of ingest's validation time).
 * null: not that form or not plainly valid, and the full parser decides.
 */
function parseUtcFast(v: string): bigint | null {
  const n = v.length;
  if (n < 20 || n > 30) return null;
  const z = v.charCodeAt(n - 1);
  if (z !== 90 && z !== 122) return null; // Z z
  const t = v.charCodeAt(10);
  if (v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45 || v.charCodeAt(13) !== 58 || v.charCodeAt(16) !== 58)
    return null;
  if (t !== 84 && t !== 116 && t !== 32) return null; // T t space
  let frac = '';
  if (n > 20) {
    if (v.charCodeAt(19) !== 46 || n === 21 || digitsAt(v, 20, n - 1) < 0) return null;
    frac = v.slice(20, n - 1);
  }
  const h = digitsAt(v, 11, 13);
  const mi = digitsAt(v, 14, 16);
  const s = digitsAt(v, 17, 19);
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59) return null;
  const day = dayStartSeconds(v.slice(0, 10));
  if (Number.isNaN(day)) return null;
  return BigInt(`${day + h * 3600 + mi * 60 + s}${frac.padEnd(9, '0')}`);
}

/** ISO 8601 with nine fractional digits, the form every API response uses. */
export function formatIsoNs(ns: bigint): string {
  const ms = ns / 1_000_000n;
  const iso = new Date(Number(ms)).toISOString(); // 2026-11-22T10:00:00.123Z
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${iso.slice(0, 19)}.${frac}Z`;
}

/** The text form ClickHouse parses into DateTime64(9, 'UTC'). */
export function formatClickHouseNs(ns: bigint): string {
  return formatIsoNs(ns).slice(0, 29).replace('T', ' ');
}

/** Inverse of formatClickHouseNs for values read back from ClickHouse (UTC). */
export function parseClickHouseNs(value: string): bigint {
  const ns = parseTimestampNs(`${value.replace(' ', 'T')}Z`);
  if (ns === undefined) throw new Error(`not a ClickHouse DateTime64: ${value}`);
  return ns;
}

export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}
