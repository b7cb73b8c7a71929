/**
 * Behaviour of the MLPs, MiniBatchKMeans, naive Bayes and IncrementalPCA beyond the fixtures and the conformance
 * suite: bad input and its messages, early stopping, warm starts, k-means initialisation and
 * reassignment, prediction in chunks, and the generated WebAssembly.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DenseArray } from '@tessera/array';
import {
  BernoulliNB,
  ConvergenceError,
  GaussianNB,
  IncrementalPCA,
  InvalidInputError,
  MiniBatchKMeans,
  MLPClassifier,
  MLPRegressor,
  MultinomialNB,
  ParameterRangeError,
  ParameterTypeError,
} from '../src/index.js';
import { Random } from '../src/internal.js';
import { MLP_GEMM_WASM_SOURCE_SHA256 } from '../src/neural_network/mlp_wasm_bytes.js';
import { KMEANS_WASM_SOURCE_SHA256 } from '../src/cluster/kmeans_wasm_bytes.js';

/** n rows around k centers in d dimensions (labels = the center), deterministic. */
function blobs(n: number, d: number, k: number, seed = 1, spread = 0.3): { X: DenseArray; y: number[] } {
  const rng = new Random(seed);
  const centers = Array.from({ length: k }, (_, c) => Array.from({ length: d }, (_, j) => (j === c % d ? 4 : 0) + (c >= d ? 4 : 0)));
  const rows: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % k;
    rows.push(centers[c]!.map((v) => v + spread * (rng.random() * 2 - 1)));
    y.push(c);
  }
  return { X: DenseArray.from(rows), y };
}

