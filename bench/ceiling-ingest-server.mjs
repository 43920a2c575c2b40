// The ingest ceiling: a bare node:http server that only parses the JSON body and produces one
// Kafka message per trace, keyed by trace id, with the same producer settings as the real ingest
// (packages/bus/src/kafka-bus.ts: idempotent, one request in flight, acks=-1, compression from
// $KAFKA_COMPRESSION as the ingest child reads it, default lz4). No validation, no authentication,
// no rate limit, no express. Run as its own process by scripts/bench.mjs.
import { createServer } from 'node:http';
import { compressionType } from '../packages/bus/dist/index.js';
import { kafkajs } from './lib/deps.mjs';

const { Kafka, logLevel } = kafkajs;
const compression = compressionType(process.env.KAFKA_COMPRESSION ?? 'lz4');
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
const topic = process.env.BENCH_CEILING_TOPIC ?? 'bench-ceiling';
const port = Number(process.env.BENCH_CEILING_PORT ?? 0);

const kafka = new Kafka({
  clientId: 'bench-ceiling',
  brokers,
  logLevel: logLevel.NOTHING,
  retry: { initialRetryTime: 200, retries: 5, maxRetryTime: 5_000 },
  connectionTimeout: 3_000,
});
const admin = kafka.admin();
await admin.connect();
if (!(await admin.listTopics()).includes(topic)) {
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3 }] });
}
await admin.disconnect();
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
await producer.connect();

const reply = (res, status, body) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
};

const server = createServer((req, res) => {
  if (req.method === 'GET') {
    reply(res, req.url === '/readyz' ? 200 : 404, { ok: true });
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const byTrace = new Map();
      for (const s of body.spans ?? []) {
        let list = byTrace.get(s.trace_id);
        if (!list) {
          list = [];
          byTrace.set(s.trace_id, list);
        }
        list.push(s);
      }
      const messages = [...byTrace].map(([traceId, spans]) => ({
        key: traceId,
        value: Buffer.from(JSON.stringify({ v: 1, trace_id: traceId, spans })),
      }));
      await producer.send({ topic, acks: -1, timeout: 5_000, compression, messages });
      reply(res, 202, { accepted: { spans: body.spans?.length ?? 0 } });
    } catch (err) {
      reply(res, 500, { error: String(err?.message ?? err) });
    }
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1');

let stopping = false;
const stop = async () => {
  if (stopping) process.exit(1);
  stopping = true;
  server.close();
  server.closeIdleConnections();
  await producer.disconnect().catch(() => {});
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
