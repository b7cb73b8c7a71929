/**
 * The SGD family at small alpha (1e-7 … 1e-5) against scikit-learn 1.2: there the 'optimal'
 * learning rate is large and a 1-ulp difference in one update can grow into different
 * coefficients within a few epochs (each case's `perturbedRelDiff` records how much scikit-learn's
 * own coef_ moves when X moves by 1 ulp). The log loss's derivative calls exp once per sample, and
 * V8's Math.exp is not glibc's exp (it differs in ~8% of inputs by 1 ulp): log_loss fits at small
 * alpha diverged from scikit-learn (coefficients up to several times apart) until the epoch used
 * glibc's exp (libm.ts). Both epochs (JavaScript and WebAssembly) are checked.
 * Fixtures: fixtures/make_sgd_small_alpha.py → fixtures/sgd_small_alpha.json.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DenseArray, RandomState } from '@tessera/array';
import { estimatorClass, type BaseEstimator } from '../src/index.js';
import { setSGDBackend, type SGDBackend } from '../src/internal.js';
import { fma, glibcExp, glibcPow } from '../src/linear_model/sgd/libm.js';
import { ownKernel } from '../src/linear_model/sgd/wasm.js';
import { expectClose, fixture } from './helpers.js';

interface Step {
  coef: number[];
  intercept: number[];
  t: number;
  nIter: number;
}
interface Case {
  name: string;
  estimator: 'SGDClassifier' | 'SGDRegressor';
  params: Record<string, unknown>;
  data: string;
  target: 'binary' | 'regression';
  mode: 'fit' | 'partial_fit';
  blocks: number;
  steps: Step[];
  perturbedRelDiff: number;
}
interface Fixture {
  sklearnVersion: string;
  data: Record<string, { seed: number; n: number; d: number }>;
  exp: { x: number[]; y: number[] };
  pow: { x: number[]; y: number[]; z: (number | null)[] };
  cases: Case[];
}
const fx = fixture<Fixture>('sgd_small_alpha.json');

interface Dataset {
  X: Float64Array;
  n: number;
  d: number;
  binary: Float64Array;
  regression: Float64Array;
}
/** The fixture's data recipe (see make_sgd_small_alpha.py), rebuilt with numpy's RandomState. */
function build(seed: number, n: number, d: number): Dataset {
  const rs = new RandomState(seed);
  const X = rs.uniform(-1, 1, n * d);
  const u = rs.uniform(-1, 1, n);
  const binary = new Float64Array(n);
  const regression = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const [x0, x1, x2] = [X[i * d]!, X[i * d + 1]!, X[i * d + 2]!];
    binary[i] = x0 + 0.5 * x1 - 0.3 * x2 + 0.2 * u[i]! > 0 ? 1 : 0;
    regression[i] = 2 * x0 - x1 + 0.5 * x2 + 0.1 * u[i]!;
  }
  return { X, n, d, binary, regression };
}
const datasets = Object.fromEntries(Object.entries(fx.data).map(([k, v]) => [k, build(v.seed, v.n, v.d)])) as Record<string, Dataset>;

type Fittable = BaseEstimator & {
  partialFit(X: unknown, y: unknown, o?: unknown): unknown;
  fit(X: unknown, y: unknown): unknown;
  coef_: { data: Float64Array };
  intercept_: { data: Float64Array };
  t_: number;
  nIter_: number;
};

