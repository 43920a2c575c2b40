export { runKeysCommand } from './keys-command.js';
