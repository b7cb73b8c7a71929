/**
 * Prepared blocks (prepareBlock → partialFit({ prepared })): every path must give exactly what
 * the plain in-memory partialFit gives — the scikit-learn fixtures through the prepared path, and bit-identical coefficients against the in-memory
 * shuffled epoch for every fixture configuration — with errors naming rows of the original block.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DenseArray, type WasmApi } from '@tessera/array';
import { byteSize } from '@tessera/scheduler';
import { InvalidInputError, SGDClassifier, SGDRegressor, estimatorClass } from '../src/index.js';
import { setSGDBackend, type SGDBackend } from '../src/internal.js';
import { preparedLayout } from '../src/linear_model/sgd/wasm_epoch.js';
import type { PreparedBlock } from '../src/linear_model/sgd/prepared.js';
import { dataset } from './conformance.js';
import { expectClose, fixture, rows } from './helpers.js';

afterEach(() => {
  setSGDBackend('auto');
});

/** Grows a fresh shared WebAssembly memory (the compiler's lib has no WebAssembly types: @tessera/array declares them). */
function growAnotherSharedMemory(): void {
  const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  new WA.Memory({ initial: 1, maximum: 2, shared: true }).grow(1);
}

interface Step {
  coef: number[];
  intercept: number[];
  t: number;
  nIter: number;
}
interface Case {
  name: string;
  estimator: string;
  params: Record<string, unknown>;
  target: 'binary' | 'multiclass' | 'multiclass_labels' | 'regression';
  mode: 'partial_fit' | 'fit';
  sampleWeight: boolean;
  steps: Step[];
}
interface Data {
  blockRows: number[];
  X: number[][];
  binary: number[];
  multiclass: number[];
  multiclass_labels: number[];
  regression: number[];
  sample_weight: number[];
}

type Fittable = {
  partialFit(X: unknown, y: unknown, o?: unknown): unknown;
  prepareBlock(X: unknown, y: unknown, o?: unknown): PreparedBlock | null;
  releaseBlock(hint: unknown): void;
  coef_: { data: Float64Array };
  intercept_: { data: Float64Array };
  t_: number;
  nIter_: number;
};

const data = fixture<Data>('sgd_data.json');
const { cases } = fixture<{ cases: Case[] }>('sgd_cases.json');
const partialFitCases = cases.filter((c) => c.mode === 'partial_fit');

/** Feeds a fixture case's blocks to partialFit, directly or through prepareBlock; returns the state after each block. */
function feed(
  c: Case,
  params: Record<string, unknown>,
  prepared: boolean,
  recycle: boolean,
): { coef: number[]; intercept: number[]; t: number; nIter: number }[] {
  const Cls = estimatorClass(c.estimator) as unknown as new (p: unknown) => Fittable;
  const est = new Cls(params);
  const y = data[c.target];
  const classes = c.target === 'regression' ? undefined : [...new Set(y)].sort((a, b) => a - b);
  const pa = c.estimator.startsWith('PassiveAggressive');
  const out: { coef: number[]; intercept: number[]; t: number; nIter: number }[] = [];
  let a = 0;
  for (const size of data.blockRows.slice(0, c.steps.length)) {
    const b = a + size;
    const opts: Record<string, unknown> = {};
    if (classes !== undefined) opts['classes'] = classes;
    if (c.sampleWeight && !pa) opts['sampleWeight'] = data.sample_weight.slice(a, b);
    const Xb = rows(data.X, a, b);
    const yb = y.slice(a, b);
    if (!prepared) {
      est.partialFit(Xb, yb, opts);
    } else {
      const p = est.prepareBlock(Xb, yb, { ...opts, recycle });
      if (p === null) throw new Error('prepareBlock returned null');
      const { sampleWeight: _, ...rest } = opts;
      est.partialFit(p.X, p.y!.data, { ...rest, ...(p.sampleWeight ? { sampleWeight: p.sampleWeight.data } : {}), prepared: p.hint });
      if (recycle) est.releaseBlock(p.hint);
    }
    out.push({ coef: Array.from(est.coef_.data), intercept: Array.from(est.intercept_.data), t: est.t_, nIter: est.nIter_ });
    a = b;
  }
  return out;
}

