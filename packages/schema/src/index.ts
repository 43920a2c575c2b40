export * from './batch.js';
export * from './bus-message.js';
export * from './ids.js';
export * from './live.js';
export * from './openapi.js';
export * from './time.js';
export * from './zod-details.js';
