import type { ColumnField, ComparisonNode, ComparisonOp, Node } from './ast.js';
import { parseSearch } from './parser.js';

export type ParamValue = string | number | boolean | string[];

export interface CompileOptions {
  /** Prefix of generated parameter names (default `p`), so a caller can mix in its own parameters. */
  paramPrefix?: string;
}

export interface CompiledSearch {
  /** A boolean SQL expression over one row of the span table; contains no user text. */
  where: string;
  params: Record<string, ParamValue>;
  ast: Node;
}

/**
 * Every piece of SQL text comes from these tables or from generated placeholder names: user values and
 * map keys only ever reach ClickHouse as query parameters, so nothing the user types can change the SQL.
 */
const COLUMN_SQL: Readonly<Record<ColumnField, string>> = {
  'service.name': 'service',
  name: 'name',
  trace_id: 'trace_id',
  agent_id: 'agent_id',
  duration: 'duration_ns',
  status: 'status',
  kind: 'kind',
};

const OP_SQL: Readonly<Record<Exclude<ComparisonOp, '=~' | '!~'>, string>> = {
  '=': '=',
  '!=': '!=',
  '>': '>',
  '>=': '>=',
  '<': '<',
  '<=': '<=',
};

const PARAM_PREFIX = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Parses, checks and compiles `expr`. Throws SearchSyntaxError for any malformed expression. */
export function compileSearch(expr: string, opts: CompileOptions = {}): CompiledSearch {
  const ast = parseSearch(expr);
  return { ...compileAst(ast, opts), ast };
}

/** Compiles an already parsed tree (from parseSearch). */
export function compileAst(
  ast: Node,
  opts: CompileOptions = {},
): { where: string; params: Record<string, ParamValue> } {
  const prefix = opts.paramPrefix ?? 'p';
  // A programming error, not a user error: the prefix is spliced into SQL, so it must be an identifier.
  if (!PARAM_PREFIX.test(prefix)) throw new TypeError(`invalid paramPrefix '${prefix}'`);
  const ctx = new Context(prefix);
  return { where: ctx.node(ast), params: ctx.params };
}

class Context {
  readonly params: Record<string, ParamValue> = {};
  private count = 0;
  // The same map key used twice (`x.y > 1 AND x.y < 5`) shares one parameter.
  private readonly keyParams = new Map<string, string>();

  constructor(private readonly prefix: string) {}

  /** Every composite is parenthesised, so no output relies on ClickHouse's operator precedence. */
  node(n: Node): string {
    switch (n.type) {
      case 'and':
        return `(${n.children.map((c) => this.node(c)).join(' AND ')})`;
      case 'or':
        return `(${n.children.map((c) => this.node(c)).join(' OR ')})`;
      case 'not':
        return `(NOT ${this.node(n.child)})`;
      case 'comparison':
        return this.comparison(n);
    }
  }

  private param(type: 'String' | 'Float64' | 'UInt64', value: ParamValue): string {
    const name = `${this.prefix}${this.count++}`;
    this.params[name] = value;
    return `{${name}:${type}}`;
  }

  private keyParam(key: string): string {
    let placeholder = this.keyParams.get(key);
    if (placeholder === undefined) {
      placeholder = this.param('String', key);
      this.keyParams.set(key, placeholder);
    }
    return placeholder;
  }

  private comparison(n: ComparisonNode): string {
    const { field, op, value } = n;
    let target: string;
    let presence: string | undefined;
    if (field.type === 'column') {
      target = COLUMN_SQL[field.name];
    } else {
      const k = this.keyParam(field.key);
      target = `${field.map}[${k}]`;
      // A missing key reads as '' in ClickHouse; requiring presence keeps `!=`, `!~` and `= ""` from
      // matching spans that never had the key.
      presence = `mapContains(${field.map}, ${k})`;
    }
    const withPresence = (sql: string): string => (presence === undefined ? sql : `(${presence} AND ${sql})`);

    if (op === '=~' || op === '!~') {
      const m = `match(${target}, ${this.param('String', stringOf(value))})`;
      return withPresence(op === '=~' ? m : `(NOT ${m})`);
    }
    const sqlOp = OP_SQL[op];
    switch (value.type) {
      case 'duration': {
        // Exact when it fits a double; past 2^53 ns (~104 days) a decimal string keeps UInt64 precision.
        const ns = Number.isSafeInteger(Number(value.ns)) ? Number(value.ns) : value.ns.toString();
        return `(${target} ${sqlOp} ${this.param('UInt64', ns)})`;
      }
      case 'number':
        // Attribute values are strings; a value that is not a number (or a missing key, '') is NULL
        // here, and ifNull makes that plain false so NOT keeps two-valued logic.
        return `ifNull(toFloat64OrNull(${target}) ${sqlOp} ${this.param('Float64', value.value)}, 0)`;
      case 'boolean':
      case 'string': {
        const text = value.type === 'boolean' ? (value.value ? 'true' : 'false') : value.value;
        const sql = `(${target} ${sqlOp} ${this.param('String', text)})`;
        // Equality with a non-empty value already implies the key: the presence test would only
        // cost a second lookup in the map per span (about a quarter of an attribute search).
        return op === '=' && text !== '' ? sql : withPresence(sql);
      }
    }
  }
}

function stringOf(v: ComparisonNode['value']): string {
  // The parser only lets string patterns reach a regex operator.
  if (v.type !== 'string') throw new TypeError('regex comparison without a string pattern');
  return v.value;
}
