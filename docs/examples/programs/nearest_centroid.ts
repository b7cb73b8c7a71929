import { DenseArray } from '@tessera/array';
import { BaseEstimator, asVector, checkArray, checkFeatureCount, registerEstimator, type MatrixLike, type VectorLike } from '@tessera/estimators';

interface NearestCentroidState {
  [field: string]: unknown;
  classes_: DenseArray;
  /** Per class: the sum of its rows [k, d], and how many there were [k]. */
  sums_: DenseArray;
  counts_: DenseArray;
  nFeaturesIn_: number;
}

/** One centroid per class; predicts the class of the nearest centroid. */
export class NearestCentroid extends BaseEstimator<Record<string, never>, NearestCentroidState> {
  static readonly estimatorName = 'NearestCentroid';
  static readonly estimatorType = 'classifier';
  static readonly defaults = Object.freeze({});
  static readonly constraints = {};

  /** Adds a block: its rows to their class's sum (PartialFitter). */
  partialFit(X: MatrixLike, y: VectorLike, options: { classes?: readonly number[] } = {}): this {
    this.checkParams({ partialFit: true });
    const m = checkArray(X, { caller: 'NearestCentroid.partialFit' });
    const labels = asVector(y, { caller: 'NearestCentroid.partialFit', name: 'y' });
    let s = this.learned;
    if (s === undefined) {
      if (!options.classes) throw new TypeError('NearestCentroid.partialFit: classes must be given on the first call.');
      const k = options.classes.length;
      s = { classes_: DenseArray.from([...options.classes]), sums_: DenseArray.zeros([k, m.nFeatures]), counts_: DenseArray.zeros([k]), nFeaturesIn_: m.nFeatures };
    }
    checkFeatureCount('NearestCentroid', s.nFeaturesIn_, m.nFeatures);
    const classes = Array.from(s.classes_.data);
    for (let i = 0; i < m.nSamples; i++) {
      const c = classes.indexOf(labels[i]!);
      if (c < 0) throw new RangeError(`NearestCentroid.partialFit: label ${labels[i]} at row ${i} is not one of the classes ${classes.join(', ')}.`);
      s.counts_.data[c]!++;
      for (let j = 0; j < m.nFeatures; j++) s.sums_.data[c * m.nFeatures + j]! += m.data[i * m.nFeatures + j]!;
    }
    this.learned = s;
    return this;
  }

  /** The class of the nearest centroid, per row. */
  predict(X: MatrixLike): DenseArray {
    const s = this.fitted;
    const m = checkArray(X, { caller: 'NearestCentroid.predict' });
    checkFeatureCount('NearestCentroid', s.nFeaturesIn_, m.nFeatures);
    const d = m.nFeatures;
    const out = new Float64Array(m.nSamples);
    for (let i = 0; i < m.nSamples; i++) {
      let best = Infinity;
      for (let c = 0; c < s.counts_.data.length; c++) {
        let dist = 0;
        for (let j = 0; j < d; j++) dist += (m.data[i * d + j]! - s.sums_.data[c * d + j]! / s.counts_.data[c]!) ** 2;
        if (dist < best) [best, out[i]] = [dist, s.classes_.data[c]!];
      }
    }
    return new DenseArray(out, [m.nSamples]);
  }
}

// Known by name here and, through its module, on every worker thread.
registerEstimator(NearestCentroid, { module: import.meta.url });
