/**
 * Mini-batch k-means, a port of scikit-learn 1.2's `MiniBatchKMeans` (`cluster/_kmeans.py`):
 * `partialFit` runs one `_mini_batch_step` on the block (labels against the current centers,
 * per-center running means with counts as learning rates, random reassignment of starved centers
 * every 10·nClusters samples or whenever a center has no count); `fit` samples random minibatches
 * of `batchSize` rows with early stopping on the smoothed batch inertia, after the best of `nInit`
 * initialisations on a validation subset.
 *
 * Randomness draws from numpy's legacy `RandomState` exactly as scikit-learn 1.2 does, so with an
 * integer randomState `fit` and `partialFit` give scikit-learn's centers: in `fit`, the validation
 * subset `randint(0, n, initSize)`, per init the subsample `randint(0, n, initSize)` (drawn even for
 * given centers, when initSize < n) then k-means++ (`randint`, `uniform`) or `permutation(initSize)`,
 * per step the minibatch `randint(0, n, batchSize)` and the reassigned centers' rows
 * `choice(batch, size, replace=False)`; `partialFit` keeps one generator across calls (its state is
 * part of the learned state, so a chain rebuilt on worker threads continues the same stream) and a
 * `partialFit` after `fit` starts a fresh `RandomState(randomState)`, as scikit-learn's does.
 *
 * Learned state (plain data, see base.ts):
 *   clusterCenters_       DenseArray [k, d]
 *   counts_               DenseArray [k]   accumulated sample weight per center (scikit-learn's _counts)
 *   labels_               DenseArray [n] of the last block / of X after fit (null without computeLabels)
 *   inertia_              number
 *   nSteps_               number           minibatch steps so far
 *   nIter_                number           epochs of the last fit (0 before any fit)
 *   nSinceLastReassign_   number
 *   batchSize_            number           min(batchSize, rows of the first block)
 *   randomState_          DenseArray [627] the MT19937 state partialFit draws from next (key, pos, hasGauss, gauss)
 *   nFeaturesIn_          number
 */
import type { ApplyMethod } from '../contract.js';
import { DenseArray, RandomState, allocate, isBlock } from '@tessera/array';
import { BaseEstimator, type State } from '../base.js';
import { InvalidInputError, ParameterRangeError, ParameterTypeError, describeValue } from '../errors.js';
import { registerEstimator } from '../registry.js';
import { type StateSchema, count, matrix, nullable, real, vector } from '../state_schema.js';
import {
  BOOLEAN,
  NULL,
  RANDOM_STATE,
  type Matrix,
  type MatrixLike,
  type VectorLike,
  assertFinite,
  checkArray,
  checkFeatureCount,
  checkSampleWeight,
  interval,
  options,
} from '../validation.js';
import { distancesPass, kmeansPlusPlus, labelPass, pairwiseSum, rowNormsSquared } from './kmeans_common.js';

/** Hyperparameters of {@link MiniBatchKMeans} (scikit-learn's, camelCase, same defaults). */
export interface MiniBatchKMeansParams {
  nClusters: number;
  /** 'k-means++', 'random', or the initial centers ([nClusters, nFeatures] as number[][] or a 2-D block). */
  init: 'k-means++' | 'random' | MatrixLike;
  /** Passes over the data in fit (minibatch steps = maxIter · n / batchSize). */
  maxIter: number;
  batchSize: number;
  verbose: number | boolean;
  /** Compute labels_ and inertia_ of the whole block after each partialFit / of X after fit. */
  computeLabels: boolean;
  randomState: number | null;
  /** Stop fit when the squared center shift falls to tol · mean feature variance (0 = off). */
  tol: number;
  /** Stop fit after this many steps without improvement of the smoothed inertia (null = off). */
  maxNoImprovement: number | null;
  /** Rows sampled for the initialisation (null = 3 · batchSize). */
  initSize: number | null;
  /** Initialisations tried by fit (the best on a validation subset is kept); 'auto' = 1 for k-means++, 3 otherwise. */
  nInit: number | 'auto';
  /** Centers whose count falls below this fraction of the largest are moved to random points. */
  reassignmentRatio: number;
}