describe.each(['js', 'wasm'] as SGDBackend[])('prepared blocks, %s epochs', (backend) => {
  it(`reproduce every partial_fit fixture of scikit-learn (shuffle: false; ${partialFitCases.length} cases, recycled memories included)`, () => {
    setSGDBackend(backend);
    for (const [i, c] of partialFitCases.entries()) {
      const got = feed(c, c.params, true, i % 2 === 0);
      c.steps.forEach((step, s) => {
        expectClose(got[s]!.coef, step.coef, `${c.name} block ${s} coef_`);
        expectClose(got[s]!.intercept, step.intercept, `${c.name} block ${s} intercept_`);
        expect(got[s]!.t, `${c.name} block ${s} t_`).toBe(step.t);
        expect(got[s]!.nIter, `${c.name} block ${s} nIter_`).toBe(step.nIter);
      });
    }
  });

  it('with shuffle: true give exactly the in-memory shuffled epochs, for every fixture configuration', () => {
    setSGDBackend(backend);
    let compared = 0;
    for (const [i, c] of partialFitCases.entries()) {
      const params = { ...c.params, shuffle: true, randomState: 11 + (i % 5) };
      const oneShuffle = c.target === 'binary' || c.target === 'regression';
      if (!oneShuffle) {
        // One-vs-rest draws one order per class: nothing to prepare.
        const Cls = estimatorClass(c.estimator) as unknown as new (p: unknown) => Fittable;
        const classes = [...new Set(data[c.target])];
        expect(new Cls(params).prepareBlock(rows(data.X, 0, 40), data[c.target].slice(0, 40), { classes }), c.name).toBeNull();
        continue;
      }
      expect(feed(c, params, true, i % 2 === 1), c.name).toEqual(feed(c, params, false, false));
      compared++;
    }
    expect(compared).toBeGreaterThan(400);
  });
});

