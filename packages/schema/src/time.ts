const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Parses an ISO 8601 timestamp (up to nanoseconds, with zone) or epoch nanoseconds (an integer, or a
 * string of digits — JSON numbers above 2^53 lose precision, so OTLP-style strings are preferred).
 * Returns epoch nanoseconds, or undefined when the value is not a timestamp.
 */
export function parseTimestampNs(value: unknown): bigint | undefined {
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
