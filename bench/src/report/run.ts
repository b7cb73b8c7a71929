/**
 * `pnpm bench report [--budget-minutes 15] [--sizes 1M,2M,10M] [--runs 5] [--out docs/benchmarks.md]
 *                    [--json FILE] [--only w1,w2] [--no-python] [--<workload>.<option> value …]
 *                    [--render-only]`
 *
 * Runs the benchmark workloads one after the other, each in its own process exactly as
 * `pnpm bench <workload>` would (so that peak RSS is per workload and one workload's heap does
 * not weigh on the next), Tessera and the Python counterpart alternating run by run within it;
 * the pipeline once per row count. Then writes the report (Markdown + SVG charts), the raw
 * records (`<out>.jsonl`) and the run's metadata (`<out>.run.json`), each under its final name
 * only when complete.
 *
 * The time budget decides what is left out, never what is measured: before each step, if the
 * budget is spent, or (for a larger row count) the previous size's measured time scaled by rows
 * would overrun it, the step is reported as not run, with the reason. A row count whose dataset
 * does not fit on the disk is reported likewise.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statfsSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { fileKind, writeFileAtomic, type OutputKind } from '@tessera/io';
import { benchRoot, summarize, type BenchRecord, type Workload } from '../harness.js';
import { workloads as registered } from '../workloads/index.js';
import { pipelineDatasetDir } from '../workloads/pipeline.js';
import { machineInfo, sampleLoad } from './machine.js';
import { fmtDuration, fmtRows, renderReport, type ReportRun, type StepResult } from './markdown.js';

const REPO = join(benchRoot, '..');
const MAIN = join(benchRoot, 'dist', 'main.js');
const CACHE = join(benchRoot, '.cache');

/** Row counts of the pipeline when `--sizes` is not given (100M only when asked: it takes long). */
export const DEFAULT_SIZES = [1_000_000, 2_000_000, 10_000_000];

/**
 * Measured runs per engine and step. With the sizes below, all six workloads took 3 min 51 s at
 * 3 runs and 5 min 51 s at 5 runs on a shared 2-core machine (load average about 3): 5 runs keep
 * the medians steadier and stay within the 15-minute budget even on a busier machine.
 */
export const DEFAULT_RUNS = 5;

/**
 * The order workloads run in: the four of the issue, the pipeline (which grows with rows) last of
 * them, then any other registered workload with a Python counterpart, in registration order.
 */
const ORDER = ['scheduler', 'reductions', 'sgd', 'pipeline'];

/**
 * Sizes the report runs each workload at, spelled out (rather than left to the workloads' own
 * defaults) so that each step's command in the report says what it measured. Overridden by
 * `--<workload>.<option>`.
 */
const REPORT_OPTIONS: Record<string, Record<string, string>> = {
  scheduler: { n: '100000' },
  reductions: { rows: '10000000', cols: '20', 'chunk-rows': '500000' },
  sgd: { rows: '500000', cols: '20' },
  mlp: { rows: '500000', cols: '20', hidden: '100' },
  kmeans: { rows: '500000', cols: '20', clusters: '8' },
};

/** Bytes per row of a generated pipeline dataset (20 float64 features + a float64 label). */
const PIPELINE_ROW_BYTES = 21 * 8;
const DISK_MARGIN = 1 << 30;

export interface ReportOptions {
  budgetMinutes: number;
  sizes: number[];
  runs: number;
  out: string;
  json?: string;
  only?: string[];
  noPython: boolean;
  renderOnly: boolean;
  /** Workload name → options passed to it (`--scheduler.n 1000` → `{ scheduler: { n: '1000' } }`). */
  workloadOptions: Record<string, Record<string, string | boolean>>;
}

export class ReportUsageError extends Error {
  override name = 'ReportUsageError';
}

/** '1M' → 1000000, '500k' → 500000, '2000000' → 2000000. */
export function parseRows(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmMgG]?)$/.exec(s.trim().replace(/_/g, ''));
  const mult = { '': 1, k: 1e3, m: 1e6, g: 1e9 }[(m?.[2] ?? '').toLowerCase()];
  const v = m && mult ? Math.round(Number(m[1]) * mult) : NaN;
  if (!Number.isInteger(v) || v < 1) throw new ReportUsageError(`--sizes: '${s}' is not a row count (use e.g. 1M, 500k or 2000000)`);
  return v;
}

