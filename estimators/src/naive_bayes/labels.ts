/**
 * Helpers the classifiers of naive_bayes/ and neural_network/ share: class labels (scikit-learn's
 * `_check_partial_fit_first_call` and label lookup), row-wise log-sum-exp / argmax, and the
 * validation of array-valued hyperparameters (priors), which the constraint kinds of
 * validation.ts do not describe.
 */
import { InvalidInputError, ParameterRangeError, ParameterTypeError, describeValue } from '../errors.js';
import { asVector, type VectorLike } from '../validation.js';

/** Sorted distinct values. */
export function uniqueSorted(v: ArrayLike<number>): Float64Array {
  return Float64Array.from(new Set(Array.from(v))).sort();
}

function sameValues(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * The classes for a partialFit call: required on the first call, optional later (and then
 * equal to the first call's), as scikit-learn's `_check_partial_fit_first_call`.
 */
export function partialFitClasses(caller: string, given: VectorLike | null | undefined, fitted: Float64Array | null): Float64Array {
  if (given === undefined || given === null) {
    if (fitted === null) throw new InvalidInputError(`${caller}: classes must be passed on the first call to partialFit.`);
    return fitted;
  }
  const classes = uniqueSorted(asVector(given, { caller, name: 'classes' }));
  if (fitted !== null && !sameValues(classes, fitted)) {
    throw new InvalidInputError(
      `${caller}: classes=[${[...classes].join(', ')}] is not the same as on the first call to partialFit, was [${[...fitted].join(', ')}].`,
    );
  }
  if (classes.length === 0) throw new InvalidInputError(`${caller}: classes must not be empty.`);
  return classes;
}

/** Index of each label of y in the sorted `classes`; a label outside them throws, naming its row. */
export function labelIndices(caller: string, y: Float64Array, classes: Float64Array): Int32Array {
  const out = new Int32Array(y.length);
  const k = classes.length;
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    let lo = 0;
    let hi = k - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (classes[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    if (classes[lo] !== v) {
      throw new InvalidInputError(`${caller}: y contains label ${v} (row ${i}) which is not among classes [${[...classes].join(', ')}].`);
    }
    out[i] = lo;
  }
  return out;
}

/** scipy.special.logsumexp along the rows of an [n, k] row-major matrix. */
export function logSumExpRows(a: Float64Array, n: number, k: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * k;
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < k; c++) if (a[o + c]! > max) max = a[o + c]!;
    if (!Number.isFinite(max)) max = 0;
    let s = 0;
    for (let c = 0; c < k; c++) s += Math.exp(a[o + c]! - max);
    out[i] = Math.log(s) + max;
  }
  return out;
}

/** classes[argmax of each row] (the first maximum, as numpy's argmax), as labels. */
export function argmaxLabels(a: Float64Array, n: number, k: number, classes: Float64Array, out: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) {
    const o = i * k;
    let best = 0;
    let bv = a[o]!;
    for (let c = 1; c < k; c++) {
      if (a[o + c]! > bv) {
        bv = a[o + c]!;
        best = c;
      }
    }
    out[i] = classes[best]!;
  }
  return out;
}

/**
 * Validates an array-valued hyperparameter (priors): null (when allowed) or an array / typed
 * array of finite numbers. Uses the one message template of validation.ts.
 */
export function checkNumberArrayParam(estimator: string, param: string, value: unknown, nullable: boolean): Float64Array | null {
  if (value === null && nullable) return null;
  const what = `an array of finite numbers${nullable ? ' or null' : ''}`;
  const isArrayLike = Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
  if (!isArrayLike) {
    throw new ParameterTypeError(
      `The '${param}' parameter of ${estimator} must be ${what}. Got ${describeValue(value)} instead.`,
      estimator,
      param,
      value,
    );
  }
  const arr = value as ArrayLike<unknown>;
  const out = new Float64Array(arr.length);
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new ParameterRangeError(
        `The '${param}' parameter of ${estimator} must be ${what}. Got ${describeValue(value)} instead.`,
        estimator,
        param,
        value,
      );
    }
    out[i] = v;
  }
  return out;
}
