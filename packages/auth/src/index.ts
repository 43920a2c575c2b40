export { type AuthContext, KeyAuthenticator, type KeyLookup } from './authenticator.js';
export { type CreateKeyInput, createKey, ensureKey } from './bootstrap.js';
export { KeyService, type KeyView, toView } from './key-service.js';
export * from './keys.js';
export { extractApiKey, requireAuth } from './middleware.js';
