/**
 * The hyperparameters of the SGD family as data: what every estimator of the family has
 * (scikit-learn's BaseSGD / BaseSGDClassifier / BaseSGDRegressor parameters), their constraints,
 * and {@link SGDConfig}, what the epoch needs that differs between the estimators (each public
 * class maps its own hyperparameters to it). Apart from base.ts so that the public classes and
 * the base read one definition.
 */
import { BOOLEAN, type Constraint, DICT, NULL, RANDOM_STATE, interval, options } from '../../validation.js';
import type { LossName } from './epoch.js';

/** Everything the kernel needs that differs between the estimators of the family. */
export interface SGDConfig {
  readonly loss: LossName;
  readonly learningRate: 'constant' | 'optimal' | 'invscaling' | 'adaptive' | 'pa1' | 'pa2';
  readonly penalty: 'l2' | 'l1' | 'elasticnet' | null;
  readonly alpha: number;
  readonly C: number;
  readonly l1Ratio: number;
  readonly eta0: number;
  readonly powerT: number;
  readonly epsilon: number;
  /** Number of samples before averaging starts; 0 = no averaging. */
  readonly average: number;
}

/** Hyperparameters every estimator of the family has. */
export interface SGDCommonParams {
  fitIntercept: boolean;
  maxIter: number;
  tol: number | null;
  shuffle: boolean;
  verbose: number | boolean;
  randomState: number | null;
  earlyStopping: boolean;
  validationFraction: number;
  nIterNoChange: number;
  warmStart: boolean;
}

/** Constraints shared by the family (scikit-learn's BaseSGD + BaseSGDClassifier/Regressor). */
export const COMMON_CONSTRAINTS: Record<string, readonly Constraint[]> = {
  fitIntercept: [BOOLEAN],
  maxIter: [interval('int', 1, null, 'left')],
  tol: [interval('float', 0, null, 'left'), NULL],
  shuffle: [BOOLEAN],
  verbose: [interval('int', 0, null, 'left'), BOOLEAN],
  randomState: RANDOM_STATE,
  warmStart: [BOOLEAN],
  earlyStopping: [BOOLEAN],
  validationFraction: [interval('float', 0, 1, 'neither')],
  nIterNoChange: [interval('int', 1, null, 'left')],
};
export const AVERAGE_CONSTRAINT: readonly Constraint[] = [interval('int', 0, null, 'left'), BOOLEAN];
export const CLASS_WEIGHT_CONSTRAINT: readonly Constraint[] = [options('balanced'), DICT, NULL];
export const PENALTY_CONSTRAINT: readonly Constraint[] = [options('l2', 'l1', 'elasticnet'), NULL];

/** `average` as a number (true ↦ 1, false ↦ 0). */
export function averageValue(average: unknown): number {
  if (average === true) return 1;
  if (average === false || average === undefined || average === null) return 0;
  return average as number;
}
