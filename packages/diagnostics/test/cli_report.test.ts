import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ThreadScheduler } from '@tessera/scheduler';
import { Profiler, ResourceProfiler, buildReport, diagnose, writeTrace } from '@tessera/diagnostics';
import { pipelineGraph } from './helpers.js';

const bin = fileURLToPath(new URL('../../cli/dist/bin.js', import.meta.url));
const run = (args: string[]) =>
  promisify(execFile)(process.execPath, [bin, ...args]).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

const threads = new ThreadScheduler({ threads: 2 });
const prof = new Profiler();
const res = new ResourceProfiler({ interval: 5 });
let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-cli-report-'));
  await diagnose([prof, res], () => threads.run(pipelineGraph(6, 100, 2).graph, ['total']));
});
afterAll(() => threads.close());

describe('tessera report', () => {
  it('rebuilds the report from a saved trace: the same page the run would write', async () => {
    const trace = join(dir, 'fit.trace.json');
    await writeTrace(trace, [prof, res]);
    const out = join(dir, 'fit-report.html');
    const r = await run(['report', trace, '-o', out, '--title', 'fit phase']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`wrote ${out} (${prof.records.length} tasks`);
    expect(await readFile(out, 'utf8')).toBe(buildReport([prof, res], { title: 'fit phase' }));
    // Default output name: the trace's name with .html.
    const r2 = await run(['report', trace]);
    expect(r2.code).toBe(0);
    expect(await readFile(join(dir, 'fit.html'), 'utf8')).toContain('<title>fit.trace.json</title>');
  });

  it('a missing or corrupt trace fails with exit code 1 and a message naming the file', async () => {
    const missing = join(dir, 'nope.json');
    const r = await run(['report', missing, '-o', join(dir, 'x.html')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`tessera: ${missing}: cannot read: no such file.\n`);
    const corrupt = join(dir, 'corrupt.json');
    await writeFile(corrupt, '{"traceEvents": [ {"ph": "X"');
    const r2 = await run(['report', corrupt, '-o', join(dir, 'y.html')]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(new RegExp(`^tessera: ${corrupt}: not valid JSON`));
    // No report appears for a failed build.
    expect((await readdir(dir)).filter((f) => f === 'x.html' || f === 'y.html')).toEqual([]);
  });
});
