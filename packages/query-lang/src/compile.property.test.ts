import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CompiledSearch, compileSearch } from './compile-sql.js';
import { SearchSyntaxError } from './errors.js';

/**
 * Property tests: the compiler either succeeds or throws SearchSyntaxError, and a success is SQL made
 * only of whitelisted pieces — so no user literal or key can reach the SQL text, whatever it contains.
 */

const SQL_WORDS = new Set([
  'service',
  'name',
  'trace_id',
  'agent_id',
  'duration_ns',
  'status',
  'kind',
  'attributes',
  'resource',
  'AND',
  'OR',
  'NOT',
  'mapContains',
  'match',
  'ifNull',
  'toFloat64OrNull',
]);
const SQL_TOKEN =
  /\s+|\{(p[0-9]+):(String|Float64|UInt64)\}|[A-Za-z_][A-Za-z0-9_]*|!=|>=|<=|=|>|<|[()[\],]|0(?![0-9])/y;

/** Throws unless `where` matches the structural template and its placeholders and params agree. */
function assertTemplate({ where, params }: CompiledSearch): void {
  const used = new Map<string, string>();
  let depth = 0;
  for (let i = 0; i < where.length; i = SQL_TOKEN.lastIndex) {
    SQL_TOKEN.lastIndex = i;
    const m = SQL_TOKEN.exec(where);
    if (!m) throw new Error(`unexpected SQL text at ${i}: ${where.slice(i, i + 20)}`);
    const tok = m[0];
    if (m[1] !== undefined) used.set(m[1], m[2] as string);
    else if (/^[A-Za-z_]/.test(tok) && !SQL_WORDS.has(tok)) throw new Error(`word not whitelisted: ${tok}`);
    if (tok === '(' || tok === '[') depth++;
    if (tok === ')' || tok === ']') depth--;
    if (depth < 0) throw new Error('unbalanced SQL');
  }
  if (depth !== 0) throw new Error('unbalanced SQL');
  expect([...used.keys()].sort()).toEqual(Object.keys(params).sort());
  for (const [name, type] of used) {
    const v = params[name];
    if (type === 'String') expect(typeof v).toBe('string');
    if (type === 'Float64') expect(typeof v === 'number' && Number.isFinite(v)).toBe(true);
    if (type === 'UInt64')
      expect(Number.isSafeInteger(v) || (typeof v === 'string' && /^[0-9]+$/.test(v))).toBe(true);
  }
}

/** Compile, and accept exactly two outcomes: a template-conforming result or a well-formed SearchSyntaxError. */
function compileOrSyntaxError(src: string): CompiledSearch | SearchSyntaxError {
  try {
    const r = compileSearch(src);
    assertTemplate(r);
    return r;
  } catch (err) {
    if (!(err instanceof SearchSyntaxError)) throw err;
    expect(Number.isInteger(err.position)).toBe(true);
    expect(err.position).toBeGreaterThanOrEqual(0);
    expect(err.position).toBeLessThanOrEqual(src.length);
    expect(err.column).toBe(err.position + 1);
    return err;
  }
}

// ---- generators for valid expressions ----

interface Gen {
  text: string;
  /** User strings that must come back as parameter values. */
  strings: string[];
}

const hex4 = (code: number) => code.toString(16).padStart(4, '0');
const HOSTILE = [
  "'); DROP TABLE spans; --",
  "' OR 1=1 --",
  '\\',
  '"',
  "\\'",
  '{p0:String}',
  '`',
  '\u0000',
  'attributes[',
  '日本語 🚀',
  '\uD800',
];
const userString = fc.oneof(fc.string({ unit: 'binary', maxLength: 16 }), fc.constantFrom(...HOSTILE));
const quoted = (s: string, allEscaped: boolean): string => {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    const code = s.charCodeAt(i);
    if (allEscaped) out += `\\u${hex4(code)}`;
    else if (c === '"' || c === '\\') out += `\\${c}`;
    else if (c === '\n') out += '\\n';
    else if (c === '\t') out += '\\t';
    else out += code < 0x20 ? `\\u${hex4(code)}` : c;
  }
  return `${out}"`;
};
const stringLit = fc
  .tuple(userString, fc.boolean())
  .map(([s, esc]): Gen => ({ text: quoted(s, esc), strings: [s] }));
const randomCase = (word: string) =>
  fc
    .array(fc.boolean(), { minLength: word.length, maxLength: word.length })
    .map((up) => [...word].map((c, i) => (up[i] ? c.toUpperCase() : c.toLowerCase())).join(''));
