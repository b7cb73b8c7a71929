import { afterAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Graph, SyncScheduler, TaskError, ThreadScheduler, compute, ref, withCallbacks } from '@tessera/scheduler';
import { Profiler, ResourceProfiler, TraceFileError, diagnose } from '@tessera/diagnostics';
import { k, pipelineGraph } from './helpers.js';

const threads = new ThreadScheduler({ threads: 2 });
afterAll(() => threads.close());

describe('Profiler', () => {
  it('records every task of a real threaded run: key, kernel, worker, times on one clock, bytes', async () => {
    const { graph, keys, tasks } = pipelineGraph(6, 50);
    const prof = new Profiler();
    const before = performance.timeOrigin + performance.now();
    await diagnose([prof], () => threads.run(graph, keys));
    const after = performance.timeOrigin + performance.now();
    expect(prof.records).toHaveLength(tasks);
    expect(new Set(prof.records.map((r) => r.key))).toEqual(new Set(graph.keys()));
    const ids = new Set(threads.threadIds);
    for (const r of prof.records) {
      expect(ids.has(r.worker)).toBe(true);
      expect(r.start).toBeGreaterThanOrEqual(before);
      expect(r.end).toBeGreaterThanOrEqual(r.start);
      expect(r.end).toBeLessThanOrEqual(after);
    }
    const load0 = prof.records.find((r) => r.key === 'load-0')!;
    expect(load0.kernel).toBe('load');
    expect(load0.bytes).toBe(4096 * 8);
    expect(load0.end - load0.start).toBeGreaterThanOrEqual(1.9);
    expect(prof.records.find((r) => r.key === 'add-0')!.kernel).toBe('math.add');
    // Links form a chain: each starts after the previous one ended (same clock across threads).
    for (let i = 1; i < 6; i++) {
      const prev = prof.records.find((r) => r.key === `link-${i - 1}`)!;
      const cur = prof.records.find((r) => r.key === `link-${i}`)!;
      expect(cur.start).toBeGreaterThanOrEqual(prev.end);
    }
    const [run] = prof.runs;
    expect(run).toMatchObject({ scheduler: 'threads', tasks, workers: 2 });
    expect(run!.end).toBeGreaterThan(run!.start);
    expect(prof.records.every((r) => r.runId === run!.id)).toBe(true);
  });

  it('records a failed run with its error, and the tasks that ran before it', async () => {
    const g = new Graph().add('a', 'math.add', [1, 2]).add('boom', k('fail'), ['no good', ref('a')]);
    const prof = new Profiler();
    await expect(diagnose([prof], () => compute(g, ['boom'], { scheduler: 'sync' }))).rejects.toBeInstanceOf(TaskError);
    expect(prof.runs[0]!.error).toMatch(/boom/);
    expect(prof.runs[0]!.end).not.toBeNull();
    expect(prof.records.map((r) => r.key)).toEqual(['a']);
  });

  it('nested diagnose scopes: inner runs report to both, outer-only runs to the outer, a listener in both hears once', async () => {
    const outer = new Profiler();
    const inner = new Profiler();
    const g = new Graph().add('x', 'math.inc', [1]);
    const sync = new SyncScheduler();
    await diagnose([outer], async () => {
      await sync.run(g, ['x']);
      await diagnose([inner, outer], () => sync.run(g, ['x']));
      await sync.run(g, ['x']);
    });
    expect(outer.records).toHaveLength(3);
    expect(inner.records).toHaveLength(1);
    expect(outer.runs.map((r) => r.id)).toContain(inner.runs[0]!.id);
    // Outside any scope nothing is recorded.
    await sync.run(g, ['x']);
    expect(outer.records).toHaveLength(3);
  });

  it('scopes are per async context: a concurrent run outside the scope is not recorded', async () => {
    const prof = new Profiler();
    const g1 = new Graph().add('inside', 'math.inc', [1]);
    const g2 = new Graph().add('outside', 'math.inc', [1]);
    const sync = new SyncScheduler();
    await Promise.all([diagnose([prof], () => sync.run(g1, ['inside'])), sync.run(g2, ['outside'])]);
    expect(prof.records.map((r) => r.key)).toEqual(['inside']);
  });

  it('diagnose with no listeners runs the work unchanged and registers nothing', async () => {
    const g = new Graph().add('x', 'math.inc', [41]);
    const seen: unknown[] = [];
    await withCallbacks([{ onTaskEnd: (e) => seen.push(e) }], async () => {
      expect(await diagnose([], () => compute(g, ['x'], { scheduler: 'sync' }))).toEqual({ x: 42 });
    });
    expect(seen).toHaveLength(1);
    expect(await diagnose([], () => 7)).toBe(7);
    await expect(diagnose([], () => Promise.reject(new Error('work failed')))).rejects.toThrow('work failed');
  });

  it('diagnose rejects bad arguments with a clear message', async () => {
    await expect(diagnose({} as never, () => 1)).rejects.toThrow(/'listeners' argument of diagnose must be an array/);
    await expect(diagnose([], 5 as never)).rejects.toThrow(/'work' argument of diagnose must be a function/);
    await expect(diagnose([null as never], () => 1)).rejects.toThrow(/listener 0 is not an object/);
  });

  it('JSON and CSV round-trip the records exactly, awkward keys included', async () => {
    const g = new Graph()
      .add('plain', 'math.inc', [1])
      .add('with,comma', 'math.inc', [ref('plain')])
      .add('with "quotes"', 'math.inc', [ref('with,comma')])
      .add('multi\nline', 'math.inc', [ref('with "quotes"')])
      .add(' padded ', 'math.inc', [ref('multi\nline')]);
    const prof = new Profiler();
    await diagnose([prof], () => threads.run(g, [' padded ']));
    expect(prof.records).toHaveLength(5);
    const fromJSON = Profiler.fromJSON(JSON.stringify(prof));
    expect(fromJSON.records).toEqual(prof.records);
    expect(fromJSON.runs).toEqual(prof.runs);
    const fromCSV = Profiler.fromCSV(prof.toCSV());
    expect(fromCSV.records).toEqual(prof.records.map((r) => ({ ...r })));
    const dir = await mkdtemp(join(tmpdir(), 'tessera-prof-'));
    await prof.writeJSON(join(dir, 'p.json'));
    await prof.writeCSV(join(dir, 'p.csv'));
    expect((await Profiler.load(join(dir, 'p.json'))).records).toEqual(prof.records);
    expect((await Profiler.load(join(dir, 'p.csv'))).records).toEqual(prof.records);
    expect((await readFile(join(dir, 'p.csv'), 'utf8')).split('\n')[0]).toBe('key,kernel,worker,start,end,bytes,runId');
    // Only the final files: no temporary file left behind.
    expect((await readdir(dir)).sort()).toEqual(['p.csv', 'p.json']);
  });

  it('bad JSON/CSV input names the input and what is wrong', async () => {
    expect(() => Profiler.fromJSON('{"format":"tessera-profile-v1","tasks":[{"key":1}],"runs":[]}', 'x.json')).toThrow(
      /x\.json: tasks\[0\]\.key must be a string/,
    );
    expect(() => Profiler.fromJSON('{nope', 'y.json')).toThrow(/y\.json: not valid JSON/);
    expect(() => Profiler.fromJSON('{}', 'z.json')).toThrow(TraceFileError);
    expect(() => Profiler.fromCSV('a,b\n1,2\n', 'p.csv')).toThrow(/p\.csv: expected the header 'key,kernel,worker,start,end,bytes,runId'/);
    expect(() => Profiler.fromCSV('key,kernel,worker,start,end,bytes,runId\nk,m,1,x,2,0,1\n', 'p.csv')).toThrow(
      /p\.csv: row 2: column 'start' must be a number; got 'x'/,
    );
    expect(() => Profiler.fromCSV('key,kernel,worker,start,end,bytes,runId\n"open,m,1,1,2,0,1\n', 'p.csv')).toThrow(
      /p\.csv: a quoted field .* never closed/,
    );
    await expect(Profiler.load('/nonexistent/dir/p.json')).rejects.toThrow(/\/nonexistent\/dir\/p\.json: cannot read: no such file/);
  });

  it('recording costs one push per task: the record is the scheduler event itself', async () => {
    const seen: object[] = [];
    const prof = new Profiler();
    const g = new Graph().add('a', 'math.inc', [1]).add('b', 'math.inc', [ref('a')]);
    await diagnose([prof, { onTaskEnd: (e) => seen.push(e) }], () => compute(g, ['b'], { scheduler: 'sync' }));
    expect(prof.records[0]).toBe(seen[0]);
    expect(prof.records[1]).toBe(seen[1]);
  });

  it('a profiler and a resource profiler share a scope with other listeners', async () => {
    const prof = new Profiler();
    const res = new ResourceProfiler({ interval: 5 });
    await diagnose([prof, res], () => threads.run(pipelineGraph(4, 10).graph, ['total']));
    expect(prof.records.length).toBe(3 * 4 + 10 + 1);
    expect(res.samples.length).toBeGreaterThanOrEqual(2);
  });
});