function runCase(c: Case): void {
  const ds = datasets[c.data]!;
  const y = ds[c.target];
  const est = new (estimatorClass(c.estimator) as unknown as new (p: unknown) => Fittable)(c.params);
  const check = (step: Step, label: string): void => {
    expectClose(est.coef_.data, step.coef, `${c.name}, ${label} coef_`);
    expectClose(est.intercept_.data, step.intercept, `${c.name}, ${label} intercept_`);
    expect(est.t_, `${label} t_`).toBe(step.t);
    expect(est.nIter_, `${label} nIter_`).toBe(step.nIter);
  };
  const rowsOf = (a: number, b: number) => new DenseArray(ds.X.slice(a * ds.d, b * ds.d), [b - a, ds.d]);
  if (c.mode === 'fit') {
    est.fit(rowsOf(0, ds.n), y);
    check(c.steps[0]!, 'fit');
    return;
  }
  // np.linspace(0, n, blocks + 1).astype(int)
  const edges = Array.from({ length: c.blocks + 1 }, (_, i) => Math.trunc((ds.n * i) / c.blocks));
  const opts = c.target === 'binary' ? { classes: [0, 1] } : {};
  for (let i = 0; i < c.blocks; i++) {
    est.partialFit(rowsOf(edges[i]!, edges[i + 1]!), y.slice(edges[i]!, edges[i + 1]!), opts);
    check(c.steps[i]!, `block ${i}`);
  }
}

/** x = m · 2^e with an integer m. */
function exactParts(x: number): [bigint, number] {
  let e = Math.floor(Math.log2(Math.abs(x))) - 52;
  while (!Number.isInteger(x / 2 ** e)) e -= 1;
  return [BigInt(x / 2 ** e), e];
}

/** a·b + c rounded once, from exact integers (Number(bigint) rounds to nearest, ties to even). */
function exactFma(a: number, b: number, c: number): number {
  if (a === 0 || b === 0 || c === 0) return a * b + c;
  const [ma, ea] = exactParts(a);
  const [mb, eb] = exactParts(b);
  const [mc, ec] = exactParts(c);
  const ep = ea + eb;
  const E = Math.min(ep, ec);
  const n = ((ma * mb) << BigInt(ep - E)) + (mc << BigInt(ec - E));
  return Number(n) * 2 ** E;
}

