export * as apiSchemas from './api-schemas.js';
export { createQueryApp, type QueryDeps } from './app.js';
export { loadConfig, type QueryConfig } from './config.js';
export type { LiveFeed } from './live/live-feed.js';
export { MemoryLiveFeed } from './live/memory-live-feed.js';
export { RedisLiveFeed } from './live/redis-live-feed.js';
export { queryOpenApi } from './openapi.js';
export { type QueryHandle, startQuery } from './service.js';
