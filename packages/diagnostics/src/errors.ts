/**
 * Errors of the diagnostics package. Each names the file (and, for a malformed trace, the field)
 * that was wrong, so a user who passed the wrong file sees which one and why.
 */

/** A trace or records file that cannot be read or does not hold what Tessera wrote. */
export class TraceFileError extends Error {
  override readonly name = 'TraceFileError';
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${message}`, options);
  }
}
