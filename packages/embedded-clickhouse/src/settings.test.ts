import { describe, expect, it } from 'vitest';
import { buildSessionSetup, mayChangeSessionState, quoteIdentifier, quoteStringLiteral } from './settings.js';

describe('quoteStringLiteral', () => {
  it('escapes what can end or bend a ClickHouse string literal', () => {
    expect(quoteStringLiteral('plain')).toBe("'plain'");
    expect(quoteStringLiteral("it's")).toBe("'it\\'s'");
    expect(quoteStringLiteral('a\\b')).toBe("'a\\\\b'");
    expect(quoteStringLiteral('l1\nl2\tx\r\0')).toBe("'l1\\nl2\\tx\\r\\0'");
    expect(quoteStringLiteral('é🚀')).toBe("'é🚀'");
  });

  it('keeps an already escaped parameter value byte for byte', () => {
    // The client sends ['a\'b'] for Array(String); the literal must hand exactly that to the engine.
    expect(quoteStringLiteral("['a\\'b']")).toBe("'[\\'a\\\\\\'b\\']'");
  });
});

describe('quoteIdentifier', () => {
  it('back-quotes and escapes', () => {
    expect(quoteIdentifier('db')).toBe('`db`');
    expect(quoteIdentifier('we`ird\\')).toBe('`we\\`ird\\\\`');
  });
});

describe('buildSessionSetup', () => {
  it('is undefined when the request carries no state', () => {
    expect(buildSessionSetup({ settings: new Map(), params: new Map() })).toBeUndefined();
    expect(
      buildSessionSetup({ database: 'default', settings: new Map(), params: new Map() }),
    ).toBeUndefined();
  });

  it('switches database and sets settings and parameters in one statement list', () => {
    const sql = buildSessionSetup({
      database: 'traces',
      settings: new Map([
        ['max_threads', '1'],
        ['insert_deduplication_token', "t'1"],
      ]),
      params: new Map([['trace_id', 'abc\\n']]),
    });
    expect(sql).toBe(
      "USE `traces`; SET max_threads = '1', insert_deduplication_token = 't\\'1', param_trace_id = 'abc\\\\n'",
    );
  });

  it('refuses unsafe names even if a caller skipped validation', () => {
    expect(() => buildSessionSetup({ settings: new Map([['x=1; DROP', '1']]), params: new Map() })).toThrow(
      /Invalid setting name/,
    );
  });
});

describe('mayChangeSessionState', () => {
  it('flags SET, USE and temporary tables, not SETTINGS', () => {
    expect(mayChangeSessionState('SET max_threads = 1')).toBe(true);
    expect(mayChangeSessionState('use db')).toBe(true);
    expect(mayChangeSessionState('CREATE TEMPORARY TABLE t (a UInt8)')).toBe(true);
    expect(mayChangeSessionState('SELECT 1 SETTINGS max_threads = 1')).toBe(false);
    expect(mayChangeSessionState('SELECT offset FROM t')).toBe(false);
  });
});
