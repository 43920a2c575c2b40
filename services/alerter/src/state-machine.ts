import type {
  AlertMetric,
  AlertOperator,
  AlertState,
  AlertTransition,
  WindowStats,
} from '@mesh-trace/storage';

export function holds(value: number, operator: AlertOperator, threshold: number): boolean {
  switch (operator) {
    case 'gt':
      return value > threshold;
    case 'gte':
      return value >= threshold;
    case 'lt':
      return value < threshold;
    case 'lte':
      return value <= threshold;
    default: {
      const exhaustive: never = operator;
      return exhaustive;
    }
  }
}

/**
 * A rule's metric over its window, or null for "no data": no span in the window means there is no
 * error rate or latency to compare. Throughput has a value without spans: zero spans per second
 * (so `throughput lt 1` alerts on a service that went silent).
 */
export function metricValue(metric: AlertMetric, stats: WindowStats, windowMs: number): number | null {
  // The rollups have minute resolution: the minutes summed cover more than the window.
  if (metric === 'throughput') return stats.spans / ((stats.coveredMs ?? windowMs) / 1000);
  if (stats.spans === 0) return null;
  switch (metric) {
    case 'error_rate':
      return stats.errors / stats.spans;
    case 'latency_p50':
      return stats.quantiles[0];
    case 'latency_p95':
      return stats.quantiles[1];
    case 'latency_p99':
      return stats.quantiles[2];
    default: {
      const exhaustive: never = metric;
      return exhaustive;
    }
  }
}

export interface StepCondition {
  operator: AlertOperator;
  threshold: number;
  /** How long the condition must hold before the rule fires (0: at the first evaluation). */
  forMs: number;
}

export interface Step {
  next: AlertState;
  transition?: AlertTransition;
}

/**
 * ok → pending (condition holds, `for` not yet elapsed) → firing → resolved (condition cleared).
 * No data: a pending rule goes back to ok (nothing is known to hold) and a firing rule stays firing —
 * a silent service is not a recovered one; it resolves when data shows the condition cleared.
 * `resolved` behaves as ok: it only records that the last firing ended.
 */
export function step(
  prev: AlertState | undefined,
  value: number | null,
  cond: StepCondition,
  now: number,
): Step {
  const state = prev?.state ?? 'ok';
  const at = (s: AlertState['state'], since: number): AlertState => ({
    state: s,
    since,
    value,
    no_data: value === null,
    evaluated_at: now,
  });
  const since = prev?.since ?? now;
  if (value === null) {
    if (state === 'firing') return { next: at('firing', since) };
    return { next: at(state === 'pending' ? 'ok' : state, state === 'pending' ? now : since) };
  }
  const on = holds(value, cond.operator, cond.threshold);
  switch (state) {
    case 'ok':
    case 'resolved':
      if (!on) return { next: at(state, since) };
      if (cond.forMs <= 0) return { next: at('firing', now), transition: 'firing' };
      return { next: at('pending', now) };
    case 'pending':
      if (!on) return { next: at('ok', now) };
      if (now - since >= cond.forMs) return { next: at('firing', now), transition: 'firing' };
      return { next: at('pending', since) };
    case 'firing':
      if (on) return { next: at('firing', since) };
      return { next: at('resolved', now), transition: 'resolved' };
    default: {
      const exhaustive: never = state;
      return exhaustive;
    }
  }
}
