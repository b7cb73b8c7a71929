/**
 * X with the wrong number of features (issue 14 §2): a fitted pipeline says scikit-learn's "X has
 * 6 features, but StandardScaler is expecting 5 features as input." — naming the first step that
 * checks — instead of a broadcast error from the scaler's expression; on lazy X before any task
 * runs, whether predict / transform / score, through pipelines and the Incremental and
 * ParallelPostFit wrappers alike. In memory, every estimator's predict / transform says the same.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DenseArray, makeClassification } from '@tessera/array';
import { SyncScheduler, ThreadScheduler, type Scheduler } from '@tessera/scheduler';
import {
  GaussianNB,
  Incremental,
  IncrementalPCA,
  InvalidInputError,
  MinMaxScaler,
  ParallelPostFit,
  Pipeline,
  SGDClassifier,
  StandardScaler,
  makePipeline,
} from '@tessera/estimators';

const threads2 = new ThreadScheduler({ threads: 2 });
afterAll(() => threads2.close());

function lazyData(cols: number, rows = 1500) {
  return makeClassification({ nSamples: rows, nFeatures: cols, nInformative: 3, nRedundant: 1, randomState: 7, chunks: 250 });
}

const SCALER = 'X has 6 features, but StandardScaler is expecting 5 features as input.';
const SGD = 'X has 6 features, but SGDClassifier is expecting 5 features as input.';

/** The error `f` throws synchronously, or undefined. */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

function expectMismatch(e: unknown, message: string): void {
  expect(e, 'no error').toBeDefined();
  expect((e as Error).message).toBe(message);
  expect(e).toBeInstanceOf(InvalidInputError);
}

describe.each([
  ['sync', () => new SyncScheduler() as Scheduler],
  ['threads', () => threads2 as Scheduler],
])('lazy X of the wrong width fails before any task runs (%s)', (_name, scheduler) => {
  it('a fitted pipeline: predict, decisionFunction, transform and score name the scaler', async () => {
    const { X, y } = lazyData(5);
    const pipe = makePipeline(
      new StandardScaler(),
      new Incremental(new SGDClassifier({ shuffle: false }), { classes: [0, 1], shuffleBlocks: false }),
    );
    await pipe.fit(X, y, { scheduler: scheduler() });
    const { X: X6, y: y6 } = lazyData(6, 600);
    let starts = 0;
    const options = { scheduler: scheduler(), callbacks: [{ onTaskStart: () => void starts++ }] };
    expectMismatch(
      thrown(() => pipe.predict(X6)),
      SCALER,
    );
    expectMismatch(
      thrown(() => pipe.decisionFunction(X6)),
      SCALER,
    );
    expectMismatch(
      thrown(() => pipe.transform(X6)),
      SCALER,
    );
    const scored = pipe.score(X6, y6, options);
    expect(scored).toBeInstanceOf(Promise);
    expectMismatch(
      await scored.then(
        () => undefined,
        (e: unknown) => e,
      ),
      SCALER,
    );
    expect(starts).toBe(0);
    // The right width still works.
    expect((await pipe.predict(X).compute({ scheduler: scheduler() })).shape).toEqual([1500]);
  });

  it('a pipeline rebuilt from JSON checks the same way', async () => {
    const { X, y } = lazyData(5);
    const pipe = makePipeline(new MinMaxScaler(), new Incremental(new SGDClassifier({ shuffle: false }), { classes: [0, 1] }));
    await pipe.fit(X, y, { scheduler: scheduler() });
    const back = Pipeline.fromJSON(JSON.stringify(pipe));
    expectMismatch(
      thrown(() => back.predict(lazyData(6, 500).X)),
      'X has 6 features, but MinMaxScaler is expecting 5 features as input.',
    );
  });

  it('Incremental and ParallelPostFit name the estimator they wrap', async () => {
    const { X, y } = lazyData(5);
    const { X: X6, y: y6 } = lazyData(6, 600);
    const inc = new Incremental(new SGDClassifier({ shuffle: false }), { classes: [0, 1], shuffleBlocks: false });
    await inc.fit(X, y, { scheduler: scheduler() });
    const ppf = new ParallelPostFit(new SGDClassifier({ shuffle: false }));
    await ppf.fit(X, y, { scheduler: scheduler() });
    let starts = 0;
    const options = { scheduler: scheduler(), callbacks: [{ onTaskStart: () => void starts++ }] };
    for (const wrapper of [inc, ppf]) {
      expectMismatch(
        thrown(() => wrapper.predict(X6)),
        SGD,
      );
      expectMismatch(
        thrown(() => wrapper.decisionFunction(X6)),
        SGD,
      );
      expectMismatch(
        await wrapper.score(X6, y6, options).then(
          () => undefined,
          (e: unknown) => e,
        ),
        SGD,
      );
    }
    // Training on more blocks of another width is refused before the chain too.
    expectMismatch(
      await inc.partialFit(X6, y6, options).then(
        () => undefined,
        (e: unknown) => e,
      ),
      SGD,
    );
    expect(starts).toBe(0);
  });

  it('a transformer wrapped in a pipeline step (Incremental(IncrementalPCA)) names IncrementalPCA', async () => {
    const { X } = lazyData(5);
    const pipe = makePipeline(new Incremental(new IncrementalPCA({ nComponents: 2 })), new ParallelPostFit(new GaussianNB()));
    const { y } = lazyData(5);
    await pipe.fit(X, y, { scheduler: scheduler() });
    expectMismatch(
      thrown(() => pipe.transform(lazyData(6, 500).X)),
      'X has 6 features, but IncrementalPCA is expecting 5 features as input.',
    );
  });
});

describe('in memory', () => {
  const rows = (cols: number) =>
    DenseArray.from(Array.from({ length: 20 }, (_, i) => Array.from({ length: cols }, (_, j) => Math.cos(i + 3 * j))));
  const y = Array.from({ length: 20 }, (_, i) => i % 2);

  it('a pipeline and the wrappers name the first estimator that checks', () => {
    const pipe = makePipeline(new StandardScaler(), new SGDClassifier()).fit(rows(5), y);
    expectMismatch(
      thrown(() => pipe.predict(rows(6))),
      SCALER,
    );
    expectMismatch(
      thrown(() => pipe.transform(rows(6))),
      SCALER,
    );
    expectMismatch(
      thrown(() => pipe.score(rows(6), y)),
      SCALER,
    );
    for (const w of [
      new Incremental(new SGDClassifier(), { classes: [0, 1] }).fit(rows(5), y),
      new ParallelPostFit(new SGDClassifier()).fit(rows(5), y),
    ]) {
      expectMismatch(
        thrown(() => w.predict(rows(6))),
        SGD,
      );
      expectMismatch(
        thrown(() => w.score(rows(6), y)),
        SGD,
      );
    }
  });
});
