export { createQueryApp, type QueryDeps } from './app.js';
export { loadConfig, type QueryConfig } from './config.js';
export { type QueryHandle, startQuery } from './service.js';
