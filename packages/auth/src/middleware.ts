import { DependencyUnavailableError, ForbiddenError, UnauthorizedError } from '@mesh-trace/errors';
import type { Request, RequestHandler } from 'express';
import type { AuthContext, KeyAuthenticator } from './authenticator.js';
import type { Scope } from './keys.js';

declare global {
  namespace Express {
    interface Request {
      /** Set by requireAuth: the caller's org, env, scopes and agent binding. */
      auth?: AuthContext;
    }
  }
}

/** `Authorization: Bearer`, `x-api-key`, or `x-mortem-api-key` (agent SDK wire compatibility). */
export function extractApiKey(req: Request): string | undefined {
  const authz = req.headers.authorization;
  if (typeof authz === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authz);
    if (m?.[1]) return m[1];
  }
  for (const h of ['x-api-key', 'x-mortem-api-key']) {
    const v = req.headers[h];
    if (typeof v === 'string' && v.trim()) return v.trim();
  }
  return undefined;
}

export function requireAuth(auth: KeyAuthenticator, scope: Scope): RequestHandler {
  return (req, _res, next) => {
    const key = extractApiKey(req);
    if (!key) {
      next(new UnauthorizedError('Missing API key'));
      return;
    }
    auth.authenticate(key).then(
      (ctx) => {
        if (!ctx) return next(new UnauthorizedError('Unknown or revoked API key'));
        if (!ctx.scopes.includes(scope) && !ctx.scopes.includes('admin')) {
          return next(new ForbiddenError(`API key lacks the '${scope}' scope`));
        }
        req.auth = ctx;
        next();
      },
      (err: unknown) => next(new DependencyUnavailableError('key store', err)),
    );
  };
}
