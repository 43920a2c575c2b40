import kafkajs from 'kafkajs';
import { compressFrame, decompressFrame } from 'lz4-napi';

// CompressionCodecs is not among the exports Node finds in kafkajs' CommonJS: read it off the module.
const { CompressionCodecs, CompressionTypes } = kafkajs;

/** Record-batch compression a producer can use. Every consumer of this package reads all of them. */
export const KAFKA_COMPRESSIONS = ['lz4', 'gzip', 'none'] as const;
export type KafkaCompression = (typeof KAFKA_COMPRESSIONS)[number];

/**
 * kafkajs ships gzip only; LZ4 comes from lz4-napi (the LZ4 frame format Kafka uses, compressed on
 * libuv's thread pool like kafkajs' gzip). Registering is global to the kafkajs module and idempotent;
 * it happens when this module loads, so a consumer can decode LZ4 batches whatever it produces.
 */
CompressionCodecs[CompressionTypes.LZ4] = () => ({
  compress: async (encoder: { buffer: Buffer }) => compressFrame(encoder.buffer),
  decompress: async (buffer: Buffer) => decompressFrame(buffer),
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
