import { ClickHouseHttpError, ErrorCode } from './errors.js';
import { isValidSettingName } from './url-params.js';

const LITERAL_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '\0': '\\0',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** A single-quoted ClickHouse string literal whose content is exactly `value`. */
export function quoteStringLiteral(value: string): string {
  return `'${value.replace(/[\\'\0\b\f\n\r\t]/g, (c) => LITERAL_ESCAPES[c] ?? c)}'`;
}

/** A back-quoted ClickHouse identifier (database and column names that reach SQL text). */
export function quoteIdentifier(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

export interface SessionSetup {
  database?: string;
  settings: ReadonlyMap<string, string>;
  params: ReadonlyMap<string, string>;
}

/**
 * The statement that gives a pooled engine session the state a ClickHouse HTTP request asks for,
 * or undefined when there is none.
 *
 * Settings are set from string literals: ClickHouse parses a setting given as a string the same way
 * it parses the URL value, so `'1'`, `'auto'` and `'best_effort'` all land as the server would take
 * them. Query parameters go through `SET param_x = '<value>'` rather than chDB's bind API because
 * the engine then receives the value byte for byte as the client escaped it; chDB's binder
 * re-escapes strings, which breaks composite values such as `['it\'s']`.
 *
 * The session is then dirty: the caller must discard it (a `SET param_` cannot be unset).
 */
export function buildSessionSetup(setup: SessionSetup): string | undefined {
  const statements: string[] = [];
  if (setup.database !== undefined && setup.database !== 'default') {
    statements.push(`USE ${quoteIdentifier(setup.database)}`);
  }
  const assignments: string[] = [];
  for (const [name, value] of setup.settings) {
    assertName(name, 'setting');
    assignments.push(`${name} = ${quoteStringLiteral(value)}`);
  }
  for (const [name, value] of setup.params) {
    assertName(name, 'query parameter');
    assignments.push(`param_${name} = ${quoteStringLiteral(value)}`);
  }
  if (assignments.length > 0) statements.push(`SET ${assignments.join(', ')}`);
  return statements.length > 0 ? statements.join('; ') : undefined;
}

function assertName(name: string, what: string): void {
  if (!isValidSettingName(name)) {
    throw new ClickHouseHttpError(ErrorCode.BAD_ARGUMENTS, `Invalid ${what} name '${name}'`);
  }
}

// A statement that can leave state on the engine session (SET, USE, temporary tables) makes the
// session unfit for the next request; real ClickHouse forgets all of it at the end of a request
// without session_id. Over-matching (an UPDATE ... SET) only costs a fresh session.
const SESSION_STATE_RE = /\b(?:SET|USE|TEMPORARY)\b/i;

export function mayChangeSessionState(sql: string): boolean {
  return SESSION_STATE_RE.test(sql);
}
