/**
 * One conformance suite, run against every scheduler: same results, events, memory accounting,
 * errors and cancellation whatever runs the tasks.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  AbortError,
  Graph,
  SyncScheduler,
  TaskError,
  ThreadScheduler,
  ref,
  withCallbacks,
  type ReleaseEvent,
  type RunInfo,
  type Scheduler,
  type TaskEvent,
} from '@tessera/scheduler';

const fixtures = new URL('./fixtures/kernels.mjs', import.meta.url);
const user = (name: string, cheap = false) => ({ module: fixtures, export: name, cheap });

const schedulers: [string, () => Scheduler][] = [
  ['SyncScheduler', () => new SyncScheduler()],
  ['ThreadScheduler', () => new ThreadScheduler({ threads: 2 })],
];

describe.each(schedulers)('%s conformance', (_name, make) => {
  const s = make();
  afterAll(() => s.close());

  it('computes nested references in arrays and objects', async () => {
    const g = new Graph()
      .add('a', 'math.add', [1, 2])
      .add('b', 'math.mul', [ref('a'), 10])
      .add('c', 'math.sum', [[ref('a'), ref('b'), 4], 5])
      .add('d', 'core.getitem', [{ x: { y: [ref('c')] } }, 'x'])
      .add('unused', 'math.add', [ref('zzz-not-needed-but-valid'), 1])
      .add('zzz-not-needed-but-valid', 'math.inc', [0]);
    const out = await s.run(g, ['b', 'c', 'd']);
    expect(out['b']).toBe(30);
    expect(out['c']).toBe(42);
    expect(out['d']).toEqual({ y: [42] });
  });

  it('returns only what was requested, including intermediates', async () => {
    const g = new Graph()
      .add('x', 'math.inc', [1])
      .add('y', 'math.inc', [ref('x')])
      .add('z', 'math.inc', [ref('y')]);
    expect(await s.run(g, ['z', 'x'])).toEqual({ z: 4, x: 2 });
    expect(await s.run(g, [])).toEqual({});
  });

  it('runs user kernels, sync and async, with typed-array arguments', async () => {
    const g = new Graph()
      .add('d', user('double'), [21])
      .add('sd', user('slowDouble'), [ref('d'), 1])
      .add('t', user('total'), [new Float64Array([1, 2, 3.5])]);
    expect(await s.run(g, ['sd', 't'])).toEqual({ sd: 84, t: 6.5 });
  });

  it('passes plain objects and typed arrays through intact', async () => {
    const g = new Graph().add('o', user('describe'), [{ nested: { a: [1, 2] }, typed: new Float64Array(3), n: null }]);
    expect((await s.run(g, ['o']))['o']).toEqual({ keys: ['n', 'nested', 'typed'], nested: { a: [1, 2] }, typed: true });
  });

  it('reports every task once, with timings on the worker, and releases intermediates', async () => {
    const n = 131072;
    const g = new Graph()
      .add('b0', user('block'), [n, 0])
      .add('s0', user('scale'), [ref('b0'), 2])
      .add('t0', user('total'), [ref('s0')]);
    const events: TaskEvent[] = [];
    const released: ReleaseEvent[] = [];
    let info: RunInfo | undefined;
    let ended = 0;
    const out = await withCallbacks(
      [{ onRunStart: (r) => (info = r), onTaskEnd: (e) => events.push(e), onRelease: (e) => released.push(e), onRunEnd: () => ended++ }],
      () => s.run(g, ['t0'], { fuse: false }),
    );
    expect(out['t0']).toBe((2 * ((n - 1) * n)) / 2);
    expect(events.map((e) => e.key).sort()).toEqual(['b0', 's0', 't0']);
    for (const e of events) {
      expect(e.end).toBeGreaterThanOrEqual(e.start);
      expect(Math.abs(e.start - Date.now())).toBeLessThan(60_000);
      expect(e.kernel).toMatch(/^(block|scale|total)$/);
      if (s.name === 'threads') expect((s as ThreadScheduler).threadIds).toContain(e.worker);
    }
    const byKey = Object.fromEntries(events.map((e) => [e.key, e]));
    expect(byKey['b0']!.end).toBeLessThanOrEqual(byKey['s0']!.start + 1e-3);
    expect(byKey['b0']!.bytes).toBe(n * 8);
    expect(released.map((r) => r.key).sort()).toEqual(['b0', 's0']);
    expect(released.every((r) => r.bytes === n * 8)).toBe(true);
    expect(info!.tasks).toBe(3);
    expect(info!.heldBytes()).toBe(0);
    expect(info!.peakHeldBytes()).toBeGreaterThanOrEqual(n * 8);
    expect(ended).toBe(1);
  });

  it('nests callback scopes', async () => {
    const outer: string[] = [];
    const inner: string[] = [];
    const g = new Graph().add('a', 'math.inc', [1]);
    await withCallbacks([{ onTaskEnd: (e) => outer.push(e.key) }], async () => {
      await withCallbacks([{ onTaskEnd: (e) => inner.push(e.key) }], () => s.run(g, ['a']));
      await s.run(g, ['a']);
    });
    await s.run(g, ['a']);
    expect(outer).toEqual(['a', 'a']);
    expect(inner).toEqual(['a']);
  });

  it('rejects with a TaskError naming key and kernel, the error as cause, and stays usable', async () => {
    const g = new Graph()
      .add('ok', 'math.inc', [1])
      .add('bad', user('fail'), ['boom at row 3'])
      .add('after', 'math.add', [ref('ok'), ref('bad')]);
    const err = await s.run(g, ['after']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect((err as TaskError).key).toBe('bad');
    expect((err as TaskError).kernel).toBe('fail');
    expect((err as Error).message).toContain("Task 'bad' (kernel 'fail') failed: boom at row 3");
    expect(((err as Error).cause as Error).message).toBe('boom at row 3');
    expect(await s.run(new Graph().add('x', 'math.mul', [6, 7]), ['x'])).toEqual({ x: 42 });
  });

  it.each([
    ['function', 'result is a function (predict)'],
    ['symbol', 'result is a symbol (Symbol(token))'],
    ['method', 'result.nested.fit is a function (fit)'],
    ['instance', 'result[1].onUpdate is a function (onUpdate)'],
    ['proxy', 'result.view is a Proxy'],
    ['generator', 'result is a generator'],
    ['weakmap', 'result.cache is a WeakMap'],
    ['promise', 'result.later is a Promise'],
    ['map', "result.get('k') is a function"],
  ])('a result that cannot cross threads (%s) is a TaskError saying what it is, and the scheduler stays usable', async (kind, what) => {
    const g = new Graph().add('in', 'math.inc', [1]).add('bad', user('unsendable'), [kind, ref('in')]);
    const err = await s.run(g, ['bad']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect((err as TaskError).key).toBe('bad');
    expect((err as TaskError).kernel).toBe('unsendable');
    expect((err as Error).message).toContain(`Task 'bad' (kernel 'unsendable') failed: its result cannot be sent between threads: ${what}`);
    expect((err as Error).cause).toBeInstanceOf(TypeError);
    // The same inside a batch: the result is refused where it is made, not where it is sent.
    const chained = new Graph().add('bad', user('unsendable', true), [kind]).add('use', 'core.identity', [ref('bad')]);
    await expect(s.run(chained, ['use'])).rejects.toThrow(/its result cannot be sent between threads/);
    expect(await s.run(new Graph().add('x', 'math.mul', [6, 7]), ['x'])).toEqual({ x: 42 });
  });

  it('passes every kind of plain data structured clone copies', async () => {
    const { v } = (await s.run(new Graph().add('v', user('sendable'), []), ['v'])) as { v: Record<string, unknown> };
    expect(v['n']).toBe(1);
    expect(v['big']).toBe(10n);
    expect(v['map']).toEqual(new Map([['a', 1]]));
    expect((v['cyclic'] as { self: unknown }).self).toBe(v['cyclic']);
    expect(v['err']).toBeInstanceOf(Error);
    expect((v['model'] as { w: number }).w).toBe(3);
  });

  it('cancels promptly through an AbortSignal and stays usable', async () => {
    const g = new Graph();
    for (let i = 0; i < 200; i++) g.add(`spin-${i}`, user('spin'), [i, 20]);
    g.add('all', 'core.list', [Array.from({ length: 200 }, (_, i) => ref(`spin-${i}`))]);
    const controller = new AbortController();
    const t0 = performance.now();
    setTimeout(() => controller.abort(new Error('user pressed stop')), 50);
    const err = await s.run(g, ['all'], { signal: controller.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect((err as Error).message).toContain('user pressed stop');
    expect(performance.now() - t0).toBeLessThan(1000);
    const pre = new AbortController();
    pre.abort();
    await expect(s.run(g, ['all'], { signal: pre.signal })).rejects.toBeInstanceOf(AbortError);
    expect(await s.run(new Graph().add('x', 'math.inc', [1]), ['x'])).toEqual({ x: 2 });
  });

  it('keeps held bytes near the memory budget when sources total 10x the budget', async () => {
    const n = 131072; // 1 MiB blocks
    const blocks = 50;
    const budget = 5 * 2 ** 20;
    const g = new Graph();
    for (let i = 0; i < blocks; i++) {
      g.add(`gen-${i}`, user('block'), [n, i]);
      g.add(`scaled-${i}`, user('scale'), [ref(`gen-${i}`), 0.5]);
      g.add(`sum-${i}`, user('total'), [ref(`scaled-${i}`)]);
    }
    g.add('total', 'math.sum', [Array.from({ length: blocks }, (_, i) => ref(`sum-${i}`))]);
    let info: RunInfo | undefined;
    const out = await s.run(g, ['total'], { memoryLimit: budget, callbacks: [{ onRunStart: (r) => (info = r) }] });
    let expected = 0;
    for (let i = 0; i < blocks; i++) expected += 0.5 * (n * i + ((n - 1) * n) / 2);
    expect(out['total']).toBeCloseTo(expected, 0);
    const peak = info!.peakHeldBytes();
    // The budget, plus what the workers may bring back at once: a block per busy worker.
    expect(peak).toBeLessThanOrEqual(budget + 2 * s.workers * n * 8);
    expect(peak).toBeGreaterThanOrEqual(n * 8);
  });

  it('holds blocks made by inner tasks from small inputs to the budget too, ahead of a slow chain', async () => {
    // prep_i = blockFrom(stats) is ready as soon as the statistics are; a slow chain consumes one
    // block at a time. Without budgeting such tasks, all 40 blocks would pile up.
    const n = 131072; // 1 MiB blocks
    const blocks = 40;
    const budget = 4 * 2 ** 20;
    const g = new Graph().add('stats', 'core.identity', [1]).add('state-0', 'core.identity', [0]);
    for (let i = 1; i <= blocks; i++) {
      g.add(`prep-${i}`, user('blockFrom'), [ref('stats'), n, i]);
      g.add(`state-${i}`, user('slowLink'), [ref(`state-${i - 1}`), ref(`prep-${i}`), 3]);
    }
    let info: RunInfo | undefined;
    const out = await s.run(g, [`state-${blocks}`], { memoryLimit: budget, callbacks: [{ onRunStart: (r) => (info = r) }] });
    let expected = 0;
    for (let i = 1; i <= blocks; i++) expected += n * (i + 1) + ((n - 1) * n) / 2;
    expect(out[`state-${blocks}`]).toBe(expected);
    expect(info!.peakHeldBytes()).toBeLessThanOrEqual(budget + 2 * s.workers * n * 8);
  });

  it('over budget, links with small outputs run before more blocks are read, even those that start a chain', async () => {
    // Four chains train on the same ten 1 MiB blocks (an adaptive search's models); each link
    // returns a small state, and each chain's first link starts from a literal, so it frees
    // nothing. Such links used to wait with the reads while over budget, and the reads for the
    // first chain (first by priority) went on: all ten blocks were held at once.
    const n = 131072;
    const blocks = 10;
    const chains = 4;
    const budget = 2 * 2 ** 20;
    const g = new Graph();
    for (let b = 0; b < blocks; b++) g.add(`block-${b}`, user('block'), [n, b]);
    for (let c = 0; c < chains; c++) {
      for (let b = 0; b < blocks; b++)
        g.add(`link-${c}-${b}`, user('stateLink'), [b === 0 ? c : ref(`link-${c}-${b - 1}`), ref(`block-${b}`), 1]);
    }
    let info: RunInfo | undefined;
    const keys = Array.from({ length: chains }, (_, c) => `link-${c}-${blocks - 1}`);
    const out = await s.run(g, keys, { memoryLimit: budget, callbacks: [{ onRunStart: (r) => (info = r) }] });
    let sums = 0;
    for (let b = 0; b < blocks; b++) sums += n * b + ((n - 1) * n) / 2;
    for (let c = 0; c < chains; c++) expect((out[`link-${c}-${blocks - 1}`] as Float64Array)[0]).toBe(c + sums);
    expect(info!.peakHeldBytes()).toBeLessThanOrEqual(budget + 2 * s.workers * n * 8);
  });

  it('runs a small dependent right after its expensive producer, in the same batch', async () => {
    // make_i (5 ms, a 1 MiB block) → sum_i (far cheaper): once both costs are measured, each sum
    // joins its block's batch — same worker, no round trip, the block never held by the scheduler.
    const n = 131072;
    const g = new Graph();
    for (let i = 0; i < 12; i++) {
      g.add(`block-${i}`, user('blockFrom'), [0, n, i]);
      g.add(`make-${i}`, user('spin'), [ref(`block-${i}`), 5]);
      g.add(`sum-${i}`, user('total'), [ref(`make-${i}`)]);
    }
    g.add('all', 'math.sum', [Array.from({ length: 12 }, (_, i) => ref(`sum-${i}`))]);
    const events: TaskEvent[] = [];
    const released: ReleaseEvent[] = [];
    const out = await s.run(g, ['all'], {
      fuse: false,
      callbacks: [{ onTaskEnd: (e) => events.push(e), onRelease: (e) => released.push(e) }],
    });
    let expected = 0;
    for (let i = 0; i < 12; i++) expected += n * i + ((n - 1) * n) / 2;
    expect(out['all']).toBe(expected);
    const at = (key: string) => events.find((e) => e.key === key)!;
    const joined = Array.from({ length: 12 }, (_, i) => i).filter((i) => {
      const make = at(`make-${i}`);
      const sum = at(`sum-${i}`);
      return sum.worker === make.worker && sum.start - make.end < 2 && !released.some((r) => r.key === `make-${i}`);
    });
    // The first few pairs run apart while the costs are unknown; the rest are continuations.
    expect(joined.length).toBeGreaterThanOrEqual(8);
  });

  it('runs a serial chain one link at a time while the blocks ahead are prepared', async () => {
    // state_i = link(state_{i-1}, prep_i): the partialFit pattern.
    const g = new Graph().add('state-0', 'core.identity', [0]);
    const links = 12;
    for (let i = 1; i <= links; i++) {
      g.add(`read-${i}`, user('spin'), [i, 4]);
      g.add(`prep-${i}`, user('spin'), [ref(`read-${i}`), 4]);
      g.add(`link-${i}`, 'math.add', [ref(`state-${i - 1}`), ref(`prep-${i}`)]);
      g.add(`state-${i}`, user('spin'), [ref(`link-${i}`), 8]);
    }
    const events: TaskEvent[] = [];
    const out = await s.run(g, [`state-${links}`], { callbacks: [{ onTaskEnd: (e) => events.push(e) }] });
    expect(out[`state-${links}`]).toBe((links * (links + 1)) / 2);
    const states = events.filter((e) => e.key.startsWith('state-') && e.key !== 'state-0').sort((a, b) => a.start - b.start);
    for (let i = 1; i < states.length; i++) expect(states[i]!.start).toBeGreaterThanOrEqual(states[i - 1]!.end - 1e-3);
    if (s.workers > 1) {
      // Some preparation overlaps a link on another worker.
      const preps = events.filter((e) => e.key.startsWith('prep-') || e.key.startsWith('read-'));
      const overlapping = preps.filter((p) => states.some((st) => st.worker !== p.worker && p.start < st.end && p.end > st.start));
      expect(overlapping.length).toBeGreaterThan(0);
    }
  });
});
