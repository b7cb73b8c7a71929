/**
 * `pnpm bench report` end to end at the smallest size: the scheduler workload only, one run,
 * into a temporary directory — once with the Python interpreter missing (the counterpart must be
 * reported as skipped, with how to install it) and once with it, when this machine has dask.
 * Runs the built harness (bench/dist/main.js), like `pnpm bench` does.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { budgetProblem, failureMessage, pipelineDiskNeed } from '../src/report/run.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function report(args: string[], env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-report-e2e-'));
  dirs.push(dir);
  const out = join(dir, 'benchmarks.md');
  const r = spawnSync(
    process.execPath,
    [MAIN, 'report', '--only', 'scheduler', '--scheduler.n', '300', '--runs', '1', '--out', out, ...args],
    {
      encoding: 'utf8',
      env: { ...process.env, INIT_CWD: dir, npm_lifecycle_event: '', ...env },
    },
  );
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return { ...r, dir, out, read };
}

const hasDask = spawnSync('/usr/bin/python3', ['-c', 'import dask'], { encoding: 'utf8' }).status === 0;

describe('pnpm bench report (scheduler only, smallest size)', () => {
  it('reports a missing Python counterpart as skipped, with the records, the charts and the machine', () => {
    const r = report([], { TESSERA_PYTHON: '/nonexistent/python3' });
    expect(r.status, r.stderr).toBe(0);
    const records = r
      .read('benchmarks.jsonl')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { engine: string; variant: string; params: { shape: string; tasks: number } });
    // 3 Tessera configurations × 2 shapes × 1 run; nothing for the skipped engine.
    expect(records).toHaveLength(6);
    expect(new Set(records.map((x) => x.engine))).toEqual(new Set(['tessera']));
    expect(records.map((x) => x.params.tasks).sort((a, b) => a - b)).toEqual([300, 300, 300, 334, 334, 334]);

    const md = r.read('benchmarks.md');
    expect(md).toContain('Python counterpart skipped: /nonexistent/python3 not found (apt-get install');
    expect(md).toContain('apt-get install python3-dask python3-sklearn python3-numpy');
    expect(md).toContain('### shape = tree · tasks = 334');
    expect(md).toContain('### shape = chain · tasks = 300');
    expect(md).toMatch(/\| \*\*tessera · threads\*\* \| 1 \| 2 \| [\d.]+ \| [\d,]+ \|\n/);
    expect(md).not.toContain('Time ratio vs');
    expect(md).toContain('`node bench/dist/main.js report --only scheduler --scheduler.n 300 --runs 1 --out ');
    expect(md).toMatch(/\| Load average \| [\d.]+ \/ [\d.]+ \/ [\d.]+ \(1 \/ 5 \/ 15 min\)/);
    expect(md).toContain('![scheduler: median tasks/s per graph shape and engine](img/bench-scheduler-tasks.svg)');
    const svg = r.read('img/bench-scheduler-tasks.svg');
    expect(svg.match(/<rect class="bar"/g)).toHaveLength(6);

    const run = JSON.parse(r.read('benchmarks.run.json')) as { steps: { status: string; pythonSkipped?: string[] }[] };
    expect(run.steps).toHaveLength(1);
    expect(run.steps[0]!.status).toBe('done');
    expect(run.steps[0]!.pythonSkipped?.[0]).toMatch(/^\/nonexistent\/python3 not found/);

    // The report can be redrawn from the saved files alone, identically.
    const again = spawnSync(process.execPath, [MAIN, 'report', '--render-only', '--out', r.out], { encoding: 'utf8' });
    expect(again.status, again.stderr).toBe(0);
    expect(r.read('benchmarks.md')).toBe(md);
    expect(readdirSync(r.dir).sort()).toEqual(['benchmarks.jsonl', 'benchmarks.md', 'benchmarks.run.json', 'img']);
  });

  it.skipIf(!hasDask)('puts dask side by side with Tessera when it is installed', () => {
    const r = report([]);
    expect(r.status, r.stderr).toBe(0);
    const records = r
      .read('benchmarks.jsonl')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { engine: string; versions?: Record<string, string> });
    expect(records.filter((x) => x.engine === 'dask')).toHaveLength(2);
    expect(records.find((x) => x.engine === 'dask')!.versions!['python']).toMatch(/^3\./);
    const md = r.read('benchmarks.md');
    expect(md).toMatch(/\| dask · threaded \| 1 \| \d+ \| [\d.]+ \| [\d,]+ \| 1 \(reference\) \|/);
    expect(md).toMatch(/\| Python side \| Python 3\.[\d.]+ · dask [^|]+ \(as reported by the Python scripts\) \|/);
    expect(md).not.toContain('## Skipped');
    expect(r.read('img/bench-scheduler-tasks.svg').match(/<rect class="bar"/g)).toHaveLength(8);
  });

  it('rejects bad options with a message naming them', () => {
    const r = spawnSync(process.execPath, [MAIN, 'report', '--sizes', '1M,lots'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--sizes: 'lots' is not a row count");
  });
});

describe('report budget and disk', () => {
  it('leaves out what the time budget cannot hold, and says why', () => {
    expect(budgetProblem(60, 15, undefined, undefined)).toBeUndefined();
    expect(budgetProblem(900, 15, undefined, undefined)).toMatch(/the time budget is spent \(15 min 0 s elapsed; --budget-minutes 15\)/);
    // 2M rows took 40 s over all runs: 10M would take ~200 s.
    expect(budgetProblem(600, 15, 10_000_000, { rows: 2_000_000, measured: 40 })).toBeUndefined();
    expect(budgetProblem(720, 15, 10_000_000, { rows: 2_000_000, measured: 40 })).toMatch(
      /about 3 min 20 s \(the 2M-row runs scaled by rows\).*raise --budget-minutes/,
    );
  });

  it('counts the dataset only when it is not cached', () => {
    expect(pipelineDiskNeed(100_000_000, false) - pipelineDiskNeed(100_000_000, true)).toBe(100_000_000 * 21 * 8);
    expect(pipelineDiskNeed(1_000_000, true)).toBe(8_000_000 + 2 ** 30);
  });
});

describe('report failures', () => {
  it('quotes the cause and the final error of a failed step', () => {
    const out = [
      'pipeline tessera: {"total": 1}',
      "tessera: Task 'partialFit-0' (kernel 'est.partialFitLink') failed: memory access out of bounds",
      'file:///bench/dist/workloads/pipeline.js:11',
      'Error: node bin.js demo --data d exited with code 1',
      '    at ChildProcess.<anonymous> (file:///bench/dist/workloads/pipeline.js:11:65)',
      'Node.js v20.20.2',
    ].join('\n');
    expect(failureMessage(out)).toBe(
      ": tessera: Task 'partialFit-0' (kernel 'est.partialFitLink') failed: memory access out of bounds … Error: node bin.js demo --data d exited with code 1",
    );
    expect(failureMessage('RuntimeError: memory access out of bounds\n    at wasm://x\nNode.js v20')).toBe(
      ': RuntimeError: memory access out of bounds',
    );
    expect(failureMessage('killed\n')).toBe(': killed');
  });
});
