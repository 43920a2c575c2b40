import { sleep } from './http-client.mjs';

const TRANSIENT = /ECONNRESET|EPIPE|ECONNREFUSED|socket hang up/;

/**
 * Runs `op`, retrying (up to `attempts` times) only on a dropped connection to a local service,
 * which happens now and then on this shared machine. Anything else fails at once.
 */
export async function retryTransient(what, op, log, attempts = 3) {
  for (let i = 1; ; i++) {
    try {
      return await op();
    } catch (err) {
      if (i >= attempts || !TRANSIENT.test(`${err?.code ?? ''} ${err?.message ?? ''}`)) throw err;
      log?.(`    ${what}: ${err.message}; retrying`);
      await sleep(200 * i);
    }
  }
}
