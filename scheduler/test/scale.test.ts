/** A million tasks: graphs that deep or wide build, validate, plan and run without stack overflow. */
import { afterAll, describe, expect, it } from 'vitest';
import { Graph, SyncScheduler, ThreadScheduler, plan, ref } from '@tessera/scheduler';

const N = 1_000_000;

describe('1,000,000-task graphs', () => {
  const threads = new ThreadScheduler({ threads: 2 });
  afterAll(() => threads.close());

  it('a chain builds, plans (unfused, so a million nodes) and runs on threads', async () => {
    const g = new Graph().add('c-0', 'math.inc', [0]);
    for (let i = 1; i < N; i++) g.add(`c-${i}`, 'math.inc', [ref(`c-${i - 1}`)]);
    const p = plan(g, [`c-${N - 1}`], { fuse: false });
    expect(p.nNodes).toBe(N);
    const out = await threads.run(g, [`c-${N - 1}`]);
    expect(out[`c-${N - 1}`]).toBe(N);
  });

  it('a tree (sums of ten, level by level) builds, plans and runs', async () => {
    const g = new Graph();
    const leaves = 900_000;
    let level: string[] = [];
    for (let i = 0; i < leaves; i++) {
      g.add(`l-${i}`, 'math.inc', [0]);
      level.push(`l-${i}`);
    }
    for (let d = 0; level.length > 1; d++) {
      const next: string[] = [];
      for (let i = 0; i < level.length; i += 10) {
        g.add(`s-${d}-${i}`, 'math.sum', [level.slice(i, i + 10).map((k) => ref(k))]);
        next.push(`s-${d}-${i}`);
      }
      level = next;
    }
    expect(g.size).toBeGreaterThanOrEqual(N);
    const out = await new SyncScheduler().run(g, [level[0]!]);
    expect(out[level[0]!]).toBe(leaves);
  });

  it('a cycle through a million tasks is found without recursion', () => {
    const g = new Graph().add('c-0', 'math.inc', [ref(`c-${N - 1}`)]);
    for (let i = 1; i < N; i++) g.add(`c-${i}`, 'math.inc', [ref(`c-${i - 1}`)]);
    expect(() => plan(g, ['c-0'])).toThrow(/The graph has a cycle/);
  });
});
