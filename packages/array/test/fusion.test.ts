/**
 * Fusion: elementwise chains are one task per block; a consumer (reduction, mapBlocks, store)
 * receives the expression inline and evaluates it in its own task; reads are source tasks.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  DenseArray,
  buildGraph,
  concatenate,
  fromArray,
  fusedTask,
  mapBlocks,
  materialize,
  isInlineSpec,
  random,
  BlockMismatchError,
} from '@tessera/array';
import { Graph, ThreadScheduler, SyncScheduler, compute, ref, withCallbacks, type TaskEvent } from '@tessera/scheduler';

const threads = new ThreadScheduler({ threads: 2 });
afterAll(() => threads.close());
const sync = new SyncScheduler();
const kernels = new URL('./fixtures/kernels.mjs', import.meta.url);

async function traced<T>(fn: () => Promise<T>): Promise<{ result: T; events: TaskEvent[] }> {
  const events: TaskEvent[] = [];
  const result = await withCallbacks([{ onTaskEnd: (e) => events.push(e) }], fn);
  return { result, events };
}

describe('fusion', () => {
  const X = random([1000, 4], { seed: 5, chunks: [250, -1] });
  const mean = DenseArray.from([0.5, 0.5, 0.5, 0.5]);
  const std = DenseArray.from([0.29, 0.29, 0.29, 0.29]);

  it('X.sub(mean).div(std) is one task per block, reading the source inside it', async () => {
    const Z = X.sub(mean).div(std);
    const { result, events } = await traced(() => Z.compute({ scheduler: threads }));
    expect(events.map((e) => e.kernel)).toEqual(new Array(4).fill('array.elementwise'));
    const raw = await X.compute({ scheduler: sync });
    for (let i = 0; i < raw.data.length; i++) expect(result.data[i]).toBe((raw.data[i]! - 0.5) / 0.29);
  });

  it('mapBlocks over a fused expression inlines it into the consumer: read → scale → kernel in one task', async () => {
    const Z = X.sub(mean).div(std);
    const sums = mapBlocks({ module: kernels, export: 'rowSums' }, [Z], { dtype: 'float64', chunks: [Z.chunks[0]!] });
    expect(sums.shape).toEqual([1000]);
    const { result, events } = await traced(() => sums.compute({ scheduler: threads }));
    expect(events.map((e) => e.kernel)).toEqual(new Array(4).fill('array.apply'));
    const z = await Z.compute({ scheduler: sync });
    for (let r = 0; r < 1000; r++)
      expect(result.data[r]).toBeCloseTo(z.data[4 * r]! + z.data[4 * r + 1]! + z.data[4 * r + 2]! + z.data[4 * r + 3]!, 12);
  });

  it('streaming mapBlocks hands the inline recipe to the kernel, which reads and scales tile by tile', async () => {
    const Z = X.sub(mean).div(std);
    const opts = { dtype: 'float64' as const, chunks: [Z.chunks[0]!] };
    const streamed = mapBlocks({ module: kernels, export: 'rowSumsStreaming' }, [Z], { ...opts, streaming: true });
    const { result, events } = await traced(() => streamed.compute({ scheduler: threads }));
    expect(events.map((e) => e.kernel)).toEqual(new Array(4).fill('rowSumsStreaming'));
    const plain = await mapBlocks({ module: kernels, export: 'rowSums' }, [Z], opts).compute({ scheduler: sync });
    expect(Array.from(result.data)).toEqual(Array.from(plain.data));
  });

  it('mapBlocks over task arrays calls the kernel directly, with extra args', async () => {
    // concatenate makes task arrays (their blocks are refs, not inline recipes).
    const A = concatenate([fromArray(DenseArray.from([[1, 2]])), fromArray(DenseArray.from([[3, 4]]))], 0);
    const B = concatenate([fromArray(DenseArray.from([[10, 20]])), fromArray(DenseArray.from([[30, 40]]))], 0);
    expect(A.layer.kind).toBe('tasks');
    const out = mapBlocks({ module: kernels, export: 'axpy' }, [A, B], { dtype: 'float64', args: [2] });
    const { result, events } = await traced(() => out.compute({ scheduler: sync }));
    expect(result.toArray()).toEqual([
      [12, 24],
      [36, 48],
    ]);
    expect(events.filter((e) => e.kernel === 'axpy').length).toBe(2);
  });

  it('mapBlocks args may refer to tasks of other graphs (a fitted state), given with `graphs`', async () => {
    const A = concatenate([fromArray(DenseArray.from([[1, 2]])), fromArray(DenseArray.from([[3, 4]]))], 0);
    const state = new Graph().add('k-state', 'core.identity', [3]);
    const out = mapBlocks({ module: kernels, export: 'axpy' }, [A, A], { dtype: 'float64', args: [ref('k-state')], graphs: [state] });
    expect((await out.compute({ scheduler: sync })).toArray()).toEqual([
      [4, 8],
      [12, 16],
    ]);
    // Several arrays sharing work go into one graph with buildGraph (shared partials appear once).
    const g = buildGraph([X.mean(0), X.var(0)]);
    const partials = [...g.keys()].filter((k) => k.startsWith('partial-'));
    expect(partials.length).toBe(4);
  });

  it('a kernel returning the wrong block shape is an error naming the task', async () => {
    const bad = mapBlocks({ module: kernels, export: 'wrongShape' }, [X], { dtype: 'float64' });
    await expect(bad.compute({ scheduler: sync })).rejects.toThrow(BlockMismatchError);
    await expect(bad.compute({ scheduler: sync })).rejects.toThrow(
      /Task 'wrongShape-[0-9a-f]+\[0,0\]' returned a float64 block of shape \[1\]/,
    );
  });

  it('block reads and generators are source tasks: no dependencies, literal arguments', () => {
    const g = X.graph;
    for (const key of X.blockIndices()) expect(g.dependencies(X.blockKey(...key))).toEqual([]);
    const arg = X.sub(mean).blockArg(0, 0);
    expect(isInlineSpec(arg)).toBe(true);
    const b = materialize(arg);
    expect(b.shape).toEqual([250, 4]);
  });

  it('read tasks feeding separate consumer tasks keep held memory to a few blocks (sources under a budget)', async () => {
    const R = random([200_000, 10], { seed: 1, chunks: [10_000, -1] }); // 20 blocks of 800 kB
    const viaTasks = concatenate([R], 0); // identity tasks that depend on the read tasks
    expect(viaTasks.layer.kind).toBe('tasks');
    let peak = 0;
    const out = await withCallbacks([{ onRunEnd: (run) => (peak = run.peakHeldBytes()) }], () =>
      viaTasks.sum(0).compute({ scheduler: threads, memoryLimit: 1_600_000 }),
    );
    const direct = await R.sum(0).compute({ scheduler: sync });
    for (let j = 0; j < 10; j++) expect(out.data[j]).toBeCloseTo(direct.data[j]!, 6);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(1_600_000 + 3 * 800_000);
  });

  it('raw graphs: fusedTask wires an inline block into a hand-built chain', async () => {
    const Z = X.sub(mean).div(std);
    const g = new Graph();
    let prev = '';
    for (let i = 0; i < Z.numBlocks[0]!; i++) {
      const key = `chain-${i}`;
      // Each link: axpy(previous partial sums?, …) — here: rowSums of the fused block, then identity chain.
      const t = fusedTask({ module: kernels, export: 'rowSums' }, [Z.blockArg(i, 0)]);
      g.add(`${key}-sums`, t.kernel, t.args);
      g.add(key, 'core.list', prev ? [ref(prev), ref(`${key}-sums`)] : [ref(`${key}-sums`)]);
      prev = key;
    }
    const out = await compute(g, [prev], { scheduler: threads });
    expect(Array.isArray(out[prev])).toBe(true);
    // blockKey refers to the fused block's own task, present in Z.graph.
    expect(Z.graph.has(Z.blockKey(2, 0))).toBe(true);
  });
});
