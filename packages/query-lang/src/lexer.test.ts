import { describe, expect, it } from 'vitest';
import { SearchSyntaxError } from './errors.js';
import { type Token, tokenize } from './lexer.js';

/** Token list without positions, for compact expectations. */
function kinds(src: string): unknown[] {
  return tokenize(src).map((t: Token) => {
    switch (t.type) {
      case 'op':
        return t.op;
      case 'string':
      case 'boolean':
        return [t.type, t.value];
      case 'number':
        return ['number', t.value];
      case 'duration':
        return ['duration', t.ns];
      case 'word':
        return t.quotedKey === undefined ? ['word', t.text] : ['word', t.text, t.quotedKey];
      default:
        return t.type;
    }
  });
}

function lexError(src: string): SearchSyntaxError {
  try {
    tokenize(src);
  } catch (err) {
    expect(err).toBeInstanceOf(SearchSyntaxError);
    return err as SearchSyntaxError;
  }
  throw new Error(`expected a lexer error for ${src}`);
}

describe('tokenize', () => {
  it('splits operators, parentheses, words and keywords', () => {
    expect(kinds('(a.b>=1)AND NOT x.y!~"z"')).toEqual([
      'lparen',
      ['word', 'a.b'],
      '>=',
      ['number', 1],
      'rparen',
      'and',
      'not',
      ['word', 'x.y'],
      '!~',
      ['string', 'z'],
      'eof',
    ]);
  });

  it('lexes all eight operators', () => {
    expect(kinds('= != > >= < <= =~ !~')).toEqual(['=', '!=', '>', '>=', '<', '<=', '=~', '!~', 'eof']);
  });

  it('reads keywords and booleans case-insensitively', () => {
    expect(kinds('and Or nOT TRUE False')).toEqual([
      'and',
      'or',
      'not',
      ['boolean', true],
      ['boolean', false],
      'eof',
    ]);
  });

  it('keeps keyword-like prefixes inside longer words', () => {
    expect(kinds('and.x notx order.id')).toEqual([
      ['word', 'and.x'],
      ['word', 'notx'],
      ['word', 'order.id'],
      'eof',
    ]);
  });

  it('accepts the documented key characters', () => {
    expect(kinds('attr.k8s-pod/name:v_2.x')).toEqual([['word', 'attr.k8s-pod/name:v_2.x'], 'eof']);
  });

  it('reads the quoted key form', () => {
    expect(kinds('attr."weird key" resource."a\\"b"')).toEqual([
      ['word', 'attr.', 'weird key'],
      ['word', 'resource.', 'a"b'],
      'eof',
    ]);
  });

  it('decodes every string escape', () => {
    expect(kinds('"q\\" b\\\\ n\\n t\\t r\\r u\\u00e9\\uD83D\\uDE00"')).toEqual([
      ['string', 'q" b\\ n\n t\t r\r ué😀'],
      'eof',
    ]);
  });

  it('keeps raw unicode and single quotes in strings as they are', () => {
    expect(kinds('"日本 \' ✓"')).toEqual([['string', "日本 ' ✓"], 'eof']);
  });

  it('reads integers, decimals, negatives and exponents', () => {
    expect(kinds('42 -7 3.25 -0.5 1e3 2.5E-2 -1e+2')).toEqual([
      ['number', 42],
      ['number', -7],
      ['number', 3.25],
      ['number', -0.5],
      ['number', 1000],
      ['number', 0.025],
      ['number', -100],
      'eof',
    ]);
  });

  it('converts durations of every unit to exact nanoseconds', () => {
    expect(kinds('7ns 250us 100ms 1.5s 2m 1h 1.1s 0.5us 1e3ms')).toEqual([
      ['duration', 7n],
      ['duration', 250_000n],
      ['duration', 100_000_000n],
      ['duration', 1_500_000_000n],
      ['duration', 120_000_000_000n],
      ['duration', 3_600_000_000_000n],
      ['duration', 1_100_000_000n],
      ['duration', 500n],
      ['duration', 1_000_000_000n],
      'eof',
    ]);
  });

  it('handles very long decimal expansions exactly', () => {
    expect(kinds(`1.${'0'.repeat(200)}s`)).toEqual([['duration', 1_000_000_000n], 'eof']);
  });

  it.each([
    ['"abc', 'unterminated string', 1],
    ['a.b = "abc\\"', 'unterminated string', 7],
    ['"abc\\', 'unterminated string', 1],
    ['a.b = "x\\q"', "invalid escape '\\q' in string", 9],
    ['"\\u12G4"', 'invalid \\u escape: expected 4 hex digits', 2],
    ['"\\u12"', 'invalid \\u escape: expected 4 hex digits', 2],
    ['a.b == 1', "unknown operator '=='", 5],
    ['a.b ! 1', "unknown operator '!'", 5],
    ['a.b ~ 1', "unknown operator '~'", 5],
    ['a.b !=~ "x"', "unknown operator '!=~'", 5],
    ["a.b = 'x'", "unexpected character '''", 7],
    ['a.b = 5xs', "unknown duration unit 'xs' (use ns, us, ms, s, m or h)", 8],
    ['a.b = 1e', "unknown duration unit 'e' (use ns, us, ms, s, m or h)", 8],
    ['a.b = 1.5.2', "unexpected character '.' after number", 10],
    ['a.b = -5ms', 'duration cannot be negative', 7],
    ['a.b = 0.5ns', 'duration finer than a nanosecond', 7],
    ['a.b = 1e999999999s', 'duration out of range', 7],
    ['a.b = 1e-999999999s', 'duration finer than a nanosecond', 7],
    ['a.b = 6000000h', 'duration out of range', 7],
    ['a.b = 1e400', 'number out of range', 7],
    ['a.b = -x', "unexpected character '-'", 7],
    ['a.b ; 1', "unexpected character ';'", 5],
  ])('rejects %s', (src, message, column) => {
    const err = lexError(src);
    expect(err.message).toBe(message);
    expect(err.column).toBe(column);
    expect(err.position).toBe(column - 1);
  });

  it('places eof at the end of the input', () => {
    expect(tokenize('a.b = 1  ').at(-1)).toEqual({ type: 'eof', position: 9 });
  });
});
