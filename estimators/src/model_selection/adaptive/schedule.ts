/**
 * The arithmetic of successive halving and Hyperband, written after dask-ml's
 * `_hyperband.py` (`_get_hyperband_params`, `_hyperband_paper_alg`, `_get_patience`) and
 * `_successive_halving.py` (`_simulate_sha`, `_adapt`), operation for operation — Python's
 * `math.log(R, eta)` (log R / log eta: for R = 243, eta = 3 that is 4.999…, so 4 brackets' worth
 * of adaptivity, as dask-ml computes), integer truncation, `math.ceil`, and numpy's
 * round-half-to-even — so `metadata` is dask-ml's for the same `maxIter` and `aggressiveness`
 * (estimators/test/fixtures/make_hyperband_metadata.py writes the fixtures from its formulas).
 */

/** numpy's `np.round(x)`: to the nearest integer, halves to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 ? 2 * Math.round(x / 2) : r;
}

// Python computes these with the C library's log and pow, which are correctly rounded; V8's
// Math.log is not always (Math.log(3) is one ulp below ln 3, which makes log(243)/log(3) exactly
// 5 where Python gets 4.999…, and one bracket fewer). So both are computed exactly here, in
// fixed point over BigInt, and rounded once to the nearest double.

/** Fractional bits of the fixed-point arithmetic: far beyond a double's 53, so one rounding is exact. */
const FRAC = 200n;

/** A double as an exact fraction `num / 2^shift` (num an integer). */
function exactly(x: number): { num: bigint; shift: bigint } {
  let shift = 0n;
  while (!Number.isInteger(x)) {
    x *= 2;
    shift += 1n;
  }
  return { num: BigInt(x), shift };
}

/** The nearest double to `v / 2^FRAC` (BigInt → Number rounds to nearest; the power-of-two scaling is exact). */
function toDouble(v: bigint): number {
  return Number(v) / 2 ** Number(FRAC);
}

/** 2·atanh(p/q) · 2^FRAC for 0 ≤ p/q < 1, by its series (the terms shrink by (p/q)² each). */
function atanh2(p: bigint, q: bigint): bigint {
  const one = 1n << FRAC;
  let term = (p * one) / q;
  const z2n = p * p;
  const z2d = q * q;
  let sum = 0n;
  for (let i = 1n; term !== 0n; i += 2n) {
    sum += term / i;
    term = (term * z2n) / z2d;
  }
  return 2n * sum;
}

/** ln(x) · 2^FRAC for a finite x > 0: x = m · 2^k with m in [1, 2), ln m = 2 atanh((m−1)/(m+1)). */
function lnFixed(x: number): bigint {
  let k = 0;
  while (x >= 2) {
    x /= 2;
    k++;
  }
  while (x < 1) {
    x *= 2;
    k--;
  }
  const { num, shift } = exactly(x);
  const den = 1n << shift;
  return atanh2(num - den, num + den) + BigInt(k) * atanh2(1n, 3n);
}

/** Python's `math.log(x)`: the natural logarithm, correctly rounded. */
export function pyLog(x: number): number {
  return toDouble(lnFixed(x));
}

/** Python's `eta ** k` for an integer k (a correctly rounded power; exact when a double holds it). */
export function power(eta: number, k: number): number {
  const { num, shift } = exactly(eta);
  const n = BigInt(Math.abs(k));
  const top = num ** n;
  const bottom = 1n << (shift * n);
  return k >= 0 ? toDouble((top << FRAC) / bottom) : toDouble((bottom << FRAC) / top);
}

/** `math.floor(math.log(R, eta))`: the highest bracket (Python divides the two logarithms). */
function maxBracket(R: number, eta: number): number {
  return Math.floor(pyLog(R) / pyLog(eta));
}

/** One bracket of Hyperband: how many models it starts, and their first partialFit calls. */
export interface BracketPlan {
  readonly bracket: number;
  readonly nInitialParameters: number;
  readonly nInitialIter: number;
}

/**
 * dask-ml's `_get_hyperband_params(R, eta)`: for each bracket s (highest first), n models and r
 * initial calls — `n = ceil(B/R · eta^s / (s+1))`, `r = int(R · eta^-s)` with `B = (s_max+1)·R`.
 */
export function hyperbandBrackets(R: number, eta: number): BracketPlan[] {
  const sMax = maxBracket(R, eta);
  const B = (sMax + 1) * R;
  const out: BracketPlan[] = [];
  for (let s = sMax; s >= 0; s--) {
    out.push({
      bracket: s,
      nInitialParameters: Math.ceil(((B / R) * power(eta, s)) / (s + 1)),
      nInitialIter: Math.trunc(R * power(eta, -s)),
    });
  }
  return out;
}

/** A bracket as the Hyperband paper's algorithm runs it (dask-ml's `_hyperband_paper_alg`). */
export interface PaperBracket {
  readonly bracket: number;
  readonly nModels: number;
  readonly partialFitCalls: number;
  /** The partialFit counts at which models are compared, ascending. */
  readonly decisions: number[];
}

/** dask-ml's `_hyperband_paper_alg(R, eta)`: Algorithm 1 of the Hyperband paper, counted. */
export function hyperbandPaper(R: number, eta: number): PaperBracket[] {
  const sMax = maxBracket(R, eta);
  const B = (sMax + 1) * R;
  const out: PaperBracket[] = [];
  for (let s = sMax; s >= 0; s--) {
    const n = Math.ceil(((B / R) * power(eta, s)) / (s + 1));
    const r = Math.trunc(R * power(eta, -s));
    const calls = new Array<number>(n).fill(0);
    let alive = n;
    const decisions = new Set<number>();
    for (let i = 0; i <= s; i++) {
      const nI = Math.floor(n * power(eta, -i));
      const rI = roundHalfEven(r * power(eta, i));
      for (let m = 0; m < alive; m++) calls[m] = rI;
      decisions.add(rI);
      alive = Math.min(alive, Math.floor(nI / eta));
    }
    out.push({
      bracket: s,
      nModels: n,
      partialFitCalls: calls.reduce((a, b) => a + b, 0),
      decisions: [...decisions].sort((a, b) => a - b),
    });
  }
  return out.sort((a, b) => a.bracket - b.bracket);
}

/** What `simulateSuccessiveHalving` returns (a SuccessiveHalvingSearchCV's `metadata`). */
export interface HalvingMetadata {
  readonly partialFitCalls: number;
  readonly nModels: number;
  readonly maxIter: number;
}

/** dask-ml's `_simulate_sha(n, r, eta, max_iter)`: the calls successive halving will make. */
export function simulateSuccessiveHalving(n: number, r: number, eta: number, maxIter: number | null): HalvingMetadata {
  const calls = new Array<number>(n).fill(0);
  for (let k = 0; ; k++) {
    const nI = Math.floor(n * power(eta, -k));
    const rI = roundHalfEven(r * power(eta, k));
    for (let m = 0; m < nI && m < n; m++) calls[m] = rI;
    if (nI <= 1 || (maxIter !== null && maxIter !== 0 && rI >= maxIter)) break;
  }
  return { partialFitCalls: calls.reduce((a, b) => a + b, 0), nModels: n, maxIter: Math.max(...calls) };
}

/** dask-ml's `_get_patience`: `true` becomes `max(maxIter // aggressiveness, 1)`. */
export function hyperbandPatience(patience: boolean | number, maxIter: number, aggressiveness: number): number | false {
  if (patience === true) return Math.max(Math.floor(maxIter / aggressiveness), 1);
  if (patience === false) return false;
  return Math.trunc(patience);
}