function positive(name: string, v: string | boolean | undefined, fallback: number, integer: boolean): number {
  if (v === undefined) return fallback;
  const x = Number(v);
  if (typeof v !== 'string' || !Number.isFinite(x) || x <= 0 || (integer && !Number.isInteger(x))) {
    throw new ReportUsageError(`--${name} must be a positive ${integer ? 'integer' : 'number'}; got '${String(v)}'`);
  }
  return x;
}

/** Options of `report` from the harness's option map (`--key value` / `--flag`). */
export function parseReportOptions(options: Record<string, string | boolean>, cwd: string): ReportOptions {
  const known = new Set(['budget-minutes', 'sizes', 'runs', 'out', 'json', 'only', 'no-python', 'render-only']);
  const names = new Set(registered.map((w) => w.name));
  const workloadOptions: Record<string, Record<string, string | boolean>> = {};
  for (const [k, v] of Object.entries(options)) {
    const dot = k.indexOf('.');
    if (dot > 0) {
      const w = k.slice(0, dot);
      if (!names.has(w)) throw new ReportUsageError(`--${k}: no workload named '${w}' (workloads: ${[...names].join(', ')})`);
      (workloadOptions[w] ??= {})[k.slice(dot + 1)] = v;
    } else if (!known.has(k)) {
      throw new ReportUsageError(
        `unknown option --${k} for report (options: ${[...known].map((o) => `--${o}`).join(', ')}, --<workload>.<option>)`,
      );
    }
  }
  const str = (k: string): string | undefined => {
    const v = options[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw new ReportUsageError(`--${k} needs a value`);
    return v;
  };
  const only = str('only')
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const w of only ?? [])
    if (!names.has(w)) throw new ReportUsageError(`--only: no workload named '${w}' (workloads: ${[...names].join(', ')})`);
  const sizes =
    str('sizes')
      ?.split(',')
      .filter((s) => s.trim())
      .map(parseRows) ?? DEFAULT_SIZES;
  if (sizes.length === 0) throw new ReportUsageError('--sizes: give at least one row count, e.g. 1M,2M,10M');
  const json = str('json');
  return {
    budgetMinutes: positive('budget-minutes', options['budget-minutes'], 15, false),
    sizes: [...new Set(sizes)].sort((a, b) => a - b),
    runs: positive('runs', options['runs'], DEFAULT_RUNS, true),
    out: str('out') !== undefined ? resolve(cwd, str('out')!) : join(REPO, 'docs', 'benchmarks.md'),
    ...(json ? { json: resolve(cwd, json) } : {}),
    ...(only ? { only } : {}),
    noPython: options['no-python'] === true,
    renderOnly: options['render-only'] === true,
    workloadOptions,
  };
}

interface PlannedStep {
  workload: Workload;
  label: string;
  options: Record<string, string | boolean>;
  runs: number;
  /** Pipeline row count (for the budget projection and the disk check). */
  rows?: number;
  /** Not to be run, with the reason. */
  skip?: string;
}

/** The steps of a report run, in order. */
export function planSteps(
  o: ReportOptions,
  workloads: readonly Workload[] = registered,
  pythonDir = join(benchRoot, 'python'),
): PlannedStep[] {
  const chosen = workloads.filter((w) => !o.only || o.only.includes(w.name));
  chosen.sort((a, b) => rank(a.name) - rank(b.name));
  const steps: PlannedStep[] = [];
  for (const w of chosen) {
    const given = o.workloadOptions[w.name] ?? {};
    // A given dataset directory replaces the generated one and its size options.
    const opts: Record<string, string | boolean> = { ...(given['data'] === undefined ? REPORT_OPTIONS[w.name] : {}), ...given };
    if (o.noPython) opts['no-python'] = true;
    const runs = opts['runs'] === undefined ? o.runs : positive(`${w.name}.runs`, opts['runs'], o.runs, true);
    delete opts['runs'];
    const base = { workload: w, runs };
    if (!ORDER.includes(w.name) && !o.only && !existsSync(join(pythonDir, `${w.name}.py`))) {
      steps.push({
        ...base,
        label: w.name,
        options: opts,
        skip: `not in the default report, which runs the workloads with a bench/python/${w.name}.py (this one's counterparts, if any, run inside it); run it with --only ${w.name}`,
      });
    } else if (w.name === 'pipeline' && opts['data'] === undefined) {
      if (opts['rows'] !== undefined)
        throw new ReportUsageError("--pipeline.rows: give the pipeline's row counts with --sizes (e.g. --sizes 1M,10M)");
      for (const rows of o.sizes)
        steps.push({ ...base, label: `pipeline, ${fmtRows(rows)} rows`, options: { rows: String(rows), ...opts }, rows });
    } else {
      steps.push({ ...base, label: w.name, options: opts });
    }
  }
  return steps;
}

