import { createRequire } from 'node:module';
import kafkajs from 'kafkajs';

// CompressionCodecs is not among the exports Node finds in kafkajs' CommonJS: read it off the module.
const { CompressionCodecs, CompressionTypes } = kafkajs;

/** Record-batch compression a producer can use. Every consumer of this package reads all of them. */
export const KAFKA_COMPRESSIONS = ['lz4', 'gzip', 'none'] as const;
export type KafkaCompression = (typeof KAFKA_COMPRESSIONS)[number];

/**
 * kafkajs ships gzip only; LZ4 comes from lz4-napi (the LZ4 frame format Kafka uses). It runs on the
 * calling thread: LZ4 costs about a microsecond per span, less than handing each batch to libuv's
 * thread pool and back did (docs/benchmarks.md, "Kafka compression"). Registering is global to the
 * kafkajs module and idempotent; it happens when this module loads, so a consumer can decode LZ4
 * batches whatever it produces. The native binding itself loads on the first LZ4 batch: a process
 * that never meets one (the all-in-one's in-process queue) never loads it.
 */
const require = createRequire(import.meta.url);
type Lz4 = typeof import('lz4-napi');
let lz4: Lz4 | undefined;
const loadLz4 = (): Lz4 => {
  lz4 ??= require('lz4-napi') as Lz4;
  return lz4;
};

CompressionCodecs[CompressionTypes.LZ4] = () => ({
  compress: async (encoder: { buffer: Buffer }) => loadLz4().compressFrameSync(encoder.buffer),
  decompress: async (buffer: Buffer) => loadLz4().decompressFrameSync(buffer),
});

/** The kafkajs compression type of a configured compression. */
export function compressionType(c: KafkaCompression): kafkajs.CompressionTypes {
  switch (c) {
    case 'lz4':
      return CompressionTypes.LZ4;
    case 'gzip':
      return CompressionTypes.GZIP;
    case 'none':
      return CompressionTypes.None;
  }
}
