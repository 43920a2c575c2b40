export { type AllInOneProcess, spawnAllInOne } from './all-in-one-process.js';
export { randomSpanId, randomTraceId, sampleBatch } from './fixtures.js';
export { type Pipeline, type Role, startPipeline } from './pipeline.js';
export { freePort, type ServiceProcess, spawnService } from './processes.js';
export { type StackEnv, stackEnv } from './stack-env.js';
export { waitFor } from './wait-for.js';
