/**
 * The learned state of the SGD family, declared (the schema setState checks) and worked on:
 *
 *   coef_        DenseArray float64, [k, nFeatures] for classifiers (k = 1 when binary), [nFeatures] for regressors
 *   intercept_   DenseArray float64, [k] ([1] for regressors)
 *   t_           number: 1 + samples seen (the learning-rate clock, scikit-learn's t_)
 *   nIter_       number: epochs run by the last call
 *   nFeaturesIn_ number
 *   classes_     DenseArray float64 [nClasses] (classifiers)
 *   with `average` > 0 also standardCoef_, standardIntercept_, averageCoef_, averageIntercept_
 *   (scikit-learn's _standard_coef… ); coef_ / intercept_ are then the average arrays once
 *   average <= t_ - 1, the standard ones before.
 *
 * Every call trains on fresh copies of the arrays ({@link Working}) and commits them at the end
 * (base.ts), so a state returned by getState() is never changed by later training, and a failed
 * call changes nothing.
 */
import { DenseArray } from '@tessera/array';
import type { State } from '../../base.js';
import { type StateSchema, count, matrix, optional, real, vector } from '../../state_schema.js';

/** The learned state of the SGD family (see the file comment). */
export interface SGDState extends State {
  coef_: DenseArray<'float64'>;
  intercept_: DenseArray<'float64'>;
  t_: number;
  nIter_: number;
  nFeaturesIn_: number;
  standardCoef_?: DenseArray<'float64'>;
  standardIntercept_?: DenseArray<'float64'>;
  averageCoef_?: DenseArray<'float64'>;
  averageIntercept_?: DenseArray<'float64'>;
}

export interface SGDClassifierState extends SGDState {
  classes_: DenseArray<'float64'>;
}

/**
 * The declared learned state of the family (see the file comment): coef_ (k, d) for classifiers
 * with k = nClasses, or 1 for two classes; (d,) for regressors; the averaging arrays all or none.
 */
export function sgdStateSchema(kind: 'classifier' | 'regressor'): StateSchema {
  const rows = kind === 'classifier' ? 'k' : 1;
  const coef = kind === 'classifier' ? matrix('k', 'd') : vector('d');
  const intercept = vector(rows);
  return {
    fields: {
      nFeaturesIn_: count(1, 'd'),
      ...(kind === 'classifier' ? { classes_: vector('nClasses', { sorted: true, minLength: 2 }) } : {}),
      coef_: coef,
      intercept_: intercept,
      t_: real('finite', 1),
      nIter_: count(0),
      standardCoef_: optional(coef),
      standardIntercept_: optional(intercept),
      averageCoef_: optional(coef),
      averageIntercept_: optional(intercept),
    },
    derived: {
      k: {
        value: (d) => (d['nClasses'] === undefined ? undefined : d['nClasses'] > 2 ? d['nClasses'] : 1),
        because: (d) =>
          `classes_ holds ${d['nClasses']} classes, so ${d['nClasses']! > 2 ? d['nClasses'] : 1} row${d['nClasses']! > 2 ? 's are' : ' is'} expected (one per class; one for two classes)`,
      },
    },
    together: [['standardCoef_', 'standardIntercept_', 'averageCoef_', 'averageIntercept_']],
  };
}

export function f64(shape: number[], from?: Float64Array): DenseArray<'float64'> {
  let size = 1;
  for (const s of shape) size *= s;
  const data = new Float64Array(size);
  if (from !== undefined) data.set(from);
  return new DenseArray(data, shape);
}

/** The arrays one training call works on (fresh copies), with averaging's aliasing made explicit. */
export interface Working {
  coef: Float64Array; // what coef_ is when not averaging, else unused
  intercept: Float64Array;
  std: Float64Array | null;
  stdIntercept: Float64Array | null;
  avg: Float64Array | null;
  avgIntercept: Float64Array | null;
  /** With averaging: whether coef_ / intercept_ currently are the average arrays. */
  exposesAverage: boolean;
}

export function allocateWorking(
  k: number,
  d: number,
  average: number,
  coefInit: Float64Array | null,
  interceptInit: Float64Array | null,
): Working {
  const coef = new Float64Array(k * d);
  if (coefInit !== null) coef.set(coefInit);
  const intercept = new Float64Array(k);
  if (interceptInit !== null) intercept.set(interceptInit);
  if (average > 0) {
    return {
      coef,
      intercept,
      std: coef,
      stdIntercept: intercept,
      avg: new Float64Array(k * d),
      avgIntercept: new Float64Array(k),
      exposesAverage: false,
    };
  }
  return { coef, intercept, std: null, stdIntercept: null, avg: null, avgIntercept: null, exposesAverage: false };
}

export function workingFromState(s: SGDState, average: number): Working {
  const coef = s.coef_.data.slice();
  const intercept = s.intercept_.data.slice();
  if (average > 0) {
    if (
      s.standardCoef_ === undefined ||
      s.averageCoef_ === undefined ||
      s.standardIntercept_ === undefined ||
      s.averageIntercept_ === undefined
    ) {
      // Fitted without averaging, averaging turned on since: start the average here.
      return {
        coef,
        intercept,
        std: coef,
        stdIntercept: intercept,
        avg: new Float64Array(coef.length),
        avgIntercept: new Float64Array(intercept.length),
        exposesAverage: false,
      };
    }
    return {
      coef,
      intercept,
      std: s.standardCoef_.data.slice(),
      stdIntercept: s.standardIntercept_.data.slice(),
      avg: s.averageCoef_.data.slice(),
      avgIntercept: s.averageIntercept_.data.slice(),
      exposesAverage: average <= s.t_ - 1,
    };
  }
  return { coef, intercept, std: null, stdIntercept: null, avg: null, avgIntercept: null, exposesAverage: false };
}
