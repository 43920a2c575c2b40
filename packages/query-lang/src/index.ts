export type {
  AndNode,
  ColumnField,
  ComparisonNode,
  ComparisonOp,
  Field,
  Node,
  NotNode,
  OrNode,
  Value,
} from './ast.js';
export { COLUMN_FIELDS, KIND_VALUES, STATUS_VALUES } from './ast.js';
export type { CompiledSearch, CompileOptions, ParamValue } from './compile-sql.js';
export { compileAst, compileSearch } from './compile-sql.js';
export { SearchSyntaxError } from './errors.js';
export type { Token } from './lexer.js';
export { tokenize } from './lexer.js';
export { MAX_DEPTH, MAX_EXPRESSION_BYTES, parseSearch } from './parser.js';
