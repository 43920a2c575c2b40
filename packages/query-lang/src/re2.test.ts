import { describe, expect, it } from 'vitest';
import { re2Problem } from './re2.js';

describe('re2Problem', () => {
  it.each([
    '',
    'abc',
    '^GET /api/[a-z]+$',
    '(?i)select',
    '(?i:foo)bar',
    '(?is-m)x',
    '(?P<code>5\\d\\d)',
    '(?<code>5\\d\\d)',
    '\\Ahello\\z',
    '\\Q.*+?\\E',
    '\\pL+\\p{Greek}\\PN',
    '[]a]',
    '[^]a]',
    '[[:alpha:]]+',
    '\\.\\-\\_\\/',
    'a{2,1000}',
    '\\x41\\x{263a}',
    '\\0',
  ])('accepts %s', (pattern) => {
    expect(re2Problem(pattern)).toBeUndefined();
  });

  it.each([
    ['foo(?=bar)', 'lookahead is not supported by RE2'],
    ['foo(?!bar)', 'lookahead is not supported by RE2'],
    ['(?<=a)b', 'lookbehind is not supported by RE2'],
    ['(?<!a)b', 'lookbehind is not supported by RE2'],
    ['(a)\\1', 'backreferences are not supported by RE2'],
    ['(?P<x>a)(?P=x)', 'backreferences are not supported by RE2'],
    ['\\q', "invalid escape '\\q'"],
    ['\\k<x>', "invalid escape '\\k'"],
    ['abc\\', 'trailing backslash'],
    ['(?#comment)', 'unsupported group syntax'],
    ['a{1001}', 'repeat count above 1000'],
    ['\\p{Greek', 'unterminated \\p{…} class'],
  ])('rejects %s', (pattern, problem) => {
    expect(re2Problem(pattern)).toBe(problem);
  });

  it.each(['(abc', 'abc)', '[a-', '*a', 'a**', 'x{2,1}', '(?i)*'])(
    'rejects what JS cannot compile: %s',
    (p) => {
      expect(re2Problem(p)).toMatch(/^invalid regular expression: /);
    },
  );
});