export interface MiniBatchKMeansState extends State {
  clusterCenters_: DenseArray<'float64'>;
  counts_: DenseArray<'float64'>;
  labels_: DenseArray<'float64'> | null;
  inertia_: number;
  nSteps_: number;
  nIter_: number;
  nSinceLastReassign_: number;
  batchSize_: number;
  /** The generator's state (numpy's `get_state()`: 624 key words, pos, hasGauss, gauss) as doubles. */
  randomState_: DenseArray<'float64'>;
  nFeaturesIn_: number;
}

export interface MiniBatchKMeans extends MiniBatchKMeansParams {}

/** Length of a saved MT19937 state: 624 key words, pos, hasGauss, the cached gaussian. */
const RNG_STATE = 627;

/** A generator's state as plain doubles (what the learned state keeps). */
function saveRandom(rng: RandomState): DenseArray<'float64'> {
  const [, key, pos, hasGauss, gauss] = rng.getState();
  const out = new Float64Array(RNG_STATE);
  out.set(key);
  out[624] = pos;
  out[625] = hasGauss;
  out[626] = gauss;
  return new DenseArray(out, [RNG_STATE]);
}

/** The generator a saved state describes. */
function loadRandom(state: DenseArray<'float64'>): RandomState {
  const rng = new RandomState(0);
  const d = state.data;
  rng.setState(['MT19937', d.subarray(0, 624), d[624]!, d[625]!, d[626]!]);
  return rng;
}

/**
 * Mini-batch k-means clustering — scikit-learn's `MiniBatchKMeans`. Feed blocks to `partialFit`
 * (out of core: wrap it in `Incremental`), or `fit` an in-memory X.
 *
 * @example
 * const km = new MiniBatchKMeans({ nClusters: 3, randomState: 0 });
 * for (const X of blocks) km.partialFit(X);
 * km.predict(X);            // cluster index per row
 * km.transform(X);          // distances to the centers, [n, 3]
 * km.clusterCenters_;       // DenseArray [3, nFeatures]
 *
 * // Reproducing scikit-learn: start from given centers.
 * new MiniBatchKMeans({ nClusters: 2, init: [[0, 0], [5, 5]] }).partialFit(X);
 */
export class MiniBatchKMeans extends BaseEstimator<MiniBatchKMeansParams, MiniBatchKMeansState> {
  static readonly estimatorName = 'MiniBatchKMeans';
  static readonly estimatorType = 'clusterer';
  static readonly defaults: Readonly<MiniBatchKMeansParams> = Object.freeze({
    nClusters: 8,
    init: 'k-means++',
    maxIter: 100,
    batchSize: 1024,
    verbose: 0,
    computeLabels: true,
    randomState: null,
    tol: 0.0,
    maxNoImprovement: 10,
    initSize: null,
    nInit: 3,
    reassignmentRatio: 0.01,
  } satisfies MiniBatchKMeansParams);
  // `init` (a string or an array of centers) is checked in code: no constraint kind describes arrays.
  static readonly constraints = {
    nClusters: [interval('int', 1, null, 'left')],
    maxIter: [interval('int', 1, null, 'left')],
    batchSize: [interval('int', 1, null, 'left')],
    verbose: [interval('int', 0, null, 'left'), BOOLEAN],
    computeLabels: [BOOLEAN],
    randomState: RANDOM_STATE,
    tol: [interval('float', 0, null, 'left')],
    maxNoImprovement: [interval('int', 0, null, 'left'), NULL],
    initSize: [interval('int', 1, null, 'left'), NULL],
    nInit: [options('auto'), interval('int', 1, null, 'left')],
    reassignmentRatio: [interval('float', 0, null, 'left')],
  };
  /** k is the nClusters parameter: partialFit continues with the centers the state holds. */
  static readonly stateSchema: StateSchema = {
    fields: {
      nFeaturesIn_: count(1, 'd'),
      clusterCenters_: matrix('k', 'd'),
      counts_: vector('k'),
      labels_: nullable(vector('n', { values: 'nonNegative' })),
      inertia_: real('any'),
      nSteps_: count(0),
      nIter_: count(0),
      nSinceLastReassign_: real('nonNegative'),
      batchSize_: count(1),
      randomState_: vector(RNG_STATE, { values: 'any' }),
    },
    params: { k: 'nClusters' },
  };

