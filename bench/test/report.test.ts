/**
 * The benchmark report from a fixed set of records: medians, ratios, skipped engines and steps,
 * the machine section, and charts with one mark per measured value. (Pure code without kernels,
 * so imported from source.)
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BenchRecord, Workload } from '../src/harness.js';
import { engineLabel, groupRecords } from '../src/report/aggregate.js';
import { INSTALL_PYTHON, fmtRatio, fmtRows, renderReport, type ReportRun } from '../src/report/markdown.js';
import { DEFAULT_SIZES, ReportUsageError, parseReportOptions, parseRows, planSteps } from '../src/report/run.js';
import { niceTicks } from '../src/report/svg.js';

const tree = { shape: 'tree', tasks: 111 };
const chain = { shape: 'chain', tasks: 100 };

function sched(engine: string, variant: string, params: object, totals: number[], threads: number): BenchRecord[] {
  return totals.map((t) => ({
    workload: 'scheduler',
    engine,
    variant,
    params: { ...params },
    seconds: { total: t },
    tasksPerSecond: (params as { tasks: number }).tasks / t,
    threads,
    ...(engine === 'dask' ? { versions: { python: '3.11.2', dask: '2022.12.1' } } : {}),
  }));
}

function pipe(engine: 'tessera' | 'dask', rows: number, scale: number[], rss: number[]): BenchRecord[] {
  // Phases 1 : 2 : 1 of the total, times `scale` per run.
  return scale.map((k, i) => ({
    workload: 'pipeline',
    engine,
    ...(engine === 'dask'
      ? { variant: 'dask + scikit-learn', versions: { python: '3.11.2', dask: '2022.12.1', sklearn: '1.2.1', numpy: '1.24.2' } }
      : {}),
    params: { rows, cols: 20, chunkRows: 500_000 },
    seconds: { scalerStats: k * 0.25, fit: k * 0.5, predictWrite: k * 0.25, total: k },
    peakRssMB: rss[i]!,
    threads: 2,
    accuracy: 0.77,
    coef: [1, 2, 3],
  }));
}

const sizes = [1_000_000, 2_000_000, 10_000_000];
const records: BenchRecord[] = [
  ...sched('tessera', 'threads', tree, [0.3, 0.1, 0.2], 2),
  ...sched('tessera', 'sync', tree, [0.4, 0.4, 0.4], 1),
  ...sched('dask', 'threaded', tree, [0.6, 0.4, 0.5], 2),
  ...sched('tessera', 'threads', chain, [0.05, 0.05, 0.05], 2),
  ...sched('tessera', 'sync', chain, [0.1, 0.1, 0.1], 1),
  ...sched('dask', 'threaded', chain, [0.2, 0.2, 0.2], 2),
  // sgd: the Python side was skipped — Tessera only, no ratio.
  {
    workload: 'sgd',
    engine: 'tessera',
    variant: 'default (wasm)',
    params: { rows: 1000 },
    seconds: { partialFit: 0.01, total: 0.02 },
    threads: 1,
    accuracy: 0.7,
  },
  ...sizes.flatMap((rows) => {
    const m = rows / 1e6;
    return [...pipe('tessera', rows, [m, 3 * m, 2 * m], [300, 320, 310]), ...pipe('dask', rows, [4 * m, 5 * m, 6 * m], [600, 640, 620])];
  }),
];

const SKLEARN_SKIP = 'scikit-learn/numpy is not installed (No module named sklearn); apt-get install python3-sklearn python3-numpy';

const run: ReportRun = {
  command: 'pnpm bench report --sizes 1M,2M,10M,100M',
  date: '2026-11-21T10:00:00Z',
  seconds: 840,
  budgetMinutes: 15,
  runs: 3,
  machine: {
    cpu: 'Test CPU 9000',
    cores: 2,
    memoryBytes: 24 * 2 ** 30,
    os: 'Debian GNU/Linux 12 (bookworm), Linux 6.1 x64',
    node: '20.20.0',
    v8: '11.3',
    tessera: { version: '0.1.0', commit: 'abc1234', uncommittedChanges: false },
    loadBefore: [0.2, 0.3, 0.4],
    loadDuring: { samples: 10, median: 1.9, max: 2.2 },
  },
  steps: [
    { workload: 'scheduler', label: 'scheduler', command: 'pnpm bench scheduler --runs 3', status: 'done', seconds: 80 },
    { workload: 'sgd', label: 'sgd', command: 'pnpm bench sgd --runs 3', status: 'done', seconds: 20, pythonSkipped: [SKLEARN_SKIP] },
    ...sizes.map((rows) => ({
      workload: 'pipeline',
      label: `pipeline, ${fmtRows(rows)} rows`,
      command: `pnpm bench pipeline --runs 3 --rows ${rows}`,
      status: 'done' as const,
      seconds: 30,
    })),
    {
      workload: 'pipeline',
      label: 'pipeline, 100M rows',
      command: 'pnpm bench pipeline --runs 3 --rows 100000000',
      status: 'skipped',
      reason: 'needs 18.6 GB free in bench/.cache, 3.0 GB available',
    },
    {
      workload: 'reductions',
      label: 'reductions',
      command: 'pnpm bench reductions --runs 3',
      status: 'failed',
      reason: 'exited with code 1: Error: reductions: results differ between runs in column 3',
      seconds: 5,
    },
  ],
  descriptions: { scheduler: 'tasks/s on trees and chains', pipeline: 'the reference workload' },
};

const render = (r: ReportRun = run) =>
  renderReport(r, records, { imgDir: 'img', recordsFile: 'benchmarks.jsonl', runFile: 'benchmarks.run.json' });

/** The cells after the first of the Markdown table row whose first cell is `first`, within the section after `heading`. */
function row(markdown: string, heading: string, first: string): string[] {
  const at = markdown.indexOf(heading);
  expect(at, `heading ${heading}`).toBeGreaterThanOrEqual(0);
  const line = markdown
    .slice(at)
    .split('\n')
    .find((l) => l.startsWith(`| ${first} |`));
  expect(line, `row ${first} under ${heading}`).toBeDefined();
  return line!.slice(2, -2).split(' | ').slice(1);
}

