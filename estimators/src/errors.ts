/**
 * Errors thrown by estimators. One file, so callers can `instanceof`-test every failure the
 * package raises (docs/architecture.md, "Conventions": TypeError for wrong types, RangeError for out-of-range values).
 */

/**
 * Thrown when a method that needs learned state (predict, transform, coef_…) is called before
 * `fit` / `partialFit`, like scikit-learn's `NotFittedError`.
 */
export class NotFittedError extends Error {
  override readonly name = 'NotFittedError';
  constructor(readonly estimator: string) {
    super(
      `This ${estimator} instance is not fitted yet. Call 'fit' or 'partialFit' with appropriate arguments before using this estimator.`,
    );
  }
}

/** What {@link ParameterTypeError} and {@link ParameterRangeError} share. */
export interface InvalidParameter {
  readonly estimator: string;
  readonly param: string;
  readonly value: unknown;
}

/** A hyperparameter whose JavaScript type fits none of its constraints (e.g. a string for `alpha`). */
export class ParameterTypeError extends TypeError implements InvalidParameter {
  override readonly name = 'ParameterTypeError';
  constructor(
    message: string,
    readonly estimator: string,
    readonly param: string,
    readonly value: unknown,
  ) {
    super(message);
  }
}

/** A hyperparameter of the right type but outside its allowed range or options. */
export class ParameterRangeError extends RangeError implements InvalidParameter {
  override readonly name = 'ParameterRangeError';
  constructor(
    message: string,
    readonly estimator: string,
    readonly param: string,
    readonly value: unknown,
  ) {
    super(message);
  }
}

/** Whether `e` is one of the two invalid-hyperparameter errors. */
export function isInvalidParameterError(e: unknown): e is ParameterTypeError | ParameterRangeError {
  return e instanceof ParameterTypeError || e instanceof ParameterRangeError;
}

/** What {@link StateTypeError} and {@link StateRangeError} share: the estimator and the state field at fault. */
export interface InvalidState {
  readonly estimator: string;
  /** The state field, e.g. 'coef_' or 'coefs_[1]'; '' when the fault is the state as a whole. */
  readonly field: string;
}

/**
 * A learned state (given to `setState`, or read by `estimatorFromJSON` / `estimatorFromSnapshot`)
 * with a field of the wrong type: missing, unknown, a string where a number belongs, an array of
 * an unknown or wrong dtype.
 */
export class StateTypeError extends TypeError implements InvalidState {
  override readonly name = 'StateTypeError';
  constructor(
    message: string,
    readonly estimator: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/**
 * A learned state with a field of the right type but a wrong value: a shape that disagrees with
 * `nFeaturesIn_` or the classes, NaN where a finite number belongs, a negative count.
 */
export class StateRangeError extends RangeError implements InvalidState {
  override readonly name = 'StateRangeError';
  constructor(
    message: string,
    readonly estimator: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/** Whether `e` is one of the two invalid-state errors. */
export function isInvalidStateError(e: unknown): e is StateTypeError | StateRangeError {
  return e instanceof StateTypeError || e instanceof StateRangeError;
}

/** Input data that cannot be used: NaN/Infinity, wrong shape, feature-count mismatch, unknown labels. */
export class InvalidInputError extends RangeError {
  override readonly name = 'InvalidInputError';
  /**
   * The row of the input the error is about, when it is about one (a NaN, an unknown label):
   * the out-of-core layer adds where that row comes from — the file and its row there.
   */
  readonly row: number | undefined;
  constructor(message: string, options: { row?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.row = options.row;
  }
}

/** Training diverged (non-finite weights), like scikit-learn's "Floating-point under-/overflow" error. */
export class ConvergenceError extends RangeError {
  override readonly name = 'ConvergenceError';
}

/** A short, unambiguous rendering of a value for error messages ('x' for strings, like Python's repr). */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as ArrayLike<unknown>).length})`;
  if (Array.isArray(value)) return `[${value.map(describeValue).join(', ')}]`;
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return json.length > 80 ? `${json.slice(0, 77)}...` : json;
  } catch {
    // fall through: cyclic objects
  }
  return Object.prototype.toString.call(value);
}
