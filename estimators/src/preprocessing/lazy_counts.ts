/**
 * Value counts of a lazy array in one parallel pass: an `est.valueCounts` task per row block (the
 * block streamed tile by tile, a read or an expression evaluated inside the task), merged by a tree
 * of `est.combineValueCounts` tasks. The distinct values must fit the memory budget: the merge
 * refuses, naming the column, past `memoryLimit / (16 B × 9)` distinct values over all columns
 * (two float64s per distinct value; a merge task holds its 8 inputs and its output).
 */
import { Graph, compute, defaultMemoryLimit, formatBytes, parseMemoryLimit, ref } from '@tessera/scheduler';
import { buildGraph, tokenize, type NDArray } from '@tessera/array';
import type { LazyOptions } from '../contract.js';
import { InvalidInputError } from '../errors.js';
import { EstKernel } from '../ooc/kernel_names.js';
import type { DistinctLimit } from '../ooc/kernels.js';
import { rowBlocks } from '../ooc/lazy.js';
import type { CountOptions, ValueCounts } from './value_counts.js';

const FAN_IN = 8;
/** Bytes per distinct value (value and count as float64) times the partial results a merge holds. */
const BYTES_PER_DISTINCT = 16 * (FAN_IN + 1);

/**
 * The value counts of a lazy X (2-D, or 1-D for targets). With `count.distinct`, `tooMany` is the
 * advice added when the distinct values do not fit the memory budget.
 */
export async function lazyValueCounts(X: NDArray, count: CountOptions, options: LazyOptions, tooMany: string): Promise<ValueCounts> {
  if (X.ndim !== 1 && X.ndim !== 2) throw new RangeError(`${count.caller}: X must be 1-D or 2-D; got shape [${X.shape.join(', ')}].`);
  if (X.shape[0] === 0) throw new InvalidInputError(`${count.caller}: found array X with 0 samples, while a minimum of 1 is required.`);
  const Xr = X.ndim === 2 ? rowBlocks(X, count.caller) : X;
  const g = buildGraph([Xr], new Graph());
  const name = `value-counts-${tokenize('value-counts', Xr.name, count.missing, count.distinct)}`;
  let level: string[] = [];
  const offsets = Xr.blockOffsets[0]!;
  for (let i = 0; i < Xr.numBlocks[0]!; i++) {
    const key = `${name}-block-${i}`;
    g.add(key, EstKernel.valueCounts, [Xr.ndim === 2 ? Xr.blockArg(i, 0) : Xr.blockArg(i), count, offsets[i]!]);
    level.push(key);
  }
  let bound: DistinctLimit | null = null;
  if (count.distinct) {
    const budget = options.memoryLimit === undefined ? defaultMemoryLimit() : parseMemoryLimit(options.memoryLimit);
    bound = {
      limit: Math.floor(budget / BYTES_PER_DISTINCT),
      message:
        `${count.caller} on a lazy X: column {column} has {distinct} distinct values so far, more than the memory budget ` +
        `(${formatBytes(budget)}: ${BYTES_PER_DISTINCT} bytes per distinct value over all columns) lets the counts hold. ${tooMany}`,
    };
  }
  for (let depth = 0; level.length > 1 || depth === 0; depth++) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += FAN_IN) {
      const key = `${name}-combine-${depth}-${i / FAN_IN}`;
      g.add(key, EstKernel.combineValueCounts, [level.slice(i, i + FAN_IN).map((k) => ref(k)), bound]);
      next.push(key);
    }
    level = next;
  }
  const root = level[0]!;
  return (await compute(g, [root], options))[root] as ValueCounts;
}
