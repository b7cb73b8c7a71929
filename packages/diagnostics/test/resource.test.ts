import { afterAll, describe, expect, it } from 'vitest';
import { Graph, SyncScheduler, ThreadScheduler } from '@tessera/scheduler';
import { Profiler, ResourceProfiler, diagnose, summarize } from '@tessera/diagnostics';
import { pipelineGraph } from './helpers.js';

const threads = new ThreadScheduler({ threads: 2 });
afterAll(() => threads.close());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ResourceProfiler', () => {
  it('samples RSS, CPU, held bytes and worker busy fractions through a real threaded run', async () => {
    // No cheap tasks: one task per batch, so a worker never runs two tasks at once.
    const { graph } = pipelineGraph(10, 0, 4, 250_000);
    const prof = new Profiler();
    const res = new ResourceProfiler({ interval: 3 });
    const cpu0 = process.cpuUsage();
    await diagnose([prof, res], () => threads.run(graph, ['total'], { memoryLimit: '1GB' }));
    const cpu = process.cpuUsage(cpu0);
    expect(res.sampling).toBe(false);
    const s = res.samples;
    expect(s.length).toBeGreaterThanOrEqual(5);
    for (let i = 1; i < s.length; i++) expect(s[i]!.time).toBeGreaterThan(s[i - 1]!.time);
    expect(s.every((x) => x.rssBytes > 10e6)).toBe(true);
    // Blocks are 2 MB; some sample saw results held by the scheduler, and none after the run.
    expect(Math.max(...s.map((x) => x.heldBytes))).toBeGreaterThanOrEqual(2e6);
    expect(s[s.length - 1]!.heldBytes).toBe(0);
    // CPU % integrates to the process's CPU time over the sampled span.
    let cpuMs = 0;
    for (let i = 1; i < s.length; i++) cpuMs += (s[i]!.cpuPercent / 100) * (s[i]!.time - s[i - 1]!.time);
    expect(cpuMs).toBeGreaterThan(0);
    expect(cpuMs).toBeLessThanOrEqual((cpu.user + cpu.system) / 1000 + 1);
    // Busy fractions integrate to each worker's busy time as the task profiler saw it.
    const workers = summarize(prof).perWorker;
    expect(workers.length).toBe(2);
    for (const w of workers) {
      expect(Object.keys(s[0]!.workerBusy).map(Number)).toContain(w.worker);
      let busy = 0;
      for (let i = 1; i < s.length; i++) {
        const f = s[i]!.workerBusy[w.worker]!;
        expect(f).toBeGreaterThanOrEqual(0);
        expect(f).toBeLessThanOrEqual(1);
        busy += f * (s[i]!.time - s[i - 1]!.time);
      }
      expect(busy).toBeCloseTo(w.busyMs, 0);
    }
  });

  it('samples for the whole scope, between runs too, and stops when the scope closes', async () => {
    const res = new ResourceProfiler({ interval: 5 });
    const g = new Graph().add('x', 'math.inc', [1]);
    const sync = new SyncScheduler();
    await diagnose([res], async () => {
      expect(res.sampling).toBe(true);
      await sync.run(g, ['x']);
      await sleep(40);
      await sync.run(g, ['x']);
    });
    expect(res.sampling).toBe(false);
    const n = res.samples.length;
    expect(n).toBeGreaterThanOrEqual(4);
    await sleep(20);
    expect(res.samples.length).toBe(n);
  });

  it('registered for one run (options.callbacks) it samples while that run goes', async () => {
    const res = new ResourceProfiler({ interval: 2 });
    await threads.run(pipelineGraph(4, 0, 3).graph, ['total'], { callbacks: [res] });
    expect(res.sampling).toBe(false);
    expect(res.samples.length).toBeGreaterThanOrEqual(2);
  });

  it('round-trips its samples through JSON and writes CSV with a column per worker', async () => {
    const res = new ResourceProfiler({ interval: 2 });
    const prof = new Profiler();
    await diagnose([res, prof], () => threads.run(pipelineGraph(4, 0, 3).graph, ['total']));
    const back = ResourceProfiler.fromJSON(JSON.stringify(res));
    expect(back.samples).toEqual(JSON.parse(JSON.stringify(res.samples)));
    expect(back.interval).toBe(2);
    const csv = res.toCSV().trim().split('\n');
    const header = csv[0]!.split(',');
    expect(header.slice(0, 4)).toEqual(['time', 'rssBytes', 'cpuPercent', 'heldBytes']);
    expect(header.slice(4).sort()).toEqual([...new Set(prof.records.map((r) => `busy:${r.worker}`))].sort());
    expect(csv).toHaveLength(res.samples.length + 1);
  });

  it('rejects a bad interval, naming the option', () => {
    expect(() => new ResourceProfiler({ interval: 0 })).toThrow(/'interval' option of ResourceProfiler .* Got 0 instead/);
    expect(() => new ResourceProfiler({ interval: Number.NaN })).toThrow(RangeError);
    expect(() => ResourceProfiler.fromJSON('{"format":"tessera-resources-v1","samples":[{"time":"x"}]}', 'r.json')).toThrow(
      /r\.json: samples\[0\]\.time must be a number/,
    );
  });
});
