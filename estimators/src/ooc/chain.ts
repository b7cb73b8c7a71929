/**
 * The partialFit chain, in its essence (dask-ml's `_partial.py`): one link per block,
 * `state_i = link(state_{i-1}, X_{order[i]}, y_{order[i]})`, `epochs` times over the blocks in a
 * seeded order. Everything else lives in helpers named for what they do: {@link blockOrder}
 * (dask-ml's block shuffle) and {@link addPreparedLink} (a block prepared ahead of the chain, for
 * estimators that are {@link BlockPreparer}s).
 *
 * Used by `Incremental` and by estimators whose own out-of-core fit is a chain (IncrementalPCA).
 */
import { ref, compute, type Graph } from '@tessera/scheduler';
import { buildGraph, checkRandomState, tokenize, type NDArray } from '@tessera/array';
import { estimatorFromSnapshot, type BaseEstimator, type EstimatorSnapshot } from '../base.js';
import { isBlockPreparer, isPartialFitter, type LazyOptions, type PartialFitOptions } from '../contract.js';
import { alignedTarget, rowBlocks } from './lazy.js';
import { EstKernel } from './kernel_names.js';

/**
 * How many links ahead of the chain a block may be prepared. Two keeps both workers busy (each
 * prepares one block while the other's link runs) with two prepared blocks in memory; more only
 * holds more memory, as preparing a block takes longer than training on it.
 */
export const PREPARE_AHEAD = 2;

/** The chain's shape: how many passes, in which order, with which partialFit options. */
export interface ChainPlan {
  /** Passes over the blocks. */
  readonly epochs: number;
  /** Visit the blocks in a new seeded random order each epoch (dask-ml's `shuffle_blocks`). */
  readonly shuffleBlocks: boolean;
  /** Seed of the block order (null: fresh entropy). */
  readonly randomState: number | null;
  /** Options passed to every partialFit (`classes`…). */
  readonly fitOptions: PartialFitOptions;
  /** Who is fitting, for messages and task names (`'Incremental.fit'`). */
  readonly caller: string;
}

/**
 * The order of the blocks in each epoch: in order, or dask-ml's (`_partial.fit`:
 * `check_random_state(random_state).shuffle(list(range(nblocks)))`, numpy's legacy RandomState),
 * later epochs continuing the same generator; null draws fresh entropy.
 */
export function blockOrder(nBlocks: number, plan: Pick<ChainPlan, 'epochs' | 'shuffleBlocks' | 'randomState'>): number[][] {
  const rs = plan.shuffleBlocks ? checkRandomState(plan.randomState) : undefined;
  const epochs: number[][] = [];
  for (let e = 0; e < plan.epochs; e++) {
    const order = Array.from({ length: nBlocks }, (_, i) => i);
    epochs.push(rs ? rs.shuffle(order) : order);
  }
  return epochs;
}

/**
 * Adds a link trained on a prepared block: a `prepareBlock` task (pure: params only; it consumes
 * the block's recipe inline, a source task throttled by the memory budget) and the link taking its
 * output. Lookahead: the block {@link PREPARE_AHEAD} links ahead is prepared once that link is done
 * (its output is passed and ignored), so the prepared blocks in memory are the link's and the next
 * one or two, not as many as the memory budget would admit.
 */
function addPreparedLink(
  g: Graph,
  key: string,
  pk: string,
  link: unknown,
  paramsOnly: EstimatorSnapshot,
  block: { X: unknown; y: unknown },
  fitOptions: PartialFitOptions,
  links: readonly string[],
  last: boolean,
): void {
  const after = links.length >= PREPARE_AHEAD ? ref(links[links.length - PREPARE_AHEAD]!) : null;
  g.add(pk, EstKernel.prepareBlock, [paramsOnly, block.X, block.y, fitOptions, after]);
  g.add(key, EstKernel.partialFitLink, [link, ref(pk), null, fitOptions, last]);
}

/**
 * Runs the chain for `est` (cloned or rebuilt by the caller: it is the chain's starting state)
 * over lazy X (and y) and returns the fitted estimator. One graph: every block is read and
 * preprocessed on the workers ahead of the chain, the serial links consume them.
 */
export async function partialFitChain(
  est: BaseEstimator,
  X: NDArray,
  y: NDArray | undefined,
  plan: ChainPlan,
  options: LazyOptions,
): Promise<BaseEstimator> {
  if (!isPartialFitter(est)) throw new TypeError(`${plan.caller}: ${est.estimatorName} has no partialFit.`);
  const Xr = rowBlocks(X, plan.caller);
  const yr = y === undefined ? undefined : alignedTarget(Xr, y, plan.caller);
  const g = buildGraph(yr ? [Xr, yr] : [Xr]);
  const start = est.snapshot();
  const orders = blockOrder(Xr.numBlocks[0]!, plan);
  const name = `partialFit-${tokenize(plan.caller, Xr.name, yr?.name ?? null, start, orders, plan.fitOptions)}`;
  // An estimator that prepares blocks gets each block prepared by a task of its own (read,
  // preprocessed and put in the form its partialFit wants, on any worker), so the serial links do
  // only the training.
  const prepares = isBlockPreparer(est);
  const paramsOnly: EstimatorSnapshot = { ...start, state: null };
  const links: string[] = [];
  orders.forEach((order, e) => {
    order.forEach((i, k) => {
      const key = `${name}-${e}-${i}`;
      const link = links.length === 0 ? start : ref(links[links.length - 1]!);
      if (prepares) {
        const last = e === orders.length - 1 && k === order.length - 1;
        addPreparedLink(
          g,
          key,
          `${name}-prepare-${e}-${i}`,
          link,
          paramsOnly,
          { X: Xr.blockArg(i, 0), y: yr ? yr.blockArg(i) : null },
          plan.fitOptions,
          links,
          last,
        );
      } else {
        // Blocks enter by reference to their own tasks: sources read (and preprocess) them on the
        // other workers ahead of the chain, throttled by the memory budget.
        g.add(key, EstKernel.partialFitLink, [link, ref(Xr.blockKey(i, 0)), yr ? ref(yr.blockKey(i)) : null, plan.fitOptions]);
      }
      links.push(key);
    });
  });
  const end = links[links.length - 1];
  if (end === undefined) throw new RangeError(`${plan.caller}: X has no blocks.`);
  const out = await compute(g, [end], options);
  return estimatorFromSnapshot(out[end] as EstimatorSnapshot);
}
