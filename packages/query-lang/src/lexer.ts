import type { ComparisonOp } from './ast.js';
import { SearchSyntaxError } from './errors.js';

export type Token =
  | { type: 'lparen' | 'rparen' | 'and' | 'or' | 'not' | 'eof'; position: number }
  | { type: 'op'; op: ComparisonOp; position: number }
  | { type: 'string'; value: string; position: number }
  /** `text` is kept so a bare number compared with `duration` can be converted exactly, not via a double. */
  | { type: 'number'; value: number; text: string; position: number }
  | { type: 'duration'; ns: bigint; position: number }
  | { type: 'boolean'; value: boolean; position: number }
  /** A field path. `quotedKey` is set for `attr."weird key"` / `resource."…"`; then `text` is the prefix. */
  | { type: 'word'; text: string; quotedKey?: string; position: number };

export const DURATION_UNITS_NS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const UINT64_MAX = (1n << 64n) - 1n;
const OPS = new Set<string>(['=', '!=', '>', '>=', '<', '<=', '=~', '!~']);
const OP_CHARS = '=!<>~';
const WORD_START = /[A-Za-z_]/;
const WORD_CHAR = /[A-Za-z0-9_\-./:]/;
const DIGIT = /[0-9]/;
const HEX4 = /^[0-9A-Fa-f]{4}$/;
const NUMBER = /-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', n: '\n', t: '\t', r: '\r' };

/** Splits the whole expression into tokens up front; the input is at most 4 KiB, so this is cheap. */
export function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ type: c === '(' ? 'lparen' : 'rparen', position: i });
      i++;
    } else if (OP_CHARS.includes(c)) {
      // Greedy: `==` or `!=~` is reported as one unknown operator instead of two confusing tokens.
      let j = i;
      while (j < src.length && OP_CHARS.includes(src[j] as string)) j++;
      const op = src.slice(i, j);
      if (!OPS.has(op)) throw new SearchSyntaxError(`unknown operator '${op}'`, i);
      tokens.push({ type: 'op', op: op as ComparisonOp, position: i });
      i = j;
    } else if (c === '"') {
      const s = readString(src, i);
      tokens.push({ type: 'string', value: s.value, position: i });
      i = s.end;
    } else if (DIGIT.test(c) || (c === '-' && DIGIT.test(src[i + 1] ?? ''))) {
      i = readNumber(src, i, tokens);
    } else if (WORD_START.test(c)) {
      i = readWord(src, i, tokens);
    } else {
      throw new SearchSyntaxError(`unexpected character '${c}'`, i);
    }
  }
  tokens.push({ type: 'eof', position: src.length });
  return tokens;
}

function readString(src: string, start: number): { value: string; end: number } {
  let out = '';
  let i = start + 1;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === '"') return { value: out, end: i + 1 };
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const e = src[i + 1];
    if (e === undefined) break;
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
      i += 2;
    } else if (e === 'u') {
      const hex = src.slice(i + 2, i + 6);
      if (!HEX4.test(hex)) throw new SearchSyntaxError('invalid \\u escape: expected 4 hex digits', i);
      out += String.fromCharCode(Number.parseInt(hex, 16));
      i += 6;
    } else {
      throw new SearchSyntaxError(`invalid escape '\\${e}' in string`, i);
    }
  }
  throw new SearchSyntaxError('unterminated string', start);
}

function readNumber(src: string, start: number, tokens: Token[]): number {
  NUMBER.lastIndex = start;
  const text = (NUMBER.exec(src) as RegExpExecArray)[0];
  let i = start + text.length;
  let unitEnd = i;
  while (unitEnd < src.length && /[A-Za-z]/.test(src[unitEnd] as string)) unitEnd++;
  if (unitEnd > i) {
    const unit = src.slice(i, unitEnd);
    const unitNs = DURATION_UNITS_NS[unit];
    if (unitNs === undefined) {
      throw new SearchSyntaxError(`unknown duration unit '${unit}' (use ns, us, ms, s, m or h)`, i);
    }
    tokens.push({ type: 'duration', ns: toNanoseconds(text, unitNs, start), position: start });
    i = unitEnd;
  } else {
    const value = Number(text);
    if (!Number.isFinite(value)) throw new SearchSyntaxError('number out of range', start);
    tokens.push({ type: 'number', value, text, position: start });
  }
  // `5x.y` or `1.5.2` would otherwise lex as two adjacent tokens and fail later with a vaguer message.
  if (i < src.length && WORD_CHAR.test(src[i] as string)) {
    throw new SearchSyntaxError(`unexpected character '${src[i]}' after number`, i);
  }
  return i;
}

function readWord(src: string, start: number, tokens: Token[]): number {
  let i = start;
  while (i < src.length && WORD_CHAR.test(src[i] as string)) i++;
  const text = src.slice(start, i);
  const lower = text.toLowerCase();
  if (lower === 'and' || lower === 'or' || lower === 'not') {
    tokens.push({ type: lower, position: start });
  } else if (lower === 'true' || lower === 'false') {
    tokens.push({ type: 'boolean', value: lower === 'true', position: start });
  } else if ((text === 'attr.' || text === 'resource.') && src[i] === '"') {
    const s = readString(src, i);
    tokens.push({ type: 'word', text, quotedKey: s.value, position: start });
    return s.end;
  } else {
    tokens.push({ type: 'word', text, position: start });
  }
  return i;
}

/**
 * Exact decimal arithmetic: `1.1s` through a double would be 1100000000.0000002 ns. Rejects what a
 * UInt64 nanosecond count cannot hold: negatives, sub-nanosecond fractions and overflow.
 */
export function toNanoseconds(text: string, unitNs: bigint, position: number): bigint {
  const m = /^(-?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/.exec(text);
  if (!m) throw new SearchSyntaxError('invalid duration', position);
  const [, sign, int = '', frac = '', expText = '0'] = m;
  // Trailing zeros move into the exponent, so `1.000…0s` (any length) stays within the bounds below.
  const all = int + frac;
  let keep = all.length;
  while (keep > 0 && all[keep - 1] === '0') keep--;
  const significant = all.slice(0, keep);
  const digits = BigInt(significant === '' ? '0' : significant);
  if (sign === '-' && digits !== 0n) throw new SearchSyntaxError('duration cannot be negative', position);
  const exp = Number(expText) - frac.length + (all.length - significant.length);
  // Bound the exponent before BigInt exponentiation so `1e999999999s` fails fast instead of hanging.
  if (digits !== 0n && exp > 40) throw new SearchSyntaxError('duration out of range', position);
  if (digits === 0n) return 0n;
  let ns: bigint;
  if (exp >= 0) {
    ns = digits * unitNs * 10n ** BigInt(exp);
  } else {
    if (-exp > 60) throw new SearchSyntaxError('duration finer than a nanosecond', position);
    const div = 10n ** BigInt(-exp);
    const scaled = digits * unitNs;
    if (scaled % div !== 0n) throw new SearchSyntaxError('duration finer than a nanosecond', position);
    ns = scaled / div;
  }
  if (ns > UINT64_MAX) throw new SearchSyntaxError('duration out of range', position);
  return ns;
}
