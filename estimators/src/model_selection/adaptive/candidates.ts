/**
 * The candidates a search starts: every combination of a grid (scikit-learn's `ParameterGrid`
 * order: keys sorted, the last key varying fastest) or `n` sampled settings
 * (`ParameterSampler`: all lists → distinct grid points without replacement; a distribution (an
 * object with `rvs(random)`) → one draw per setting). One function each, so the shared
 * `ParameterSampler` of the model-selection module can take their place in one call.
 */
import type { Params } from '../../base.js';
import { ParameterTypeError } from '../../errors.js';
import { randomFrom, type Random } from '../../random.js';

/** A distribution to sample a hyperparameter from: `rvs(random)` draws one value. */
export interface Distribution {
  rvs(random: Random): unknown;
}

/** What to search: for each hyperparameter, a list of values or a {@link Distribution}. */
export type ParameterSpace = Readonly<Record<string, readonly unknown[] | Distribution>>;

function isDistribution(v: unknown): v is Distribution {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as Distribution).rvs === 'function';
}

/** Checks the parameter space: a non-empty object of non-empty lists or distributions. */
export function checkParameterSpace(caller: string, space: unknown): asserts space is ParameterSpace {
  if (typeof space !== 'object' || space === null || Array.isArray(space) || Object.keys(space).length === 0) {
    throw new ParameterTypeError(
      `The 'parameters' parameter of ${caller} must be a non-empty object of hyperparameter names to lists of values or distributions. Got ${JSON.stringify(space) ?? String(space)} instead.`,
      caller,
      'parameters',
      space,
    );
  }
  for (const [key, v] of Object.entries(space)) {
    if (Array.isArray(v) ? v.length === 0 : !isDistribution(v)) {
      throw new ParameterTypeError(
        `The 'parameters' parameter of ${caller}: '${key}' must be a non-empty list of values or a distribution with rvs(random). Got ${JSON.stringify(v) ?? String(v)} instead.`,
        caller,
        'parameters',
        v,
      );
    }
  }
}

/** Every combination of the lists in `space` (scikit-learn's `ParameterGrid` order). */
export function parameterGrid(caller: string, space: ParameterSpace): Params[] {
  const keys = Object.keys(space).sort();
  const lists = keys.map((k) => {
    const v = space[k];
    if (!Array.isArray(v)) {
      throw new ParameterTypeError(
        `${caller}: nInitialParameters='grid' needs lists of values; '${k}' is a distribution.`,
        caller,
        'parameters',
        v,
      );
    }
    return v as readonly unknown[];
  });
  let out: Params[] = [{}];
  keys.forEach((k, i) => {
    out = out.flatMap((p) => lists[i]!.map((v) => ({ ...p, [k]: v })));
  });
  return out;
}

/**
 * `n` settings drawn from `space` with `randomState` (scikit-learn's `ParameterSampler`): when
 * every entry is a list, distinct grid points without replacement (at most the grid's size);
 * otherwise, for each setting, a value per key in sorted key order (lists uniformly).
 */
export function sampleParameters(caller: string, space: ParameterSpace, n: number, randomState: number | null): Params[] {
  const rng = randomFrom(randomState);
  const keys = Object.keys(space).sort();
  if (keys.every((k) => Array.isArray(space[k]))) {
    const grid = parameterGrid(caller, space);
    const idx = rng.shuffle(Int32Array.from({ length: grid.length }, (_, i) => i));
    return Array.from(idx.subarray(0, Math.min(n, grid.length)), (i) => grid[i]!);
  }
  const out: Params[] = [];
  for (let s = 0; s < n; s++) {
    const p: Params = {};
    for (const k of keys) {
      const v = space[k]!;
      p[k] = isDistribution(v) ? v.rvs(rng) : (v as readonly unknown[])[rng.randint(v.length)];
    }
    out.push(p);
  }
  return out;
}
