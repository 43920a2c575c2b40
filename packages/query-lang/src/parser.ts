import {
  COLUMN_FIELDS,
  type ColumnField,
  type ComparisonNode,
  type ComparisonOp,
  type Field,
  KIND_VALUES,
  type Node,
  STATUS_VALUES,
  type Value,
} from './ast.js';
import { SearchSyntaxError } from './errors.js';
import { DURATION_UNITS_NS, type Token, tokenize, toNanoseconds } from './lexer.js';
import { re2Problem } from './re2.js';

/** Limits keep every input cheap: the parser recurses once per `(` or `NOT`, never past MAX_DEPTH. */
export const MAX_EXPRESSION_BYTES = 4096;
export const MAX_DEPTH = 64;

const STRING_COLUMNS = new Set<ColumnField>(['service.name', 'name', 'trace_id', 'agent_id']);
const REGEX_OPS = new Set<ComparisonOp>(['=~', '!~']);
const EQUALITY_OPS = new Set<ComparisonOp>(['=', '!=']);

/** Parses and type-checks an expression; throws SearchSyntaxError for anything malformed. */
export function parseSearch(src: string): Node {
  checkLength(src);
  const parser = new Parser(tokenize(src));
  if (parser.peek().type === 'eof') throw new SearchSyntaxError('empty expression', 0);
  const node = parser.parseOr();
  const rest = parser.peek();
  if (rest.type === 'rparen')
    throw new SearchSyntaxError("unbalanced parentheses: unexpected ')'", rest.position);
  if (rest.type !== 'eof') {
    throw new SearchSyntaxError(`unexpected ${describe(rest)}; expected AND, OR or the end`, rest.position);
  }
  return node;
}

function checkLength(src: string): void {
  // UTF-8 bytes, counted without allocating; the position reported is the first character over the limit.
  let bytes = 0;
  for (let i = 0; i < src.length; i++) {
    const code = src.charCodeAt(i);
    const start = i;
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && (src.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4; // a surrogate pair is one 4-byte code point
      i++;
    } else bytes += 3;
    if (bytes > MAX_EXPRESSION_BYTES) {
      throw new SearchSyntaxError(`expression longer than ${MAX_EXPRESSION_BYTES} bytes`, start);
    }
  }
}

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  peek(): Token {
    // tokenize() always ends with an eof token and the parser never consumes it.
    return this.tokens[this.pos] as Token;
  }

  private next(): Token {
    const t = this.peek();
    if (t.type !== 'eof') this.pos++;
    return t;
  }

  parseOr(): Node {
    const first = this.parseAnd();
    const children = [first];
    while (this.peek().type === 'or') {
      this.next();
      children.push(this.parseAnd());
    }
    return children.length === 1 ? first : { type: 'or', children, position: first.position };
  }

  private parseAnd(): Node {
    const first = this.parseNot();
    const children = [first];
    while (this.peek().type === 'and') {
      this.next();
      children.push(this.parseNot());
    }
    return children.length === 1 ? first : { type: 'and', children, position: first.position };
  }

  private parseNot(): Node {
    const t = this.peek();
    if (t.type !== 'not') return this.parsePrimary();
    this.next();
    this.enter(t);
    const child = this.parseNot();
    this.depth--;
    return { type: 'not', child, position: t.position };
  }

  private parsePrimary(): Node {
    const t = this.peek();
    if (t.type === 'lparen') {
      this.next();
      this.enter(t);
      if (this.peek().type === 'rparen')
        throw new SearchSyntaxError('empty parentheses', this.peek().position);
      const inner = this.parseOr();
      const close = this.peek();
      if (close.type === 'eof') {
        throw new SearchSyntaxError(
          `unbalanced parentheses: '(' at column ${t.position + 1} is never closed`,
          t.position,
        );
      }
      if (close.type !== 'rparen') {
        throw new SearchSyntaxError(`unexpected ${describe(close)}; expected AND, OR or ')'`, close.position);
      }
      this.next();
      this.depth--;
      return inner;
    }
    return this.parseComparison();
  }

  private enter(t: Token): void {
    this.depth++;
    if (this.depth > MAX_DEPTH) {
      throw new SearchSyntaxError(`expression nested deeper than ${MAX_DEPTH} levels`, t.position);
    }
  }

  private parseComparison(): ComparisonNode {
    const fieldTok = this.next();
    if (fieldTok.type !== 'word') {
      const what = fieldTok.type === 'eof' ? 'the end of the expression' : describe(fieldTok);
      throw new SearchSyntaxError(`expected a field, found ${what}`, fieldTok.position);
    }
    const field = resolveField(fieldTok);
    const opTok = this.next();
    if (opTok.type !== 'op') {
      throw new SearchSyntaxError(
        `expected an operator after the field, found ${describe(opTok)}`,
        opTok.position,
      );
    }
    const valueTok = this.next();
    const value = checkValue(field, opTok.op, valueTok);
    return { type: 'comparison', field, op: opTok.op, value, position: fieldTok.position };
  }
}