function rank(name: string): number {
  const i = ORDER.indexOf(name);
  return i >= 0 ? i : ORDER.length;
}

function quote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

function optionArgs(options: Record<string, string | boolean>): string[] {
  return Object.entries(options).flatMap(([k, v]) => (v === true ? [`--${k}`] : v === false ? [] : [`--${k}`, v]));
}

/** How the harness was invoked (`pnpm bench`, `npm run bench --`, or node directly). */
function launcher(): string {
  const ua = process.env['npm_config_user_agent'] ?? '';
  if (process.env['npm_lifecycle_event'] === 'bench') {
    if (ua.startsWith('pnpm')) return 'pnpm bench';
    if (ua.startsWith('npm')) return 'npm run bench --';
  }
  return 'node bench/dist/main.js';
}

function stepCommand(s: PlannedStep): string {
  return [launcher(), s.workload.name, '--runs', String(s.runs), ...optionArgs(s.options)]
    .map((a, i) => (i === 0 ? a : quote(a)))
    .join(' ');
}

/**
 * Why a step must be left out to keep within the time budget, if it must: the budget is spent,
 * or (for a larger row count) the previous row count's measured runs scaled by rows would overrun it.
 */
export function budgetProblem(
  elapsedSeconds: number,
  budgetMinutes: number,
  rows: number | undefined,
  previous: { rows: number; measured: number } | undefined,
): string | undefined {
  const budget = budgetMinutes * 60;
  if (elapsedSeconds >= budget)
    return `the time budget is spent (${fmtDuration(elapsedSeconds)} elapsed; --budget-minutes ${budgetMinutes})`;
  if (rows === undefined || previous === undefined) return undefined;
  const projected = (previous.measured * rows) / previous.rows;
  if (elapsedSeconds + projected <= budget) return undefined;
  return `its measured runs alone would take about ${fmtDuration(projected)} (the ${fmtRows(previous.rows)}-row runs scaled by rows), past the time budget (${fmtDuration(elapsedSeconds)} of ${budgetMinutes} min spent); raise --budget-minutes to include it`;
}

/** Free bytes a pipeline row count needs: its dataset unless cached, one set of predictions, a margin. */
export function pipelineDiskNeed(rows: number, cached: boolean): number {
  return (cached ? 0 : rows * PIPELINE_ROW_BYTES) + rows * 8 + DISK_MARGIN;
}

function gb(bytes: number): string {
  return (bytes / 1e9).toFixed(1);
}

/** Why a pipeline row count cannot run on this disk, if it cannot. */
function diskProblem(rows: number, data: string | undefined): string | undefined {
  if (data !== undefined) return undefined;
  const dir = pipelineDatasetDir(CACHE, rows);
  const cached = existsSync(join(dir, 'manifest.json'));
  const need = pipelineDiskNeed(rows, cached);
  mkdirSync(CACHE, { recursive: true });
  const fs = statfsSync(CACHE);
  const free = fs.bavail * fs.bsize;
  if (free >= need) return undefined;
  return `needs ${gb(need)} GB free in ${CACHE} (${cached ? 'dataset cached; ' : `dataset ${gb(rows * PIPELINE_ROW_BYTES)} GB; `}predictions ${gb(rows * 8)} GB; 1 GB margin), ${gb(free)} GB available`;
}

interface StepOutcome {
  records: BenchRecord[];
  pythonSkipped: string[];
  seconds: number;
  error?: string;
}

