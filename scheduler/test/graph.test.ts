/** Graph building, validation errors, culling, fusion, ordering and graphlib interchange. */
import * as graphlib from '@dagrejs/graphlib';
import { describe, expect, it } from 'vitest';
import {
  CycleError,
  DuplicateKeyError,
  Graph,
  MissingDependencyError,
  MissingKeyError,
  SyncScheduler,
  UnknownKernelError,
  plan,
  ref,
} from '@tessera/scheduler';

const fixtures = new URL('./fixtures/kernels.mjs', import.meta.url);

describe('validation', () => {
  it('names the task and the missing key of a dangling reference', () => {
    const g = new Graph().add('a', 'math.inc', [1]).add('b', 'math.add', [ref('a'), { deep: [ref('nope')] }]);
    let err: unknown;
    try {
      plan(g, ['b']);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MissingDependencyError);
    expect((err as Error).message).toBe("Task 'b' refers to key 'nope', which is not in the graph.");
  });

  it('gives the keys of one cycle', () => {
    const g = new Graph()
      .add('start', 'math.inc', [0])
      .add('x', 'math.add', [ref('start'), ref('z')])
      .add('y', 'math.inc', [ref('x')])
      .add('z', 'math.inc', [ref('y')])
      .add('out', 'math.inc', [ref('z')]);
    try {
      plan(g, ['out']);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CycleError);
      const cycle = (e as CycleError).cycle;
      expect([...cycle].sort()).toEqual(['x', 'y', 'z']);
      // Consecutive keys of the cycle are real edges: each depends on the one before it.
      for (let i = 0; i < cycle.length; i++) {
        expect(g.dependencies(cycle[(i + 1) % cycle.length]!)).toContain(cycle[i]);
      }
      expect((e as Error).message).toMatch(/^The graph has a cycle: '.' -> '.' -> '.' -> '.'\.$/);
    }
  });

  it('finds a self-reference', () => {
    const g = new Graph().add('self', 'math.inc', [ref('self')]);
    expect(() => plan(g, ['self'])).toThrow(CycleError);
  });

  it('names an unknown kernel and its task, with known kernels of the same prefix', () => {
    const g = new Graph().add('t', 'math.frobnicate', [1]);
    expect(() => plan(g, ['t'])).toThrow(UnknownKernelError);
    expect(() => plan(g, ['t'])).toThrow(
      /Task 't' names kernel 'math.frobnicate', which is not registered. Known kernels with that prefix: math.add/,
    );
  });

  it('rejects duplicate keys and requested keys that do not exist', () => {
    const g = new Graph().add('a', 'math.inc', [1]);
    expect(() => g.add('a', 'math.inc', [2])).toThrow(DuplicateKeyError);
    expect(() => g.add('a', 'math.inc', [2])).toThrow("The graph already has a task with key 'a'.");
    expect(() => plan(g, ['b'])).toThrow(MissingKeyError);
    expect(() => plan(g, ['b'])).toThrow("Requested key 'b' is not in the graph.");
  });

  it('rejects a user kernel whose module lacks the export before anything runs', async () => {
    const g = new Graph().add('k', { module: fixtures, export: 'nonexistent' }, [1]);
    await expect(new SyncScheduler().run(g, ['k'])).rejects.toThrow(
      /Task 'k' \(kernel 'nonexistent'\) failed: .*no exported function 'nonexistent'.*double/,
    );
    expect(() => new Graph().add('r', { module: './relative.js', export: 'f' }, []).add('x', 'math.inc', [1])).not.toThrow();
    expect(() => plan(new Graph().add('r', { module: './relative.js', export: 'f' }, []), ['r'])).toThrow(/absolute path/);
  });

  it('rejects malformed tasks at add()', () => {
    expect(() => new Graph().add('', 'math.inc', [])).toThrow(TypeError);
    expect(() => new Graph().add('a', 'math.inc', 5 as unknown as unknown[])).toThrow(/arguments of task 'a' must be an array/);
  });
});

describe('planning', () => {
  it('culls to what the requested keys need', () => {
    const g = new Graph()
      .add('a', 'math.inc', [1])
      .add('b', 'math.inc', [ref('a')])
      .add('c', 'math.inc', [5]);
    const p = plan(g, ['b']);
    expect([...p.taskKeys].sort()).toEqual(['a', 'b']);
  });

  it('fuses linear chains of cheap tasks, not requested ones, and respects the length cap', () => {
    const g = new Graph().add('c0', 'math.inc', [0]);
    for (let i = 1; i < 10; i++) g.add(`c${i}`, 'math.inc', [ref(`c${i - 1}`)]);
    expect(plan(g, ['c9']).nNodes).toBe(1);
    expect(plan(g, ['c9'], { fuse: false }).nNodes).toBe(10);
    expect(plan(g, ['c9'], { maxFusedLength: 4 }).nNodes).toBe(3);
    expect(plan(g, ['c9', 'c4']).nNodes).toBe(2);
    // An expensive (unhinted) kernel in the middle breaks the chain.
    const h = new Graph()
      .add('a', 'math.inc', [0])
      .add('b', { module: fixtures, export: 'double' }, [ref('a')])
      .add('c', 'math.inc', [ref('b')]);
    expect(plan(h, ['c']).nNodes).toBe(3);
  });

  it('orders a partialFit-style chain block by block', () => {
    const g = new Graph().add('s-0', 'core.identity', [0]);
    for (let i = 1; i <= 4; i++) {
      g.add(`read-${i}`, 'core.identity', [i]);
      g.add(`prep-${i}`, { module: fixtures, export: 'double' }, [ref(`read-${i}`)]);
      g.add(`s-${i}`, { module: fixtures, export: 'spin' }, [ref(`s-${i - 1}`), ref(`prep-${i}`)]);
    }
    const p = plan(g, ['s-4'], { fuse: false });
    const rank = (k: string) => p.priority[p.nodeOfTask[p.taskKeys.indexOf(k)]!]!;
    for (let i = 1; i <= 4; i++) {
      expect(rank(`read-${i}`)).toBeLessThan(rank(`prep-${i}`));
      expect(rank(`prep-${i}`)).toBeLessThan(rank(`s-${i}`));
      if (i < 4) expect(rank(`s-${i}`)).toBeLessThan(rank(`read-${i + 1}`));
    }
  });
});

describe('graphlib interchange', () => {
  it('round-trips through @dagrejs/graphlib', async () => {
    const g = new Graph()
      .add('a', 'math.add', [1, 2])
      .add('b', { module: fixtures, export: 'double' }, [ref('a')])
      .add('c', 'math.sum', [[ref('a'), ref('b')]]);
    const gl = g.toGraphlib(graphlib.Graph);
    expect(gl.nodes().sort()).toEqual(['a', 'b', 'c']);
    expect(
      gl
        .edges()
        .map((e) => `${e.v}->${e.w}`)
        .sort(),
    ).toEqual(['a->b', 'a->c', 'b->c']);
    expect(graphlib.alg.topsort(gl)[0]).toBe('a');
    const back = Graph.fromGraphlib(gl);
    expect(await new SyncScheduler().run(back, ['c'])).toEqual({ c: 9 });
  });

  it('explains a graphlib node without a label', () => {
    const gl = new graphlib.Graph();
    gl.setNode('x');
    expect(() => Graph.fromGraphlib(gl)).toThrow("fromGraphlib: node 'x' needs a label { kernel, args }.");
  });
});
