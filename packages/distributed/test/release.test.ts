/**
 * The engine's `Backend.release` hook (scheduler/src/engine.ts), which the cluster backend uses to
 * delete a block from the store once its last dependent is done: every result that left its
 * batch is handed back exactly once, after its last dependent ran; requested results never.
 */
import { expect, test } from 'vitest';
import { Graph, ref, runBatch, runGraph, type Backend } from '@tessera/scheduler';

// Kernels of 2 ms: above the engine's "cheap" threshold, so one task per batch and every result
// leaves its batch.
const slow = (name: string, body: string) => ({
  module: `data:text/javascript,export function ${name}(x, y) { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2); return ${body}; }`,
  export: name,
});

test('Backend.release gets each returned, unrequested result once, after its last dependent', async () => {
  const g = new Graph()
    .add('a', slow('add', 'x + y'), [1, 2])
    .add('b', slow('mul', 'x * y'), [ref('a'), 10])
    .add('c', slow('mul', 'x * y'), [ref('a'), 100])
    .add('d', slow('add', 'x + y'), [ref('b'), ref('c')]);
  const released: unknown[] = [];
  const ran: number[] = [];
  const backend: Backend = {
    name: 'test',
    workers: 1,
    pipelining: false,
    execute: async (req) => {
      const res = await runBatch(req, false);
      ran.push(...res.results.map(Number));
      return res;
    },
    release: (value) => released.push({ value, after: [...ran] }),
  };
  const out = await runGraph(backend, g, ['d', 'b'], { fuse: false });
  expect(out).toEqual({ d: 330, b: 30 });
  // 'a' (3) is let go once both its dependents ran; 'c' (300) once 'd' ran; 'b' was requested.
  expect(released).toHaveLength(2);
  const a = released.find((r) => (r as { value: unknown }).value === 3) as { after: number[] };
  const c = released.find((r) => (r as { value: unknown }).value === 300) as { after: number[] };
  expect(a.after).toEqual(expect.arrayContaining([30, 300]));
  expect(c.after).toContain(330);
});
