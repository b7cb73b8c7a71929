/**
 * Hyperparameter constraints as data (in the manner of scikit-learn's `_param_validation.py`) and
 * input validation for X and y.
 *
 * Every estimator declares `static readonly constraints: ParamConstraints`; {@link validateParams}
 * checks a params object against it and throws with the one message template:
 *
 *     The 'alpha' parameter of SGDClassifier must be a float in the range [0, inf). Got -1 instead.
 *
 * Because the constraints are data, {@link invalidValuesFor} can generate values that violate them,
 * which is what the conformance tests do for every parameter of every estimator.
 */
import { NDArray, type Block, isBlock } from '@tessera/array';
import { InvalidInputError, ParameterRangeError, ParameterTypeError, describeValue } from './errors.js';

/** How an interval's ends are closed, as in scikit-learn's `Interval(..., closed=...)`. */
export type Closed = 'left' | 'right' | 'both' | 'neither';

/** One acceptable form of a hyperparameter value. A parameter is valid if any of its constraints accepts it. */
export type Constraint =
  | {
      readonly kind: 'interval';
      readonly type: 'int' | 'float';
      readonly left: number | null;
      readonly right: number | null;
      readonly closed: Closed;
      readonly hidden?: boolean;
    }
  | { readonly kind: 'options'; readonly options: readonly string[]; readonly hidden?: boolean }
  | { readonly kind: 'boolean'; readonly hidden?: boolean }
  | { readonly kind: 'null'; readonly hidden?: boolean }
  /** An object mapping keys (class labels) to finite numbers, e.g. `classWeight: { 0: 1, 1: 5 }`. */
  | { readonly kind: 'dict'; readonly hidden?: boolean }
  /** An array `[low, high]` of two finite numbers, e.g. `featureRange`. */
  | { readonly kind: 'pair'; readonly hidden?: boolean };

/** Constraints of every hyperparameter of an estimator, by parameter name. */
export type ParamConstraints = Readonly<Record<string, readonly Constraint[]>>;

/** `Interval(Real|Integral, left, right, closed)` in scikit-learn's terms. */
export function interval(type: 'int' | 'float', left: number | null, right: number | null, closed: Closed): Constraint {
  return { kind: 'interval', type, left, right, closed };
}

/** A string among `options`. */
export function options(...values: string[]): Constraint {
  return { kind: 'options', options: values };
}

/** Accepted but left out of error messages (scikit-learn's `Hidden`). */
export function hidden(c: Constraint): Constraint {
  return { ...c, hidden: true };
}

export const BOOLEAN: Constraint = { kind: 'boolean' };
export const NULL: Constraint = { kind: 'null' };
export const DICT: Constraint = { kind: 'dict' };
export const PAIR: Constraint = { kind: 'pair' };
/** `randomState`: an int in [0, 2**32 - 1] or null (scikit-learn also takes a RandomState; we take seeds). */
export const RANDOM_STATE: readonly Constraint[] = [interval('int', 0, 2 ** 32 - 1, 'both'), NULL];

