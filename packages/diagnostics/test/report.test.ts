import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ThreadScheduler, type TaskEvent } from '@tessera/scheduler';
import {
  Profiler,
  ResourceProfiler,
  buildReport,
  diagnose,
  kernelColors,
  loadTrace,
  summarize,
  writeReport,
  writeTrace,
  type ProfileData,
  type ResourceSample,
} from '@tessera/diagnostics';
import { pipelineGraph } from './helpers.js';

const threads = new ThreadScheduler({ threads: 2 });
const prof = new Profiler();
const res = new ResourceProfiler({ interval: 5 });
let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-report-'));
  await diagnose([prof, res], () => threads.run(pipelineGraph(8, 300, 3).graph, ['total']));
});
afterAll(() => threads.close());

const count = (html: string, re: RegExp) => (html.match(re) ?? []).length;
const plural = (n: number, noun: string) => `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
const aggCounts = (html: string) => [...html.matchAll(/<g class="agg" data-worker="\d+" data-count="(\d+)"/g)].map((m) => Number(m[1]));
function note(html: string) {
  const m = /id="aggregation" data-drawn="(\d+)" data-aggregated="(\d+)" data-bars="(\d+)">([^<]*)</.exec(html)!;
  return { drawn: Number(m[1]), aggregated: Number(m[2]), bars: Number(m[3]), text: m[4]! };
}

/** Records of a synthetic run shaped like the reference workload, `n` tasks on `workers` threads. */
function synthetic(n: number, workers: number): ProfileData {
  const tasks: TaskEvent[] = [];
  const t0 = 1_700_000_000_000;
  const clock = new Array<number>(workers).fill(t0);
  for (let i = 0; i < n; i++) {
    const w = i % workers;
    const long = i % 2000 === 0;
    const dur = long ? 40 : 0.02 + (i % 7) * 0.005;
    const kernel = long ? 'est.link' : ['array.scale', 'array.add', 'io.read'][i % 3]!;
    tasks.push({ runId: 1, key: `${kernel}-${i}`, kernel, worker: w + 1, start: clock[w]!, end: clock[w]! + dur, bytes: long ? 0 : 8000 });
    clock[w]! += dur + 0.004;
  }
  const end = Math.max(...clock);
  const samples: ResourceSample[] = [];
  for (let t = t0; t <= end; t += 100)
    samples.push({ time: t, rssBytes: 3e8 + (t - t0) * 1e3, cpuPercent: 180, heldBytes: 1e8, workerBusy: { 1: 0.9, 2: 0.8 } });
  return {
    tasks,
    runs: [{ id: 1, scheduler: 'threads', tasks: n, workers, start: t0, end, memoryLimit: 5e8, peakHeldBytes: 2e8 }],
    samples,
    interval: 100,
    cpus: 2,
    pid: 4242,
  };
}

describe('HTML report', () => {
  it('draws a real run: a row per worker, every task once (drawn or aggregated), legend and tables', () => {
    const html = buildReport([prof, res], { title: 'pipeline <test>' });
    const tasks = prof.records.length;
    const workers = new Set(prof.records.map((r) => r.worker));
    expect(count(html, /<g class="row" data-worker=/g)).toBe(workers.size);
    const drawn = count(html, /<rect class="task" /g);
    const agg = aggCounts(html);
    expect(drawn + agg.reduce((a, b) => a + b, 0)).toBe(tasks);
    const n = note(html);
    expect(n).toMatchObject({ drawn, aggregated: tasks - drawn, bars: agg.length });
    // The chain links and block reads (ms long) are drawn one by one; the µs-long adds are aggregated.
    for (const kernel of ['load', 'scale', 'link'])
      expect(count(html, new RegExp(`<rect class="task" [^>]*data-kernel="${kernel}"`, 'g'))).toBe(8);
    expect(n.aggregated).toBeGreaterThan(0);
    expect(n.text).toContain(`${plural(n.aggregated, 'task')} aggregated into ${plural(n.bars, 'bar')}`);
    // Hover text of a task: key, kernel and duration.
    const load0 = prof.records.find((r) => r.key === 'load-0')!;
    expect(html).toMatch(new RegExp(`data-key="load-0"><title>load-0\\nload · [\\d.]+ ms\\nworker ${load0.worker}`));
    for (const k of ['load', 'scale', 'link', 'math.add', 'math.sum']) expect(html).toContain(`</span>${k} <span class="note">`);
    expect(html).toContain('<title>pipeline &lt;test&gt;</title>');
    for (const id of ['stream-svg', 'parallelism-svg', 'cpu-svg', 'memory-svg']) expect(html).toContain(`id="${id}"`);
    expect(html).toContain('<table class="kernels">');
    expect(html).toContain('<table class="workers">');
    expect(html).toContain('<table class="parallelism">');
  });

  it('is self-contained: no external resource, a policy that forbids any request', () => {
    const html = buildReport([prof, res]);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"`);
    expect(html).not.toMatch(/https?:|\/\/cdn|<link|@import|url\(|\ssrc=/i);
  });

  it('escapes keys and kernel names', () => {
    const data = synthetic(10, 2);
    const evil = {
      ...data,
      tasks: data.tasks.map((t, i) =>
        i === 0 ? { ...t, key: '</title><script>alert(1)</script>', kernel: '"><img onerror=x>', end: t.start + 500 } : t,
      ),
    };
    const html = buildReport(evil);
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<img onerror');
    expect(html).toContain('&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('is the same report when rebuilt from the saved trace, and from the same data twice', async () => {
    const file = join(dir, 'run.trace.json');
    await writeTrace(file, [prof, res]);
    const direct = buildReport([prof, res], { title: 't' });
    expect(buildReport(await loadTrace(file), { title: 't' })).toBe(direct);
    expect(buildReport([prof, res], { title: 't' })).toBe(direct);
    await writeReport([prof, res], join(dir, 'r.html'), { title: 't' });
    expect(await readFile(join(dir, 'r.html'), 'utf8')).toBe(direct);
  });

  it('stays readable at 100,000 tasks: long tasks drawn, the rest aggregated, and the page says so', () => {
    const data = synthetic(100_000, 2);
    const t = performance.now();
    const html = buildReport(data, { title: '100k' });
    const ms = performance.now() - t;
    expect(ms).toBeLessThan(5000);
    expect(html.length).toBeLessThan(4e6);
    const n = note(html);
    const drawn = count(html, /<rect class="task" /g);
    expect(drawn).toBe(50); // the 40 ms links; the 20-50 µs tasks are far below a pixel
    expect(count(html, /<rect class="task" [^>]*data-kernel="est.link"/g)).toBe(50);
    const agg = aggCounts(html);
    expect(agg.reduce((a, b) => a + b, 0)).toBe(100_000 - 50);
    expect(n).toMatchObject({ drawn: 50, aggregated: 99_950, bars: agg.length });
    expect(agg.length).toBeLessThanOrEqual(2 * Math.ceil(1054 / 2));
    expect(n.text).toContain('99,950 tasks aggregated into');
    expect(count(html, /<g class="row" /g)).toBe(2);
  });

  it('caps rectangles at maxRects (the widest are kept) and says the rest were too many', () => {
    const html = buildReport([prof, res], { maxRects: 5 });
    expect(count(html, /<rect class="task" /g)).toBe(5);
    const n = note(html);
    expect(n.drawn).toBe(5);
    expect(aggCounts(html).reduce((a, b) => a + b, 0)).toBe(prof.records.length - 5);
    expect(n.text).toContain('too small or too many');
    const widest = [...prof.records]
      .sort((a, b) => b.end - b.start - (a.end - a.start))
      .slice(0, 5)
      .map((r) => r.key)
      .sort();
    expect([...html.matchAll(/<rect class="task" [^>]*data-key="([^"]+)"/g)].map((m) => m[1]).sort()).toEqual(widest);
    expect(() => buildReport([prof], { maxRects: -1 })).toThrow(/'maxRects' option of buildReport/);
  });

  it('reports without resource samples or tasks say what is missing instead of drawing nothing', () => {
    const html = buildReport(prof);
    expect(html).toContain('no resource samples: add a ResourceProfiler');
    const empty = buildReport(new Profiler());
    expect(empty).toContain('All 0 tasks drawn one by one.');
    expect(empty).toContain('no tasks recorded');
  });

  it('kernel colours are stable across reports and distinct within one', () => {
    const a = kernelColors(['array.add', 'array.scale', 'io.read']);
    const b = kernelColors(['array.add', 'est.link']);
    expect(b.get('array.add')).toBe(a.get('array.add'));
    const many = kernelColors(Array.from({ length: 20 }, (_, i) => `k${i}`));
    expect(new Set(many.values()).size).toBe(20);
  });

  it('summary: parallelism levels add up to the span and busy time matches the records', () => {
    const s = summarize(prof);
    expect(s.parallelism.reduce((a, b) => a + b, 0)).toBeCloseTo(s.spanMs, 6);
    expect(s.tasks).toBe(prof.records.length);
    const total = prof.records.reduce((a, r) => a + r.end - r.start, 0);
    expect(s.kernels.reduce((a, k) => a + k.totalMs, 0)).toBeCloseTo(total, 6);
    for (const w of s.perWorker) expect(w.busyMs).toBeLessThanOrEqual(s.spanMs + 1e-9);
    expect(s.parallelism[2]).toBeGreaterThan(0); // the block reads overlap on two workers
  });
});
