import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The bench lives outside the pnpm workspace: third-party modules come from the packages using them. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const fromBus = createRequire(`${REPO_ROOT}packages/bus/package.json`);
/** kafkajs, the exact version the ingest and writer run. */
export const kafkajs = fromBus('kafkajs');
