/**
 * Fidelity against scikit-learn 1.2.1 (fixtures from estimators/scripts/make_fixtures_incremental.py):
 * the same blocks fed to partialFit, from the same initial weights / centers, must give the same
 * learned attributes after every call and the same predictions — to 1e-9 relative (with an
 * absolute floor of 1e-12 on each array's scale, see helpers.ts).
 */
import { describe, expect, it } from 'vitest';
import { DenseArray } from '@tessera/array';
import {
  BernoulliNB,
  GaussianNB,
  IncrementalPCA,
  MiniBatchKMeans,
  MLPClassifier,
  MLPRegressor,
  MultinomialNB,
  type MLPParams,
} from '../src/index.js';
import { mlpWasmAvailable, Random, setMLPBackend } from '../src/internal.js';
import { kmeansWasmAvailable, setKMeansBackend, type KMeansBackend } from '../src/cluster/kmeans_kernels.js';
import { expectClose, fixture } from './helpers.js';

interface Common {
  blockRows: number[];
  nTest: number;
  X: number[][];
  binary: number[];
  multiclass: number[];
  regression: number[];
  counts: number[][];
  counts_y: number[];
  sampleWeight: number[];
}

const data = fixture<Common>('incremental_data.json');
const N = data.blockRows.reduce((a, b) => a + b, 0);
const slices = (() => {
  const out: [number, number][] = [];
  let s = 0;
  for (const r of data.blockRows) {
    out.push([s, s + r]);
    s += r;
  }
  return out;
})();
const rowsOf = (X: number[][], a: number, b: number) => DenseArray.from(X.slice(a, b));
const targets = (key: string): number[] => (data as unknown as Record<string, number[]>)[key]!;

describe('MLP against scikit-learn', () => {
  interface MLPStep {
    coefs: number[][];
    intercepts: number[][];
    loss: number;
    lossCurve: number[];
    t: number;
    nIter: number;
    bestLoss: number | null;
    noImprovementCount: number;
    learningRate: number;
  }
  interface MLPCase {
    name: string;
    estimator: 'MLPClassifier' | 'MLPRegressor';
    mode: 'partial_fit' | 'fit';
    target: string;
    params: Record<string, unknown>;
    hiddenLayerSizes: number[];
    coefsInit: number[][][];
    interceptsInit: number[][];
    steps: MLPStep[];
    predict: number[];
    proba?: number[];
    logProba?: number[];
  }
  const { cases } = fixture<{ cases: MLPCase[] }>('incremental_mlp.json');

  function make(c: MLPCase): MLPClassifier | MLPRegressor {
    const options: Partial<MLPParams> = {
      ...(c.params as Partial<MLPParams>),
      hiddenLayerSizes: c.hiddenLayerSizes,
      shuffle: false,
      randomState: 0,
      coefsInit: c.coefsInit,
      interceptsInit: c.interceptsInit,
    };
    return c.estimator === 'MLPClassifier' ? new MLPClassifier(options) : new MLPRegressor(options);
  }

  function checkStep(est: MLPClassifier | MLPRegressor, step: MLPStep, label: string): void {
    est.coefs_.forEach((w, l) => expectClose(w.data, step.coefs[l]!, `${label} coefs_[${l}]`));
    est.intercepts_.forEach((b, l) => expectClose(b.data, step.intercepts[l]!, `${label} intercepts_[${l}]`));
    expectClose([est.loss_], [step.loss], `${label} loss_`);
    expectClose(est.lossCurve_, step.lossCurve, `${label} lossCurve_`);
    expect(est.t_, `${label} t_`).toBe(step.t);
    expect(est.nIter_, `${label} nIter_`).toBe(step.nIter);
    expect(est.bestLoss_ === null ? null : est.bestLoss_, `${label} bestLoss_`).toBeCloseTo(step.bestLoss!, 12);
    const st = est.getState();
    expect(st.noImprovementCount_, `${label} noImprovementCount`).toBe(step.noImprovementCount);
    expectClose([st.optimizerLearningRate_], [step.learningRate], `${label} optimizer learning rate`);
  }

  function run(c: MLPCase): { est: MLPClassifier | MLPRegressor; outputs: number[][] } {
    const est = make(c);
    const y = targets(c.target);
    if (c.mode === 'partial_fit') {
      const classes = [...new Set(y)].sort((a, b) => a - b);
      slices.forEach(([a, b], i) => {
        if (est instanceof MLPClassifier) est.partialFit(rowsOf(data.X, a, b), y.slice(a, b), { classes });
        else est.partialFit(rowsOf(data.X, a, b), y.slice(a, b));
        checkStep(est, c.steps[i]!, `${c.name}, block ${i}`);
      });
    } else {
      est.fit(rowsOf(data.X, 0, N), y.slice(0, N));
      checkStep(est, c.steps[0]!, `${c.name}, fit`);
    }
    const Xtest = rowsOf(data.X, N, N + data.nTest);
    const outputs = [Array.from(est.predict(Xtest).data)];
    expectClose(outputs[0]!, c.predict, `${c.name} predict`);
    if (est instanceof MLPClassifier) {
      outputs.push(Array.from(est.predictProba(Xtest).data));
      expectClose(outputs[1]!, c.proba!, `${c.name} predictProba`);
      expectClose(est.predictLogProba(Xtest).data, c.logProba!, `${c.name} predictLogProba`);
    }
    for (const w of est.coefs_) outputs.push(Array.from(w.data));
    return { est, outputs };
  }

  it('covers both solvers, every activation, classifier (binary, multiclass) and regressor', () => {
    const seen = new Set(cases.map((c) => `${c.estimator} ${c.params['solver']} ${c.params['activation']}`));
    for (const e of ['MLPClassifier', 'MLPRegressor'])
      for (const s of ['sgd', 'adam'])
        for (const a of ['identity', 'logistic', 'tanh', 'relu']) expect(seen.has(`${e} ${s} ${a}`), `${e} ${s} ${a}`).toBe(true);
    expect(cases.some((c) => c.target === 'binary') && cases.some((c) => c.target === 'multiclass')).toBe(true);
  });

  for (const c of cases) {
    it(`${c.name} (${c.mode})`, () => {
      const prev = setMLPBackend('auto');
      try {
        run(c);
      } finally {
        setMLPBackend(prev);
      }
    });
  }

  it.skipIf(!mlpWasmAvailable())('the WebAssembly and JavaScript backends give bit-identical results', () => {
    for (const c of cases) {
      let prev = setMLPBackend('wasm');
      const wasm = run(c).outputs;
      setMLPBackend(prev);
      prev = setMLPBackend('js');
      const js = run(c).outputs;
      setMLPBackend(prev);
      expect(js, c.name).toEqual(wasm);
    }
  });
});

