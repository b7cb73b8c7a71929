/** What only the thread scheduler has: worker threads, shared memory, worker death, the pool. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Graph, ThreadScheduler, WorkerDiedError, compute, ref, registerKernels, withCallbacks } from '@tessera/scheduler';

const fixtures = new URL('./fixtures/kernels.mjs', import.meta.url);
const user = (name: string) => ({ module: fixtures, export: name });

describe('ThreadScheduler', () => {
  const s = new ThreadScheduler({ threads: 2 });
  afterAll(() => s.close());

  it('runs tasks on worker threads, spread over the pool', async () => {
    const g = new Graph();
    for (let i = 0; i < 40; i++) g.add(`w-${i}`, user('spin'), [i, 3]);
    g.add('ids', 'core.list', [Array.from({ length: 40 }, (_, i) => ref(`w-${i}`))]);
    const workers = new Set<number>();
    await withCallbacks([{ onTaskEnd: (e) => e.key.startsWith('w-') && workers.add(e.worker) }], () => s.run(g, ['ids']));
    expect(workers.size).toBe(2);
    expect([...workers].every((w) => w !== 0 && s.threadIds.includes(w))).toBe(true);
  });

  it('hands typed-array results over in shared memory, without copies', async () => {
    const { b } = await s.run(new Graph().add('b', user('block'), [8, 1]), ['b']);
    const arr = b as Float64Array;
    expect(arr.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(arr)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // A worker writing into the block writes into the main thread's memory.
    const { p, shared } = await s.run(new Graph().add('p', user('poke'), [arr, 99]).add('shared', user('isShared'), [arr]), ['p', 'shared']);
    expect(p).toBe(true);
    expect(shared).toBe(true);
    expect(arr[0]).toBe(99);
  });

  it('reports a dead worker clearly, replaces it, and stays usable', async () => {
    const before = new Set(s.threadIds);
    const g = new Graph().add('dies', user('exit'), [3]);
    const err = await s.run(g, ['dies']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerDiedError);
    expect((err as Error).message).toContain("'dies'");
    const ids = new Set<number>();
    const g2 = new Graph();
    for (let i = 0; i < 20; i++) g2.add(`a-${i}`, user('spin'), [i, 2]);
    g2.add('all', 'math.sum', [Array.from({ length: 20 }, (_, i) => ref(`a-${i}`))]);
    const out = await withCallbacks([{ onTaskEnd: (e) => ids.add(e.worker) }], () => s.run(g2, ['all']));
    expect(out['all']).toBe(190);
    expect([...ids].some((id) => !before.has(id))).toBe(true);
  });

  it('rejects bad options with a clear error', () => {
    expect(() => new ThreadScheduler({ threads: 0 })).toThrow(/'threads' option of ThreadScheduler must be a positive integer. Got 0/);
  });

  it('does not keep the process alive once the work is done', () => {
    const script = `
      import { Graph, compute, ref } from '@tessera/scheduler';
      const g = new Graph().add('a', 'math.add', [1, 2]).add('b', 'math.mul', [ref('a'), 2]);
      const { b } = await compute(g, ['b']);
      console.log('result', b);
    `;
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('result 6');
    expect(r.status).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('compute() uses the shared pool by default', async () => {
    expect(await compute(new Graph().add('x', 'math.neg', [5]), ['x'])).toEqual({ x: -5 });
  });

  it('workers import the registered kernel modules when they start, not on their first batch', async () => {
    registerKernels(new URL('./fixtures/preload-probe.mjs', import.meta.url), { 'probe.importedAt': () => 0 });
    const g = new Graph().add('t', 'probe.importedAt', []);
    for (const preload of [true, false]) {
      const pool = new ThreadScheduler({ threads: 1, preload });
      try {
        await new Promise((r) => setTimeout(r, 300));
        const runAt = performance.timeOrigin + performance.now();
        const { t } = (await pool.run(g, ['t'])) as { t: number };
        if (preload) expect(t).toBeLessThan(runAt);
        else expect(t).toBeGreaterThanOrEqual(runAt);
      } finally {
        await pool.close();
      }
    }
  });

  it('ready() resolves once every worker has imported the preloaded modules', async () => {
    registerKernels(new URL('./fixtures/preload-probe.mjs', import.meta.url), { 'probe.importedAt': () => 0 });
    const g = new Graph().add('a', 'probe.importedAt', []).add('b', 'probe.importedAt', []);
    const pool = new ThreadScheduler({ threads: 2 });
    try {
      await pool.ready();
      const readyAt = performance.timeOrigin + performance.now();
      // Both workers: each answers with its own import time, taken before ready() resolved.
      const [first, second] = await Promise.all([pool.run(g, ['a']), pool.run(g, ['b'])]);
      expect((first as { a: number }).a).toBeLessThan(readyAt);
      expect((second as { b: number }).b).toBeLessThan(readyAt);
    } finally {
      await pool.close();
    }
    await expect(pool.ready()).rejects.toThrow(/closed/);
  });
});
