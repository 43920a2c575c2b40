export { type ChannelSettings, deliver, sendOnce } from './channels/deliver.js';
export {
  DestinationBlockedError,
  type OutboundPolicy,
  postJson,
  type Resolver,
  vetDestination,
} from './channels/outbound.js';
export { type Notification, signature } from './channels/payloads.js';
export { type AlerterConfig, type AlertsEnv, alertsEnvShape, loadConfig } from './config.js';
export { evaluateOnce } from './evaluator.js';
export {
  type AlerterSettings,
  alertSettings,
  type EvaluatorHandle,
  type EvaluatorStatus,
  startAlerter,
  startEvaluator,
} from './service.js';
export { metricValue, step } from './state-machine.js';
