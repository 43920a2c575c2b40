import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ClickHouseHttpError } from './errors.js';
import { chooseResponseEncoding, decodeBody, encodeBody, parseMultipartFields } from './http-body.js';
import { contentTypeFor } from './http-server.js';

describe('parseMultipartFields', () => {
  it('reads the form @clickhouse/client builds for large parameters', () => {
    const b = '----clickhouse-js-1234';
    const body = Buffer.from(
      `--${b}\r\nContent-Disposition: form-data; name="query"\r\n\r\nSELECT {v:Array(String)}\r\n` +
        `--${b}\r\nContent-Disposition: form-data; name="param_v"\r\n\r\n['a\\'b','line\r\nbreak']\r\n` +
        `--${b}--\r\n`,
    );
    expect(parseMultipartFields(body, `multipart/form-data; boundary=${b}`)).toEqual([
      ['query', 'SELECT {v:Array(String)}'],
      ['param_v', "['a\\'b','line\r\nbreak']"],
    ]);
  });

  it('ignores other content types and rejects a form without boundary', () => {
    expect(parseMultipartFields(Buffer.from('x'), 'text/plain')).toBeUndefined();
    expect(parseMultipartFields(Buffer.from('x'), undefined)).toBeUndefined();
    expect(() => parseMultipartFields(Buffer.from('x'), 'multipart/form-data')).toThrow(ClickHouseHttpError);
  });
});

describe('content encodings', () => {
  it('decodes gzip and refuses what it does not know', async () => {
    const gz = gzipSync(Buffer.from('SELECT 1'));
    expect((await decodeBody(gz, 'gzip', 1024)).toString()).toBe('SELECT 1');
    expect((await decodeBody(Buffer.from('x'), undefined, 1024)).toString()).toBe('x');
    await expect(decodeBody(Buffer.from('x'), 'lz77', 1024)).rejects.toMatchObject({ code: 779 });
    await expect(decodeBody(Buffer.from('not gzip'), 'gzip', 1024)).rejects.toMatchObject({ code: 271 });
  });

  it('bounds the decompressed size', async () => {
    const bomb = gzipSync(Buffer.alloc(1_000_000));
    await expect(decodeBody(bomb, 'gzip', 10_000)).rejects.toMatchObject({ code: 229 });
  });

  it('chooses a response codec the client accepts', async () => {
    expect(chooseResponseEncoding(undefined)).toBeUndefined();
    expect(chooseResponseEncoding('gzip')).toBe('gzip');
    expect(chooseResponseEncoding('identity, br;q=1')).toBe('br');
    expect(chooseResponseEncoding('gzip;q=0, deflate')).toBe('deflate');
    expect(chooseResponseEncoding('compress')).toBeUndefined();
    const gz = await encodeBody(new TextEncoder().encode('1\n'), 'gzip');
    expect((await decodeBody(gz, 'gzip', 100)).toString()).toBe('1\n');
  });
});

describe('contentTypeFor', () => {
  it('labels the common formats', () => {
    expect(contentTypeFor('JSON')).toContain('application/json');
    expect(contentTypeFor('JSONEachRow')).toContain('application/x-ndjson');
    expect(contentTypeFor('TabSeparated')).toContain('text/tab-separated-values');
    expect(contentTypeFor('CSVWithNames')).toContain('text/csv');
    expect(contentTypeFor('RowBinary')).toBe('application/octet-stream');
    expect(contentTypeFor(undefined)).toContain('text/plain');
  });
});
