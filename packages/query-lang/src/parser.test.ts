import { describe, expect, it } from 'vitest';
import type { Node } from './ast.js';
import { SearchSyntaxError } from './errors.js';
import { MAX_DEPTH, parseSearch } from './parser.js';

/** A compact rendering of the tree: `(a AND (b OR c))`, comparisons as `field op value`. */
function show(n: Node): string {
  switch (n.type) {
    case 'and':
    case 'or':
      return `(${n.children.map(show).join(` ${n.type.toUpperCase()} `)})`;
    case 'not':
      return `NOT ${show(n.child)}`;
    case 'comparison': {
      const f = n.field.type === 'column' ? n.field.name : `${n.field.map}[${n.field.key}]`;
      const v = n.value;
      const text = v.type === 'duration' ? `${v.ns}ns` : JSON.stringify(v.value);
      return `${f} ${n.op} ${text}`;
    }
  }
}

function parseError(src: string): SearchSyntaxError {
  try {
    parseSearch(src);
  } catch (err) {
    expect(err).toBeInstanceOf(SearchSyntaxError);
    return err as SearchSyntaxError;
  }
  throw new Error(`expected a syntax error for ${src}`);
}

describe('precedence', () => {
  it.each([
    [
      'a.x = 1 OR b.x = 2 AND c.x = 3',
      '(attributes[a.x] = 1 OR (attributes[b.x] = 2 AND attributes[c.x] = 3))',
    ],
    [
      'a.x = 1 AND b.x = 2 OR c.x = 3',
      '((attributes[a.x] = 1 AND attributes[b.x] = 2) OR attributes[c.x] = 3)',
    ],
    ['NOT a.x = 1 AND b.x = 2', '(NOT attributes[a.x] = 1 AND attributes[b.x] = 2)'],
    ['NOT (a.x = 1 AND b.x = 2)', 'NOT (attributes[a.x] = 1 AND attributes[b.x] = 2)'],
    [
      '(a.x = 1 OR b.x = 2) AND c.x = 3',
      '((attributes[a.x] = 1 OR attributes[b.x] = 2) AND attributes[c.x] = 3)',
    ],
    ['NOT NOT a.x = 1', 'NOT NOT attributes[a.x] = 1'],
    ['a.x=1 and b.x=2 and c.x=3', '(attributes[a.x] = 1 AND attributes[b.x] = 2 AND attributes[c.x] = 3)'],
    ['((((a.x = 1))))', 'attributes[a.x] = 1'],
  ])('%s', (src, tree) => {
    expect(show(parseSearch(src))).toBe(tree);
  });

  it('keeps long chains flat instead of deep', () => {
    const src = Array.from({ length: 200 }, (_, i) => `a.x = ${i}`).join(' OR ');
    const ast = parseSearch(src);
    expect(ast.type === 'or' && ast.children.length).toBe(200);
  });
});

describe('fields', () => {
  it.each([
    ['service.name = "api"', 'service.name = "api"'],
    ['name = "GET /"', 'name = "GET /"'],
    ['trace_id = "abc"', 'trace_id = "abc"'],
    ['agent_id != "a1"', 'agent_id != "a1"'],
    ['duration >= 250us', 'duration >= 250000ns'],
    ['status = error', 'status = "error"'],
    ['status != "OK"', 'status != "ok"'],
    ['kind = Server', 'kind = "server"'],
    ['attr.http.method = "GET"', 'attributes[http.method] = "GET"'],
    ['http.status_code >= 500', 'attributes[http.status_code] >= 500'],
    ['resource.k8s.cluster.name = "prod"', 'resource[k8s.cluster.name] = "prod"'],
    ['attr."weird key" = true', 'attributes[weird key] = true'],
    ['resource."a b" != false', 'resource[a b] != false'],
    ['attr.status = "x"', 'attributes[status] = "x"'],
    ['service.version = "1"', 'attributes[service.version] = "1"'],
  ])('%s', (src, tree) => {
    expect(show(parseSearch(src))).toBe(tree);
  });

  it('reads a bare number compared with duration as milliseconds', () => {
    expect(show(parseSearch('duration > 100'))).toBe('duration > 100000000ns');
    expect(show(parseSearch('duration < 0.25'))).toBe('duration < 250000ns');
  });

  it('records positions', () => {
    const ast = parseSearch('  a.x = "v"');
    expect(ast).toMatchObject({ position: 2, field: { position: 2 }, value: { position: 8 } });
  });
});

