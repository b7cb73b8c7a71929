/**
 * Estimator classes by name, so that an estimator can be rebuilt from plain data (a snapshot or
 * JSON) in a worker that only knows the class name. Every built-in estimator registers itself
 * when its module is evaluated; third-party estimators call {@link registerEstimator}.
 */
import { registerWorkerModule } from '@tessera/scheduler';
import type { BaseEstimator, EstimatorClass } from './base.js';

const classes = new Map<string, EstimatorClass>();

/** Options of {@link registerEstimator}. */
export interface RegisterEstimatorOptions {
  /**
   * The module that defines (and registers) the class — pass `import.meta.url`. Worker threads
   * import it before running a task, so the out-of-core kernels can rebuild the estimator there by
   * name. Built-in estimators need none (the kernels import them); yours need it to run on threads.
   */
  readonly module?: URL | string;
}

/**
 * Makes `cls` known to {@link estimatorFromJSON} / {@link estimatorFromSnapshot} under
 * `cls.estimatorName` — on this thread, and with `module`, on every worker thread.
 *
 * @example
 * // my_estimator.ts
 * export class MyEstimator extends BaseEstimator<MyParams, MyState> { … }
 * registerEstimator(MyEstimator, { module: import.meta.url });
 */
export function registerEstimator(cls: EstimatorClass, options: RegisterEstimatorOptions = {}): void {
  if (options.module !== undefined) registerWorkerModule(options.module);
  const name = cls.estimatorName;
  const existing = classes.get(name);
  if (existing !== undefined && existing !== cls) {
    throw new RangeError(`registerEstimator: another class is already registered as '${name}'.`);
  }
  classes.set(name, cls);
}

/** The class registered under `name`; throws RangeError naming the known ones otherwise. */
export function estimatorClass(name: string): EstimatorClass {
  const cls = classes.get(name);
  if (cls === undefined) {
    throw new RangeError(
      `Unknown estimator '${name}'. Registered estimators: ${[...classes.keys()].sort().join(', ') || '(none)'}. ` +
        `(An estimator of your own is known on worker threads once registered with its module: registerEstimator(cls, { module: import.meta.url }).)`,
    );
  }
  return cls;
}

/** Names of every registered estimator, sorted. */
export function registeredEstimators(): string[] {
  return [...classes.keys()].sort();
}

/** Whether `value` is an estimator instance (any registered or unregistered subclass of BaseEstimator). */
export function isEstimator(value: unknown): value is BaseEstimator {
  return typeof value === 'object' && value !== null && (value as { [ESTIMATOR_BRAND]?: true })[ESTIMATOR_BRAND] === true;
}

/** Marks estimator instances without importing the base class here (avoids an import cycle). */
export const ESTIMATOR_BRAND: unique symbol = Symbol.for('tessera.estimator');
