import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { KAFKA_COMPRESSIONS, KafkaBus, type KafkaCompression } from '@mesh-trace/bus';
import { afterAll, describe, expect, it } from 'vitest';
import { stackEnv } from './stack-env.js';
import { waitFor } from './wait-for.js';

const hex = (n: number) => randomBytes(n).toString('hex');

/** JSON values of varied size and content, like trace messages: some compress well, some not. */
function records(tag: string, n: number) {
  return Array.from({ length: n }, (_, i) => ({
    key: `${tag}-${i}`,
    value: Buffer.from(
      JSON.stringify({ tag, i, noise: hex(1 + (i % 40)), text: 'span attribute '.repeat(i % 90) }),
    ),
  }));
}

// KAFKA_COMPRESSION picks the codec a service produces with; every consumer must read all of them,
// or changing the setting (or a rolling upgrade that changes its default) would strand messages.
describe('Kafka record-batch compression', () => {
  const stack = stackEnv();
  const brokers = stack.KAFKA_BROKERS.split(',');
  const run = hex(4);
  const buses: KafkaBus[] = [];
  const bus = async (compression?: KafkaCompression) => {
    const b = new KafkaBus({ brokers, clientId: `e2e-codec-${run}`, partitions: 2, compression });
    buses.push(b);
    await b.start();
    return b;
  };
  afterAll(async () => {
    for (const b of buses) await b.stop();
  });

  it('one consumer reads a topic written with lz4, gzip and no compression, byte for byte', async () => {
    const topic = `e2e-codecs-${run}`;
    const sent = new Map<string, string>();
    for (const c of KAFKA_COMPRESSIONS) {
      const producer = await bus(c);
      await producer.ensureTopics([topic]);
      const rs = records(c, 300);
      for (const r of rs) sent.set(r.key, r.value.toString('hex'));
      await producer.producer().send(topic, rs);
    }
    const got = new Map<string, string>();
    const consumer = (await bus()).consumer({ groupId: `e2e-codecs-${run}`, topic, fromBeginning: true });
    void consumer.run(async (batch) => {
      for (const m of batch.messages) got.set(m.key?.toString() ?? '', m.value?.toString('hex') ?? '');
    });
    await waitFor('every record consumed', async () => (got.size >= sent.size ? true : undefined), {
      timeoutMs: 30_000,
    });
    await consumer.stop();
    expect(got.size).toBe(sent.size);
    expect(got).toEqual(sent);
  });

  it("Kafka's own Java consumer reads the LZ4 batches the services produce", async () => {
    expect(stack.KAFKA_LIBS, 'the dev stack names its Kafka jars (restart it with up.sh)').toBeTruthy();
    const topic = `e2e-codecs-java-${run}`;
    const producer = await bus('lz4');
    await producer.ensureTopics([topic]);
    const rs = records('java', 200);
    await producer.producer().send(topic, rs);

    const out = await new Promise<string>((resolve, reject) => {
      const java = spawn(
        'java',
        [
          '-cp',
          `${stack.KAFKA_LIBS}/*`,
          'org.apache.kafka.tools.consumer.ConsoleConsumer',
          '--bootstrap-server',
          stack.KAFKA_BROKERS,
          '--topic',
          topic,
          '--from-beginning',
          '--max-messages',
          String(rs.length),
          '--timeout-ms',
          '30000',
          '--property',
          'print.key=true',
          '--property',
          'key.separator=\t',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      java.stdout.on('data', (d) => {
        stdout += d;
      });
      java.stderr.on('data', (d) => {
        stderr += d;
      });
      java.on('error', reject);
      java.on('close', (code) =>
        code === 0 ? resolve(stdout) : reject(new Error(`console consumer exited ${code}: ${stderr}`)),
      );
    });
    const read = new Map(
      out
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split('\t') as [string, string]),
    );
    expect(read).toEqual(new Map(rs.map((r) => [r.key, r.value.toString()])));
  }, 60_000);
});
