import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { ClickHouseHttpError, ErrorCode } from './errors.js';

// Compression runs on libuv's thread pool (the async zlib API), so a large gzip body or result
// does not stall other requests on the event loop.
const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const brotliDecompress = promisify(zlib.brotliDecompress);
const gzip = promisify(zlib.gzip);
const deflate = promisify(zlib.deflate);
const brotliCompress = promisify(zlib.brotliCompress);

// zstd is in node:zlib from Node 22.15; on older runtimes the codec is simply not offered.
type Codec = (buf: Buffer, opts: zlib.ZlibOptions) => Promise<Buffer>;
const zlibAny = zlib as unknown as Record<string, unknown>;
const zstdDecompress =
  typeof zlibAny.zstdDecompress === 'function'
    ? (promisify(zlibAny.zstdDecompress as never) as Codec)
    : undefined;
const zstdCompress =
  typeof zlibAny.zstdCompress === 'function'
    ? (promisify(zlibAny.zstdCompress as never) as Codec)
    : undefined;

function tooLarge(limit: number): ClickHouseHttpError {
  return new ClickHouseHttpError(
    ErrorCode.QUERY_IS_TOO_LARGE,
    `Request body exceeds the embedded server's limit of ${limit} bytes`,
  );
}

/** Buffers the request body, failing as soon as it passes `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks, size));
    });
    req.on('error', (err) => {
      if (!failed) reject(err);
    });
  });
}

/** Undoes `Content-Encoding`, bounding the decompressed size by the same limit as the raw body. */
export async function decodeBody(body: Buffer, encoding: string | undefined, limit: number): Promise<Buffer> {
  const codec = (encoding ?? '').trim().toLowerCase();
  if (codec === '' || codec === 'identity' || body.length === 0) return body;
  const opts = { maxOutputLength: limit };
  try {
    switch (codec) {
      case 'gzip':
      case 'x-gzip':
        return await gunzip(body, opts);
      case 'deflate':
        return await inflate(body, opts);
      case 'br':
        return await brotliDecompress(body, opts);
      case 'zstd':
        if (zstdDecompress) return await zstdDecompress(body, opts);
        break;
    }
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(limit);
    throw new ClickHouseHttpError(
      ErrorCode.CANNOT_DECOMPRESS,
      `Cannot decompress the request body (${codec}): ${(err as Error).message}`,
    );
  }
  throw new ClickHouseHttpError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, `Unsupported Content-Encoding: ${codec}`);
}

export type ResponseEncoding = 'gzip' | 'deflate' | 'br' | 'zstd';

/** The first codec in `Accept-Encoding` this server can produce (clients send one: the one they decode). */
export function chooseResponseEncoding(acceptEncoding: string | undefined): ResponseEncoding | undefined {
  if (acceptEncoding === undefined) return undefined;
  for (const item of acceptEncoding.split(',')) {
    const [name = '', ...rest] = item.trim().toLowerCase().split(';');
    if (rest.some((p) => p.trim() === 'q=0')) continue;
    if (name === 'gzip' || name === 'deflate' || name === 'br') return name;
    if (name === 'zstd' && zstdCompress) return name;
  }
  return undefined;
}

export function encodeBody(body: Uint8Array, encoding: ResponseEncoding): Promise<Buffer> {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  switch (encoding) {
    case 'gzip':
      return gzip(buf);
    case 'deflate':
      return deflate(buf);
    case 'br':
      return brotliCompress(buf);
    case 'zstd':
      return (zstdCompress as Codec)(buf, {});
  }
}

/**
 * Reads a `multipart/form-data` body of text fields, which is how @clickhouse/client sends the
 * query and its parameters once they outgrow the URL. Returns undefined for other content types.
 */
export function parseMultipartFields(
  body: Buffer,
  contentType: string | undefined,
): Array<[string, string]> | undefined {
  if (contentType === undefined || !/^multipart\/form-data\b/i.test(contentType)) return undefined;
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const marker = boundary?.[1] ?? boundary?.[2];
  if (marker === undefined) {
    throw new ClickHouseHttpError(ErrorCode.BAD_ARGUMENTS, 'multipart/form-data body without a boundary');
  }
  const fields: Array<[string, string]> = [];
  const parts = body.toString('utf8').split(`--${marker}`);
  for (const raw of parts.slice(1)) {
    if (raw.startsWith('--')) break;
    const part = raw.startsWith('\r\n') ? raw.slice(2) : raw;
    const sep = part.indexOf('\r\n\r\n');
    if (sep === -1)
      throw new ClickHouseHttpError(ErrorCode.BAD_ARGUMENTS, 'Malformed multipart/form-data part');
    const name = /name="([^"]*)"/i.exec(part.slice(0, sep))?.[1];
    const value = part.slice(sep + 4);
    if (name !== undefined) fields.push([name, value.endsWith('\r\n') ? value.slice(0, -2) : value]);
  }
  return fields;
}
