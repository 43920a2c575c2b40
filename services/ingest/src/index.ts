export { createIngestApp, type IngestDeps, type IngestSettings, ingestMetrics } from './app.js';
export { type IngestConfig, loadConfig } from './config.js';
export { type AcceptedTraces, MemoryAcceptedTraces, RedisAcceptedTraces } from './domain/accepted-traces.js';
export { LivePublisher, type LiveSink, RedisLiveSink } from './domain/live-publisher.js';
export { type IngestHandle, startIngest } from './service.js';
