export { randomSpanId, randomTraceId, sampleBatch } from './fixtures.js';
export { freePort, type ServiceProcess, spawnService } from './processes.js';
export { type StackEnv, stackEnv } from './stack-env.js';
export { waitFor } from './wait-for.js';
