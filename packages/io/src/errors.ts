/**
 * Errors of the file formats. Each names the file (and the block or record batch) and says what
 * was expected, so that a bad chunk among hundreds can be found from the message alone.
 */

/** Where a format error was found. */
export interface FormatErrorLocation {
  /** The file that is wrong. */
  readonly file: string;
  /** The block (chunk index, record batch index) concerned, when there is one. */
  readonly block?: number;
}

/**
 * A file that cannot be read as what it claims to be: truncated, corrupt, an unsupported dtype,
 * byte order or layout, or a chunk that disagrees with its manifest.
 *
 * @example
 * try { await readNpyHeader('X-00003.npy'); }
 * catch (e) { if (e instanceof FormatError) console.error(e.file, e.message); }
 */
export class FormatError extends Error {
  override readonly name = 'FormatError';
  readonly file: string;
  readonly block: number | undefined;
  constructor(where: FormatErrorLocation, message: string, options?: { cause?: unknown }) {
    super(`${where.file}${where.block === undefined ? '' : ` (block ${where.block})`}: ${message}`, options);
    this.file = where.file;
    this.block = where.block;
  }
}

/** A dataset directory whose parts do not fit together (manifest, chunk files, X and y). */
export class DatasetError extends FormatError {}
