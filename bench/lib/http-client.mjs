import { Agent, request } from 'node:http';

/** A keep-alive agent; one socket per in-flight request up to `maxSockets`. */
export const keepAliveAgent = (maxSockets) =>
  new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });

/**
 * One HTTP request on 127.0.0.1; resolves with status, body text and elapsed milliseconds.
 * Only loopback targets are allowed: the benchmark never leaves the machine.
 */
export function send(agent, { method = 'GET', url, headers = {}, body, timeoutMs = 30_000 }) {
  const u = new URL(url);
  if (u.hostname !== '127.0.0.1') throw new Error(`bench targets 127.0.0.1 only, not ${u.hostname}`);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        method,
        host: u.hostname,
        port: u.port,
        path: `${u.pathname}${u.search}`,
        headers: body ? { ...headers, 'content-length': body.length } : headers,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            ms: performance.now() - started,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