describe('MLP', () => {
  const { X, y } = blobs(300, 4, 3);

  it('learns separable classes and reports probabilities that sum to one', () => {
    const clf = new MLPClassifier({ hiddenLayerSizes: [8], randomState: 0, maxIter: 60, learningRateInit: 0.01 }).fit(X, y);
    expect(clf.score(X, y)).toBeGreaterThan(0.95);
    const p = clf.predictProba(X);
    for (let i = 0; i < 300; i++) expect(p.data[3 * i]! + p.data[3 * i + 1]! + p.data[3 * i + 2]!).toBeCloseTo(1, 12);
    expect(clf.outActivation_).toBe('softmax');
    expect(clf.coefs_.map((w) => w.shape)).toEqual([
      [4, 8],
      [8, 3],
    ]);
    expect(clf.lossCurve_.length).toBe(clf.nIter_);
    expect(clf.t_).toBe(300 * clf.nIter_);
  });

  it('predicts the same in one call as row by row (prediction runs in chunks)', () => {
    const big = blobs(1300, 4, 3, 2);
    const clf = new MLPClassifier({ hiddenLayerSizes: [5, 3], activation: 'tanh', randomState: 1, maxIter: 3 }).fit(big.X, big.y);
    const all = clf.predictProba(big.X).data;
    const rows = big.X.toArray() as number[][];
    for (const i of [0, 511, 512, 1024, 1299])
      expect(Array.from(clf.predictProba([rows[i]!]).data)).toEqual(Array.from(all.subarray(3 * i, 3 * i + 3)));
  });

  it('early stopping holds out a stratified validation set and keeps the best weights', () => {
    const clf = new MLPClassifier({
      hiddenLayerSizes: [6],
      earlyStopping: true,
      validationFraction: 0.2,
      nIterNoChange: 3,
      maxIter: 200,
      randomState: 0,
      learningRateInit: 0.05,
    }).fit(X, y);
    const scores = clf.validationScores_!;
    expect(scores.length).toBe(clf.nIter_);
    expect(clf.bestLoss_).toBeNull();
    expect(clf.bestValidationScore_).toBe(Math.max(...scores));
    expect(clf.nIter_).toBeLessThan(200);
    // partialFit ignores earlyStopping (as scikit-learn).
    const inc = new MLPClassifier({ hiddenLayerSizes: [6], earlyStopping: true, randomState: 0 }).partialFit(X, y, { classes: [0, 1, 2] });
    expect(inc.validationScores_!.length).toBe(0);
    expect(() => new MLPRegressor({ earlyStopping: true, validationFraction: 0.999 }).fit([[1], [2]], [1, 2])).toThrow(/empty set/);
  });

  it('warmStart continues from the current weights with a new optimizer; fit otherwise restarts', () => {
    const a = new MLPRegressor({ hiddenLayerSizes: [4], randomState: 2, maxIter: 3, warmStart: true });
    const yr = y.map((v) => v * 2 + 1);
    a.fit(X, yr);
    const first = a.coefs_[0]!.data.slice();
    a.fit(X, yr);
    expect(a.nIter_).toBe(6);
    expect(Array.from(a.coefs_[0]!.data)).not.toEqual(Array.from(first));
    const b = new MLPRegressor({ hiddenLayerSizes: [4], randomState: 2, maxIter: 3 });
    b.fit(X, yr).fit(X, yr);
    expect(b.nIter_).toBe(3);
    expect(Array.from(b.coefs_[0]!.data)).toEqual(Array.from(first));
    expect(() =>
      new MLPClassifier({ warmStart: true, maxIter: 2, randomState: 0 }).fit(X, y).fit(
        X,
        y.map((v) => (v === 2 ? 1 : v)),
      ),
    ).toThrow(/same classes/);
  });

  it('the adaptive schedule divides the learning rate by 5 after nIterNoChange epochs without progress', () => {
    const clf = new MLPClassifier({
      solver: 'sgd',
      learningRate: 'adaptive',
      tol: 100,
      nIterNoChange: 2,
      hiddenLayerSizes: [3],
      randomState: 0,
    });
    const rates: number[] = [];
    for (let e = 0; e < 7; e++) {
      clf.partialFit(X, y, { classes: [0, 1, 2] });
      rates.push(clf.getState().optimizerLearningRate_);
    }
    // Epoch 1 sets bestLoss_; epochs 2–4 count 1, 2, 3 > 2: ÷5 and the count restarts.
    [0.001, 0.001, 0.001, 0.0002, 0.0002, 0.0002, 0.00004].forEach((v, i) => expect(rates[i]).toBeCloseTo(v, 15));
  });

  it('rejects bad input with messages that name it', () => {
    expect(() => new MLPClassifier({ hiddenLayerSizes: [4, 0] }).fit(X, y)).toThrow(ParameterRangeError);
    expect(() => new MLPClassifier({ hiddenLayerSizes: 'big' as never }).fit(X, y)).toThrow(
      "The 'hiddenLayerSizes' parameter of MLPClassifier must be an int in the range [1, inf) or an array of them. Got 'big' instead.",
    );
    expect(() => new MLPClassifier({ coefsInit: 3 as never }).fit(X, y)).toThrow(ParameterTypeError);
    expect(() =>
      new MLPClassifier({ hiddenLayerSizes: [2], coefsInit: [[[1, 2]], [[1], [1]]] }).partialFit(X, y, { classes: [0, 1, 2] }),
    ).toThrow('MLPClassifier: coefsInit[0] has shape [1, 2]; expected [4, 2].');
    expect(() => new MLPClassifier().partialFit(X, y)).toThrow(/classes must be passed on the first call/);
    const clf = new MLPClassifier({ hiddenLayerSizes: [3], randomState: 0 }).partialFit(X, y, { classes: [0, 1, 2] });
    expect(() =>
      clf.partialFit(
        X,
        y.map((v) => (v === 2 ? 9 : v)),
      ),
    ).toThrow('MLPClassifier: y contains label 9 (row 2) which is not among classes [0, 1, 2].');
    expect(() => clf.partialFit(X, y, { classes: [0, 1] })).toThrow(/is not the same as on the first call/);
    expect(() =>
      new MLPClassifier().fit(
        X,
        y.map(() => 1),
      ),
    ).toThrow(/greater than one/);
    expect(() =>
      new MLPRegressor({ learningRateInit: 1e6, solver: 'sgd', momentum: 0 }).fit(
        X,
        y.map((v) => v * 1e150),
      ),
    ).toThrow(ConvergenceError);
  });
});

