export { type AuthContext, KeyAuthenticator, type KeyLookup } from './authenticator.js';
export { type CreateKeyInput, createKey, ensureKey } from './bootstrap.js';
export * from './keys.js';
export { extractApiKey, requireAuth } from './middleware.js';
