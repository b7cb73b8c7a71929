/**
 * Estimator classes by name, so that an estimator can be rebuilt from plain data (a snapshot or
 * JSON) in a worker that only knows the class name. Every built-in estimator registers itself
 * when its module is evaluated; third-party estimators call {@link registerEstimator}.
 */
import type { BaseEstimator, EstimatorClass } from './base.js';

const classes = new Map<string, EstimatorClass>();

/** Makes `cls` known to {@link estimatorFromJSON} / {@link estimatorFromSnapshot} under `cls.estimatorName`. */
export function registerEstimator(cls: EstimatorClass): void {
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
    throw new RangeError(`Unknown estimator '${name}'. Registered estimators: ${[...classes.keys()].sort().join(', ') || '(none)'}.`);
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