describe('MiniBatchKMeans', () => {
  it('fit finds well-separated blobs with k-means++ and with random init', () => {
    const { X, y } = blobs(600, 3, 4, 5);
    for (const init of ['k-means++', 'random'] as const) {
      const km = new MiniBatchKMeans({ nClusters: 4, init, randomState: 0, batchSize: 64 }).fit(X);
      const pairs = new Set(Array.from(km.labels_.data, (l, i) => `${l}-${y[i]}`));
      expect(pairs.size, init).toBe(4);
      expect(km.nIter_).toBeGreaterThan(0);
      expect(km.score(X)).toBeCloseTo(-km.inertia_, 6);
    }
  });

  it('moves starved centers to random rows (reassignmentRatio) and leaves them alone at ratio 0', () => {
    const { X } = blobs(400, 2, 2, 3);
    // Three centers far from the data and one inside it: only the inside one gets points.
    const init = [
      [1, 1],
      [100, 100],
      [-100, 100],
      [100, -100],
    ];
    const keep = new MiniBatchKMeans({ nClusters: 4, init, reassignmentRatio: 0, randomState: 0 }).partialFit(X);
    expect(keep.clusterCenters_.data.slice(2)).toEqual(Float64Array.from([100, 100, -100, 100, 100, -100]));
    const moved = new MiniBatchKMeans({ nClusters: 4, init, randomState: 0 }).partialFit(X);
    for (let c = 1; c < 4; c++) expect(Math.abs(moved.clusterCenters_.data[2 * c]!)).toBeLessThan(10);
    // Reassigned centers restart from the smallest remaining count.
    expect(Array.from(moved.counts_.data)).toEqual([400, 400, 400, 400]);
  });

  it('rejects bad input with messages that name it', () => {
    const { X } = blobs(20, 2, 2);
    expect(() => new MiniBatchKMeans({ nClusters: 30 }).partialFit(X)).toThrow('MiniBatchKMeans: nSamples=20 should be >= nClusters=30.');
    expect(() => new MiniBatchKMeans({ nClusters: 2, init: 'kmeans' as never }).fit(X)).toThrow(ParameterRangeError);
    expect(() => new MiniBatchKMeans({ nClusters: 2, init: 5 as never }).fit(X)).toThrow(ParameterTypeError);
    expect(() => new MiniBatchKMeans({ nClusters: 2, init: [[0, 0]] }).fit(X)).toThrow(/one row per cluster/);
    expect(() =>
      new MiniBatchKMeans({
        nClusters: 2,
        init: [
          [0, 0, 0],
          [1, 1, 1],
        ],
      }).partialFit(X),
    ).toThrow(/3 features but X has 2/);
    const km = new MiniBatchKMeans({ nClusters: 2, computeLabels: false, randomState: 0 }).partialFit(X);
    expect(() => km.labels_).toThrow(/computeLabels/);
    // Non-finite values are found by the labelling pass itself, then named.
    const bad = X.toArray() as number[][];
    bad[13]![1] = Number.POSITIVE_INFINITY;
    expect(() => km.score(bad)).toThrow('MiniBatchKMeans: input X contains Infinity at row 13, column 1.');
    expect(() => km.predict(bad)).toThrow(/Infinity at row 13, column 1/);
    expect(() => km.partialFit(bad)).toThrow(/Infinity at row 13, column 1/);
    const huge = X.toArray() as number[][];
    huge[3]![0] = 1e300; // finite but overflows the squared distances: not an error
    expect(() => km.predict(huge)).not.toThrow();
  });
});

