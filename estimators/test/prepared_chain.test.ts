/**
 * The out-of-core partialFit chain over prepared blocks: with shuffle: true (the default) each
 * block is read, scaled and permuted into its epoch's visit order by a task of its own, and the
 * links train sequentially over it — the model must be bit-identical to shuffled partialFit calls
 * in memory over the same blocks, on every scheduler and memory budget.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DenseArray, fromArray, makeClassification, type NDArray } from '@tessera/array';
import { SyncScheduler, TaskError, ThreadScheduler, type Scheduler, type TaskEvent } from '@tessera/scheduler';
import { Incremental, SGDClassifier, SGDRegressor, StandardScaler, makePipeline } from '@tessera/estimators';
import { PREPARE_AHEAD } from '@tessera/estimators/internal';

const threads2 = new ThreadScheduler({ threads: 2 });
afterAll(() => threads2.close());

async function blocksOf(X: NDArray, y: NDArray): Promise<{ X: DenseArray; y: DenseArray }[]> {
  const [Xd, yd] = [await X.compute({ scheduler: 'sync' }), await y.compute({ scheduler: 'sync' })];
  const cols = X.shape[1]!;
  const out: { X: DenseArray; y: DenseArray }[] = [];
  let r = 0;
  for (const n of X.chunks[0]!) {
    out.push({
      X: new DenseArray(Xd.data.slice(r * cols, (r + n) * cols), [n, cols]),
      y: new DenseArray(Float64Array.from(yd.data.subarray(r, r + n)), [n]),
    });
    r += n;
  }
  return out;
}

const coefOf = (inc: Incremental) => Array.from((inc.estimator_ as SGDClassifier).coef_.data);

describe('Incremental with prepared blocks (shuffle: true)', () => {
  // Blocks of 2500 × 20 (50k values): large enough that workers prepare them in WebAssembly memory.
  const big = () => makeClassification({ nSamples: 10_000, nFeatures: 20, nInformative: 6, nRedundant: 2, randomState: 4, chunks: 2500 });

  it.each([
    ['sync', () => new SyncScheduler() as Scheduler, undefined],
    ['threads', () => threads2 as Scheduler, undefined],
    ['threads, 1 MB budget', () => threads2 as Scheduler, 1_000_000],
  ] as const)(
    'the chain over prepared blocks equals shuffled partialFit in memory, bit for bit (%s)',
    async (_n, scheduler, memoryLimit) => {
      const { X, y } = big();
      for (const est of [
        new SGDClassifier({ randomState: 2 }),
        new SGDClassifier({ loss: 'log_loss', penalty: 'elasticnet', randomState: 5 }),
      ]) {
        const inc = new Incremental(est, { classes: [0, 1], shuffleBlocks: false, epochs: 2 });
        await inc.fit(X, y, { scheduler: scheduler(), ...(memoryLimit ? { memoryLimit } : {}) });
        const ref = est.clone();
        const blocks = await blocksOf(X, y);
        for (let e = 0; e < 2; e++) for (const b of blocks) ref.partialFit(b.X, b.y, { classes: [0, 1] });
        expect(coefOf(inc)).toEqual(Array.from(ref.coef_.data));
        expect((inc.estimator_ as SGDClassifier).t_).toBe(ref.t_);
      }
    },
  );

  it('scaler → Incremental(SGD, shuffled): blocks scaled and permuted by the preparing task, same model as in memory', async () => {
    const { X, y } = big();
    const Xs = X.mul(2).add(5);
    const pipe = makePipeline(
      new StandardScaler(),
      new Incremental(new SGDClassifier({ loss: 'hinge', randomState: 2 }), { classes: [0, 1], shuffleBlocks: false }),
    );
    await pipe.fit(Xs, y, { scheduler: threads2, memoryLimit: 2_000_000 });
    const sc = pipe.step(0) as StandardScaler;
    const clf = new SGDClassifier({ loss: 'hinge', randomState: 2 });
    for (const b of await blocksOf(Xs, y)) clf.partialFit(sc.transform(b.X), b.y, { classes: [0, 1] });
    expect(Array.from(((pipe.step(1) as Incremental).estimator_ as SGDClassifier).coef_.data)).toEqual(Array.from(clf.coef_.data));
    // A regressor too (one shuffle per call).
    const reg = new Incremental(new SGDRegressor({ randomState: 7 }), { shuffleBlocks: false });
    const yr = y.mul(3).add(X.sum(1));
    await reg.fit(X, yr, { scheduler: threads2 });
    const ref = new SGDRegressor({ randomState: 7 });
    for (const b of await blocksOf(X, yr)) ref.partialFit(b.X, b.y);
    expect(Array.from((reg.estimator_ as SGDRegressor).coef_.data)).toEqual(Array.from(ref.coef_.data));
  });

  it(`prepares a block no more than ${PREPARE_AHEAD} links ahead of the chain, even with memory to spare`, async () => {
    const { X, y } = makeClassification({ nSamples: 24_000, nFeatures: 20, randomState: 9, chunks: 2000 });
    const events: TaskEvent[] = [];
    const inc = new Incremental(new SGDClassifier({ randomState: 3 }), { classes: [0, 1], shuffleBlocks: true, randomState: 1 });
    await inc.fit(X, y, { scheduler: threads2, memoryLimit: 1e9, callbacks: [{ onTaskEnd: (e) => events.push(e) }] });
    // Keys: <name>-<epoch>-<block> for links, <name>-prepare-<epoch>-<block> for preparations.
    const links = events.filter((e) => e.kernel === 'est.partialFitLink').sort((a, b) => a.start - b.start);
    const prepares = new Map(events.filter((e) => e.kernel === 'est.prepareBlock').map((e) => [e.key.replace('-prepare-', '-'), e]));
    expect(links).toHaveLength(12);
    expect(prepares.size).toBe(12);
    let checked = 0;
    for (let k = PREPARE_AHEAD; k < links.length; k++) {
      const prep = prepares.get(links[k]!.key)!;
      expect(prep.start, `block of link ${k} prepared before link ${k - PREPARE_AHEAD} ended`).toBeGreaterThanOrEqual(
        links[k - PREPARE_AHEAD]!.end,
      );
      checked++;
    }
    expect(checked).toBe(12 - PREPARE_AHEAD);
  });

  it('names the block, row and column of a NaN through the shuffled, prepared chain', async () => {
    const Xd = DenseArray.zeros([8000, 5]);
    for (let i = 0; i < 8000; i++) for (let j = 0; j < 5; j++) Xd.data[i * 5 + j] = ((i * 7 + j * 3) % 11) - 5;
    Xd.data[(4000 + 1234) * 5 + 4] = NaN; // block 1 (rows 4000..7999), row 1234 of the block, column 4
    const X = fromArray(Xd, { chunks: [4000, 5] });
    const y = fromArray(DenseArray.from(Array.from({ length: 8000 }, (_, i) => i % 2)), { chunks: [4000] });
    const err = await new Incremental(new SGDClassifier({ randomState: 1 }), { classes: [0, 1], shuffleBlocks: false })
      .fit(X, y, { scheduler: threads2 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect((err as TaskError).key).toMatch(/^partialFit-[0-9a-f]+-0-1$/);
    expect((err as Error).message).toMatch(/NaN at row 1234, column 4/);
  });
});
