/** Errors raised while reading a snippet (before anything runs). */

/** The text is not Python (a SyntaxError in CPython terms). */
export class PySyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/** Valid Python, but a construct outside the interpreted subset (a loop, a class, a comprehension...). */
export class UnsupportedConstructError extends Error {
  constructor(
    readonly construct: string,
    readonly line: number,
    detail?: string,
  ) {
    super(`${construct} is outside the supported Python subset${detail ? ` (${detail})` : ''}`);
  }
}
