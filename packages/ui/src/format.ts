/** Display formatting shared by every page. Pure functions: unit-tested in format.test.ts. */

/** A duration in milliseconds as a person reads it: `850µs`, `12.3ms`, `1.25s`, `2m 05s`, `1h 02m`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms === 0) return '0ms';
  if (ms < 1) return `${trim(ms * 1000, ms * 1000 < 10 ? 2 : 0)}µs`;
  if (ms < 1000) return `${trim(ms, ms < 10 ? 2 : ms < 100 ? 1 : 0)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${trim(s, s < 10 ? 2 : 1)}s`;
  const totalS = Math.round(s);
  if (totalS < 3600) return `${Math.floor(totalS / 60)}m ${pad(totalS % 60)}s`;
  const totalM = Math.round(totalS / 60);
  return `${Math.floor(totalM / 60)}h ${pad(totalM % 60)}m`;
}

function trim(n: number, digits: number): string {
  return Number(n.toFixed(digits)).toString();
}

const pad = (n: number) => String(n).padStart(2, '0');

/** How long ago `iso` was, relative to `now` (ms): `just now`, `42s ago`, `5m ago`, `3h ago`, `2d ago`. */
export function formatAge(iso: string, now: number = Date.now()): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '—';
  return formatSeconds(Math.max(0, (now - t) / 1000));
}

/** An age in seconds, compact. */
export function formatSeconds(seconds: number): string {
  if (seconds < 1) return 'just now';
  if (seconds < 60) return `${Math.floor(seconds)}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}

/** A local date-time with milliseconds (`2026-11-22 10:00:00.123`); nanosecond ISO input is fine. */
export function formatTime(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const d = new Date(t);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`
  );
}

/** A ratio 0..1 as a percentage with sensible precision: `0%`, `0.25%`, `12.5%`, `100%`. */
export function formatPercent(ratio: number): string {
  if (!Number.isFinite(ratio)) return '—';
  const p = ratio * 100;
  if (p === 0) return '0%';
  return `${trim(p, p < 1 ? 2 : p < 10 ? 1 : 0)}%`;
}

/** Large counts compactly: `950`, `1.2k`, `34k`, `1.5M`. */
export function formatCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 10_000) return `${trim(n / 1000, 1)}k`;
  if (n < 1_000_000) return `${Math.round(n / 1000)}k`;
  return `${trim(n / 1_000_000, 1)}M`;
}

/**
 * Milliseconds between two ISO timestamps with up to nanosecond digits. Date.parse drops everything
 * past milliseconds, which would make sub-millisecond spans zero-width; the fraction is read exactly.
 */
export function isoToMs(iso: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(iso);
  if (!m) return Date.parse(iso);
  const whole = Date.parse(`${m[1]}${m[3]}`);
  const frac = m[2] ? Number(`0.${m[2]}`) * 1000 : 0;
  return whole + frac;
}