function resolveField(t: Extract<Token, { type: 'word' }>): Field {
  const { text, position } = t;
  if (t.quotedKey !== undefined) {
    if (t.quotedKey === '') throw new SearchSyntaxError('empty key', position);
    return { type: 'map', map: text === 'resource.' ? 'resource' : 'attributes', key: t.quotedKey, position };
  }
  if ((COLUMN_FIELDS as readonly string[]).includes(text)) {
    return { type: 'column', name: text as ColumnField, position };
  }
  for (const [prefix, map] of [
    ['attr.', 'attributes'],
    ['resource.', 'resource'],
  ] as const) {
    if (text.startsWith(prefix)) {
      const key = text.slice(prefix.length);
      if (key === '') throw new SearchSyntaxError(`missing key after '${prefix}'`, position);
      return { type: 'map', map, key, position };
    }
  }
  if (text.includes('.')) return { type: 'map', map: 'attributes', key: text, position };
  // An undotted unknown word is far more likely a typo of a field than an attribute named `durration`.
  throw new SearchSyntaxError(
    `unknown field '${text}'; fields are ${COLUMN_FIELDS.join(', ')}, attr.<key>, resource.<key> or a dotted attribute key`,
    position,
  );
}

/** Turns the value token into a Value, enforcing which field/operator/value combinations make sense. */
function checkValue(field: Field, op: ComparisonOp, t: Token): Value {
  const at = t.position;
  const v = literal(field, op, t);
  if (REGEX_OPS.has(op)) {
    if (v.type !== 'string') throw new SearchSyntaxError(`regex operator '${op}' needs a string pattern`, at);
    if (field.type === 'column' && !STRING_COLUMNS.has(field.name)) {
      throw new SearchSyntaxError(`regex operator '${op}' does not apply to '${field.name}'`, at);
    }
    const problem = re2Problem(v.value);
    if (problem !== undefined) throw new SearchSyntaxError(problem, at);
    return v;
  }
  if (field.type === 'map') {
    if (v.type === 'duration') throw new SearchSyntaxError("durations compare only with 'duration'", at);
    if (v.type !== 'number' && !EQUALITY_OPS.has(op)) {
      throw new SearchSyntaxError(`operator '${op}' needs a number`, at);
    }
    return v;
  }
  const name = field.name;
  if (name === 'duration') {
    if (v.type === 'duration') return v;
    if (v.type === 'number' && t.type === 'number') {
      // A bare number compared with duration means milliseconds, the unit the rest of the API uses.
      return {
        type: 'duration',
        ns: toNanoseconds(t.text, DURATION_UNITS_NS.ms as bigint, at),
        position: at,
      };
    }
    throw new SearchSyntaxError("'duration' compares with a duration such as 100ms or 1.5s", at);
  }
  if (v.type === 'duration') throw new SearchSyntaxError("durations compare only with 'duration'", at);
  if (name === 'status' || name === 'kind') {
    if (!EQUALITY_OPS.has(op)) throw new SearchSyntaxError(`'${name}' supports only = and !=`, at);
    const allowed: readonly string[] = name === 'status' ? STATUS_VALUES : KIND_VALUES;
    const word = v.type === 'string' ? v.value.toLowerCase() : undefined;
    if (word === undefined || !allowed.includes(word)) {
      throw new SearchSyntaxError(`'${name}' must be one of ${allowed.join(', ')}`, at);
    }
    return { type: 'string', value: word, position: at };
  }
  if (v.type !== 'string') throw new SearchSyntaxError(`'${name}' compares with a string`, at);
  if (!EQUALITY_OPS.has(op))
    throw new SearchSyntaxError(`operator '${op}' is not supported for '${name}'`, at);
  return v;
}

function literal(field: Field, op: ComparisonOp, t: Token): Value {
  switch (t.type) {
    case 'string':
      return { type: 'string', value: t.value, position: t.position };
    case 'number':
      return { type: 'number', value: t.value, position: t.position };
    case 'boolean':
      return { type: 'boolean', value: t.value, position: t.position };
    case 'duration':
      return { type: 'duration', ns: t.ns, position: t.position };
    case 'word':
      // Enum values may be written bare (`status = error`); anywhere else strings need quotes.
      if (field.type === 'column' && (field.name === 'status' || field.name === 'kind') && !t.quotedKey) {
        return { type: 'string', value: t.text, position: t.position };
      }
      throw new SearchSyntaxError(
        `expected a value, found '${t.text}' (strings need double quotes)`,
        t.position,
      );
    case 'eof':
      throw new SearchSyntaxError(`expected a value after '${op}'`, t.position);
    default:
      throw new SearchSyntaxError(`expected a value after '${op}', found ${describe(t)}`, t.position);
  }
}

function describe(t: Token): string {
  switch (t.type) {
    case 'lparen':
      return "'('";
    case 'rparen':
      return "')'";
    case 'and':
    case 'or':
    case 'not':
      return t.type.toUpperCase();
    case 'eof':
      return 'the end of the expression';
    case 'op':
      return `operator '${t.op}'`;
    case 'string':
      return 'a string';
    case 'word':
      return `'${t.text}'`;
    default:
      return `a ${t.type}`;
  }
}