describe('errors', () => {
  it.each([
    ['', 'empty expression', 1],
    ['   ', 'empty expression', 1],
    ['a.x =', "expected a value after '='", 6],
    ['a.x = AND b.x = 1', "expected a value after '=', found AND", 7],
    ['a.x "v"', 'expected an operator after the field, found a string', 5],
    ['a.x', 'expected an operator after the field, found the end of the expression', 4],
    ['AND a.x = 1', 'expected a field, found AND', 1],
    ['a.x = 1 AND', 'expected a field, found the end of the expression', 12],
    ['a.x = 1 OR OR b.x = 1', 'expected a field, found OR', 12],
    ['NOT', 'expected a field, found the end of the expression', 4],
    ['= 1', "expected a field, found operator '='", 1],
    ['"v" = a.x', 'expected a field, found a string', 1],
    ['(a.x = 1', "unbalanced parentheses: '(' at column 1 is never closed", 1],
    ['a.x = 1 AND ((b.x = 1)', "unbalanced parentheses: '(' at column 13 is never closed", 13],
    ['a.x = 1)', "unbalanced parentheses: unexpected ')'", 8],
    [')', "expected a field, found ')'", 1],
    ['()', 'empty parentheses', 2],
    ['(a.x = 1 b.x = 2)', "unexpected 'b.x'; expected AND, OR or ')'", 10],
    ['a.x = 1 b.x = 2', "unexpected 'b.x'; expected AND, OR or the end", 9],
    ['a.x = 1 (b.x = 2)', "unexpected '('; expected AND, OR or the end", 9],
    ['a.x = foo', "expected a value, found 'foo' (strings need double quotes)", 7],
    ['x = 1', 'unknown field', 1],
    ['attr. = 1', "missing key after 'attr.'", 1],
    ['resource. = 1', "missing key after 'resource.'", 1],
    ['attr."" = 1', 'empty key', 1],
    ['name =~ 5', "regex operator '=~' needs a string pattern", 9],
    ['a.x !~ true', "regex operator '!~' needs a string pattern", 8],
    ['duration =~ "1"', "regex operator '=~' does not apply to 'duration'", 13],
    ['status =~ "e"', "regex operator '=~' does not apply to 'status'", 11],
    ['name =~ "a(?<=b)"', 'lookbehind is not supported by RE2', 9],
    ['name !~ "(a)\\\\1"', 'backreferences are not supported by RE2', 9],
    ['a.x =~ "(abc"', 'invalid regular expression: Unterminated group', 8],
    ['duration > "abc"', "'duration' compares with a duration such as 100ms or 1.5s", 12],
    ['duration = true', "'duration' compares with a duration such as 100ms or 1.5s", 12],
    ['duration > -5', 'duration cannot be negative', 12],
    ['name = 100ms', "durations compare only with 'duration'", 8],
    ['a.x > 1s', "durations compare only with 'duration'", 7],
    ['status = "fine"', "'status' must be one of ok, error, unset", 10],
    ['status = 1', "'status' must be one of ok, error, unset", 10],
    ['kind = queue', "'kind' must be one of internal, server, client, producer, consumer", 8],
    ['status > "ok"', "'status' supports only = and !=", 10],
    ['name = 5', "'name' compares with a string", 8],
    ['trace_id = true', "'trace_id' compares with a string", 12],
    ['name > "a"', "operator '>' is not supported for 'name'", 8],
    ['a.x < "a"', "operator '<' needs a number", 7],
    ['a.x >= true', "operator '>=' needs a number", 8],
  ])('%s', (src, message, column) => {
    const err = parseError(src);
    expect(err.message.startsWith(message)).toBe(true);
    expect(err.column).toBe(column);
  });
});

describe('limits', () => {
  it('rejects expressions over 4 KiB at the first byte past the limit', () => {
    const ok = `a.x = "${'v'.repeat(4096 - 8)}"`;
    expect(ok.length).toBe(4096);
    expect(() => parseSearch(ok)).not.toThrow();
    const err = parseError(`${ok} `);
    expect(err.message).toBe('expression longer than 4096 bytes');
    expect(err.column).toBe(4097);
  });

  it('counts UTF-8 bytes, not characters', () => {
    const err = parseError(`a.x = "${'é'.repeat(2100)}"`);
    expect(err.message).toBe('expression longer than 4096 bytes');
    expect(err.column).toBe(7 + 2045);
  });

  it('accepts 64 levels of nesting and rejects 65', () => {
    expect(() => parseSearch(`${'('.repeat(MAX_DEPTH)}a.x = 1${')'.repeat(MAX_DEPTH)}`)).not.toThrow();
    const err = parseError(`${'('.repeat(MAX_DEPTH + 1)}a.x = 1${')'.repeat(MAX_DEPTH + 1)}`);
    expect(err.message).toBe('expression nested deeper than 64 levels');
    expect(err.column).toBe(65);
  });

  it('counts NOT as nesting', () => {
    expect(() => parseSearch(`${'NOT '.repeat(MAX_DEPTH)}a.x = 1`)).not.toThrow();
    expect(parseError(`${'NOT '.repeat(MAX_DEPTH + 1)}a.x = 1`).column).toBe(MAX_DEPTH * 4 + 1);
  });

  it('never overflows the stack on huge inputs', () => {
    for (const src of ['('.repeat(100_000), 'NOT '.repeat(100_000), `"${'\\'.repeat(100_000)}`]) {
      expect(parseError(src).message).toBe('expression longer than 4096 bytes');
    }
    expect(parseError('('.repeat(4000)).message).toBe('expression nested deeper than 64 levels');
  });
});
