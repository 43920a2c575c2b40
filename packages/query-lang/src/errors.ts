/**
 * The one error every malformed search expression produces. It extends plain `Error` rather than the
 * shared `BaseError` so this package stays dependency-free; the query service maps it to a 400 with
 * `column` in the error details. The message carries no position, so callers can format it their way.
 */
export class SearchSyntaxError extends Error {
  /** 0-based index into the expression, in UTF-16 code units (what JS string indices count). */
  readonly position: number;
  /** 1-based column for people: `position + 1`. */
  readonly column: number;

  constructor(message: string, position: number) {
    super(message);
    this.name = 'SearchSyntaxError';
    this.position = position;
    this.column = position + 1;
  }
}
