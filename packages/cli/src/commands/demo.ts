import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { fromNpyDir, makeClassification, toNpyDir, type NDArray } from '@tessera/array';
import { Incremental, SGDClassifier, StandardScaler, makePipeline } from '@tessera/estimators';
import { Profiler, ProgressBar, ResourceProfiler, diagnose, writeReport, writeTrace } from '@tessera/diagnostics';
import { ThreadScheduler, formatBytes, now, parseBytes, type SchedulerCallbacks } from '@tessera/scheduler';

/** Rows per block of a generated dataset (the reference workload's). */
const CHUNK_ROWS = 500_000;
const COLS = 20;

interface DemoOptions {
  data?: string;
  rows: string;
  out: string;
  workdir: string;
  threads?: string;
  memoryLimit: string;
  epochs: string;
  shuffle: string;
  seed: string;
  profile: string;
  json?: string;
}

/** What `tessera demo --json FILE` writes. */
export interface DemoResult {
  rows: number;
  cols: number;
  threads: number;
  memoryLimit: number;
  /**
   * Phases in seconds; `total` is scaler statistics + fit + predict + write. `startup` (the worker
   * pool starting and importing its kernel modules) is reported apart, as Python's imports are.
   */
  seconds: { startup: number; scalerStats: number; fit: number; predictWrite: number; total: number };
  peakRssMB: number;
  accuracy: number;
  trainBlocks: number;
  heldOutBlocks: number;
  coef: number[];
  intercept: number[];
  outputs: { data: string; predictions: string; model: string; traces: string[]; reports: string[] };
}

function positiveInt(name: string, v: string): number {
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`--${name} must be a positive integer; got '${v}'.`);
  return n;
}

function bool(name: string, v: string): boolean {
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new RangeError(`--${name} must be true or false; got '${v}'.`);
}

/** Writes `text` to `file` atomically (a temporary sibling renamed into place). */
async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

/** The generated dataset for `rows`, made on first use into the work directory's cache. */
async function cachedDataset(workdir: string, rows: number, seed: number, run: { scheduler: ThreadScheduler; memoryLimit: number }): Promise<string> {
  const dir = join(workdir, 'data', `classification-${rows}x${COLS}-seed${seed}`);
  if (existsSync(join(dir, 'manifest.json'))) return dir;
  await mkdir(join(workdir, 'data'), { recursive: true });
  const { X, y } = makeClassification({ nSamples: rows, nFeatures: COLS, nInformative: 10, nRedundant: 5, randomState: seed, chunks: CHUNK_ROWS });
  process.stderr.write(`generating ${rows.toLocaleString('en-US')} × ${COLS} float64 rows into ${dir} (first run only)\n`);
  await diagnose([new ProgressBar({ label: 'generate' })], () => toNpyDir(dir, { X, y }, run));
  return dir;
}

function rowsOf(a: NDArray, blocks: number): number {
  return a.chunks[0]!.slice(0, blocks).reduce((s, n) => s + n, 0);
}

/**
 * `tessera demo`: the reference workload. A dataset directory (given, or generated once) is fitted
 * out-of-core with StandardScaler → Incremental(SGDClassifier(hinge)) on every core, scored on
 * held-out blocks, predicted block by block in parallel to a dataset directory, and profiled: the
 * fitted pipeline as JSON, a trace (Perfetto) and an HTML report for the fit and predict phases.
 */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('The reference workload: StandardScaler → SGDClassifier fitted out-of-core, predictions written to disk, profiled')
    .option('--data <dir>', 'dataset directory (npy-chunks-v1); default: a generated one, cached in the work directory')
    .option('--rows <n>', 'rows of the generated dataset', '5000000')
    .option('--out <dir>', 'where the predictions go (a dataset directory)', '.tessera/demo/predictions')
    .option('--workdir <dir>', 'cache of generated data, model, traces and reports', '.tessera')
    .option('--threads <n>', 'worker threads (default: all cores)')
    .option('--memory-limit <size>', 'memory budget of the scheduler (held blocks), e.g. 512MB', '256MB')
    .option('--epochs <n>', 'passes over the training blocks', '1')
    .option('--shuffle <bool>', "SGD's shuffle of the rows within each block", 'true')
    .option('--seed <n>', 'seed of the generated dataset', '0')
    .option('--profile <bool>', 'record the fit and predict phases (trace + HTML report) and show progress bars', 'true')
    .option('--json <file>', 'also write the summary as JSON')
    .action(async (opts: DemoOptions) => {
      const result = await runDemo(opts);
      const s = result.seconds;
      console.log(`\n${result.rows.toLocaleString('en-US')} rows × ${result.cols} features, ${result.trainBlocks} training blocks + ${result.heldOutBlocks} held out, ${result.threads} threads, memory limit ${formatBytes(result.memoryLimit)}`);
      console.log(`  worker startup     ${s.startup.toFixed(3)} s (not in the total)`);
      console.log(`  scaler statistics  ${s.scalerStats.toFixed(3)} s`);
      console.log(`  fit (partialFit)   ${s.fit.toFixed(3)} s`);
      console.log(`  predict + write    ${s.predictWrite.toFixed(3)} s`);
      console.log(`  total              ${s.total.toFixed(3)} s`);
      console.log(`  peak RSS           ${result.peakRssMB.toFixed(0)} MB`);
      console.log(`  held-out accuracy  ${result.accuracy.toFixed(4)}`);
      console.log(`  predictions        ${result.outputs.predictions}`);
      console.log(`  fitted pipeline    ${result.outputs.model}`);
      if (result.outputs.reports.length) console.log(`  reports            ${result.outputs.reports.join(', ')}`);
      if (opts.json) await writeAtomic(resolve(opts.json), `${JSON.stringify(result, null, 1)}\n`);
    });
}