function inInterval(c: Extract<Constraint, { kind: 'interval' }>, v: number): boolean {
  if (Number.isNaN(v)) return false;
  if (c.type === 'int' && !Number.isInteger(v)) return false;
  const leftClosed = c.closed === 'left' || c.closed === 'both';
  const rightClosed = c.closed === 'right' || c.closed === 'both';
  if (c.left !== null && (leftClosed ? v < c.left : v <= c.left)) return false;
  if (c.right !== null && (rightClosed ? v > c.right : v >= c.right)) return false;
  return true;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || ArrayBuffer.isView(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Whether `value` satisfies constraint `c`. */
export function satisfies(c: Constraint, value: unknown): boolean {
  switch (c.kind) {
    case 'interval':
      return typeof value === 'number' && inInterval(c, value);
    case 'options':
      return typeof value === 'string' && c.options.includes(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    case 'dict':
      return isPlainObject(value) && Object.values(value).every((w) => typeof w === 'number' && Number.isFinite(w));
    case 'pair':
      return Array.isArray(value) && value.length === 2 && value.every((x) => typeof x === 'number' && Number.isFinite(x));
  }
}

/** Whether `value` has the JavaScript type constraint `c` is about (so a failure is a range error, not a type error). */
function sameType(c: Constraint, value: unknown): boolean {
  switch (c.kind) {
    case 'interval':
      return typeof value === 'number';
    case 'options':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    case 'dict':
      return isPlainObject(value);
    case 'pair':
      return Array.isArray(value);
  }
}

/** Human-readable form of one constraint, as used in the message template. */
export function describeConstraint(c: Constraint): string {
  switch (c.kind) {
    case 'interval': {
      const l = c.closed === 'left' || c.closed === 'both' ? '[' : '(';
      const r = c.closed === 'right' || c.closed === 'both' ? ']' : ')';
      return `${c.type === 'int' ? 'an int' : 'a float'} in the range ${l}${c.left ?? '-inf'}, ${c.right ?? 'inf'}${r}`;
    }
    case 'options':
      return `a string among {${c.options.map((o) => `'${o}'`).join(', ')}}`;
    case 'boolean':
      return 'a boolean';
    case 'null':
      return 'null';
    case 'dict':
      return 'an object mapping class labels to numbers';
    case 'pair':
      return 'an array of two finite numbers';
  }
}

/** The message template: "The 'alpha' parameter of SGDClassifier must be a float in the range [0, inf). Got -1 instead." */
export function invalidParameterMessage(estimator: string, param: string, constraints: readonly Constraint[], value: unknown): string {
  const shown = constraints.filter((c) => !c.hidden);
  const parts = shown.map(describeConstraint);
  const expected = parts.length <= 1 ? (parts[0] ?? 'valid') : `${parts.slice(0, -1).join(', ')} or ${parts[parts.length - 1]}`;
  return `The '${param}' parameter of ${estimator} must be ${expected}. Got ${describeValue(value)} instead.`;
}

/**
 * Checks `params` against `constraints`; throws {@link ParameterTypeError} when the value's type
 * fits no constraint, {@link ParameterRangeError} when it has a fitting type but a bad value.
 */
export function validateParams(estimator: string, constraints: ParamConstraints, params: Readonly<Record<string, unknown>>): void {
  for (const [param, cs] of Object.entries(constraints)) {
    if (!(param in params)) continue;
    const value = params[param];
    if (cs.some((c) => satisfies(c, value))) continue;
    const message = invalidParameterMessage(estimator, param, cs, value);
    if (cs.some((c) => sameType(c, value))) throw new ParameterRangeError(message, estimator, param, value);
    throw new ParameterTypeError(message, estimator, param, value);
  }
}

/**
 * Values that violate every constraint of a parameter: just outside each interval, non-integers
 * for ints, NaN, unknown options, and values of the wrong type. Used by the conformance tests.
 */
export function invalidValuesFor(constraints: readonly Constraint[]): unknown[] {
  const candidates: unknown[] = [Number.NaN, 'not-a-valid-option', { bogus: 'x' }, [1, 2, 3], undefined];
  for (const c of constraints) {
    if (c.kind === 'interval') {
      if (c.left !== null) candidates.push(c.closed === 'left' || c.closed === 'both' ? c.left - 1 : c.left);
      if (c.right !== null) candidates.push(c.closed === 'right' || c.closed === 'both' ? c.right + 1 : c.right);
      if (c.type === 'int') candidates.push((c.left ?? 0) + 1.5);
      candidates.push('1');
    }
    if (c.kind === 'boolean') candidates.push(1, 'true');
    if (c.kind === 'options') candidates.push(c.options[0]!.toUpperCase() + '_x', 3);
    if (c.kind === 'null') candidates.push(Number.NaN);
    if (c.kind === 'pair') candidates.push([1], [0, Number.POSITIVE_INFINITY]);
  }
  const seen = new Set<string>();
  return candidates.filter((v) => {
    const key = describeValue(v) + typeof v;
    if (seen.has(key)) return false;
    seen.add(key);
    return !constraints.some((c) => satisfies(c, v));
  });
}

// ---------------------------------------------------------------------------------------------
// Input validation
// ---------------------------------------------------------------------------------------------

/** X as the estimators use it: a C-order float64 matrix. `data` may be the caller's own buffer (never written). */
export interface Matrix {
  readonly data: Float64Array;
  readonly nSamples: number;
  readonly nFeatures: number;
}

/** What estimators accept for X: any 2-D {@link Block} (DenseArray included) or nested arrays. */
export type MatrixLike = Block | readonly (readonly number[])[];

/** What estimators accept for y and sample weights. */
export type VectorLike = readonly number[] | Float64Array | Float32Array | Int32Array | Uint8Array | Block;

interface CheckOptions {
  /** Estimator (or function) name, for messages. */
  readonly caller: string;
  /** Argument name, for messages ("X" by default). */
  readonly name?: string;
  /** Skip the NaN/Infinity scan (only for data this package produced itself). */
  readonly skipFiniteCheck?: boolean;
}

/**
 * Validates X and returns it as a float64 matrix without copying when it already is one.
 * Throws TypeError for an unsupported type, InvalidInputError for a wrong shape or a non-finite
 * value (naming the row and column of the first one).
 */
export function checkArray(X: unknown, opts: CheckOptions): Matrix {
  const name = opts.name ?? 'X';
  let m: Matrix;
  if (isBlock(X)) {
    if (X.shape.length !== 2) {
      throw new InvalidInputError(
        `${opts.caller}: expected a 2-D array for ${name}, got shape [${X.shape.join(', ')}]. Reshape 1-D data to [n, 1] for a single feature or [1, n] for a single sample.`,
      );
    }
    const [n, d] = X.shape as [number, number];
    const data = X.data instanceof Float64Array ? X.data : Float64Array.from(X.data as ArrayLike<number>);
    m = { data, nSamples: n, nFeatures: d };
  } else if (Array.isArray(X)) {
    const rows = X as readonly unknown[];
    const n = rows.length;
    if (n > 0 && !Array.isArray(rows[0])) {
      throw new InvalidInputError(
        `${opts.caller}: expected a 2-D array for ${name}, got a 1-D array. Reshape your data with [[...]] per sample.`,
      );
    }
    const d = n === 0 ? 0 : (rows[0] as unknown[]).length;
    const data = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      const row = rows[i];
      if (!Array.isArray(row) || row.length !== d) {
        throw new InvalidInputError(
          `${opts.caller}: row ${i} of ${name} has ${Array.isArray(row) ? row.length : 'no'} elements; row 0 has ${d}.`,
        );
      }
      for (let j = 0; j < d; j++) {
        const v = row[j];
        if (typeof v !== 'number') throw new TypeError(`${opts.caller}: ${name}[${i}][${j}] must be a number. Got ${describeValue(v)}.`);
        data[i * d + j] = v;
      }
    }
    m = { data, nSamples: n, nFeatures: d };
  } else if (X instanceof NDArray) {
    // A lazy array given to an estimator that works in memory: say what to do instead.
    const est = opts.caller.split('.')[0];
    throw new TypeError(
      `${opts.caller}: ${name} is a lazy array (NDArray). ${est} works on in-memory arrays: wrap it in Incremental (partialFit block by block) ` +
        `or ParallelPostFit (fit in memory, predict in parallel), or call compute() on ${name} if it fits in memory.`,
    );
  } else {
    throw new TypeError(
      `${opts.caller}: ${name} must be a 2-D array (a DenseArray, a block {dtype, shape, data} or number[][]). Got ${describeValue(X)}.`,
    );
  }
  if (m.nSamples === 0)
    throw new InvalidInputError(`${opts.caller}: found array ${name} with 0 samples, while a minimum of 1 is required.`);
  if (m.nFeatures === 0)
    throw new InvalidInputError(`${opts.caller}: found array ${name} with 0 features, while a minimum of 1 is required.`);
  if (!opts.skipFiniteCheck) assertFinite(m.data, m.nFeatures, name, opts.caller);
  return m;
}

/**
 * Throws InvalidInputError naming the first NaN/±Infinity in a C-order matrix with `cols` columns.
 * The scan multiplies by zero and sums (NaN and ±Infinity both turn the sum to NaN), which is
 * branch-free and several times faster than testing each element.
 */
export function assertFinite(data: Float64Array, cols: number, name: string, caller: string): void {
  const n = data.length;
  const CHUNK = 4096;
  for (let start = 0; start < n; start += CHUNK) {
    const end = Math.min(n, start + CHUNK);
    let s0 = 0,
      s1 = 0,
      s2 = 0,
      s3 = 0;
    let k = start;
    for (; k + 3 < end; k += 4) {
      s0 += data[k]! * 0;
      s1 += data[k + 1]! * 0;
      s2 += data[k + 2]! * 0;
      s3 += data[k + 3]! * 0;
    }
    for (; k < end; k++) s0 += data[k]! * 0;
    if (s0 + s1 + s2 + s3 !== 0) {
      for (let q = start; q < end; q++) {
        const v = data[q]!;
        if (!Number.isFinite(v)) {
          const where = cols > 0 ? `row ${Math.floor(q / cols)}, column ${q % cols}` : `row ${q}`;
          throw new InvalidInputError(
            `${caller}: input ${name} contains ${Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity'} at ${where}.`,
            { row: cols > 0 ? Math.floor(q / cols) : q },
          );
        }
      }
    }
  }
}

/** Validates a 1-D numeric vector of length `n` (y, sampleWeight) and returns it as a Float64Array (no copy when it is one). */
export function checkVector(v: unknown, n: number, opts: CheckOptions): Float64Array {
  const name = opts.name ?? 'y';
  let out: Float64Array;
  if (isBlock(v)) {
    const shape = v.shape;
    if (!(shape.length === 1 || (shape.length === 2 && shape[1] === 1))) {
      throw new InvalidInputError(`${opts.caller}: ${name} must be 1-D, got shape [${shape.join(', ')}].`);
    }
    out = v.data instanceof Float64Array ? v.data : Float64Array.from(v.data as ArrayLike<number>);
  } else if (v instanceof Float64Array) {
    out = v;
  } else if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    out = Float64Array.from(v as unknown as ArrayLike<number>);
  } else if (Array.isArray(v)) {
    out = new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (typeof x !== 'number') throw new TypeError(`${opts.caller}: ${name}[${i}] must be a number. Got ${describeValue(x)}.`);
      out[i] = x;
    }
  } else {
    throw new TypeError(`${opts.caller}: ${name} must be a number[], a typed array or a 1-D block. Got ${describeValue(v)}.`);
  }
  if (out.length !== n) {
    throw new InvalidInputError(
      `${opts.caller}: found input variables with inconsistent numbers of samples: X has ${n} rows but ${name} has ${out.length}.`,
    );
  }
  if (!opts.skipFiniteCheck) assertFinite(out, 0, name, opts.caller);
  return out;
}

/** A 1-D numeric vector of any length (labels, classes), as a Float64Array. */
export function asVector(v: unknown, opts: CheckOptions): Float64Array {
  let n: number;
  if (isBlock(v)) n = v.shape[0] ?? 0;
  else if (Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView))) n = (v as ArrayLike<unknown>).length;
  else
    throw new TypeError(`${opts.caller}: ${opts.name ?? 'y'} must be a number[], a typed array or a 1-D block. Got ${describeValue(v)}.`);
  return checkVector(v, n, opts);
}

/** Sample weights: all ones when undefined, otherwise a validated vector (negative weights allowed, as in scikit-learn). */
export function checkSampleWeight(sampleWeight: unknown, n: number, caller: string): Float64Array {
  if (sampleWeight === undefined || sampleWeight === null) return new Float64Array(n).fill(1);
  return checkVector(sampleWeight, n, { caller, name: 'sampleWeight' });
}

/** Throws unless `nFeatures` equals the count the estimator was fitted with. */
export function checkFeatureCount(caller: string, expected: number, got: number): void {
  if (expected !== got) {
    throw new InvalidInputError(`X has ${got} features, but ${caller} is expecting ${expected} features as input.`);
  }
}
