import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ThreadScheduler } from '@tessera/scheduler';
import {
  Profiler,
  ResourceProfiler,
  TraceFileError,
  buildTrace,
  collect,
  diagnose,
  loadTrace,
  parseTrace,
  writeTrace,
  type ChromeTrace,
} from '@tessera/diagnostics';
import { pipelineGraph } from './helpers.js';

const threads = new ThreadScheduler({ threads: 2 });
const prof = new Profiler();
const res = new ResourceProfiler({ interval: 5 });
let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-trace-'));
  await diagnose([prof, res], () => threads.run(pipelineGraph(8, 100, 3).graph, ['total']));
});
afterAll(() => threads.close());

describe('Chrome trace export', () => {
  it('has the structure Perfetto and chrome://tracing read', async () => {
    const file = join(dir, 'run.trace.json');
    await writeTrace(file, [prof, res]);
    const text = await readFile(file, 'utf8');
    const trace = JSON.parse(text) as ChromeTrace;
    // JSON Object Format; displayTimeUnit before traceEvents, and the large records after them.
    expect(Object.keys(trace)).toEqual(['displayTimeUnit', 'otherData', 'traceEvents', 'metadata']);
    expect(trace.displayTimeUnit).toBe('ms');
    for (const v of Object.values(trace.otherData)) expect(typeof v).toBe('string');
    const ev = trace.traceEvents;
    for (const e of ev) {
      expect(typeof e.name).toBe('string');
      expect(['X', 'M', 'C', 'b', 'e']).toContain(e.ph);
      expect(Number.isInteger(e.pid)).toBe(true);
      if (e.ph !== 'M') expect(e.ts).toBeGreaterThanOrEqual(0);
    }
    expect(Math.min(...ev.filter((e) => e.ph !== 'M').map((e) => e.ts!))).toBe(0);
    // One complete event per task, on its worker's track, with µs relative to the first event.
    const x = ev.filter((e) => e.ph === 'X');
    expect(x).toHaveLength(prof.records.length);
    const origin = Math.min(...prof.records.map((r) => r.start), ...res.samples.map((s) => s.time), ...prof.runs.map((r) => r.start));
    const byKey = new Map(prof.records.map((r) => [r.key, r]));
    for (const e of x) {
      const r = byKey.get(e.args!['key'] as string)!;
      expect(e.name).toBe(r.kernel);
      expect(e.tid).toBe(r.worker);
      expect(e.cat).toBe('task');
      expect(e.ts).toBeCloseTo((r.start - origin) * 1000, 2);
      expect(e.dur).toBeCloseTo((r.end - r.start) * 1000, 2);
      expect(e.args).toEqual({ key: r.key, bytes: r.bytes, run: r.runId });
    }
    // Thread names: one per worker.
    const workers = [...new Set(prof.records.map((r) => r.worker))].sort((a, b) => a - b);
    const names = ev.filter((e) => e.ph === 'M' && e.name === 'thread_name');
    expect(names.map((e) => [e.tid, e.args!['name']])).toEqual(workers.map((w) => [w, `worker ${w}`]));
    expect(ev.some((e) => e.ph === 'M' && e.name === 'process_name')).toBe(true);
    // Counter tracks, one value per sample each.
    for (const [name, arg] of [
      ['RSS', 'bytes'],
      ['CPU %', 'percent'],
      ['held bytes', 'bytes'],
      ['busy workers', 'workers'],
    ] as const) {
      const c = ev.filter((e) => e.ph === 'C' && e.name === name);
      expect(c).toHaveLength(res.samples.length);
      for (const e of c) expect(typeof e.args![arg]).toBe('number');
    }
    expect(ev.filter((e) => e.ph === 'C' && e.name === 'RSS').map((e) => e.args!['bytes'])).toEqual(res.samples.map((s) => s.rssBytes));
    // One async span per run.
    const b = ev.filter((e) => e.ph === 'b');
    const e2 = ev.filter((e) => e.ph === 'e');
    expect(b.map((e) => e.id)).toEqual(prof.runs.map((r) => r.id));
    expect(e2.map((e) => e.id)).toEqual(prof.runs.map((r) => r.id));
    expect(e2[0]!.ts! - b[0]!.ts!).toBeCloseTo((prof.runs[0]!.end! - prof.runs[0]!.start) * 1000, 2);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('loadTrace gives back exactly what was recorded', async () => {
    const file = join(dir, 'exact.trace.json');
    await writeTrace(file, [prof, res]);
    const data = await loadTrace(file);
    const want = JSON.parse(JSON.stringify(collect([prof, res])));
    expect(data).toEqual(want);
    expect(data.tasks.map((t) => t.start)).toEqual(prof.records.map((t) => t.start).sort((a, b) => a - b));
    // Writing the loaded data again gives the same file.
    const again = join(dir, 'again.trace.json');
    await writeTrace(again, data);
    expect(await readFile(again, 'utf8')).toBe(await readFile(file, 'utf8'));
    // The profilers' own writeTrace and JSON files load too.
    await prof.writeTrace(join(dir, 'tasks-only.json'));
    expect((await loadTrace(join(dir, 'tasks-only.json'))).tasks).toHaveLength(prof.records.length);
    await res.writeJSON(join(dir, 'res.json'));
    expect((await loadTrace(join(dir, 'res.json'))).samples).toEqual(JSON.parse(JSON.stringify(res.samples)));
    await prof.writeJSON(join(dir, 'prof.json'));
    expect((await loadTrace(join(dir, 'prof.json'))).tasks).toEqual(JSON.parse(JSON.stringify(prof.records)));
  });

  it('a missing, empty, corrupt or foreign file is an error naming the file and the problem', async () => {
    const missing = join(dir, 'missing.json');
    await expect(loadTrace(missing)).rejects.toThrow(new RegExp(`${missing}: cannot read: no such file`));
    await expect(loadTrace(dir)).rejects.toThrow(/is a directory/);
    const cases: [string, string, RegExp][] = [
      ['empty.json', '', /empty\.json: not valid JSON \(the file is empty\)/],
      ['cut.json', JSON.stringify(buildTrace([prof, res])).slice(0, 5000), /cut\.json: not valid JSON/],
      ['array.json', '[{"ph":"X"}]', /array\.json: not a Tessera trace: expected a JSON object .* got an array/],
      ['chrome.json', '{"traceEvents":[{"name":"x","ph":"X","ts":0,"pid":1}]}', /chrome\.json: a Chrome trace, but not one Tessera wrote/],
    ];
    const broken = JSON.parse(JSON.stringify(buildTrace([prof, res])));
    broken.metadata.tessera.tasks.start.pop();
    cases.push(['short.json', JSON.stringify(broken), /short\.json: metadata\.tessera\.tasks\.start has \d+ entries; expected \d+/]);
    const badKernel = JSON.parse(JSON.stringify(buildTrace([prof, res])));
    badKernel.metadata.tessera.tasks.kernel[3] = 99;
    cases.push(['kernel.json', JSON.stringify(badKernel), /kernel\.json: metadata\.tessera\.tasks\.kernel\[3\] has the wrong type \(99\)/]);
    for (const [name, text, re] of cases) {
      await writeFile(join(dir, name), text);
      const err = await loadTrace(join(dir, name)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TraceFileError);
      expect((err as TraceFileError).file).toBe(join(dir, name));
      expect((err as Error).message).toMatch(re);
    }
    expect(() => parseTrace({ metadata: { tessera: { format: 'other' } } }, 'obj')).toThrow(
      /obj: metadata\.tessera\.format must be "tessera-trace-v1"/,
    );
  });

  it('writing into a missing directory fails naming the file, and leaves nothing behind', async () => {
    await expect(writeTrace(join(dir, 'no', 'such', 'dir', 't.json'), prof)).rejects.toThrow(
      /^cannot write .*t\.json: its directory .*dir does not exist\.$/,
    );
  });
});
