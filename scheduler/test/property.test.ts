/**
 * Property: random DAGs — random shapes, kernels (cheap built-ins, expensive user kernels, typed
 * array producers), requested keys, fusion settings and memory budgets — give the reference
 * result on both schedulers.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Graph, SyncScheduler, ThreadScheduler, ref, type RunOptions } from '@tessera/scheduler';

const fixtures = new URL('./fixtures/kernels.mjs', import.meta.url);
const user = (name: string) => ({ module: fixtures, export: name });

type Spec =
  | { kind: 'inc'; c: number }
  | { kind: 'sum'; deps: number[]; c: number }
  | { kind: 'double'; dep: number }
  | { kind: 'block'; c: number }
  | { kind: 'scale'; dep: number; k: number }
  | { kind: 'total'; dep: number };

const nodeArb = (i: number): fc.Arbitrary<{ pick: number; deps: number[]; c: number }> =>
  fc.record({
    pick: fc.integer({ min: 0, max: 5 }),
    deps: fc.uniqueArray(fc.integer({ min: 0, max: Math.max(0, i - 1) }), { maxLength: Math.min(i, 6) }),
    c: fc.integer({ min: -5, max: 5 }),
  });

const dagArb = fc.integer({ min: 1, max: 40 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => nodeArb(i))));

/** Turns raw draws into a well-typed DAG: number nodes and typed-array nodes. */
function build(raw: { pick: number; deps: number[]; c: number }[]): { specs: Spec[]; isBlock: boolean[] } {
  const specs: Spec[] = [];
  const isBlock: boolean[] = [];
  raw.forEach((r, i) => {
    const nums = r.deps.filter((d) => d < i && !isBlock[d]);
    const blocks = r.deps.filter((d) => d < i && isBlock[d]);
    let s: Spec;
    if (r.pick === 1 && nums.length) s = { kind: 'sum', deps: nums, c: r.c };
    else if (r.pick === 2 && nums.length) s = { kind: 'double', dep: nums[0]! };
    else if (r.pick === 3) s = { kind: 'block', c: r.c };
    else if (r.pick === 4 && blocks.length) s = { kind: 'scale', dep: blocks[0]!, k: r.c };
    else if (r.pick === 5 && blocks.length) s = { kind: 'total', dep: blocks[0]! };
    else s = { kind: 'inc', c: r.c };
    specs.push(s);
    isBlock.push(s.kind === 'block' || s.kind === 'scale');
  });
  return { specs, isBlock };
}

function toGraph(specs: Spec[]): Graph {
  const g = new Graph();
  specs.forEach((s, i) => {
    const key = `n${i}`;
    switch (s.kind) {
      case 'inc':
        return g.add(key, 'math.inc', [s.c]);
      case 'sum':
        return g.add(key, 'math.sum', [s.deps.map((d) => ref(`n${d}`)), s.c]);
      case 'double':
        return g.add(key, user('double'), [ref(`n${s.dep}`)]);
      case 'block':
        return g.add(key, user('block'), [4, s.c]);
      case 'scale':
        return g.add(key, user('scale'), [ref(`n${s.dep}`), s.k]);
      case 'total':
        return g.add(key, user('total'), [ref(`n${s.dep}`)]);
    }
  });
  return g;
}

function reference(specs: Spec[]): (number | number[])[] {
  const v: (number | number[])[] = [];
  for (const s of specs) {
    switch (s.kind) {
      case 'inc':
        v.push(s.c + 1);
        break;
      case 'sum':
        v.push(s.deps.reduce((a, d) => a + (v[d] as number), 0) + s.c);
        break;
      case 'double':
        v.push(2 * (v[s.dep] as number));
        break;
      case 'block':
        v.push([0, 1, 2, 3].map((j) => s.c + j));
        break;
      case 'scale':
        v.push((v[s.dep] as number[]).map((x) => x * s.k));
        break;
      case 'total':
        v.push((v[s.dep] as number[]).reduce((a, b) => a + b, 0));
        break;
    }
  }
  return v;
}

const optionsArb: fc.Arbitrary<RunOptions> = fc.record({
  fuse: fc.boolean(),
  maxFusedLength: fc.integer({ min: 1, max: 8 }),
  memoryLimit: fc.constantFrom(1, 32, 1e9), // 1 byte: every source waits behind the one running
});

describe('random DAGs', () => {
  const threads = new ThreadScheduler({ threads: 2 });
  const sync = new SyncScheduler();
  afterAll(() => threads.close());

  it('give the reference results on both schedulers', async () => {
    await fc.assert(
      fc.asyncProperty(dagArb, fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), optionsArb, async (raw, picks, options) => {
        const { specs } = build(raw);
        const g = toGraph(specs);
        const keys = [...new Set(picks.map((p) => `n${p % specs.length}`))];
        const expected = reference(specs);
        for (const s of [sync, threads]) {
          const out = await s.run(g, keys, options);
          expect(Object.keys(out).sort()).toEqual([...keys].sort());
          for (const k of keys) {
            const got = out[k];
            const want = expected[Number(k.slice(1))];
            if (Array.isArray(want)) expect(Array.from(got as Float64Array)).toEqual(want);
            else expect(got).toBe(want);
          }
        }
      }),
      { numRuns: 60 },
    );
  });
});