/** Runs one step as `node bench/dist/main.js <workload> …` in a child process. */
function runStep(s: PlannedStep, scratch: string, index: number): Promise<StepOutcome> {
  const json = join(scratch, `step-${index}.jsonl`);
  const skips = join(scratch, `step-${index}.skips.jsonl`);
  const args = [MAIN, s.workload.name, '--runs', String(s.runs), '--json', json, ...optionArgs(s.options)];
  const t0 = performance.now();
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, args, {
      cwd: REPO,
      env: { ...process.env, TESSERA_BENCH_SKIPS: skips },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tail = '';
    const forward = (d: Buffer) => {
      process.stderr.write(d);
      tail = (tail + d.toString('utf8')).slice(-4000);
    };
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    const finish = (error?: string) => {
      const read = (f: string) =>
        existsSync(f)
          ? readFileSync(f, 'utf8')
              .split('\n')
              .filter((l) => l.trim())
          : [];
      const records = read(json).map((l) => JSON.parse(l) as BenchRecord);
      const pythonSkipped = [...new Set(read(skips).map((l) => (JSON.parse(l) as { skipped: string }).skipped))];
      resolvePromise({ records, pythonSkipped, seconds: (performance.now() - t0) / 1000, ...(error ? { error } : {}) });
    };
    child.on('error', (e) => finish(e.message));
    child.on('close', (code, signal) => {
      if (code === 0) return finish();
      finish(`exited with ${signal ? `signal ${signal}` : `code ${code}`}${failureMessage(tail)}`);
    });
  });
}

/**
 * The error lines of a failed step's output: the first (usually the cause, e.g. a task's error
 * in a child process) and the last (what the workload threw), each cut to 300 characters.
 */
export function failureMessage(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const errors = lines.filter((l) => /^\w*(Error|Exception)\b|\bfailed\b/.test(l) && !l.startsWith('at '));
  const picked = [...new Set(errors.length ? [errors[0]!, errors[errors.length - 1]!] : lines.slice(-1))];
  return picked.length ? `: ${picked.map((l) => (l.length > 300 ? `${l.slice(0, 299)}…` : l)).join(' … ')}` : '';
}

/**
 * What the report writes, recognised by their first bytes: an existing file is replaced only when
 * it is one of these (an earlier report's), never a file of someone else's of the same name.
 */
const REPORT_KINDS = {
  markdown: fileKind('a benchmark report (Markdown)', ['# Benchmarks\n']),
  records: fileKind('benchmark records (JSON lines)', ['{"workload":']),
  run: fileKind('a benchmark run description (JSON)', ['{\n  "command": ']),
  chart: fileKind('a benchmark chart (SVG)', ['<svg xmlns="http://www.w3.org/2000/svg"']),
} satisfies Record<string, OutputKind>;

/** Writes `text` to `file` through the atomic store: under its final name only once complete. */
async function writeOutput(file: string, text: string, kind: OutputKind): Promise<void> {
  mkdirSync(dirname(file), { recursive: true });
  await writeFileAtomic(file, text, { kind, overwrite: true });
}

function outputPaths(out: string): { records: string; run: string; imgDir: string } {
  const base = extname(out) === '.md' ? out.slice(0, -3) : out;
  return { records: `${base}.jsonl`, run: `${base}.run.json`, imgDir: join(dirname(out), 'img') };
}

/** Renders and writes the report files; returns the Markdown path. */
export async function writeReport(out: string, run: ReportRun, records: readonly BenchRecord[]): Promise<void> {
  const paths = outputPaths(out);
  const rel = (p: string) => relative(dirname(out), p).split('\\').join('/');
  const { markdown, images } = renderReport(run, records, {
    imgDir: rel(paths.imgDir),
    recordsFile: rel(paths.records),
    runFile: rel(paths.run),
  });
  for (const [name, svg] of Object.entries(images)) await writeOutput(join(paths.imgDir, name), svg, REPORT_KINDS.chart);
  // Charts of an earlier report that this one no longer draws would be stale: remove them.
  if (existsSync(paths.imgDir)) {
    for (const f of readdirSync(paths.imgDir)) if (/^bench-.*\.svg$/.test(f) && !(f in images)) rmSync(join(paths.imgDir, f));
  }
  await writeOutput(paths.records, records.map((r) => `${JSON.stringify(r)}\n`).join(''), REPORT_KINDS.records);
  await writeOutput(paths.run, `${JSON.stringify(run, null, 2)}\n`, REPORT_KINDS.run);
  await writeOutput(out, markdown, REPORT_KINDS.markdown);
}

