import kafkajs from 'kafkajs';
import { compressFrameSync, decompressFrameSync } from 'lz4-napi';

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
 * batches whatever it produces.
 */
CompressionCodecs[CompressionTypes.LZ4] = () => ({
  compress: async (encoder: { buffer: Buffer }) => compressFrameSync(encoder.buffer),
  decompress: async (buffer: Buffer) => decompressFrameSync(buffer),
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