describe('MiniBatchKMeans against scikit-learn', () => {
  interface KStep {
    clusterCenters: number[];
    counts: number[];
    labels: number[];
    inertia: number;
    nSteps: number;
  }
  interface KCase {
    name: string;
    params: Record<string, number>;
    init: number[][];
    sampleWeight: boolean;
    steps: KStep[];
    predict: number[];
    transform: number[];
    score: number;
  }
  const fx = fixture<{ X: number[][]; sampleWeight: number[]; cases: KCase[] }>('incremental_kmeans.json');

  /** Runs `f` with the k-means backend set to `backend`, then restores the previous setting. */
  function withBackend<T>(backend: KMeansBackend, f: () => T): T {
    const prev = setKMeansBackend(backend);
    try {
      return f();
    } finally {
      setKMeansBackend(prev);
    }
  }

  it.skipIf(!kmeansWasmAvailable())(
    'the WebAssembly and JavaScript backends give bit-identical results (labels, inertia, centers, distances)',
    () => {
      const runWith = (backend: KMeansBackend) =>
        withBackend(backend, () => {
          const X = DenseArray.from(fx.X.slice(0, N));
          const km = new MiniBatchKMeans({ nClusters: 4, randomState: 3, batchSize: 16, maxIter: 3 }).fit(X, {
            sampleWeight: fx.sampleWeight,
          });
          km.partialFit(X);
          return [
            Array.from(km.clusterCenters_.data),
            Array.from(km.labels_.data),
            [km.inertia_],
            Array.from(km.transform(X).data),
            [km.score(X)],
          ];
        });
      expect(runWith('js')).toEqual(runWith('wasm'));
    },
  );

  it.skipIf(!kmeansWasmAvailable())(
    "both backends agree for any cluster count (odd, above the kernel's block of 8), feature count and exact ties, and match a plain first-minimum argmin",
    () => {
      const rng = new Random(5);
      let ties = 0;
      for (const [n, d, k] of [
        [301, 1, 1],
        [402, 3, 2],
        [333, 5, 3],
        [512, 20, 8],
        [257, 7, 9],
        [300, 13, 17],
        [201, 2, 12],
      ] as const) {
        // Values on a coarse grid, centers too: many rows lie at exactly equal distances of two centers.
        const X = Array.from({ length: n }, () => Array.from({ length: d }, () => rng.randint(8) / 2 - 2));
        const C = Array.from({ length: k }, () => Array.from({ length: d }, () => rng.randint(5) - 2));
        const sw = Array.from({ length: n }, () => rng.random() * 2);
        const runWith = (backend: KMeansBackend) =>
          withBackend(backend, () => {
            const km = new MiniBatchKMeans({ nClusters: k, init: C, nInit: 1, reassignmentRatio: 0 }).partialFit(X, { sampleWeight: sw });
            // Labels against the grid centers themselves (the state's centers set back to C).
            const onGrid = new MiniBatchKMeans({ nClusters: k }).setState({ ...km.getState(), clusterCenters_: DenseArray.from(C) });
            const labels0 = Array.from(onGrid.predict(X).data);
            const fitted = new MiniBatchKMeans({ nClusters: k, randomState: 1, batchSize: 32, maxIter: 2 }).fit(X, { sampleWeight: sw });
            return [
              labels0,
              Array.from(km.clusterCenters_.data),
              Array.from(km.labels_.data),
              [km.inertia_],
              Array.from(km.predict(X).data),
              Array.from(km.transform(X).data),
              [km.score(X, { sampleWeight: sw })],
              Array.from(fitted.clusterCenters_.data),
              Array.from(fitted.labels_.data),
            ];
          });
        const js = runWith('js');
        expect(runWith('wasm'), `n=${n} d=${d} k=${k}`).toEqual(js);
        // Against the grid centers: the first center minimising −2·x·c + ‖c‖² (sums in feature order).
        const expected = X.map((x) => {
          let best = 0;
          let bd = Number.POSITIVE_INFINITY;
          C.forEach((c, ci) => {
            let p = 0;
            let cn = 0;
            for (let j = 0; j < d; j++) {
              p += x[j]! * -2 * c[j]!;
              cn += c[j]! * c[j]!;
            }
            if (p + cn < bd) {
              bd = p + cn;
              best = ci;
            } else if (p + cn === bd) {
              ties++;
            }
          });
          return best;
        });
        expect(js[0], `n=${n} d=${d} k=${k}`).toEqual(expected);
      }
      expect(ties).toBeGreaterThan(100);
    },
  );

  it.skipIf(!kmeansWasmAvailable())('both backends find NaN and ±Infinity in the passes and name them', () => {
    for (const backend of ['js', 'wasm'] as const) {
      withBackend(backend, () => {
        const X = fx.X.slice(0, 40).map((r) => r.slice());
        const km = new MiniBatchKMeans({ nClusters: 9, init: X.slice(0, 9), nInit: 1 }).partialFit(X);
        X[31]![2] = Number.NaN;
        expect(() => km.predict(X), backend).toThrow(/NaN at row 31, column 2/);
        expect(() => km.transform(X), backend).toThrow(/NaN at row 31, column 2/);
        X[31]![2] = Number.NEGATIVE_INFINITY;
        expect(() => km.score(X), backend).toThrow(/Infinity at row 31, column 2/);
        expect(() => km.partialFit(X), backend).toThrow(/Infinity at row 31, column 2/);
      });
    }
  });

  for (const c of fx.cases) {
    it(c.name, () => {
      const km = new MiniBatchKMeans({ nClusters: 4, init: c.init, nInit: 1, randomState: 0, ...c.params });
      slices.forEach(([a, b], i) => {
        km.partialFit(rowsOf(fx.X, a, b), c.sampleWeight ? { sampleWeight: fx.sampleWeight.slice(a, b) } : {});
        const s = c.steps[i]!;
        const label = `${c.name}, block ${i}`;
        expectClose(km.clusterCenters_.data, s.clusterCenters, `${label} clusterCenters_`);
        expectClose(km.counts_.data, s.counts, `${label} counts`);
        expect(Array.from(km.labels_.data), `${label} labels_`).toEqual(s.labels);
        expectClose([km.inertia_], [s.inertia], `${label} inertia_`);
        expect(km.nSteps_).toBe(s.nSteps);
      });
      const Xtest = rowsOf(fx.X, N, N + data.nTest);
      expect(Array.from(km.predict(Xtest).data)).toEqual(c.predict);
      expectClose(km.transform(Xtest).data, c.transform, `${c.name} transform`);
      expectClose([km.score(Xtest)], [c.score], `${c.name} score`);
    });
  }
});