  constructor(options: Partial<MiniBatchKMeansParams> = {}) {
    super(options);
  }

  /** Validates params; returns the given initial centers (row-major) or null for a method name. */
  private validate(): Float64Array | null {
    this.checkParams();
    return this.givenCenters();
  }

  /** `init`: a method name or one initial center per cluster. */
  protected override checkMoreParams(): void {
    this.givenCenters();
  }

  /** The initial centers given as `init` (row-major), or null for a method name; throws for anything else. */
  private givenCenters(): Float64Array | null {
    const name = this.estimatorName;
    const init = this.init;
    if (init === 'k-means++' || init === 'random') return null;
    if (typeof init === 'string') {
      throw new ParameterRangeError(
        `The 'init' parameter of ${name} must be a string among {'k-means++', 'random'} or an array of initial centers. Got ${describeValue(init)} instead.`,
        name,
        'init',
        init,
      );
    }
    if (!(isBlock(init) || Array.isArray(init))) {
      throw new ParameterTypeError(
        `The 'init' parameter of ${name} must be a string among {'k-means++', 'random'} or an array of initial centers. Got ${describeValue(init)} instead.`,
        name,
        'init',
        init,
      );
    }
    const m = checkArray(init, { caller: name, name: 'init' });
    if (m.nSamples !== this.nClusters) {
      throw new ParameterRangeError(
        `The 'init' parameter of ${name} must have one row per cluster: got ${m.nSamples} centers for nClusters=${this.nClusters}.`,
        name,
        'init',
        init,
      );
    }
    return m.data.slice();
  }

  /** Initial centers of one initialisation (scikit-learn's `_init_centroids`). */
  private initCenters(m: Matrix, given: Float64Array | null, rng: RandomState, initSize: number, norms: Float64Array): Float64Array {
    const { data: X, nSamples: n, nFeatures: d } = m;
    const k = this.nClusters;
    if (given !== null && given.length !== k * d)
      throw new InvalidInputError(`${this.estimatorName}: the initial centers have ${given.length / k} features but X has ${d}.`);
    let Xs = X;
    let ns = n;
    let normsS = norms;
    // The subsample is drawn before the method is looked at: given centers draw it too.
    if (initSize < n) {
      const idx = rng.randint(0, n, initSize);
      if (given === null) {
        Xs = new Float64Array(initSize * d);
        normsS = new Float64Array(initSize);
        for (let r = 0; r < initSize; r++) {
          const i = idx[r]!;
          Xs.set(X.subarray(i * d, (i + 1) * d), r * d);
          if (norms.length > 0) normsS[r] = norms[i]!;
        }
      }
      ns = initSize;
    }
    if (given !== null) return given.slice();
    const centers = new Float64Array(k * d);
    if (this.init === 'k-means++') {
      const idx = kmeansPlusPlus(Xs, ns, d, k, normsS, rng);
      idx.forEach((i, c) => centers.set(Xs.subarray(i * d, (i + 1) * d), c * d));
    } else {
      const perm = rng.permutation(ns);
      for (let c = 0; c < k; c++) centers.set(Xs.subarray(perm[c]! * d, (perm[c]! + 1) * d), c * d);
    }
    return centers;
  }

  private checkEnoughSamples(n: number): void {
    if (n < this.nClusters) throw new InvalidInputError(`${this.estimatorName}: nSamples=${n} should be >= nClusters=${this.nClusters}.`);
  }