describe('groupRecords', () => {
  it('takes medians per phase, engine and parameters, and ratios against the Python engine', () => {
    const groups = groupRecords(records);
    expect(groups.map((g) => `${g.workload} ${JSON.stringify(g.params)}`)).toHaveLength(2 + 1 + 3);
    const t = groups.find((g) => g.workload === 'scheduler' && g.params['shape'] === 'tree')!;
    expect(t.reference).toBe('dask · threaded');
    const threads = t.engines.find((e) => e.label === 'tessera · threads')!;
    expect(threads.runs).toBe(3);
    expect(threads.seconds['total']).toBeCloseTo(0.2, 12);
    expect(threads.ratio).toBeCloseTo(0.2 / 0.5, 12);
    expect(threads.metrics['tasksPerSecond']).toBeCloseTo(111 / 0.2, 9);
    const p10 = groups.find((g) => g.workload === 'pipeline' && g.params['rows'] === 10_000_000)!;
    const dask = p10.engines.find((e) => !e.tessera)!;
    expect(dask.label).toBe('dask + scikit-learn');
    expect(dask.seconds).toEqual({ scalerStats: 12.5, fit: 25, predictWrite: 12.5, total: 50 });
    expect(dask.peakRssMB).toBe(620);
    expect(p10.phases).toEqual(['scalerStats', 'fit', 'predictWrite', 'total']);
    expect(p10.engines.find((e) => e.tessera)!.ratio).toBeCloseTo(20 / 50, 12);
    const sgd = groups.find((g) => g.workload === 'sgd')!;
    expect(sgd.reference).toBeUndefined();
    expect(sgd.engines[0]!.ratio).toBeUndefined();
  });

  it("compares Tessera's engines (tessera-api too) with the Python engine, never with the C near-limit", () => {
    const base = { workload: 'pipeline', params: { rows: 10 } };
    const groups = groupRecords([
      { ...base, engine: 'tessera-api', seconds: { total: 1.2 } },
      { ...base, engine: 'c-limit', seconds: { total: 1 } },
      { ...base, engine: 'tessera', seconds: { total: 0.9 } },
      { ...base, engine: 'dask', variant: 'dask + scikit-learn', seconds: { total: 4 } },
    ]);
    expect(groups[0]!.reference).toBe('dask + scikit-learn');
    const api = groups[0]!.engines.find((e) => e.label === 'tessera-api')!;
    expect(api.tessera).toBe(true);
    expect(api.ratio).toBeCloseTo(0.3, 12);
    expect(groups[0]!.engines.find((e) => e.engine === 'c-limit')!.tessera).toBe(false);
  });

  it('labels engines by variant', () => {
    expect(engineLabel({ engine: 'tessera' })).toBe('tessera');
    expect(engineLabel({ engine: 'dask', variant: 'threaded' })).toBe('dask · threaded');
    expect(engineLabel({ engine: 'dask', variant: 'dask + scikit-learn' })).toBe('dask + scikit-learn');
  });
});

