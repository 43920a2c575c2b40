import { send, sleep } from './http-client.mjs';

/**
 * Closed loop: `concurrency` workers each send the next request as soon as the previous one answered,
 * for `durationMs`. Returns accepted requests, failures and the elapsed time to the last answer.
 */
export async function closedLoop({ agent, concurrency, durationMs, next, okStatus = 202 }) {
  const started = performance.now();
  const deadline = started + durationMs;
  let ok = 0;
  let items = 0;
  let failed = 0;
  let firstError;
  let last = started;
  const worker = async () => {
    while (performance.now() < deadline && failed < 50) {
      const { req, count } = next();
      try {
        const res = await send(agent, req);
        if (res.status === okStatus) {
          ok++;
          items += count;
        } else {
          failed++;
          firstError ??= `${res.status} ${res.text.slice(0, 300)}`;
        }
      } catch (err) {
        failed++;
        firstError ??= err.message;
      }
      last = performance.now();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { ok, items, failed, firstError, elapsedMs: last - started };
}

/**
 * Open loop at a fixed request rate: request i is sent at start + i/rate whatever the answers, so a
 * slow answer does not slow the offered load (no coordinated omission). At most `maxInFlight` are
 * outstanding; a request that would exceed it is counted as skipped. Returns per-request latencies.
 */
export async function openLoop({ agent, ratePerSec, durationMs, next, maxInFlight = 64, okStatus = 202 }) {
  const total = Math.max(1, Math.round((ratePerSec * durationMs) / 1000));
  const interval = 1000 / ratePerSec;
  const started = performance.now();
  const latencies = [];
  const pending = new Set();
  let failed = 0;
  let skipped = 0;
  let firstError;
  for (let i = 0; i < total; i++) {
    const wait = started + i * interval - performance.now();
    if (wait >= 1) await sleep(wait);
    if (pending.size >= maxInFlight) {
      skipped++;
      continue;
    }
    const { req } = next();
    const p = send(agent, req)
      .then((res) => {
        if (res.status === okStatus) latencies.push(res.ms);
        else {
          failed++;
          firstError ??= `${res.status} ${res.text.slice(0, 300)}`;
        }
      })
      .catch((err) => {
        failed++;
        firstError ??= err.message;
      })
      .finally(() => pending.delete(p));
    pending.add(p);
  }
  await Promise.all([...pending]);
  return { latencies, failed, skipped, firstError, elapsedMs: performance.now() - started };
}
