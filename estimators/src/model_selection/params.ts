/**
 * Candidate parameters: scikit-learn 1.2's `ParameterGrid` and `ParameterSampler`, and the three
 * scipy.stats distributions a randomized search samples from (`uniform`, `loguniform`, `randint`)
 * with scipy 1.10's `rvs` arithmetic, drawn from numpy's legacy RandomState — so a seed gives the
 * candidates scikit-learn gives.
 *
 * Keys are iterated in sorted order (JavaScript's code-unit order, which is Python's for these
 * names; camelCase names sort as their snake_case spellings do), as scikit-learn does.
 */
import { RandomState, checkRandomState } from '@tessera/array';
import { describeValue } from '../errors.js';
import type { Params } from '../base.js';
import type { RandomStateLike } from './split.js';

/** One grid: each parameter name with the list of values to try. */
export type ParamGridSpec = Readonly<Record<string, readonly unknown[]>>;

/** A distribution to sample a parameter from: anything with scipy's `rvs(randomState)`. */
export interface ParamDistribution {
  /** One draw, taken from `randomState` (scipy's `rvs(random_state=…)`). */
  rvs(randomState?: RandomStateLike): number;
}

/** One set of distributions: each parameter name with a list (sampled uniformly) or a {@link ParamDistribution}. */
export type ParamDistributionsSpec = Readonly<Record<string, readonly unknown[] | ParamDistribution>>;

function isDistribution(v: unknown): v is ParamDistribution {
  return typeof v === 'object' && v !== null && typeof (v as ParamDistribution).rvs === 'function';
}