describe('renderReport', () => {
  const { markdown, images } = render();

  it('writes a table per workload and parameters with medians, runs, peak RSS and ratios', () => {
    expect(row(markdown, '### shape = tree · tasks = 111', '**tessera · threads**')).toEqual([
      '3',
      '2',
      '0.200',
      '555',
      '0.40 (2.5× faster)',
    ]);
    expect(row(markdown, '### shape = tree · tasks = 111', 'dask · threaded')).toEqual(['3', '2', '0.500', '222', '1 (reference)']);
    expect(row(markdown, '### shape = chain · tasks = 100', '**tessera · sync**')).toEqual([
      '3',
      '1',
      '0.100',
      '1,000',
      '0.50 (2.0× faster)',
    ]);
    // Pipeline at 10M rows: Tessera totals 10, 30, 20 → 20; dask 40, 50, 60 → 50.
    expect(row(markdown, '### rows = 10,000,000', '**tessera**')).toEqual([
      '3',
      '2',
      '5.00',
      '10.0',
      '5.00',
      '20.0',
      '0.7700',
      '310',
      '0.40 (2.5× faster)',
    ]);
    expect(row(markdown, '### rows = 10,000,000', 'dask + scikit-learn')).toEqual([
      '3',
      '2',
      '12.5',
      '25.0',
      '12.5',
      '50.0',
      '0.7700',
      '620',
      '1 (reference)',
    ]);
    expect(markdown).toContain(
      '| Engine | Runs | Threads | scalerStats (s) | fit (s) | predictWrite (s) | total (s) | accuracy | Peak RSS (MB) | Time ratio vs dask + scikit-learn |',
    );
  });

  it('summarises each workload with its default Tessera configuration against the Python engine', () => {
    expect(row(markdown, '## Summary', 'scheduler')).toEqual([
      'shape = tree · tasks = 111',
      'tessera · threads: 0.200 s',
      'dask · threaded: 0.500 s',
      '0.40 (2.5× faster)',
    ]);
    expect(row(markdown, '## Summary', 'sgd')).toEqual(['rows = 1,000', 'tessera · default (wasm): 0.0200 s', 'skipped', '—']);
  });

  it('reports skipped counterparts with how to install them, and steps not run or failed', () => {
    const skipped = markdown.slice(markdown.indexOf('## Skipped'), markdown.indexOf('## Summary'));
    expect(skipped).toContain(`Python counterpart skipped: ${SKLEARN_SKIP}`);
    expect(skipped).toContain(INSTALL_PYTHON);
    expect(skipped).toContain('pipeline, 100M rows: not run — needs 18.6 GB free');
    expect(skipped).toContain('reductions: failed — exited with code 1: Error: reductions: results differ');
    const sgd = markdown.slice(markdown.indexOf('## sgd'), markdown.indexOf('## pipeline'));
    expect(sgd).not.toContain('Time ratio vs');
    expect(sgd).toContain('No time ratio: no Python engine ran for these parameters');
    expect(sgd).toContain(`; Python counterpart skipped: ${SKLEARN_SKIP}`);
  });

  it('describes the machine, the versions the Python scripts reported and the command', () => {
    const machine = markdown.slice(markdown.indexOf('## Machine'), markdown.indexOf('## Skipped'));
    expect(machine).toContain('| CPU | Test CPU 9000, 2 cores available |');
    expect(machine).toContain('| Memory | 24.0 GiB |');
    expect(machine).toContain('| Node.js | 20.20.0 (V8 11.3) |');
    expect(machine).toContain('| Tessera | 0.1.0, commit abc1234 |');
    expect(machine).toContain('Python 3.11.2 · dask 2022.12.1 · numpy 1.24.2 · scikit-learn 1.2.1 (as reported by the Python scripts)');
    expect(machine).toContain(
      '0.20 / 0.30 / 0.40 (1 / 5 / 15 min) just before the first benchmark; during the run (1 min, 10 samples) median 1.90, max 2.20',
    );
    expect(machine).toContain('| Duration | 14 min 0 s (budget 15 min) |');
    expect(machine).not.toContain('shared, loaded machine');
    expect(markdown).toContain('Generated by `pnpm bench report --sizes 1M,2M,10M,100M` on 2026-11-21');
    const loaded = render({ ...run, machine: { ...run.machine, loadBefore: [1.9, 1.8, 1.7] } }).markdown;
    expect(loaded).toContain('Measured on a shared, loaded machine');
  });

  it('says the Python side was not measured when every counterpart was skipped', () => {
    const tesseraOnly = records.filter((r) => r.engine === 'tessera');
    const { markdown: md } = renderReport(run, tesseraOnly, { imgDir: 'img', recordsFile: 'r.jsonl', runFile: 'r.json' });
    expect(md).toContain(`| Python side | not measured: ${SKLEARN_SKIP} |`);
    expect(md).not.toContain('Time ratio vs');
  });

  it('draws pipeline time, phases and peak RSS against rows with one mark per engine and size', () => {
    expect(Object.keys(images).sort()).toEqual([
      'bench-pipeline-phases.svg',
      'bench-pipeline-rss.svg',
      'bench-pipeline-time.svg',
      'bench-scheduler-tasks.svg',
    ]);
    for (const name of Object.keys(images)) expect(markdown).toContain(`(img/${name})`);
    const time = images['bench-pipeline-time.svg']!;
    expect(time.match(/<circle class="point"/g)).toHaveLength(sizes.length * 2);
    // The points carry the medians: Tessera 2, 4, 20 s; dask 5, 10, 50 s.
    for (const label of [
      'tessera, 1M: 2.00',
      'tessera, 2M: 4.00',
      'tessera, 10M: 20.0',
      'dask + scikit-learn, 1M: 5.00',
      'dask + scikit-learn, 10M: 50.0',
    ])
      expect(time).toContain(`<title>${label}</title>`);
    expect(images['bench-pipeline-rss.svg']!.match(/<circle class="point"/g)).toHaveLength(sizes.length * 2);
    expect(images['bench-pipeline-rss.svg']).toContain('<title>dask + scikit-learn, 2M: 620</title>');
    expect(images['bench-pipeline-phases.svg']!.match(/<rect class="segment"/g)).toHaveLength(sizes.length * 2 * 3);
    expect(images['bench-pipeline-phases.svg']).toContain('<title>10M rows, tessera, fit: 10.0</title>');
    for (const svg of Object.values(images)) {
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      expect(svg).not.toMatch(/NaN|undefined|Infinity|<script|href=/);
    }
  });

  it('draws tasks/s for every scheduler shape and engine', () => {
    const svg = images['bench-scheduler-tasks.svg']!;
    expect(svg.match(/<rect class="bar"/g)).toHaveLength(6);
    expect(svg).toContain('<title>shape = tree · tasks = 111, tessera · threads: 555</title>');
    expect(svg).toContain('<title>shape = chain · tasks = 100, dask · threaded: 500</title>');
  });

  it('is a pure function of its inputs', () => {
    expect(render()).toEqual(render());
  });
});

