export { compressionType, KAFKA_COMPRESSIONS, type KafkaCompression } from './codecs.js';
export { InProcessBus, type InProcessBusOptions } from './in-process-bus.js';
export { KafkaBus, type KafkaBusOptions } from './kafka-bus.js';
export { TOPICS } from './topics.js';
export type {
  BatchContext,
  BatchHandler,
  Bus,
  BusConsumer,
  BusProducer,
  ConsumedBatch,
  ConsumedMessage,
  ConsumerOptions,
} from './types.js';
