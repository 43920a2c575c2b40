import { describe, expect, it } from 'vitest';
import { parseCli } from './cli-args.js';

describe('parseCli', () => {
  it('uses defaults', () => {
    expect(parseCli([], {})).toEqual({
      kind: 'run',
      config: {
        host: '127.0.0.1',
        port: 8123,
        dataDir: './.data/clickhouse',
        poolSize: 4,
        maxBodyBytes: 256 * 1024 * 1024,
      },
    });
  });

  it('lets flags win over environment variables', () => {
    const env = { MESH_TRACE_CH_HOST: '::1', MESH_TRACE_CH_PORT: '9000', MESH_TRACE_CH_DATA_DIR: '/env' };
    expect(parseCli([], env)).toMatchObject({ config: { host: '::1', port: 9000, dataDir: '/env' } });
    const flags = [
      '--port',
      '18123',
      '--data-dir',
      '.stack/clickhouse',
      '--pool-size',
      '2',
      '--host',
      '127.0.0.2',
    ];
    expect(parseCli(flags, env)).toMatchObject({
      config: { host: '127.0.0.2', port: 18123, dataDir: '.stack/clickhouse', poolSize: 2 },
    });
  });

  it('recognises --help and rejects bad input', () => {
    expect(parseCli(['--help'], {})).toEqual({ kind: 'help' });
    expect(parseCli(['-h'], {})).toEqual({ kind: 'help' });
    expect(parseCli(['--bogus'], {}).kind).toBe('error');
    expect(parseCli(['--port', '70000'], {}).kind).toBe('error');
    expect(parseCli(['--port', '-1'], {}).kind).toBe('error');
    expect(parseCli(['--pool-size', '0'], {}).kind).toBe('error');
    expect(parseCli([], { MESH_TRACE_CH_PORT: 'abc' }).kind).toBe('error');
    expect(parseCli(['extra'], {}).kind).toBe('error');
  });
});