const log = (m: string) => process.stderr.write(`${m}\n`);

/** The `report` command. Returns the exit code. */
export async function report(argv: readonly string[], options: Record<string, string | boolean>): Promise<number> {
  let o: ReportOptions;
  try {
    o = parseReportOptions(options, process.env['INIT_CWD'] ?? process.cwd());
  } catch (e) {
    if (e instanceof ReportUsageError) {
      log(`report: ${e.message}`);
      return 2;
    }
    throw e;
  }
  if (o.renderOnly) {
    const paths = outputPaths(o.out);
    for (const f of [paths.records, paths.run])
      if (!existsSync(f)) {
        log(`report --render-only: ${f} not found (run the report first)`);
        return 2;
      }
    const run = JSON.parse(readFileSync(paths.run, 'utf8')) as ReportRun;
    const records = readFileSync(paths.records, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as BenchRecord);
    await writeReport(o.out, run, records);
    log(`report: redrew ${o.out} from ${basename(paths.records)} and ${basename(paths.run)}`);
    return 0;
  }

  const planned = planSteps(o);
  const machine = machineInfo();
  const stopLoad = sampleLoad();
  const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;
  const scratch = mkdtempSync(join(tmpdir(), 'tessera-report-'));
  const steps: StepResult[] = [];
  const records: BenchRecord[] = [];
  let previous: { rows: number; measured: number } | undefined;
  log(
    `report: ${planned.filter((s) => !s.skip).length} steps, ${o.runs} runs each, budget ${o.budgetMinutes} min; load average ${machine.loadBefore.map((x) => x.toFixed(2)).join(' ')}`,
  );
  try {
    for (const [i, s] of planned.entries()) {
      const base: StepResult = { workload: s.workload.name, label: s.label, command: stepCommand(s), status: 'skipped' };
      let skip = s.skip ?? budgetProblem(elapsed(), o.budgetMinutes, s.rows, previous);
      if (!skip && s.rows !== undefined) skip = diskProblem(s.rows, typeof s.options['data'] === 'string' ? s.options['data'] : undefined);
      if (skip) {
        log(`report: ${s.label}: not run — ${skip}`);
        steps.push({ ...base, reason: skip });
        continue;
      }
      log(`report: [${fmtDuration(elapsed())}] ${s.label}: ${base.command}`);
      const r = await runStep(s, scratch, i);
      records.push(...r.records);
      const done: StepResult = { ...base, status: r.error ? 'failed' : 'done', seconds: r.seconds };
      if (r.error) done.reason = r.error;
      if (r.pythonSkipped.length) done.pythonSkipped = r.pythonSkipped;
      steps.push(done);
      if (o.json) for (const rec of r.records) appendFileSync(o.json, `${JSON.stringify(rec)}\n`);
      if (s.rows !== undefined && !r.error) {
        const measured = r.records.reduce((sum, rec) => sum + (rec.seconds['total'] ?? 0), 0);
        previous = { rows: s.rows, measured };
      }
      log(`report: ${s.label}: ${done.status} in ${fmtDuration(r.seconds)}${r.error ? ` — ${r.error}` : ''}`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const loadDuring = stopLoad();
  const run: ReportRun = {
    command: [launcher(), 'report', ...argv].map((a, i) => (i === 0 ? a : quote(a))).join(' '),
    date,
    seconds: elapsed(),
    budgetMinutes: o.budgetMinutes,
    runs: o.runs,
    machine: { ...machine, ...(loadDuring ? { loadDuring } : {}) },
    steps,
    descriptions: Object.fromEntries(registered.map((w) => [w.name, w.description])),
  };
  await writeReport(o.out, run, records);
  for (const w of new Set(records.map((r) => r.workload))) console.log(summarize(records.filter((r) => r.workload === w)));
  log(`\nreport: wrote ${o.out} (${fmtDuration(run.seconds)}; records in ${outputPaths(o.out).records})`);
  const failed = steps.filter((s) => s.status === 'failed');
  if (failed.length) log(`report: ${failed.length} step(s) failed: ${failed.map((s) => s.label).join(', ')}`);
  return failed.length ? 1 : 0;
}