function isList(v: unknown): v is readonly unknown[] {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

function isDict(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || ArrayBuffer.isView(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function sortedKeys(o: object): string[] {
  return Object.keys(o).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The grid of parameter combinations (scikit-learn's `ParameterGrid`): for each grid in order, the
 * cartesian product of its lists with keys sorted and the last key varying fastest.
 *
 * @example
 * const g = new ParameterGrid({ alpha: [1e-4, 1e-3], loss: ['hinge', 'log_loss'] });
 * g.length;   // 4
 * g.at(1);    // { alpha: 0.0001, loss: 'log_loss' }
 * [...g];     // every combination, in that order
 */
export class ParameterGrid implements Iterable<Params> {
  readonly paramGrid: readonly ParamGridSpec[];

  /** One grid (an object of lists) or several (an array of them, explored one after the other). */
  constructor(paramGrid: ParamGridSpec | readonly ParamGridSpec[]) {
    if (!isDict(paramGrid) && !Array.isArray(paramGrid)) {
      throw new TypeError(
        `ParameterGrid: the parameter grid must be an object of lists or an array of such objects. Got ${describeValue(paramGrid)}.`,
      );
    }
    const grids = (Array.isArray(paramGrid) ? paramGrid : [paramGrid]) as readonly unknown[];
    grids.forEach((grid, g) => {
      if (!isDict(grid)) throw new TypeError(`ParameterGrid: parameter grid ${g} is not an object (${describeValue(grid)}).`);
      for (const [key, value] of Object.entries(grid)) {
        if (!isList(value)) {
          throw new TypeError(
            `ParameterGrid: the grid for parameter '${key}' needs to be an array, but got ${describeValue(value)} instead. Single values need to be wrapped in an array with one element.`,
          );
        }
        if (value.length === 0) throw new RangeError(`ParameterGrid: the grid for parameter '${key}' needs to be a non-empty array.`);
      }
    });
    this.paramGrid = grids as readonly ParamGridSpec[];
  }

  /** Number of combinations. */
  get length(): number {
    let total = 0;
    for (const grid of this.paramGrid) {
      let p = 1;
      for (const v of Object.values(grid)) p *= v.length;
      total += p;
    }
    return total;
  }

  *[Symbol.iterator](): Iterator<Params> {
    for (const grid of this.paramGrid) {
      const keys = sortedKeys(grid);
      const lists = keys.map((k) => grid[k]!);
      if (keys.length === 0) {
        yield {};
        continue;
      }
      const idx = new Array<number>(keys.length).fill(0);
      for (;;) {
        const out: Params = {};
        keys.forEach((k, i) => (out[k] = lists[i]![idx[i]!]));
        yield out;
        // Odometer: the last key varies fastest (itertools.product).
        let a = keys.length - 1;
        while (a >= 0 && ++idx[a]! === lists[a]!.length) idx[a--] = 0;
        if (a < 0) break;
      }
    }
  }

  /** The `i`-th combination without iterating (scikit-learn's `__getitem__`). */
  at(i: number): Params {
    if (!Number.isInteger(i) || i < 0 || i >= this.length)
      throw new RangeError(`ParameterGrid.at: index ${i} is out of range (the grid has ${this.length} combinations).`);
    let ind = i;
    for (const grid of this.paramGrid) {
      const keys = sortedKeys(grid).reverse();
      if (keys.length === 0) {
        if (ind === 0) return {};
        ind -= 1;
        continue;
      }
      let total = 1;
      for (const k of keys) total *= grid[k]!.length;
      if (ind >= total) {
        ind -= total;
        continue;
      }
      const out: Params = {};
      for (const k of keys) {
        const list = grid[k]!;
        out[k] = list[ind % list.length];
        ind = Math.floor(ind / list.length);
      }
      return Object.fromEntries(sortedKeys(out).map((k) => [k, out[k]]));
    }
    throw new RangeError(`ParameterGrid.at: index ${i} is out of range.`);
  }
}

/**
 * Random candidates (scikit-learn's `ParameterSampler`). When every value is a list, `nIter`
 * distinct grid points are drawn without replacement (scikit-learn's `sample_without_replacement`;
 * fewer, with a warning, when the grid is smaller); otherwise each candidate picks one of the
 * distribution sets (`randint` among them), then per sorted key a list element
 * (`randint(len)`) or a distribution's `rvs`.
 *
 * @example
 * const s = new ParameterSampler({ alpha: loguniform(1e-5, 1e-1), loss: ['hinge', 'log_loss'] }, 5, { randomState: 0 });
 * [...s]; // the five candidates scikit-learn's ParameterSampler(…, random_state=0) gives
 */
export class ParameterSampler implements Iterable<Params> {
  readonly paramDistributions: readonly ParamDistributionsSpec[];
  readonly nIter: number;
  readonly randomState: RandomStateLike;

  constructor(
    paramDistributions: ParamDistributionsSpec | readonly ParamDistributionsSpec[],
    nIter: number,
    options: { randomState?: RandomStateLike } = {},
  ) {
    if (!isDict(paramDistributions) && !Array.isArray(paramDistributions)) {
      throw new TypeError(
        `ParameterSampler: the parameter distributions must be an object or an array of objects. Got ${describeValue(paramDistributions)}.`,
      );
    }
    const dists = (Array.isArray(paramDistributions) ? paramDistributions : [paramDistributions]) as readonly unknown[];
    if (dists.length === 0) throw new RangeError('ParameterSampler: the array of parameter distributions is empty.');
    dists.forEach((dist, d) => {
      if (!isDict(dist)) throw new TypeError(`ParameterSampler: parameter distribution ${d} is not an object (${describeValue(dist)}).`);
      for (const [key, value] of Object.entries(dist)) {
        if (!isList(value) && !isDistribution(value)) {
          throw new TypeError(
            `ParameterSampler: the distribution for parameter '${key}' is not an array or a distribution (an object with rvs). Got ${describeValue(value)}.`,
          );
        }
        if (isList(value) && value.length === 0) throw new RangeError(`ParameterSampler: the list for parameter '${key}' is empty.`);
      }
    });
    if (typeof nIter !== 'number' || !Number.isInteger(nIter) || nIter < 1) {
      throw new RangeError(`ParameterSampler: nIter must be a positive integer. Got ${describeValue(nIter)}.`);
    }
    this.paramDistributions = dists as readonly ParamDistributionsSpec[];
    this.nIter = nIter;
    this.randomState = options.randomState ?? null;
  }

  /** Whether every value is a list (then the grid is sampled without replacement). */
  get allLists(): boolean {
    return this.paramDistributions.every((d) => Object.values(d).every((v) => !isDistribution(v)));
  }

  /** Number of candidates the sampler yields. */
  get length(): number {
    if (this.allLists) return Math.min(this.nIter, new ParameterGrid(this.paramDistributions as readonly ParamGridSpec[]).length);
    return this.nIter;
  }

  *[Symbol.iterator](): Iterator<Params> {
    const rng = checkRandomState(this.randomState);
    if (this.allLists) {
      const grid = new ParameterGrid(this.paramDistributions as readonly ParamGridSpec[]);
      const size = grid.length;
      let nIter = this.nIter;
      if (size < nIter) {
        process.emitWarning(
          `The total space of parameters ${size} is smaller than nIter=${nIter}. Running ${size} iterations. For exhaustive searches, use GridSearchCV.`,
          'UserWarning',
        );
        nIter = size;
      }
      for (const i of sampleWithoutReplacement(size, nIter, rng)) yield grid.at(i);
      return;
    }
    for (let it = 0; it < this.nIter; it++) {
      const dist = this.paramDistributions[rng.randint(0, this.paramDistributions.length)]!;
      const params: Params = {};
      for (const k of sortedKeys(dist)) {
        const v = dist[k]!;
        params[k] = isDistribution(v) ? v.rvs(rng) : (v as readonly unknown[])[rng.randint(0, (v as readonly unknown[]).length)];
      }
      yield params;
    }
  }
}

/**
 * scikit-learn's `sample_without_replacement(n, k, method='auto')`: a permutation's first k when
 * 0.01 < k/n < 0.99, else tracking selection (k/n < 0.2) or reservoir sampling.
 */
export function sampleWithoutReplacement(nPopulation: number, nSamples: number, rng: RandomState): number[] {
  const ratio = nPopulation !== 0 ? nSamples / nPopulation : 1;
  if (ratio > 0.01 && ratio < 0.99) return Array.from(rng.permutation(nPopulation).subarray(0, nSamples));
  const out: number[] = [];
  if (ratio < 0.2) {
    const selected = new Set<number>();
    for (let i = 0; i < nSamples; i++) {
      let j = rng.randint(0, nPopulation);
      while (selected.has(j)) j = rng.randint(0, nPopulation);
      selected.add(j);
      out.push(j);
    }
    return out;
  }
  for (let i = 0; i < nSamples; i++) out.push(i);
  for (let i = nSamples; i < nPopulation; i++) {
    const j = rng.randint(0, i + 1);
    if (j < nSamples) out[j] = i;
  }
  return out;
}

function finite(name: string, param: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new TypeError(`${name}: '${param}' must be a finite number. Got ${describeValue(v)}.`);
  return v;
}

/** scipy.stats' `uniform(loc, scale)`: uniform on [loc, loc + scale]. */
export class Uniform implements ParamDistribution {
  readonly loc: number;
  readonly scale: number;
  constructor(loc = 0, scale = 1) {
    this.loc = finite('uniform', 'loc', loc);
    this.scale = finite('uniform', 'scale', scale);
    if (this.scale < 0) throw new RangeError(`uniform: 'scale' must be non-negative. Got ${scale}.`);
  }
  /** scipy: `random_state.uniform(0.0, 1.0) * scale + loc`. */
  rvs(randomState: RandomStateLike = null): number {
    const u = checkRandomState(randomState).uniform(0, 1);
    return u * this.scale + this.loc;
  }
}

/** scipy.stats' `loguniform(a, b)` (`reciprocal`): log-uniform on [a, b], 0 < a < b. */
export class LogUniform implements ParamDistribution {
  readonly a: number;
  readonly b: number;
  constructor(a: number, b: number) {
    this.a = finite('loguniform', 'a', a);
    this.b = finite('loguniform', 'b', b);
    if (!(this.a > 0 && this.b > this.a)) throw new RangeError(`loguniform: needs 0 < a < b. Got a=${a}, b=${b}.`);
  }
  /** scipy: the inverse CDF `a * (b / a) ** u` of one `uniform()` draw. */
  rvs(randomState: RandomStateLike = null): number {
    const u = checkRandomState(randomState).uniform(0, 1);
    return this.a * Math.pow((this.b * 1.0) / this.a, u);
  }
}

/** scipy.stats' `randint(low, high)`: integers in [low, high). */
export class RandInt implements ParamDistribution {
  readonly low: number;
  readonly high: number;
  constructor(low: number, high: number) {
    this.low = finite('randint', 'low', low);
    this.high = finite('randint', 'high', high);
    if (!Number.isInteger(this.low) || !Number.isInteger(this.high) || !(this.high > this.low)) {
      throw new RangeError(`randint: needs integers low < high. Got low=${low}, high=${high}.`);
    }
  }
  /** scipy: `random_state.randint(low, high)`. */
  rvs(randomState: RandomStateLike = null): number {
    return checkRandomState(randomState).randint(this.low, this.high);
  }
}

/** `scipy.stats.uniform(loc, scale)`. @example uniform(0.1, 0.8) // on [0.1, 0.9] */
export function uniform(loc = 0, scale = 1): Uniform {
  return new Uniform(loc, scale);
}

/** `scipy.stats.loguniform(a, b)`. @example loguniform(1e-5, 1e-1) */
export function loguniform(a: number, b: number): LogUniform {
  return new LogUniform(a, b);
}

/** `scipy.stats.randint(low, high)`. @example randint(1, 10) // 1…9 */
export function randint(low: number, high: number): RandInt {
  return new RandInt(low, high);
}