describe("glibc's pow", () => {
  it("is bit for bit the C library pow scikit-learn calls ('invscaling' t^powerT, general and special arguments)", () => {
    const { x, y, z } = fx.pow;
    const wrong: string[] = [];
    for (let i = 0; i < x.length; i++) {
      const want = z[i] ?? Number.NaN; // JSON has no NaN
      const got = glibcPow(x[i]!, y[i]!);
      if (!Object.is(got, want)) wrong.push(`pow(${x[i]}, ${y[i]}) = ${got}, expected ${want}`);
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it("keeps C99's special values", () => {
    expect(glibcPow(1, Number.NaN)).toBe(1);
    expect(glibcPow(Number.NaN, 0)).toBe(1);
    expect(glibcPow(-1, Number.POSITIVE_INFINITY)).toBe(1);
    expect(glibcPow(-8, 1 / 3)).toBeNaN();
    expect(glibcPow(-2, 3)).toBe(-8);
    expect(glibcPow(0, -1)).toBe(Number.POSITIVE_INFINITY);
    expect(glibcPow(-0, -1)).toBe(Number.NEGATIVE_INFINITY);
    expect(glibcPow(2, 2 ** 70)).toBe(Number.POSITIVE_INFINITY);
    expect(glibcPow(0.5, 2 ** 70)).toBe(0);
    expect(glibcPow(3, 2 ** -70)).toBe(1);
  });
});

describe("glibc's exp", () => {
  it('is bit for bit the C library exp scikit-learn calls (log-loss range, near 0, scaled special cases)', () => {
    const { x, y } = fx.exp;
    const wrong: string[] = [];
    for (let i = 0; i < x.length; i++) {
      const got = glibcExp(x[i]!);
      if (!Object.is(got, y[i]!)) wrong.push(`exp(${x[i]}) = ${got}, expected ${y[i]}`);
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it("is the WebAssembly epoch's exp too, bit for bit", () => {
    const k = ownKernel();
    expect(k).not.toBeNull();
    const { x, y } = fx.exp;
    const edges = [0, -0, 1e-300, 2 ** -54, 709.78, 710, -708.4, -745.2, -746, 1023.9, -1023.9, 5000, Infinity, -Infinity, NaN];
    const wrong: string[] = [];
    for (let i = 0; i < x.length; i++)
      if (!Object.is(k!.exp(x[i]!), y[i]!)) wrong.push(`exp(${x[i]}) = ${k!.exp(x[i]!)}, expected ${y[i]}`);
    for (const e of edges) if (!Object.is(k!.exp(e), glibcExp(e))) wrong.push(`exp(${e}) = ${k!.exp(e)}, JavaScript ${glibcExp(e)}`);
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it('handles the edges as glibc does', () => {
    expect(glibcExp(0)).toBe(1);
    expect(glibcExp(-0)).toBe(1);
    expect(glibcExp(Number.NEGATIVE_INFINITY)).toBe(0);
    expect(glibcExp(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
    expect(glibcExp(Number.NaN)).toBeNaN();
    expect(glibcExp(710)).toBe(Number.POSITIVE_INFINITY);
    expect(glibcExp(-746)).toBe(0);
    expect(glibcExp(1e-300)).toBe(1);
  });

  it('fma rounds a·b + c once (against exact BigInt arithmetic)', () => {
    // (1 + 2^-52)² − 1.5·2^-52 is exactly 1 + 2^-53 + 2^-104, just above the midpoint of 1 and
    // 1 + 2^-52: fused it rounds up; a·b + c loses the 2^-104 and ties to 1.
    const a = 1 + 2 ** -52;
    expect(fma(a, a, -1.5 * 2 ** -52)).toBe(1 + 2 ** -52);
    expect(a * a - 1.5 * 2 ** -52).toBe(1);
    expect(fma(0, Number.POSITIVE_INFINITY, 1)).toBeNaN();
    // The double-rounding case: 2^-53(1 + 2^-38) · −(1 − 2^-38) = −2^-53 + 2^-129 and
    // c = 1 + 2^-52, so the sum is 1 + 2^-53 + 2^-129 → 1 + 2^-52; rounding the 2^-129 away
    // first leaves a tie, which goes to 1.
    expect(fma(2 ** -53 * (1 + 2 ** -38), -(1 - 2 ** -38), 1 + 2 ** -52)).toBe(1 + 2 ** -52);
    expect(fma(-(2 ** -53) * (1 + 2 ** -38), 1 - 2 ** -38, -(1 + 2 ** -52))).toBe(-(1 + 2 ** -52));
    // Random triples: plain, heavy cancellation (c ≈ −a·b), and c far below a·b.
    const rs = new RandomState(9);
    const u = rs.uniform(-1, 1, 3 * 30000);
    const wrong: string[] = [];
    for (let i = 0; i < 30000; i++) {
      const x = u[3 * i]! * 2 ** ((i % 40) - 20);
      const y = u[3 * i + 1]! * 2 ** ((i % 13) - 6);
      const kind = i % 3;
      const z = kind === 0 ? u[3 * i + 2]! : kind === 1 ? -(x * y) * (1 + u[3 * i + 2]! * 2 ** -40) : u[3 * i + 2]! * x * y * 2 ** -60;
      const want = exactFma(x, y, z);
      if (!Object.is(fma(x, y, z), want)) wrong.push(`fma(${x}, ${y}, ${z}) = ${fma(x, y, z)}, expected ${want}`);
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  });
});

describe.each(['js', 'wasm'] as SGDBackend[])(`small alpha, scikit-learn ${fx.sklearnVersion}, %s epochs`, (backend) => {
  let previous: SGDBackend;
  beforeAll(() => {
    previous = setSGDBackend(backend);
  });
  afterAll(() => {
    setSGDBackend(previous);
  });
  it.each(fx.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    runCase(c);
  });
});

describe('the fixture', () => {
  it('holds configurations where scikit-learn itself amplifies a 1-ulp change of X', () => {
    // The evidence the report rests on: these fits are chaotic in scikit-learn too, so only the
    // same operations in the same order (exp included) reproduce them.
    const chaotic = fx.cases.filter((c) => c.perturbedRelDiff > 1e-3).map((c) => c.name);
    expect(chaotic).toContain('log_loss alpha 1e-5, 5 epochs, shuffle false, tol null');
    expect(chaotic.length).toBeGreaterThanOrEqual(5);
  });
});
