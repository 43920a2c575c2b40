import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = JSON.stringify(fileURLToPath(new URL('../dist/index.js', import.meta.url)));

describe('the LZ4 codec registered for kafkajs', () => {
  // A fresh process: what the all-in-one (no Kafka) loads, then what a producer or consumer does.
  it('loads the native binding only at the first LZ4 batch, and round-trips through the codec kafkajs calls', () => {
    const script = `
      const { createRequire } = await import('node:module');
      await import(${dist});
      const require = createRequire(${dist});
      const kafkajs = require('kafkajs');
      const loaded = () => Object.keys(require.cache).some((k) => k.includes('lz4-napi'));
      const before = loaded();
      const codec = kafkajs.CompressionCodecs[kafkajs.CompressionTypes.LZ4]();
      const data = Buffer.from(JSON.stringify(Array.from({ length: 500 }, (_, i) => ({ i, name: 'op ' + i }))));
      const packed = await codec.compress({ buffer: data });
      const back = await codec.decompress(packed);
      console.log(JSON.stringify({ before, after: loaded(), smaller: packed.length < data.length, same: back.equals(data) }));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ before: false, after: true, smaller: true, same: true });
  });
});