describe('formatting', () => {
  it('formats ratios, rows and ticks', () => {
    expect(fmtRatio(0.25)).toBe('0.25 (4.0× faster)');
    expect(fmtRatio(1.8)).toBe('1.80 (1.8× slower)');
    expect(fmtRatio(1.02)).toBe('1.02 (on par)');
    expect(fmtRows(100_000_000)).toBe('100M');
    expect(fmtRows(500_000)).toBe('500k');
    expect(fmtRows(1_500_000)).toBe('1.5M');
    expect(niceTicks(4.3)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(niceTicks(73_000)).toEqual([0, 20_000, 40_000, 60_000, 80_000]);
  });
});

describe('report options and plan', () => {
  const cwd = '/somewhere';
  const fake = (name: string): Workload => ({ name, description: name, run: () => Promise.resolve([]) });
  const ws = ['pipeline', 'sgd', 'scheduler', 'mlp', 'kmeans', 'reductions'].map(fake);
  const pyDir = mkdtempSync(join(tmpdir(), 'report-plan-'));
  mkdirSync(pyDir, { recursive: true });
  writeFileSync(join(pyDir, 'mlp.py'), '');

  it('parses row counts', () => {
    expect(parseRows('1M')).toBe(1_000_000);
    expect(parseRows('500k')).toBe(500_000);
    expect(parseRows('2_000_000')).toBe(2_000_000);
    expect(() => parseRows('ten')).toThrow(/--sizes: 'ten' is not a row count/);
    expect(() => parseReportOptions({ sizes: '1M,x' }, cwd)).toThrow(ReportUsageError);
  });

  it('runs the pipeline at 1M, 2M, 10M by default and 100M only when asked', () => {
    const plan = planSteps(parseReportOptions({}, cwd), ws, pyDir);
    expect(plan.map((s) => s.label)).toEqual([
      'scheduler',
      'reductions',
      'sgd',
      'pipeline, 1M rows',
      'pipeline, 2M rows',
      'pipeline, 10M rows',
      'mlp',
      'kmeans',
    ]);
    expect(DEFAULT_SIZES).toEqual(sizes);
    expect(plan.find((s) => s.label === 'reductions')!.options).toEqual({ rows: '10000000', cols: '20', 'chunk-rows': '500000' });
    expect(planSteps(parseReportOptions({ only: 'reductions', 'reductions.data': 'd/' }, cwd), ws, pyDir)[0]!.options).toEqual({
      data: 'd/',
    });
    expect(plan.find((s) => s.label === 'kmeans')!.skip).toMatch(
      /not in the default report, which runs the workloads with a bench\/python\/kmeans\.py/,
    );
    expect(plan.find((s) => s.label === 'mlp')!.skip).toBeUndefined();
    const big = planSteps(
      parseReportOptions({ sizes: '10M,100M,1M', only: 'pipeline', 'pipeline.memory-limit': '1GB', runs: '2' }, cwd),
      ws,
      pyDir,
    );
    expect(big.map((s) => [s.label, s.options, s.runs])).toEqual([
      ['pipeline, 1M rows', { rows: '1000000', 'memory-limit': '1GB' }, 2],
      ['pipeline, 10M rows', { rows: '10000000', 'memory-limit': '1GB' }, 2],
      ['pipeline, 100M rows', { rows: '100000000', 'memory-limit': '1GB' }, 2],
    ]);
  });

  it('passes options to workloads and rejects what it does not know', () => {
    const o = parseReportOptions(
      { only: 'scheduler', 'scheduler.n': '1000', 'scheduler.runs': '5', 'no-python': true, out: 'x/b.md' },
      cwd,
    );
    expect(o.out).toBe('/somewhere/x/b.md');
    expect(planSteps(o, ws, pyDir).map((s) => [s.label, s.options, s.runs])).toEqual([['scheduler', { n: '1000', 'no-python': true }, 5]]);
    expect(() => parseReportOptions({ only: 'nope' }, cwd)).toThrow(/--only: no workload named 'nope'/);
    expect(() => parseReportOptions({ 'nope.n': '1' }, cwd)).toThrow(/--nope.n: no workload named 'nope'/);
    expect(() => parseReportOptions({ sizez: '1M' }, cwd)).toThrow(/unknown option --sizez for report/);
    expect(() => parseReportOptions({ 'budget-minutes': '-1' }, cwd)).toThrow(/--budget-minutes must be a positive number/);
    expect(() => planSteps(parseReportOptions({ 'pipeline.rows': '5' }, cwd), ws, pyDir)).toThrow(
      /--pipeline.rows: give the pipeline's row counts with --sizes/,
    );
  });
});
