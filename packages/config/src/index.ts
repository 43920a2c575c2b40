export { configReference, type ServiceConfigSchema } from './config-docs.js';
export { ConfigError, envBool, envInt, envList, formatConfigError, loadConfig } from './env.js';
export { onSignals, type Stoppable } from './lifecycle.js';
export { createLogger, type Logger } from './logger.js';
export { runMain } from './run-main.js';
export {
  KAFKA_SECURITY_ENV,
  kafkaSecurity,
  SHARED_ENV,
  type SharedEnvName,
  sharedEnv,
} from './shared-env.js';