const ws = fc.constantFrom(' ', '  ', '\t', '\n', ' \r\n ');
const segment = fc.stringMatching(/^[a-z_][a-z0-9_\-/:]{0,6}$/);
const dottedKey = fc
  .tuple(segment, fc.array(segment, { minLength: 1, maxLength: 3 }))
  .map(([a, r]) => [a, ...r].join('.'));
const mapField = fc.oneof(
  dottedKey.map((k): Gen => ({ text: k, strings: [k] })),
  fc
    .tuple(fc.constantFrom('attr.', 'resource.'), dottedKey)
    .map(([p, k]): Gen => ({ text: p + k, strings: [k] })),
  fc
    .tuple(
      fc.constantFrom('attr.', 'resource.'),
      userString.filter((s) => s !== ''),
      fc.boolean(),
    )
    .map(([p, k, esc]): Gen => ({ text: p + quoted(k, esc), strings: [k] })),
);
const escapeRegex = (s: string) => s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
const regexLit = fc
  .oneof(
    fc.constantFrom(
      '^GET /api/[a-z]+$',
      '(?i)select',
      '\\d{3}',
      '^$',
      'a|b|c',
      '(?P<x>[^/]+)/\\w*',
      '[]x]',
      '',
    ),
    userString.map(escapeRegex),
  )
  .chain((p) => fc.boolean().map((esc): Gen => ({ text: quoted(p, esc), strings: [p] })));
const op6 = fc.constantFrom('=', '!=', '>', '>=', '<', '<=');
const eqOp = fc.constantFrom('=', '!=');
const reOp = fc.constantFrom('=~', '!~');
const durationLit = fc.oneof(
  fc
    .tuple(fc.nat({ max: 100_000 }), fc.constantFrom('ns', 'us', 'ms', 's', 'm', 'h'))
    .map(([n, u]) => `${n}${u}`),
  fc
    .tuple(fc.nat({ max: 1000 }), fc.nat({ max: 999 }), fc.constantFrom('ms', 's', 'm', 'h'))
    .map(([a, b, u]) => `${a}.${b}${u}`),
  fc.nat({ max: 1_000_000 }).map(String),
);
const numberLit = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
);
const stringColumn = fc.constantFrom('service.name', 'name', 'trace_id', 'agent_id');
const cmp = (field: Gen, op: string, value: Gen, gap: string): Gen => ({
  text: `${field.text}${gap}${op}${gap}${value.text}`,
  strings: [...field.strings, ...value.strings],
});
const plain = (text: string): Gen => ({ text, strings: [] });

const comparison: fc.Arbitrary<Gen> = fc.oneof(
  fc.tuple(stringColumn, eqOp, stringLit, ws).map(([f, o, v, g]) => cmp(plain(f), o, v, g)),
  fc.tuple(stringColumn, reOp, regexLit, ws).map(([f, o, v, g]) => cmp(plain(f), o, v, g)),
  fc.tuple(op6, durationLit, ws).map(([o, v, g]) => cmp(plain('duration'), o, plain(v), g)),
  fc
    .tuple(eqOp, fc.constantFrom('ok', 'error', 'unset').chain(randomCase), fc.boolean(), ws)
    .map(([o, v, q, g]) => cmp(plain('status'), o, plain(q ? `"${v}"` : v), g)),
  fc
    .tuple(
      eqOp,
      fc.constantFrom('internal', 'server', 'client', 'producer', 'consumer').chain(randomCase),
      ws,
    )
    .map(([o, v, g]) => cmp(plain('kind'), o, plain(v), g)),
  fc.tuple(mapField, eqOp, stringLit, ws).map(([f, o, v, g]) => cmp(f, o, v, g)),
  fc.tuple(mapField, op6, numberLit, ws).map(([f, o, v, g]) => cmp(f, o, plain(v), g)),
  fc
    .tuple(mapField, eqOp, fc.constantFrom('true', 'false').chain(randomCase), ws)
    .map(([f, o, v, g]) => cmp(f, o, plain(v), g)),
  fc.tuple(mapField, reOp, regexLit, ws).map(([f, o, v, g]) => cmp(f, o, v, g)),
);

const join = (parts: Gen[], sep: string[]): Gen => ({
  text: parts.map((p, i) => (i === 0 ? p.text : `${sep[i - 1]}${p.text}`)).join(''),
  strings: parts.flatMap((p) => p.strings),
});