  /** initSize as scikit-learn's `_check_params_vs_input` settles it. */
  private effectiveInitSize(batch: number, n: number): number {
    let s = this.initSize;
    if (s === null) {
      s = 3 * batch;
      if (s < this.nClusters) s = 3 * this.nClusters;
    } else if (s < this.nClusters) {
      s = 3 * this.nClusters;
    }
    return Math.min(s, n);
  }

  /**
   * One minibatch step on (X, sw): labels and inertia against the current centers, the center
   * update, then random reassignment when due. Returns the batch inertia (before the update).
   */
  private step(
    X: Float64Array,
    n: number,
    d: number,
    sw: Float64Array | null,
    oldC: Float64Array,
    newC: Float64Array,
    counts: Float64Array,
    reassign: boolean,
    rng: RandomState,
  ): number {
    const k = this.nClusters;
    // _minibatch_update_dense: a center with members restarts from c·count (undoing the previous
    // scaling), adds its members' x·w in row order, then is scaled by 1 / (count + Σw).
    const sums = new Float64Array(k * d);
    for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) sums[c * d + j] = oldC[c * d + j]! * counts[c]!;
    // The members' weight sums (in row order) come back with the sums.
    const wsum = new Float64Array(k);
    const inertia = labelPass(X, n, d, oldC, k, sw, null, { sums, weights: wsum });
    for (let c = 0; c < k; c++) {
      const o = c * d;
      if (wsum[c]! > 0) {
        counts[c] = counts[c]! + wsum[c]!;
        const alpha = 1 / counts[c]!;
        for (let j = 0; j < d; j++) newC[o + j] = sums[o + j]! * alpha;
      } else if (newC !== oldC) {
        for (let j = 0; j < d; j++) newC[o + j] = oldC[o + j]!;
      }
    }
    if (reassign && this.reassignmentRatio > 0) {
      const k = this.nClusters;
      let max = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < k; c++) if (counts[c]! > max) max = counts[c]!;
      const toReassign = new Uint8Array(k);
      let count = 0;
      for (let c = 0; c < k; c++) {
        if (counts[c]! < this.reassignmentRatio * max) {
          toReassign[c] = 1;
          count++;
        }
      }
      // At most half a batch of new centers: keep the centers with the largest counts.
      if (count > 0.5 * n) {
        const order = Array.from({ length: k }, (_, c) => c).sort((a, b) => counts[a]! - counts[b]! || a - b);
        for (const c of order.slice(Math.floor(0.5 * n))) toReassign[c] = 0;
        count = toReassign.reduce((s, v) => s + v, 0);
      }
      if (count > 0) {
        // choice(n, size=count, replace=False): permutation(n)[:count].
        const picks = rng.choice(n, { size: count, replace: false });
        let p = 0;
        for (let c = 0; c < k; c++) {
          if (!toReassign[c]) continue;
          const i = picks[p++]!;
          newC.set(X.subarray(i * d, (i + 1) * d), c * d);
        }
        // Reassigned centers restart from the smallest remaining count (scikit-learn's "dirty hack").
        let min = Number.POSITIVE_INFINITY;
        for (let c = 0; c < k; c++) if (!toReassign[c] && counts[c]! < min) min = counts[c]!;
        for (let c = 0; c < k; c++) if (toReassign[c]) counts[c] = min;
      }
    }
    return inertia;
  }

  /** Whether a random reassignment is due (scikit-learn's `_random_reassign`); advances the sample counter. */
  private reassignDue(counts: Float64Array, since: { value: number }, batch: number): boolean {
    since.value += batch;
    if (counts.some((c) => c === 0) || since.value >= 10 * this.nClusters) {
      since.value = 0;
      return true;
    }
    return false;
  }

  /**
   * Updates the centers with one minibatch step on X (scikit-learn's `partial_fit`); the first call
   * initialises the centers from `init` (on X) and fixes `batchSize_` = min(batchSize, rows).
   */
  partialFit(X: MatrixLike, options: { sampleWeight?: VectorLike } = {}): this {
    const name = this.estimatorName;
    const prev = this.learned ?? null;
    // Every call: a setParams between calls is validated too (scikit-learn 1.2 checks only the first).
    const validated = this.validate();
    const given = prev === null ? validated : null;
    if (prev !== null && prev.clusterCenters_.shape[0] !== this.nClusters) {
      throw new InvalidInputError(
        `${name}: nClusters changed from ${prev.clusterCenters_.shape[0]} to ${this.nClusters} since the first call to partialFit; refit to change it.`,
      );
    }
    // NaN / ±Infinity in X makes the step's inertia non-finite; only then is X scanned (to name
    // the value), so clean blocks are read once less.
    const m = checkArray(X, { caller: name, skipFiniteCheck: true });
    if (prev !== null) checkFeatureCount(name, prev.nFeaturesIn_, m.nFeatures);
    const { data, nSamples: n, nFeatures: d } = m;
    const sw =
      options.sampleWeight === undefined || options.sampleWeight === null ? null : checkSampleWeight(options.sampleWeight, n, name);
    let centers: Float64Array;
    let counts: Float64Array;
    let batch: number;
    let rng: RandomState;
    let steps: number;
    const since = { value: 0 };
    if (prev === null) {
      this.checkEnoughSamples(n);
      batch = Math.min(this.batchSize, n);
      // check_random_state: a seed gives numpy's RandomState(seed), null fresh entropy.
      rng = new RandomState(this.randomState ?? undefined);
      steps = 0;
      // Row norms only matter to k-means++.
      const norms = given === null && this.init === 'k-means++' ? rowNormsSquared(data, n, d) : new Float64Array(0);
      centers = this.initCenters(m, given, rng, this.effectiveInitSize(batch, n), norms);
      counts = new Float64Array(this.nClusters);
    } else {
      centers = prev.clusterCenters_.data.slice();
      counts = prev.counts_.data.slice();
      batch = prev.batchSize_;
      rng = loadRandom(prev.randomState_);
      steps = prev.nSteps_;
      since.value = prev.nSinceLastReassign_;
    }
    const reassign = this.reassignDue(counts, since, batch);
    const batchInertia = this.step(data, n, d, sw, centers, centers, counts, reassign, rng);
    if (!Number.isFinite(batchInertia)) assertFinite(data, d, 'X', name);
    let labels: DenseArray<'float64'> | null = null;
    let inertia = prev === null ? Number.NaN : prev.inertia_;
    if (this.computeLabels) {
      const lab = new Float64Array(n);
      inertia = labelPass(data, n, d, centers, this.nClusters, sw, lab);
      labels = new DenseArray(lab, [n]);
    }
    this.learned = {
      clusterCenters_: new DenseArray(centers, [this.nClusters, d]),
      counts_: new DenseArray(counts, [this.nClusters]),
      labels_: labels,
      inertia_: inertia,
      nSteps_: steps + 1,
      nIter_: prev === null ? 0 : prev.nIter_,
      nSinceLastReassign_: since.value,
      batchSize_: batch,
      randomState_: saveRandom(rng),
      nFeaturesIn_: d,
    };
    return this;
  }

  /** Forgets any previous state and clusters X with random minibatches (scikit-learn's fit). */
  fit(X: MatrixLike, options: { sampleWeight?: VectorLike } = {}): this {
    const name = this.estimatorName;
    const given = this.validate();
    const m = checkArray(X, { caller: name });
    const { data, nSamples: n, nFeatures: d } = m;
    this.checkEnoughSamples(n);
    const k = this.nClusters;
    const sw =
      options.sampleWeight === undefined || options.sampleWeight === null
        ? new Float64Array(n).fill(1)
        : checkSampleWeight(options.sampleWeight, n, name);
    const batch = Math.min(this.batchSize, n);
    const initSize = this.effectiveInitSize(batch, n);
    // _tolerance: tol · mean of the feature variances.
    let tol = 0;
    if (this.tol !== 0) {
      let acc = 0;
      for (let j = 0; j < d; j++) {
        let mean = 0;
        for (let i = 0; i < n; i++) mean += data[i * d + j]!;
        mean /= n;
        let v = 0;
        for (let i = 0; i < n; i++) v += (data[i * d + j]! - mean) ** 2;
        acc += v / n;
      }
      tol = (acc / d) * this.tol;
    }
    let nInit = this.nInit === 'auto' ? (this.init === 'k-means++' ? 1 : 3) : this.nInit;
    if (given !== null) nInit = 1;
    const rng = new RandomState(this.randomState ?? undefined);
    const norms = rowNormsSquared(data, n, d);
    // Validation subset on which the initialisations compete: randint(0, n, initSize).
    const valid = rng.randint(0, n, initSize);
    const Xv = new Float64Array(initSize * d);
    const swv = new Float64Array(initSize);
    valid.forEach((i, r) => {
      Xv.set(data.subarray(i * d, (i + 1) * d), r * d);
      swv[r] = sw[i]!;
    });
    let centers: Float64Array | null = null;
    let bestInertia = Number.POSITIVE_INFINITY;
    for (let t = 0; t < nInit; t++) {
      const c = this.initCenters(m, given, rng, initSize, norms);
      const inertia = labelPass(Xv, initSize, d, c, k, swv, null);
      if (centers === null || inertia < bestInertia) {
        centers = c;
        bestInertia = inertia;
      }
    }
    let cur: Float64Array = centers!;
    let next: Float64Array = new Float64Array(k * d);
    const counts = new Float64Array(k);
    const since = { value: 0 };
    let ewa: number | null = null;
    let ewaMin: number | null = null;
    let noImprovement = 0;
    const nSteps = Math.floor((this.maxIter * n) / batch);
    const Xb = new Float64Array(batch * d);
    const swb = new Float64Array(batch);
    const diff = new Float64Array(k * d);
    let i = 0;
    for (; i < nSteps; i++) {
      // The minibatch: randint(0, n, batchSize).
      const rows = rng.randint(0, n, batch);
      for (let r = 0; r < batch; r++) {
        const row = rows[r]!;
        Xb.set(data.subarray(row * d, (row + 1) * d), r * d);
        swb[r] = sw[row]!;
      }
      const reassign = this.reassignDue(counts, since, batch);
      let batchInertia = this.step(Xb, batch, d, swb, cur, next, counts, reassign, rng);
      let shift = 0;
      if (tol > 0) {
        // np.sum((centers_new - centers) ** 2): numpy's pairwise sum.
        for (let q = 0; q < k * d; q++) {
          const e = next[q]! - cur[q]!;
          diff[q] = e * e;
        }
        shift = pairwiseSum(diff, 0, k * d);
      }
      [cur, next] = [next, cur];
      // _mini_batch_convergence
      batchInertia /= batch;
      if (i === 0) continue;
      if (ewa === null) {
        ewa = batchInertia;
      } else {
        const alpha = Math.min((batch * 2.0) / (n + 1), 1);
        ewa = ewa * (1 - alpha) + batchInertia * alpha;
      }
      if (tol > 0 && shift <= tol) break;
      if (ewaMin === null || ewa < ewaMin) {
        noImprovement = 0;
        ewaMin = ewa;
      } else {
        noImprovement++;
      }
      if (this.maxNoImprovement !== null && noImprovement >= this.maxNoImprovement) break;
    }
    const stepsRun = Math.min(i + 1, nSteps);
    let labels: DenseArray<'float64'> | null = null;
    let inertia: number;
    if (this.computeLabels) {
      const lab = allocate('float64', n);
      inertia = labelPass(data, n, d, cur, k, sw, lab);
      labels = new DenseArray(lab, [n]);
    } else {
      inertia = (ewa ?? Number.NaN) * n;
    }
    this.learned = {
      clusterCenters_: new DenseArray(cur, [k, d]),
      counts_: new DenseArray(counts, [k]),
      labels_: labels,
      inertia_: inertia,
      nSteps_: stepsRun,
      nIter_: Math.ceil((stepsRun * batch) / n),
      nSinceLastReassign_: since.value,
      batchSize_: batch,
      // A partialFit after fit draws from a fresh RandomState(randomState), as scikit-learn's.
      randomState_: saveRandom(new RandomState(this.randomState ?? undefined)),
      nFeaturesIn_: d,
    };
    return this;
  }

  /** X checked for shape and feature count; NaN / ±Infinity are found by the passes (see labelPass). */
  private checked(X: MatrixLike): Matrix {
    const m = checkArray(X, { caller: this.estimatorName, skipFiniteCheck: true });
    checkFeatureCount(this.estimatorName, this.fitted.nFeaturesIn_, m.nFeatures);
    return m;
  }

  /** `transform` gives the distance to each center: one column per cluster. */
  override outputWidth(method: ApplyMethod): number | null {
    return method === 'transform' ? this.fitted.clusterCenters_.shape[0]! : super.outputWidth(method);
  }

  /** Index of the closest center of each row (as float64, like every predict). */
  predict(X: MatrixLike): DenseArray<'float64'> {
    const s = this.fitted;
    const m = this.checked(X);
    const out = allocate('float64', m.nSamples);
    const ok = labelPass(m.data, m.nSamples, m.nFeatures, s.clusterCenters_.data, s.clusterCenters_.shape[0]!, null, out, null, false);
    if (Number.isNaN(ok)) assertFinite(m.data, m.nFeatures, 'X', this.estimatorName);
    return new DenseArray(out, [m.nSamples]);
  }

  /**
   * Euclidean distance of each row to each center, [n, nClusters], computed as scikit-learn's
   * `euclidean_distances`: √max(−2·x·c + ‖x‖² + ‖c‖², 0).
   */
  transform(X: MatrixLike): DenseArray<'float64'> {
    const s = this.fitted;
    const m = this.checked(X);
    const { data, nSamples: n, nFeatures: d } = m;
    const k = s.clusterCenters_.shape[0]!;
    const out = allocate('float64', n * k);
    if (!distancesPass(data, n, d, s.clusterCenters_.data, k, out)) assertFinite(data, d, 'X', this.estimatorName);
    return new DenseArray(out, [n, k]);
  }

  /** Opposite of the (weighted) inertia of X against the centers. */
  score(X: MatrixLike, options: { sampleWeight?: VectorLike } = {}): number {
    const s = this.fitted;
    const m = this.checked(X);
    const sw = options.sampleWeight === undefined ? null : checkSampleWeight(options.sampleWeight, m.nSamples, this.estimatorName);
    const inertia = labelPass(m.data, m.nSamples, m.nFeatures, s.clusterCenters_.data, s.clusterCenters_.shape[0]!, sw, null);
    if (Number.isNaN(inertia)) assertFinite(m.data, m.nFeatures, 'X', this.estimatorName);
    return -inertia;
  }

  /** fit, then the labels of X. */
  fitPredict(X: MatrixLike, options: { sampleWeight?: VectorLike } = {}): DenseArray<'float64'> {
    return this.fit(X, options).predict(X);
  }

  /** fit, then transform X. */
  fitTransform(X: MatrixLike, options: { sampleWeight?: VectorLike } = {}): DenseArray<'float64'> {
    return this.fit(X, options).transform(X);
  }

  get clusterCenters_(): DenseArray<'float64'> {
    return this.fitted.clusterCenters_;
  }
  get labels_(): DenseArray<'float64'> {
    const l = this.fitted.labels_;
    if (l === null) throw new TypeError(`${this.estimatorName}: labels_ is only kept with computeLabels: true.`);
    return l;
  }
  get inertia_(): number {
    return this.fitted.inertia_;
  }
  get counts_(): DenseArray<'float64'> {
    return this.fitted.counts_;
  }
  get nSteps_(): number {
    return this.fitted.nSteps_;
  }
  get nIter_(): number {
    return this.fitted.nIter_;
  }
  get nFeaturesIn_(): number {
    return this.fitted.nFeaturesIn_;
  }
}

registerEstimator(MiniBatchKMeans);
