export { type CliConfig, parseCli, USAGE } from './cli-args.js';
export {
  createEmbeddedClickHouse,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_POOL_SIZE,
  type EmbeddedClickHouse,
  type EmbeddedClickHouseHandle,
  type EmbeddedClickHouseOptions,
  startEmbeddedClickHouse,
} from './embedded-clickhouse.js';
export type { Logger } from './logger.js';
