import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, envBool, envInt, envList, formatConfigError, loadConfig } from './env.js';

const schema = z.object({
  PORT: envInt(4000, 1, 65535),
  DEBUG: envBool(false),
  BROKERS: envList(['127.0.0.1:9092']),
});

describe('loadConfig', () => {
  it('applies defaults and parses explicit booleans', () => {
    expect(loadConfig(schema, {})).toEqual({ PORT: 4000, DEBUG: false, BROKERS: ['127.0.0.1:9092'] });
    expect(loadConfig(schema, { DEBUG: 'false' }).DEBUG).toBe(false);
    expect(loadConfig(schema, { DEBUG: 'true', BROKERS: 'a:1, b:2' })).toMatchObject({
      DEBUG: true,
      BROKERS: ['a:1', 'b:2'],
    });
  });

  it('names the bad variable in a one-line message', () => {
    expect(() => loadConfig(schema, { PORT: 'eighty' })).toThrow(ConfigError);
    const err = captureError(() => loadConfig(schema, { PORT: '70000' }));
    expect(err).toBeInstanceOf(ConfigError);
    const line = formatConfigError(err as ConfigError);
    expect(line).toMatch(/^invalid configuration: PORT: /);
    expect(line).not.toContain('\n');
    expect(() => loadConfig(schema, { DEBUG: 'maybe' })).toThrow(/one of true, false/);
  });
});

function captureError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}