describe('naive Bayes and IncrementalPCA', () => {
  it('MultinomialNB names the row and column of a negative feature; priors are validated', () => {
    expect(() =>
      new MultinomialNB().fit(
        [
          [1, 2],
          [3, -0.5],
        ],
        [0, 1],
      ),
    ).toThrow(
      'MultinomialNB: X contains a negative value (-0.5) at row 1, column 1; the multinomial model needs non-negative features (counts, frequencies).',
    );
    expect(() => new GaussianNB({ priors: [0.5, 0.6] }).fit([[1], [2]], [0, 1])).toThrow(
      "The 'priors' parameter of GaussianNB must sum to 1. Got a sum of 1.1 instead.",
    );
    expect(() => new GaussianNB({ priors: [1] }).fit([[1], [2]], [0, 1])).toThrow(/one value per class \(2\)/);
    expect(() => new GaussianNB({ priors: 'x' as never }).fit([[1], [2]], [0, 1])).toThrow(ParameterTypeError);
    expect(() => new BernoulliNB({ classPrior: [0.5, 0.25, 0.25] }).fit([[1], [0]], [0, 1])).toThrow(/classPrior/);
    expect(() => new GaussianNB().partialFit([[1], [2]], [0, 1], { classes: [0] })).toThrow(InvalidInputError);
  });

  it('BernoulliNB with binarize: null treats X as already binary; a class not seen yet has prior −Infinity', () => {
    const nb = new BernoulliNB({ binarize: null }).partialFit(
      [
        [1, 0],
        [0, 1],
      ],
      [0, 0],
      { classes: [0, 1] },
    );
    expect(nb.classLogPrior_.data[1]).toBe(Number.NEGATIVE_INFINITY);
    expect(Array.from(nb.predict([[1, 0]]).data)).toEqual([0]);
  });

  it('IncrementalPCA: component count rules, inverseTransform round trip', () => {
    const rng = new Random(3);
    const rows = Array.from({ length: 60 }, () => [rng.random(), rng.random() * 3, rng.random() * 0.1, rng.random()]);
    expect(() => new IncrementalPCA({ nComponents: 5 }).partialFit(rows)).toThrow(/nComponents=5 invalid for nFeatures=4/);
    expect(() => new IncrementalPCA({ nComponents: 3 }).partialFit(rows.slice(0, 2))).toThrow(
      /must be less or equal to the batch number of samples 2/,
    );
    const pca = new IncrementalPCA().partialFit(rows.slice(0, 30)).partialFit(rows.slice(30));
    expect(pca.nComponents_).toBe(4);
    const back = pca.inverseTransform(pca.transform(rows));
    rows.flat().forEach((v, q) => expect(back.data[q]).toBeCloseTo(v, 10));
    const white = new IncrementalPCA({ whiten: true }).fit(rows);
    const Z = white.transform(rows);
    // With every component kept, the incremental SVD is exact: whitened components have unit variance (ddof 1).
    for (let c = 0; c < 4; c++) {
      let s = 0;
      for (let i = 0; i < 60; i++) s += Z.data[4 * i + c]! ** 2;
      expect(s / 59).toBeCloseTo(1, 8);
    }
    expect(() => white.inverseTransform([[1, 2, 3]])).toThrow(/has 3 columns, but the model has 4 components/);
  });
});

describe('generated WebAssembly of the MLP and k-means kernels', () => {
  it("was assembled from the current .wat, which is the current generator's output", () => {
    const wat = readFileSync(new URL('../wasm/mlp_gemm.wat', import.meta.url));
    expect(createHash('sha256').update(wat).digest('hex'), 're-run node estimators/scripts/build_wasm.mjs').toBe(
      MLP_GEMM_WASM_SOURCE_SHA256,
    );
    const dir = mkdtempSync(join(tmpdir(), 'tessera-wat-'));
    try {
      const out = join(dir, 'mlp_gemm.wat');
      execFileSync(process.execPath, [new URL('../scripts/gen_mlp_gemm_wat.mjs', import.meta.url).pathname, out], { stdio: 'pipe' });
      expect(readFileSync(out, 'utf8'), 're-run node estimators/scripts/gen_mlp_gemm_wat.mjs').toBe(wat.toString('utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("k-means: assembled from the current kmeans.wat, which is the current generator's output", () => {
    const wat = readFileSync(new URL('../wasm/kmeans.wat', import.meta.url));
    expect(createHash('sha256').update(wat).digest('hex'), 're-run node estimators/scripts/build_wasm.mjs kmeans').toBe(
      KMEANS_WASM_SOURCE_SHA256,
    );
    const dir = mkdtempSync(join(tmpdir(), 'tessera-wat-'));
    try {
      const out = join(dir, 'kmeans.wat');
      execFileSync(process.execPath, [new URL('../scripts/gen_kmeans_wat.mjs', import.meta.url).pathname, out], { stdio: 'pipe' });
      expect(readFileSync(out, 'utf8'), 're-run node estimators/scripts/gen_kmeans_wat.mjs').toBe(wat.toString('utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
