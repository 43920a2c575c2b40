/**
 * The syntax tree of a search expression. The parser only returns trees that already passed the type
 * checks (enum values, regex validity, duration units), so the SQL compiler never has to reject anything.
 * `position` fields are 0-based indices into the source, kept for tooling and error messages.
 */

export type ComparisonOp = '=' | '!=' | '>' | '>=' | '<' | '<=' | '=~' | '!~';

export const COMPARISON_OPS: readonly ComparisonOp[] = ['=', '!=', '>', '>=', '<', '<=', '=~', '!~'];

/** Fields that map to a fixed column of the span table. */
export type ColumnField = 'service.name' | 'name' | 'trace_id' | 'agent_id' | 'duration' | 'status' | 'kind';

export const COLUMN_FIELDS: readonly ColumnField[] = [
  'service.name',
  'name',
  'trace_id',
  'agent_id',
  'duration',
  'status',
  'kind',
];

export const STATUS_VALUES = ['ok', 'error', 'unset'] as const;
export const KIND_VALUES = ['internal', 'server', 'client', 'producer', 'consumer'] as const;

export type Field =
  | { type: 'column'; name: ColumnField; position: number }
  /** `attr.<key>`, a bare dotted key, or `resource.<key>`: one entry of a Map column. */
  | { type: 'map'; map: 'attributes' | 'resource'; key: string; position: number };

export type Value =
  | { type: 'string'; value: string; position: number }
  | { type: 'number'; value: number; position: number }
  | { type: 'boolean'; value: boolean; position: number }
  /** Nanoseconds as a bigint: `2562047h` does not fit a double exactly. */
  | { type: 'duration'; ns: bigint; position: number };

export interface ComparisonNode {
  type: 'comparison';
  field: Field;
  op: ComparisonOp;
  value: Value;
  position: number;
}

/** AND/OR are n-ary so that a long chain `a AND b AND c …` is a flat list, not a deep tree. */
export interface AndNode {
  type: 'and';
  children: Node[];
  position: number;
}

export interface OrNode {
  type: 'or';
  children: Node[];
  position: number;
}

export interface NotNode {
  type: 'not';
  child: Node;
  position: number;
}

export type Node = ComparisonNode | AndNode | OrNode | NotNode;
