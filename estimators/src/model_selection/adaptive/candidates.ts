/**
 * The candidates a search starts: every combination of a grid (`'grid'`: scikit-learn's
 * `ParameterGrid`) or `n` settings drawn by scikit-learn's `ParameterSampler` (lists without
 * replacement, distributions such as `loguniform` by their `rvs`) from numpy's RandomState — so a
 * seed gives the candidates dask-ml's search gives for the same distributions.
 */
import type { Params } from '../../base.js';
import { ParameterTypeError, describeValue } from '../../errors.js';
import { ParameterGrid, ParameterSampler, type ParamDistribution, type ParamDistributionsSpec } from '../params.js';

/** What to search: for each hyperparameter, a list of values or a distribution (`uniform`, `loguniform`, `randint`, anything with `rvs`). */
export type ParameterSpace = ParamDistributionsSpec;

function isDistribution(v: unknown): v is ParamDistribution {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as ParamDistribution).rvs === 'function';
}

/** Checks the parameter space: a non-empty object of non-empty lists or distributions (a ParameterTypeError naming 'parameters'). */
export function checkParameterSpace(caller: string, space: unknown): asserts space is ParameterSpace {
  if (typeof space !== 'object' || space === null || Array.isArray(space) || Object.keys(space).length === 0) {
    throw new ParameterTypeError(
      `The 'parameters' parameter of ${caller} must be a non-empty object of hyperparameter names to lists of values or distributions. Got ${describeValue(space)} instead.`,
      caller,
      'parameters',
      space,
    );
  }
  for (const [key, v] of Object.entries(space)) {
    if (Array.isArray(v) ? v.length === 0 : !isDistribution(v)) {
      throw new ParameterTypeError(
        `The 'parameters' parameter of ${caller}: '${key}' must be a non-empty list of values or a distribution with rvs. Got ${describeValue(v)} instead.`,
        caller,
        'parameters',
        v,
      );
    }
  }
}

/** Every combination of the lists in `space` (scikit-learn's `ParameterGrid` order). */
export function parameterGrid(caller: string, space: ParameterSpace): Params[] {
  for (const [k, v] of Object.entries(space)) {
    if (!Array.isArray(v)) {
      throw new ParameterTypeError(
        `${caller}: nInitialParameters='grid' needs lists of values; '${k}' is a distribution.`,
        caller,
        'parameters',
        v,
      );
    }
  }
  return [...new ParameterGrid(space as Readonly<Record<string, readonly unknown[]>>)];
}

/** `n` settings drawn from `space` with `randomState` (scikit-learn's `ParameterSampler`; at most the grid's size when all are lists). */
export function sampleParameters(space: ParameterSpace, n: number, randomState: number | null): Params[] {
  return [...new ParameterSampler(space, n, { randomState })];
}