const { expr } = fc.letrec<{ expr: Gen; binary: Gen; not: Gen; paren: Gen }>((tie) => ({
  expr: fc.oneof(
    { maxDepth: 5, depthIdentifier: 'expr' },
    comparison,
    tie('binary'),
    tie('not'),
    tie('paren'),
  ),
  binary: fc
    .tuple(tie('expr'), fc.constantFrom('and', 'or').chain(randomCase), tie('expr'), ws)
    .map(([a, k, b, g]) => join([a, b], [`${g}${k}${g}`])),
  not: fc.tuple(randomCase('not'), ws, tie('expr')).map(([k, g, e]) => join([plain(k), e], [g])),
  paren: fc.tuple(tie('expr'), ws).map(([e, g]) => join([plain('('), e, plain(')')], [g, g])),
}));

const byteLength = (s: string) => new TextEncoder().encode(s).length;

describe('compileSearch properties', () => {
  it('compiles every valid expression to template SQL that carries all user strings as params', () => {
    fc.assert(
      fc.property(expr, ({ text, strings }) => {
        const r = compileOrSyntaxError(text);
        if (byteLength(text) > 4096) {
          expect(r).toBeInstanceOf(SearchSyntaxError);
          return;
        }
        if (r instanceof SearchSyntaxError) throw new Error(`valid input rejected: ${r.message} in ${text}`);
        const values = new Set(Object.values(r.params));
        for (const s of strings) expect(values.has(s)).toBe(true);
      }),
      { numRuns: 4000 },
    );
  });

  it('returns a result or a SearchSyntaxError for random strings', () => {
    const alphabet = fc.constantFrom(...'()"\\=!<>~ .-_:/aeimnsuxAND ORNOT0123456789tfE+'.split(''));
    const input = fc.oneof(
      fc.string({ unit: alphabet, maxLength: 60 }),
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.string({ unit: 'grapheme-ascii', maxLength: 60 }),
    );
    fc.assert(
      fc.property(input, (src) => {
        compileOrSyntaxError(src);
      }),
      { numRuns: 4000 },
    );
  });

  it('returns a result or a SearchSyntaxError for token soup', () => {
    const token = fc.oneof(
      fc.constantFrom(
        '(',
        ')',
        'AND',
        'or',
        'NOT',
        '=',
        '!=',
        '>=',
        '<',
        '=~',
        '!~',
        '==',
        '!',
        'true',
        'status',
      ),
      fc.constantFrom(
        'duration',
        'name',
        'kind',
        'error',
        'server',
        'a.b',
        'attr.',
        'attr."k"',
        '"v"',
        '"',
        '1.5s',
      ),
      fc.constantFrom('-3', '1e9', '5xs', '"\\q"', '"\\u12"', '"(?<=a)"', '"(a)\\\\1"', '"[a-"', '1e999s'),
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 12 }), ws, (tokens, gap) => {
        compileOrSyntaxError(tokens.join(gap));
      }),
      { numRuns: 3000 },
    );
  });

  it('returns a result or a SearchSyntaxError for mutations of valid expressions', () => {
    const edit = fc.oneof(
      fc.tuple(fc.constant('delete' as const), fc.nat(), fc.integer({ min: 1, max: 4 }), fc.constant('')),
      fc.tuple(
        fc.constant('insert' as const),
        fc.nat(),
        fc.constant(0),
        fc.oneof(
          fc.constantFrom(
            '(',
            ')',
            '"',
            '\\',
            '=',
            '!',
            '~',
            '<',
            '>',
            ' AND ',
            ' OR ',
            'NOT ',
            '.',
            '-',
            'e',
            'ms',
          ),
          fc.constantFrom('\\u', '\\', '1', 'attr.', '"x"', "'", '\n', '\u{1F4A3}', '\uDC00'),
          fc.string({ unit: 'binary', maxLength: 3 }),
        ),
      ),
      fc.tuple(fc.constant('truncate' as const), fc.nat(), fc.constant(0), fc.constant('')),
      fc.tuple(fc.constant('duplicate' as const), fc.nat(), fc.integer({ min: 1, max: 12 }), fc.constant('')),
    );
    fc.assert(
      fc.property(expr, fc.array(edit, { minLength: 1, maxLength: 4 }), (valid, edits) => {
        let s = valid.text;
        for (const [kind, rawAt, len, text] of edits) {
          const at = rawAt % (s.length + 1);
          if (kind === 'delete') s = s.slice(0, at) + s.slice(at + len);
          else if (kind === 'insert') s = s.slice(0, at) + text + s.slice(at);
          else if (kind === 'truncate') s = s.slice(0, at);
          else s = s.slice(0, at + len) + s.slice(at);
        }
        compileOrSyntaxError(s);
      }),
      { numRuns: 4000 },
    );
  });
});
