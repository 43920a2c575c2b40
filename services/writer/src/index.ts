export { createBatchHandler, dedupTokenFor, writerMetrics } from './batch-handler.js';
export { loadConfig, type WriterConfig } from './config.js';
export { startWriter, type WriterDeps, type WriterHandle } from './service.js';