/** Runs the reference workload (the body of `tessera demo`). */
export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const threads = opts.threads ? positiveInt('threads', opts.threads) : availableParallelism();
  const memoryLimit = parseBytes(opts.memoryLimit, 'memory-limit');
  const epochs = positiveInt('epochs', opts.epochs);
  const shuffle = bool('shuffle', opts.shuffle);
  const profile = bool('profile', opts.profile);
  const seed = Number(opts.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`--seed must be a non-negative integer; got '${opts.seed}'.`);
  const workdir = resolve(opts.workdir);
  const out = resolve(opts.out);
  const tStart = performance.now();
  const scheduler = new ThreadScheduler({ threads });
  const run = { scheduler, memoryLimit };
  try {
    // Workers start and import their kernels now, outside the timed phases.
    await scheduler.ready();
    const startup = (performance.now() - tStart) / 1000;
    const dataDir = opts.data ? resolve(opts.data) : await cachedDataset(workdir, positiveInt('rows', opts.rows), seed, run);
    const { X, y } = await fromNpyDir(dataDir);
    if (!y) throw new RangeError(`--data ${dataDir}: the dataset has no y chunks; the demo fits a classifier and needs labels.`);
    const nBlocks = X.numBlocks[0]!;
    if (nBlocks < 2) throw new RangeError(`--data ${dataDir}: the dataset has ${nBlocks} block; the demo holds out the last blocks for scoring, so it needs at least 2.`);
    const heldOut = Math.max(1, Math.floor(nBlocks / 10));
    const trainBlocks = nBlocks - heldOut;
    const trainRows = rowsOf(X, trainBlocks);
    const [Xtrain, ytrain] = [X.slice([0, trainRows]), y.slice([0, trainRows])];

    const pipe = makePipeline(
      new StandardScaler(),
      new Incremental(new SGDClassifier({ loss: 'hinge', randomState: 2, shuffle }), { classes: [0, 1], shuffleBlocks: false, epochs }),
    );
    const reportDir = join(workdir, 'demo');
    await mkdir(reportDir, { recursive: true });

    // Each computation is one scheduler run; their times give the phases.
    const runs: { start: number; end: number }[] = [];
    const timer: SchedulerCallbacks = { onRunStart: (r) => runs.push({ start: r.start, end: NaN }), onRunEnd: () => (runs[runs.length - 1]!.end = now()) };
    const listeners = (label: string, prof: Profiler, res: ResourceProfiler) => (profile ? [timer, prof, res, new ProgressBar({ label })] : [timer]);

    // Fit: scaler statistics (one parallel pass), then the partialFit chain.
    const fitProf = new Profiler();
    const fitRes = new ResourceProfiler();
    const t0 = performance.now();
    await diagnose(listeners('fit', fitProf, fitRes), () => pipe.fit(Xtrain, ytrain, run));
    const t1 = performance.now();
    const [statsRun, chainRun] = runs;
    const scalerStats = statsRun ? (statsRun.end - statsRun.start) / 1000 : NaN;

    // Predict every block in parallel to disk; score the held-out blocks from the written predictions.
    const predProf = new Profiler();
    const predRes = new ResourceProfiler();
    await rm(out, { recursive: true, force: true });
    let accuracy = NaN;
    await diagnose(listeners('predict', predProf, predRes), async () => {
      await pipe.predict(X).toNpyDir(out, run);
      const { y: pred } = await fromNpyDir(out, { yOnly: true });
      const held = pred.slice([trainRows, X.shape[0]!]).eq(y.slice([trainRows, X.shape[0]!]));
      accuracy = (await held.mean().compute(run)).data[0]!;
    });
    const t2 = performance.now();

    const model = join(reportDir, 'pipeline.json');
    await writeAtomic(model, `${JSON.stringify(pipe.toJSON())}\n`);
    const traces = profile ? [join(reportDir, 'fit.trace.json'), join(reportDir, 'predict.trace.json')] : [];
    const reports = profile ? [join(reportDir, 'fit.html'), join(reportDir, 'predict.html')] : [];
    if (profile) {
      await writeTrace(traces[0]!, [fitProf, fitRes]);
      await writeTrace(traces[1]!, [predProf, predRes]);
      await writeReport([fitProf, fitRes], reports[0]!, { title: `Tessera demo — fit (${X.shape[0]!.toLocaleString('en-US')} rows)` });
      await writeReport([predProf, predRes], reports[1]!, { title: `Tessera demo — predict + write (${X.shape[0]!.toLocaleString('en-US')} rows)` });
    }

    const sgd = (pipe.step(1) as Incremental).estimator_ as SGDClassifier;
    const fitSeconds = (t1 - t0) / 1000;
    return {
      rows: X.shape[0]!,
      cols: X.shape[1]!,
      threads,
      memoryLimit,
      seconds: {
        startup,
        scalerStats,
        fit: chainRun ? (chainRun.end - chainRun.start) / 1000 : fitSeconds - scalerStats,
        predictWrite: (t2 - t1) / 1000,
        total: (t2 - t0) / 1000,
      },
      peakRssMB: process.resourceUsage().maxRSS / 1024,
      accuracy,
      trainBlocks,
      heldOutBlocks: heldOut,
      coef: Array.from(sgd.coef_.data),
      intercept: Array.from(sgd.intercept_.data),
      outputs: { data: dataDir, predictions: out, model, traces, reports },
    };
  } finally {
    await scheduler.close();
  }
}
