/**
 * Errors of the array layer. Shapes that do not broadcast, chunks that do not fit a shape and
 * bad arguments each name the operation and the values involved. File errors come from
 * `@tessera/io` ({@link FormatError}, {@link DatasetError}) and are re-exported here.
 */

/** Operand shapes that cannot be broadcast together (numpy's rules). */
export class BroadcastError extends RangeError {
  override readonly name = 'BroadcastError';
  constructor(op: string, shapes: readonly (readonly number[])[]) {
    super(`${op}: operands could not be broadcast together with shapes ${shapes.map((s) => `[${s.join(', ')}]`).join(' ')}.`);
  }
}

/** A chunk specification that does not fit the array's shape. */
export class ChunkError extends RangeError {
  override readonly name = 'ChunkError';
}

/** A block produced by a kernel that does not have the dtype or shape the array promised. */
export class BlockMismatchError extends Error {
  override readonly name = 'BlockMismatchError';
}

export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
