import type { Counter } from 'prom-client';

/** Sum of a counter over all its label values (heartbeat statistics). */
export async function counterTotal(counter: Counter<string>): Promise<number> {
  return (await counter.get()).values.reduce((sum, v) => sum + v.value, 0);
}