describe('naive Bayes against scikit-learn', () => {
  interface NBCase {
    name: string;
    estimator: 'GaussianNB' | 'MultinomialNB' | 'BernoulliNB';
    params: Record<string, unknown>;
    x: 'X' | 'counts' | 'binarized';
    y: string;
    sampleWeight: boolean;
    steps: Record<string, number[]>[];
    fit: Record<string, number[]>;
    predict: number[];
    proba: number[];
    logProba: number[];
  }
  const { cases } = fixture<{ cases: NBCase[] }>('incremental_nb.json');
  const classes = { GaussianNB, MultinomialNB, BernoulliNB };

  function checkAttrs(est: object, expected: Record<string, number[]>, label: string): void {
    for (const [key, values] of Object.entries(expected)) {
      const v = (est as Record<string, unknown>)[`${key}_`];
      const arr = typeof v === 'number' ? [v] : Array.from((v as DenseArray).data as ArrayLike<number>);
      expectClose(arr, values, `${label} ${key}_`);
    }
  }

  for (const c of cases) {
    it(c.name, () => {
      const X = c.x === 'counts' ? data.counts : c.x === 'binarized' ? data.X.map((r) => r.map((v) => (v > 0 ? 1 : 0))) : data.X;
      const y = targets(c.y);
      const ys = [...new Set(y)].sort((a, b) => a - b);
      const Cls = classes[c.estimator] as unknown as new (o: object) => GaussianNB;
      const est = new Cls(c.params);
      slices.forEach(([a, b], i) => {
        est.partialFit(rowsOf(X, a, b), y.slice(a, b), {
          classes: ys,
          ...(c.sampleWeight ? { sampleWeight: data.sampleWeight.slice(a, b) } : {}),
        });
        checkAttrs(est, c.steps[i]!, `${c.name}, block ${i}`);
      });
      const fitted = new Cls(c.params).fit(rowsOf(X, 0, N), y.slice(0, N), c.sampleWeight ? { sampleWeight: data.sampleWeight } : {});
      checkAttrs(fitted, c.fit, `${c.name}, fit`);
      const Xtest = rowsOf(X, N, N + data.nTest);
      expect(Array.from(est.predict(Xtest).data)).toEqual(c.predict);
      expectClose(est.predictProba(Xtest).data, c.proba, `${c.name} predictProba`);
      expectClose(est.predictLogProba(Xtest).data, c.logProba, `${c.name} predictLogProba`);
    });
  }
});

