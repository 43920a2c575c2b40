export { Registry } from 'prom-client';
export { createHttpApp, type HttpAppOptions, type ReadinessCheck } from './app.js';
export { asyncRoute } from './async-route.js';
export { errorMiddleware, notFoundHandler, sendError, statusFor } from './errors.js';
export { type JsonBodyOptions, jsonBody } from './json-body.js';
export { perKeyRateLimit, type RateLimitOptions } from './rate-limit.js';
export { requestIdOf } from './request-id.js';
export { type HttpServerHandle, listen } from './server.js';
export { parseOrThrow } from './zod.js';
