import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from '@mesh-trace/config';
import express, { type Express, type NextFunction, type Response } from 'express';

/**
 * The explorer is static files talking to this same origin: nothing inline, nothing from elsewhere.
 * React sets styles through the CSSOM, which style-src does not restrict, so no 'unsafe-inline'.
 */
export const UI_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Vite names every file under assets/ by its content hash: a changed file is a new URL. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html (and unhashed files) are revalidated on every load, so a deploy shows at once. */
const REVALIDATE = 'no-cache';

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Mesh-Trace</title></head>
<body><h1>Mesh-Trace</h1><p>The web UI is not built. Run <code>make build</code> (or
<code>pnpm --filter @mesh-trace/ui build</code>) and reload. The API is served at <code>/v1</code>.</p></body></html>
`;

/** The built UI of the @mesh-trace/ui package, wherever the package manager put it. */
export function defaultUiDir(): string | undefined {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('@mesh-trace/ui/package.json')), 'dist');
  } catch {
    return undefined;
  }
}

function uiHeaders(res: Response): void {
  res.setHeader('Content-Security-Policy', UI_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
}

/** The API's namespace is never answered by the UI, so an unknown /v1 path stays a JSON 404. */
const isApiPath = (path: string) => path === '/v1' || path.startsWith('/v1/');
/** A client-side route: no file extension in the last segment and not under assets/. */
const isAppRoute = (path: string) => !path.startsWith('/assets/') && !/\.[^/]*$/.test(path);

/**
 * Serves the explorer at `/`: hashed assets cached for a year, index.html revalidated, and
 * index.html for every other GET that is not an API path (history routing). Mounted after the API
 * routes, so they always win. `dir` false: no UI; a directory without index.html (UI not built):
 * `/` explains how to build it, and the service runs as usual.
 */
export function registerUi(app: Express, opts: { dir: string | false | undefined; logger: Logger }): void {
  if (opts.dir === false) return;
  const dir = opts.dir === undefined ? defaultUiDir() : resolve(opts.dir);
  const index = dir === undefined ? undefined : join(dir, 'index.html');
  if (index === undefined || !existsSync(index)) {
    opts.logger.warn({ dir, consequence: 'GET / explains how to build it' }, 'ui_not_built');
    app.get('/', (_req, res) => {
      uiHeaders(res);
      res.setHeader('Cache-Control', REVALIDATE);
      res.status(404).type('html').send(NOT_BUILT);
    });
    return;
  }
  const files = express.static(dir as string, {
    index: false,
    redirect: false,
    dotfiles: 'ignore',
    setHeaders: (res, path) => {
      uiHeaders(res);
      res.setHeader(
        'Cache-Control',
        path.includes(`${join(dir as string, 'assets')}`) ? IMMUTABLE : REVALIDATE,
      );
    },
  });
  const sendIndex = (res: Response, next: NextFunction) => {
    uiHeaders(res);
    res.sendFile(index, { headers: { 'Cache-Control': REVALIDATE }, lastModified: true }, (err) => {
      if (err) next(err);
    });
  };
  app.use((req, res, next) => {
    if (isApiPath(req.path) || (req.method !== 'GET' && req.method !== 'HEAD')) {
      next();
      return;
    }
    files(req, res, () => {
      if (isAppRoute(req.path)) sendIndex(res, next);
      else next();
    });
  });
  opts.logger.info({ dir }, 'ui_served');
}
