export { type AllInOneHandle, startAllInOne } from './all-in-one.js';
export { type AllInOneConfig, loadConfig } from './config.js';
