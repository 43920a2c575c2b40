export { createBatchHandler, writerMetrics } from './batch-handler.js';
export { loadConfig, type WriterConfig } from './config.js';
export { DEFAULT_FLUSH, startWriter, type WriterDeps, type WriterHandle } from './service.js';
