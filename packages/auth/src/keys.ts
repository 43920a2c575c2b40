import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const SCOPES = ['ingest', 'read', 'alerts:write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

const KEY_FORMAT = /^mtk_(live|test)_[A-Za-z0-9]{20,128}$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function isWellFormedKey(key: string): boolean {
  return KEY_FORMAT.test(key);
}

/** `mtk_test_` keys read and write sandbox data only; live keys never see it. */
export function envOfKey(key: string): 'live' | 'sandbox' {
  return key.startsWith('mtk_test_') ? 'sandbox' : 'live';
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function hashesEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a, 'hex');
  const bb = Buffer.from(b, 'hex');
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

/** A new secret: 40 base62 characters from the CSPRNG (rejection sampling keeps it unbiased). */
export function generateKey(env: 'live' | 'sandbox'): string {
  let secret = '';
  while (secret.length < 40) {
    for (const b of randomBytes(64)) {
      if (b < 248 && secret.length < 40) secret += ALPHABET[b % 62];
    }
  }
  return `mtk_${env === 'sandbox' ? 'test' : 'live'}_${secret}`;
}

/** What listings show instead of the secret. */
export function keyPrefix(key: string): string {
  return key.slice(0, 13);
}