describe('IncrementalPCA against scikit-learn', () => {
  interface PCAStep {
    components: number[];
    explainedVariance: number[];
    explainedVarianceRatio: number[];
    singularValues: number[];
    mean: number[];
    var: number[];
    noiseVariance: number;
    nSamplesSeen: number;
  }
  const fx = fixture<{
    X: number[][];
    cases: {
      name: string;
      params: Record<string, unknown>;
      blocks: number[];
      steps: PCAStep[];
      transform: number[];
      inverseTransform: number[];
    }[];
    fit: { params: Record<string, number>; state: PCAStep };
  }>('incremental_pca.json');
  const d = fx.X[0]!.length;

  /** Components match up to the sign of each row; returns the signs that align ours with theirs. */
  function checkComponents(got: Float64Array, want: number[], label: string): number[] {
    const k = want.length / d;
    const signs: number[] = [];
    for (let c = 0; c < k; c++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += got[c * d + j]! * want[c * d + j]!;
      signs.push(dot < 0 ? -1 : 1);
    }
    const aligned = Array.from(got, (v, q) => v * signs[Math.floor(q / d)]!);
    expectClose(aligned, want, `${label} components_ (up to sign)`);
    return signs;
  }

  function checkState(est: IncrementalPCA, s: PCAStep, label: string): number[] {
    const signs = checkComponents(est.components_.data, s.components, label);
    expectClose(est.explainedVariance_.data, s.explainedVariance, `${label} explainedVariance_`);
    expectClose(est.explainedVarianceRatio_.data, s.explainedVarianceRatio, `${label} explainedVarianceRatio_`);
    expectClose(est.singularValues_.data, s.singularValues, `${label} singularValues_`);
    expectClose(est.mean_.data, s.mean, `${label} mean_`);
    expectClose(est.var_.data, s.var, `${label} var_`);
    expectClose([est.noiseVariance_], [s.noiseVariance], `${label} noiseVariance_`);
    return signs;
  }

  for (const c of fx.cases) {
    it(c.name, () => {
      const est = new IncrementalPCA(c.params as never);
      let start = 0;
      let signs: number[] = [];
      c.blocks.forEach((r, i) => {
        est.partialFit(rowsOf(fx.X, start, start + r));
        start += r;
        signs = checkState(est, c.steps[i]!, `${c.name}, block ${i}`);
        expect(est.nSamplesSeen_).toBe(c.steps[i]!.nSamplesSeen);
      });
      // svd_flip makes the signs deterministic: they agree with scikit-learn's.
      expect(signs.every((s) => s === 1)).toBe(true);
      const Xtest = rowsOf(fx.X, N, N + data.nTest);
      const Z = est.transform(Xtest);
      expectClose(Z.data, c.transform, `${c.name} transform`);
      expectClose(est.inverseTransform(Z).data, c.inverseTransform, `${c.name} inverseTransform`);
    });
  }

  it('fit in batches of batchSize', () => {
    const est = new IncrementalPCA(fx.fit.params as never).fit(rowsOf(fx.X, 0, N));
    checkState(est, fx.fit.state, 'fit');
  });
});
