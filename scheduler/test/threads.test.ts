/** What only the thread scheduler has: worker threads, shared memory, worker death, the pool. */
import { spawnSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AbortError,
  Graph,
  TaskError,
  ThreadScheduler,
  WorkerDiedError,
  compute,
  ref,
  registerKernels,
  withCallbacks,
} from '@tessera/scheduler';

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

  it("collects on request in the workers, without leaving V8's --expose-gc on (left on, it made every worker compile Node's own modules afresh)", async () => {
    expect(runInNewContext('typeof gc')).toBe('undefined');
    const g = new Graph();
    for (let i = 0; i < 2; i++) g.add(`gc-${i}`, { module: new URL('./fixtures/gc-probe.mjs', import.meta.url), export: 'gcState' }, []);
    const r = await s.run(g, ['gc-0', 'gc-1']);
    expect(Object.values(r)).toEqual([
      { collected: true, flagLeftOn: false },
      { collected: true, flagLeftOn: false },
    ]);
  });

  it('hands typed-array results over in shared memory, without copies', async () => {
    const { b } = await s.run(new Graph().add('b', user('block'), [8, 1]), ['b']);
    const arr = b as Float64Array;
    expect(arr.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(arr)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // A worker writing into the block writes into the main thread's memory.
    const { p, shared } = await s.run(new Graph().add('p', user('poke'), [arr, 99]).add('shared', user('isShared'), [arr]), [
      'p',
      'shared',
    ]);
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
        // ready(), not a fixed sleep: on a loaded machine a worker may take longer than any sleep to start.
        await pool.ready();
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
    const pool = new ThreadScheduler({ threads: 2, preload: true });
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

  it('a result that cannot cross threads fails its task without killing the worker', async () => {
    const pool = new ThreadScheduler({ threads: 1 });
    try {
      await pool.ready();
      const [before] = pool.threadIds;
      const err = await pool.run(new Graph().add('f', user('unsendable'), ['function']), ['f']).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TaskError);
      expect(pool.threadIds).toEqual([before]);
      expect(await pool.run(new Graph().add('w', user('whoami'), []), ['w'])).toEqual({ w: before });
    } finally {
      await pool.close();
    }
  });

  it('an argument that cannot cross threads is a TaskError naming the task and where it sits, not a dead worker', async () => {
    const g = new Graph().add('ok', 'math.inc', [1]).add('a', 'core.identity', [{ rows: [1, { transform: (x: number) => x }] }, ref('ok')]);
    const err = await s.run(g, ['a']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect((err as TaskError).key).toBe('a');
    expect((err as Error).message).toContain(
      "Task 'a' (kernel 'core.identity') failed: its arguments cannot be sent between threads: args[0].rows[1].transform is a function (transform).",
    );
    expect(await s.run(new Graph().add('x', 'math.inc', [1]), ['x'])).toEqual({ x: 2 });
  });

  /** Kernels that run for 20 s: busy, sleeping, blocked in Atomics.wait, a promise that never settles. */
  function longGraph(kernel: string): Graph {
    const g = new Graph();
    for (let i = 0; i < 4; i++) g.add(`long-${i}`, user(kernel), [i, 20_000]);
    return g.add('all', 'core.list', [[0, 1, 2, 3].map((i) => ref(`long-${i}`))]);
  }

  it.each(['spin', 'sleep', 'wait', 'never'])(
    'aborting a run of long %s kernels rejects within a second; close() then resolves within a second',
    async (kernel) => {
      const pool = new ThreadScheduler({ threads: 2 });
      await pool.ready();
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('SIGINT')), 100);
      const t0 = performance.now();
      const err = await pool.run(longGraph(kernel), ['all'], { signal: controller.signal }).catch((e: unknown) => e);
      const t1 = performance.now();
      expect(err).toBeInstanceOf(AbortError);
      expect((err as Error).message).toBe('The run was aborted: SIGINT');
      expect(t1 - t0).toBeLessThan(1000);
      await pool.close();
      expect(performance.now() - t1).toBeLessThan(1000);
    },
  );

  it('close() during a run aborts it: an AbortError saying the scheduler was closed, not a dead worker', async () => {
    const pool = new ThreadScheduler({ threads: 2 });
    await pool.ready();
    const run = pool.run(longGraph('spin'), ['all']).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    const t0 = performance.now();
    await pool.close();
    const err = await run;
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(err).toBeInstanceOf(AbortError);
    expect((err as Error).message).toBe('The run was aborted: The ThreadScheduler was closed.');
    await expect(pool.run(longGraph('spin'), ['all'])).rejects.toThrow('This ThreadScheduler is closed.');
  });

  it('runs sharing one long-lived signal leave no listener on it; an abort still reaches the next run', async () => {
    const controller = new AbortController();
    const pool = new ThreadScheduler({ threads: 1 });
    try {
      for (let i = 0; i < 3; i++) await pool.run(new Graph().add('x', 'math.inc', [i]), ['x'], { signal: controller.signal });
      await pool.run(new Graph().add('bad', user('fail'), ['no']), ['bad'], { signal: controller.signal }).catch(() => undefined);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      controller.abort();
      await expect(pool.run(new Graph().add('x', 'math.inc', [1]), ['x'], { signal: controller.signal })).rejects.toBeInstanceOf(
        AbortError,
      );
    } finally {
      await pool.close();
    }
  });

  it('a program stopping a run on SIGINT exits promptly: the run rejects, close() returns, nothing keeps the process alive', () => {
    const script = `
      import { Graph, ThreadScheduler, ref } from '@tessera/scheduler';
      const user = { module: ${JSON.stringify(fixtures.href)}, export: 'spin' };
      const g = new Graph();
      for (let i = 0; i < 4; i++) g.add('s' + i, user, [i, 20000]);
      g.add('all', 'core.list', [[0, 1, 2, 3].map((i) => ref('s' + i))]);
      const scheduler = new ThreadScheduler({ threads: 2 });
      const controller = new AbortController();
      process.once('SIGINT', () => controller.abort(new Error('interrupted')));
      await scheduler.ready();
      setTimeout(() => process.kill(process.pid, 'SIGINT'), 100);
      try {
        await scheduler.run(g, ['all'], { signal: controller.signal });
      } catch (e) {
        console.log(e.name, e.message);
        process.exitCode = 130;
      } finally {
        await scheduler.close();
      }
    `;
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('AbortError The run was aborted: interrupted');
    expect(r.status).toBe(130);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