describe('prepared blocks at WebAssembly sizes', () => {
  const big = dataset(9000, 13, 3);
  const binary = big.y.map((v) => (v === 2 ? 1 : v));
  const weights = big.y.map((v) => 1 + v / 3);
  const blocks = [0, 3000, 6000].map((a) => ({
    X: new DenseArray(big.X.data.slice(a * 13, (a + 3000) * 13), [3000, 13]),
    y: binary.slice(a, a + 3000),
    yReg: big.yReg.slice(a, a + 3000),
    w: weights.slice(a, a + 3000),
  }));

  it.each([
    ['hinge', 'l2', false],
    ['log_loss', null, true],
    ['modified_huber', 'l2', true],
    ['hinge', 'elasticnet', true],
  ] as const)('SGDClassifier %s / %s (weights: %s): the prepared chain equals the in-memory one bit for bit', (loss, penalty, weighted) => {
    const params = { loss, penalty, randomState: 4 };
    const direct = new SGDClassifier(params);
    const prepared = new SGDClassifier(params);
    for (const b of blocks) {
      const opts = { classes: [0, 1], ...(weighted ? { sampleWeight: b.w } : {}) };
      direct.partialFit(b.X, b.y, opts);
      const p = prepared.prepareBlock(b.X, b.y, { ...opts, recycle: true })!;
      // V8 gives every shared memory of a thread a new buffer object when any of them grows:
      // the in-place epoch must still recognise the block's views as its memory's.
      growAnotherSharedMemory();
      expect(p.X.data.buffer === p.hint.memory?.buffer).toBe(false);
      expect(p.hint.seed).not.toBeNull();
      expect(p.hint.memory !== null).toBe(penalty !== 'elasticnet'); // rows go into WebAssembly memory only when the epoch runs there
      prepared.partialFit(p.X, p.y!.data, {
        classes: [0, 1],
        ...(weighted ? { sampleWeight: p.sampleWeight!.data } : {}),
        prepared: p.hint,
      });
      if (p.hint.memory !== null) {
        // The epoch ran in place: the block's target area holds the ±1 targets it trained on
        // (preparation left the shuffle's slots there).
        const { yi } = preparedLayout(3000, 13, weighted);
        expect(new Set(new Float64Array(p.hint.memory.buffer, yi, 3000))).toEqual(new Set([-1, 1]));
      }
      prepared.releaseBlock(p.hint);
    }
    expect(Array.from(prepared.coef_.data)).toEqual(Array.from(direct.coef_.data));
    expect(Array.from(prepared.intercept_.data)).toEqual(Array.from(direct.intercept_.data));
    expect(prepared.t_).toBe(direct.t_);
  });

  it('the shuffle made in the block memory (in its row area, or its staging area when the rows are fewer bytes), kept for the next equal block: the same chain for every size, in any order', () => {
    setSGDBackend('wasm');
    const src = dataset(2000, 3, 2);
    for (const d of [1, 3]) {
      const direct = new SGDClassifier({ randomState: 7 });
      const prepared = new SGDClassifier({ randomState: 7 });
      let at = 0;
      // Sizes repeat (the kept order is reused) and change (it is replaced); 1, 2 and 5 rows of one
      // feature take fewer bytes than their permutation.
      for (const n of [5, 5, 700, 700, 1, 2, 65, 65, 5, 64, 700]) {
        const X = new DenseArray(
          Float64Array.from({ length: n * d }, (_, i) => src.X.data[((at + Math.floor(i / d)) % 2000) * 3 + (i % d)]!),
          [n, d],
        );
        const y = Array.from({ length: n }, (_, i) => (src.y[(at + i) % 2000] === 0 ? 0 : 1));
        at += n;
        direct.partialFit(X, y, { classes: [0, 1] });
        const p = prepared.prepareBlock(X, y, { classes: [0, 1], recycle: true })!;
        expect(p.hint.memory).not.toBeNull();
        prepared.partialFit(p.X, p.y!.data, { classes: [0, 1], prepared: p.hint });
        prepared.releaseBlock(p.hint);
      }
      expect(Array.from(prepared.coef_.data)).toEqual(Array.from(direct.coef_.data));
      expect(Array.from(prepared.intercept_.data)).toEqual(Array.from(direct.intercept_.data));
      expect(prepared.t_).toBe(direct.t_);
    }
  });

  it('labels and weights given as blocks (float64 or int32) are read into the memory tile by tile: the same chain, and lengths are checked', () => {
    const direct = new SGDClassifier({ randomState: 5 });
    const prepared = new SGDClassifier({ randomState: 5 });
    for (const [i, b] of blocks.entries()) {
      const yBlock =
        i % 2 === 0
          ? { dtype: 'int32' as const, shape: [3000], data: Int32Array.from(b.y) }
          : { dtype: 'float64' as const, shape: [3000], data: Float64Array.from(b.y) };
      const wBlock = { dtype: 'float64' as const, shape: [3000], data: Float64Array.from(b.w) };
      direct.partialFit(b.X, b.y, { classes: [0, 1], sampleWeight: b.w });
      const p = prepared.prepareBlock(b.X, yBlock, { classes: [0, 1], sampleWeight: wBlock, recycle: true })!;
      expect(p.hint.memory).not.toBeNull();
      prepared.partialFit(p.X, p.y!.data, { classes: [0, 1], sampleWeight: p.sampleWeight!.data, prepared: p.hint });
      prepared.releaseBlock(p.hint);
    }
    expect(Array.from(prepared.coef_.data)).toEqual(Array.from(direct.coef_.data));
    expect(Array.from(prepared.intercept_.data)).toEqual(Array.from(direct.intercept_.data));
    const short = { dtype: 'float64' as const, shape: [2999], data: Float64Array.from(blocks[0]!.y.slice(1)) };
    expect(() => new SGDClassifier({ randomState: 5 }).prepareBlock(blocks[0]!.X, short, { classes: [0, 1] })).toThrow(
      /X has 3000 rows but y has 2999/,
    );
  });

  it('SGDRegressor: the prepared chain equals the in-memory one; shuffle: false prepares in place', () => {
    for (const shuffle of [true, false]) {
      const direct = new SGDRegressor({ shuffle, randomState: 8 });
      const prepared = new SGDRegressor({ shuffle, randomState: 8 });
      for (const b of blocks) {
        direct.partialFit(b.X, b.yReg, { sampleWeight: b.w });
        const p = prepared.prepareBlock(b.X, b.yReg, { sampleWeight: b.w })!;
        expect(p.hint.seed === null).toBe(!shuffle);
        expect(p.hint.memory).not.toBeNull();
        prepared.partialFit(p.X, p.y!.data, { sampleWeight: p.sampleWeight!.data, prepared: p.hint });
      }
      expect(Array.from(prepared.coef_.data)).toEqual(Array.from(direct.coef_.data));
      expect(Array.from(prepared.intercept_.data)).toEqual(Array.from(direct.intercept_.data));
    }
  });

  it('recycles a released memory for the next block, and only then', () => {
    const clf = new SGDClassifier({ randomState: 1 });
    const p1 = clf.prepareBlock(blocks[0]!.X, blocks[0]!.y, { classes: [0, 1], recycle: true })!;
    const p2 = clf.prepareBlock(blocks[1]!.X, blocks[1]!.y, { classes: [0, 1], recycle: true })!;
    expect(p2.hint.memory).not.toBe(p1.hint.memory);
    clf.releaseBlock(p1.hint);
    const p3 = clf.prepareBlock(blocks[2]!.X, blocks[2]!.y, { classes: [0, 1], recycle: true })!;
    expect(p3.hint.memory).toBe(p1.hint.memory);
    // Without recycle, never.
    clf.releaseBlock(p2.hint);
    const p4 = clf.prepareBlock(blocks[2]!.X, blocks[2]!.y, { classes: [0, 1] })!;
    expect(p4.hint.memory).not.toBe(p2.hint.memory);
    clf.releaseBlock(p3.hint);
  });

  it('retires the released memories when the chain ends: later blocks get new ones', () => {
    const clf = new SGDClassifier({ randomState: 1 });
    const p1 = clf.prepareBlock(blocks[0]!.X, blocks[0]!.y, { classes: [0, 1], recycle: true })!;
    const p2 = clf.prepareBlock(blocks[1]!.X, blocks[1]!.y, { classes: [0, 1], recycle: true })!;
    clf.releaseBlock(p1.hint);
    clf.retireBlocks(); // p1's memory is released: retired; p2's is still in use: kept
    const p3 = clf.prepareBlock(blocks[2]!.X, blocks[2]!.y, { classes: [0, 1], recycle: true })!;
    expect(p3.hint.memory).not.toBe(p1.hint.memory);
    expect(p3.hint.memory).not.toBe(p2.hint.memory);
    clf.releaseBlock(p2.hint);
    const p4 = clf.prepareBlock(blocks[0]!.X, blocks[0]!.y, { classes: [0, 1], recycle: true })!;
    expect(p4.hint.memory).toBe(p2.hint.memory);
    // A retired memory is never taken again, even when released a second time.
    clf.releaseBlock(p1.hint);
    const p5 = clf.prepareBlock(blocks[1]!.X, blocks[1]!.y, { classes: [0, 1], recycle: true })!;
    expect(p5.hint.memory).not.toBe(p1.hint.memory);
    for (const p of [p3, p4, p5]) clf.releaseBlock(p.hint);
    clf.retireBlocks();
  });

  it('tells the scheduler which memories are pooled (not garbage when a thread drops them) until they retire', () => {
    const clf = new SGDClassifier({ randomState: 1 });
    // The scheduler's view: a view over a pooled buffer holds no garbage (byteSize with `garbage`).
    const pooled = (buffer: ArrayBufferLike) => byteSize(new Uint8Array(buffer), true) === 0;
    const bufferOf = (p: PreparedBlock) => (p.X.data as Float64Array).buffer;
    const p1 = clf.prepareBlock(blocks[0]!.X, blocks[0]!.y, { classes: [0, 1], recycle: true })!;
    const plain = clf.prepareBlock(blocks[1]!.X, blocks[1]!.y, { classes: [0, 1] })!;
    expect(pooled(bufferOf(p1))).toBe(true); // in use
    expect(pooled(bufferOf(plain))).toBe(false); // not pooled: garbage once dropped
    expect(byteSize(p1, true)).toBe(0);
    expect(byteSize(plain, true)).toBe(byteSize(plain));
    clf.releaseBlock(p1.hint);
    expect(pooled(bufferOf(p1))).toBe(true); // released: waiting for reuse
    clf.retireBlocks();
    expect(pooled(bufferOf(p1))).toBe(false); // retired: garbage again
    // Other shared memory, whatever it holds, is never taken for a pooled one.
    const other = new SharedArrayBuffer(4096);
    new Int32Array(other).fill(2);
    expect(pooled(other)).toBe(false);
  });

  it('reports retired memories to the scheduler, which collects fully at once (nothing retired: no collection)', async () => {
    const calls: string[] = [];
    vi.stubGlobal('gc', (options?: { type: string }) => calls.push(options?.type ?? 'major'));
    const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
    try {
      const clf = new SGDClassifier({ randomState: 1 });
      const p = clf.prepareBlock(blocks[0]!.X, blocks[0]!.y, { classes: [0, 1], recycle: true })!;
      expect(p.hint.memory).not.toBeNull();
      clf.releaseBlock(p.hint);
      await tick();
      calls.length = 0;
      clf.retireBlocks();
      await tick();
      expect(calls).toEqual(['major']);
      clf.retireBlocks();
      await tick();
      expect(calls).toEqual(['major']);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('returns null when the order cannot be known ahead (randomState null, one-vs-rest)', () => {
    expect(new SGDClassifier({ randomState: null }).prepareBlock(blocks[0]!.X, blocks[0]!.y, { classes: [0, 1] })).toBeNull();
    expect(new SGDClassifier({ randomState: 1 }).prepareBlock(blocks[0]!.X, big.y.slice(0, 3000), { classes: [0, 1, 2] })).toBeNull();
    expect(new SGDClassifier({ randomState: 1 }).prepareBlock(blocks[0]!.X, blocks[0]!.y)).toBeNull(); // classes unknown
    expect(new SGDClassifier({ shuffle: false }).prepareBlock(blocks[0]!.X, big.y.slice(0, 3000), { classes: [0, 1, 2] })).not.toBeNull();
  });
});

describe('prepared blocks name rows of the original block', () => {
  const base = dataset(4000, 10, 11);
  const labels = base.y.map((v) => (v === 2 ? 1 : v));

  for (const backend of ['js', 'wasm', 'auto'] as SGDBackend[]) {
    it(`NaN in X, unknown labels, NaN in y and in weights (${backend})`, () => {
      setSGDBackend(backend);
      const bad = (mutate: (X: Float64Array, y: number[], w: number[], yr: number[]) => void) => {
        const X = Float64Array.from(base.X.data);
        const y = labels.slice();
        const w = y.map(() => 1);
        const yr = base.yReg.slice();
        mutate(X, y, w, yr);
        return { X: new DenseArray(X, [4000, 10]), y, w, yr };
      };
      const messageOf = (f: () => unknown): string => {
        try {
          f();
        } catch (e) {
          return (e as Error).message;
        }
        return 'no error';
      };
      const both = (
        make: () => { partialFit: (...a: unknown[]) => unknown; prepareBlock: (...a: unknown[]) => PreparedBlock | null },
        X: DenseArray,
        y: number[],
        opts: Record<string, unknown>,
      ) => {
        const direct = messageOf(() => make().partialFit(X, y, opts));
        const est = make();
        const p = est.prepareBlock(X, y, opts)!;
        const { sampleWeight: _, ...rest } = opts;
        const viaPrepared = messageOf(() =>
          est.partialFit(p.X, p.y!.data, { ...rest, ...(p.sampleWeight ? { sampleWeight: p.sampleWeight.data } : {}), prepared: p.hint }),
        );
        expect(viaPrepared).toBe(direct);
        return direct;
      };
      const clf = () => new SGDClassifier({ randomState: 5 }) as never;
      const reg = () => new SGDRegressor({ randomState: 5 }) as never;
      const nan = bad((X) => {
        X[1234 * 10 + 3] = Number.NaN;
        X[3000 * 10 + 7] = Number.POSITIVE_INFINITY;
      });
      expect(both(clf, nan.X, nan.y, { classes: [0, 1] })).toMatch(
        /input X contains (NaN at row 1234, column 3|Infinity at row 3000, column 7)/,
      );
      const label = bad((_X, y) => {
        y[2500] = 7;
        y[900] = 5;
      });
      expect(both(clf, label.X, label.y, { classes: [0, 1] })).toMatch(/label 5 \(row 900\)/);
      const ynan = bad((_X, _y, _w, yr) => {
        yr[3999] = Number.NaN;
        yr[17] = Number.NEGATIVE_INFINITY;
      });
      expect(both(reg, ynan.X, ynan.yr, {})).toMatch(/input y contains -Infinity at row 17/);
      const wnan = bad((_X, _y, w) => {
        w[2222] = Number.NaN;
      });
      expect(both(clf, wnan.X, wnan.y, { classes: [0, 1], sampleWeight: wnan.w })).toMatch(/input sampleWeight contains NaN at row 2222/);
    });
  }

  it('rejects a block prepared for another shuffle or shape', () => {
    const X = new DenseArray(base.X.data.slice(0, 4000 * 10), [4000, 10]);
    const p = new SGDClassifier({ randomState: 1 }).prepareBlock(X, labels, { classes: [0, 1] })!;
    expect(() => new SGDClassifier({ randomState: 2 }).partialFit(p.X, p.y!.data, { classes: [0, 1], prepared: p.hint })).toThrow(
      InvalidInputError,
    );
    expect(() =>
      new SGDClassifier({ randomState: 1, shuffle: false }).partialFit(p.X, p.y!.data, { classes: [0, 1], prepared: p.hint }),
    ).toThrow(/prepared in the visit order of another shuffle/);
    expect(() =>
      new SGDClassifier({ randomState: 1 }).partialFit(p.X, p.y!.data, {
        classes: [0, 1],
        sampleWeight: labels.map(() => 1),
        prepared: p.hint,
      }),
    ).toThrow(/prepared without sample weights but is trained with/);
    const small = new DenseArray(base.X.data.slice(0, 100 * 10), [100, 10]);
    expect(() =>
      new SGDClassifier({ randomState: 1 }).partialFit(small, labels.slice(0, 100), { classes: [0, 1], prepared: p.hint }),
    ).toThrow(/prepared with 4000 rows × 10 features, but X has 100 × 10/);
    expect(() => new SGDClassifier({ randomState: 1 }).partialFit(p.X, p.y!.data, { classes: [0, 1], prepared: 'nope' as never })).toThrow(
      TypeError,
    );
    // A block prepared without shuffling is fine for any estimator: it is the block itself.
    const q = new SGDClassifier({ shuffle: false }).prepareBlock(X, labels, { classes: [0, 1] })!;
    const a = new SGDClassifier({ randomState: 3 }).partialFit(q.X, q.y!.data, { classes: [0, 1], prepared: q.hint });
    const b = new SGDClassifier({ randomState: 3 }).partialFit(X, labels, { classes: [0, 1] });
    expect(Array.from(a.coef_.data)).toEqual(Array.from(b.coef_.data));
  });

  it('accepts number[][] and typed-array labels, and checks lengths', () => {
    const X = (base.X.toArray() as number[][]).slice(0, 50);
    const p = new SGDClassifier({ randomState: 1 }).prepareBlock(X, Int32Array.from(labels.slice(0, 50)), { classes: [0, 1] })!;
    expect(p.X.shape).toEqual([50, 10]);
    expect(() => new SGDClassifier({ randomState: 1 }).prepareBlock(X, labels.slice(0, 49), { classes: [0, 1] })).toThrow(
      /X has 50 rows but y has 49/,
    );
  });
});
