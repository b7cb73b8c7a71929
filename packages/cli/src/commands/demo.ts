import { mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { computeAll, fromNpyDir, makeClassification, toNpyDir, type NDArray } from '@tessera/array';
import { Incremental, SGDClassifier, StandardScaler, makePipeline } from '@tessera/estimators';
import { OUTPUT_KINDS, Profiler, ProgressBar, ResourceProfiler, diagnose, writeReport, writeTrace } from '@tessera/diagnostics';
import { NPY_DATASET, checkOutput, fileKind, writeFileAtomic, type OutputKind, type Overwrite } from '@tessera/io';
import { ThreadScheduler, formatBytes, now, type SchedulerCallbacks } from '@tessera/scheduler';
import { DistributedScheduler } from '@tessera/distributed';

/** Where the demo runs: this process's threads, or a cluster of `tessera worker`s. */
type DemoScheduler = ThreadScheduler | DistributedScheduler;
import { UsageError, nonNegativeInt, outputErrorForFlag, positiveInt, positiveSize, usableDirectory } from '../options.js';
import { interruptSignal } from '../interrupt.js';

/** Rows per block of a generated dataset (the reference workload's); smaller datasets get smaller blocks. */
const CHUNK_ROWS = 500_000;
const COLS = 20;
/** Most distinct labels the demo accepts (its classes are found by counting each one). */
const MAX_CLASSES = 1000;

/** A fitted pipeline's JSON (`pipe.toJSON()`), recognised by its format field. */
export const ESTIMATOR_JSON: OutputKind = fileKind('a Tessera estimator (JSON)', ['{"format":"tessera-estimator/1"']);
/** The `--json` summary of a demo run. */
export const DEMO_JSON: OutputKind = fileKind('a tessera demo summary (JSON)', ['{\n "format": "tessera-demo-result/1"']);

/** The options of `tessera demo`, as commander gives them. */
export interface DemoOptions {
  data?: string;
  rows: string;
  out?: string;
  workdir: string;
  threads?: string;
  memoryLimit: string;
  epochs: string;
  shuffle: boolean;
  seed: string;
  profile: boolean;
  json?: string;
  overwrite?: boolean;
  /** Redis URL of a cluster of `tessera worker`s: run on them instead of this process's threads. */
  cluster?: string;
  /** The cluster's shared block store (a directory every worker mounts at the same path, or s3://…). */
  store?: string;
}

/** What `tessera demo --json FILE` writes. */
export interface DemoResult {
  format: 'tessera-demo-result/1';
  rows: number;
  cols: number;
  threads: number;
  memoryLimit: number;
  /**
   * Phases in seconds; `total` is scaler statistics + fit + predict + write. `startup` (the worker
   * pool starting and importing its kernel modules) and `classes` (one pass over y finding the
   * labels) are reported apart, as Python's imports and the comparison's given classes are.
   */
  seconds: { startup: number; classes: number; scalerStats: number; fit: number; predictWrite: number; total: number };
  peakRssMB: number;
  accuracy: number;
  classes: number[];
  trainBlocks: number;
  heldOutBlocks: number;
  coef: number[];
  intercept: number[];
  outputs: { data: string; predictions: string; model: string; traces: string[]; reports: string[] };
}

/** Rows per block of a generated dataset of `rows` rows: at least 10 blocks below 5M rows. */
export function demoChunkRows(rows: number): number {
  return Math.min(CHUNK_ROWS, Math.ceil(rows / 10));
}

/** The generated dataset for `rows`, made on first use into the work directory's cache. */
async function cachedDataset(
  workdir: string,
  rows: number,
  seed: number,
  run: { scheduler: DemoScheduler; memoryLimit: number; signal: AbortSignal },
): Promise<string> {
  const dir = join(workdir, 'data', `classification-${rows}x${COLS}-seed${seed}`);
  if (existsSync(join(dir, 'manifest.json'))) return dir;
  await mkdir(join(workdir, 'data'), { recursive: true });
  const { X, y } = makeClassification({
    nSamples: rows,
    nFeatures: COLS,
    nInformative: 10,
    nRedundant: 5,
    randomState: seed,
    chunks: demoChunkRows(rows),
  });
  process.stderr.write(`generating ${rows.toLocaleString('en-US')} × ${COLS} float64 rows into ${dir} (first run only)\n`);
  try {
    await diagnose([new ProgressBar({ label: 'generate' })], () => toNpyDir(dir, { X, y }, run));
  } catch (error) {
    throw outputErrorForFlag(error, '--workdir cache');
  }
  return dir;
}

/**
 * The classes of `y`, from the data: one pass for the range, one counting each label in it
 * (y is 1/20 of the data, so both passes are cheap). Labels must be integers, as the demo's
 * classifier and its accuracy need; anything else is an error naming --data.
 */
async function classesOf(y: NDArray, dataDir: string, run: object): Promise<number[]> {
  const [lo, hi] = (await computeAll([y.min(), y.max()], run)).map((a) => a.data[0]!);
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi - lo + 1 > MAX_CLASSES) {
    throw new UsageError(
      `--data ${dataDir}: the labels y range over [${lo}, ${hi}]; the demo's classifier needs integer class labels (at most ${MAX_CLASSES} of them).`,
    );
  }
  const candidates = Array.from({ length: hi! - lo! + 1 }, (_, i) => lo! + i);
  const counts = (
    await computeAll(
      candidates.map((c) => y.eq(c).sum()),
      run,
    )
  ).map((a) => a.data[0]!);
  const total = counts.reduce((a, b) => a + b, 0);
  if (total !== y.shape[0]) {
    throw new UsageError(
      `--data ${dataDir}: ${y.shape[0]! - total} labels of y are not integers (or are NaN); the demo's classifier needs integer class labels.`,
    );
  }
  const classes = candidates.filter((_, i) => counts[i]! > 0);
  if (classes.length < 2)
    throw new UsageError(`--data ${dataDir}: every label of y is ${classes[0]}; a classifier needs at least two classes.`);
  return classes;
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
    .option('--rows <n>', 'rows of the generated dataset (at least 2; below 5M rows the blocks are rows/10)', '5000000')
    .option('--out <dir>', 'where the predictions go (a dataset directory; default: WORKDIR/demo/predictions)')
    .option('--workdir <dir>', 'cache of generated data, model, traces and reports', '.tessera')
    .option('--threads <n>', 'worker threads (default: all cores)')
    .option('--memory-limit <size>', 'memory budget of the scheduler (held blocks): 512MB = 512·10^6 bytes, 512MiB = 2^29', '256MB')
    .option('--epochs <n>', 'passes over the training blocks', '1')
    .option('--no-shuffle', "don't shuffle the rows within each block (SGD's shuffle; on by default)")
    .option('--seed <n>', 'seed of the generated dataset', '0')
    .option('--no-profile', "don't record the fit and predict phases (trace + HTML report) or show progress bars")
    .option('--json <file>', 'also write the summary as JSON')
    .option('--overwrite', 'replace existing outputs even when they are not what tessera demo writes (never the input data)')
    .option('--cluster <url>', 'run on a cluster of `tessera worker` processes through this Redis (redis://host:6379); needs --store')
    .option('--store <dir|s3://…>', "the cluster's shared block store, the one its workers use (with --cluster)")
    .action(async (opts: DemoOptions) => {
      const result = await runDemo(opts);
      const s = result.seconds;
      console.log(
        `\n${result.rows.toLocaleString('en-US')} rows × ${result.cols} features, ${result.trainBlocks} training blocks + ${result.heldOutBlocks} held out, ${opts.cluster ? `the cluster at ${opts.cluster}` : `${result.threads} threads`}, memory limit ${formatBytes(result.memoryLimit)}`,
      );
      console.log(`  worker startup     ${s.startup.toFixed(3)} s (not in the total)`);
      console.log(`  classes from y     ${s.classes.toFixed(3)} s (not in the total): ${result.classes.join(', ')}`);
      console.log(`  scaler statistics  ${s.scalerStats.toFixed(3)} s`);
      console.log(`  fit (partialFit)   ${s.fit.toFixed(3)} s`);
      console.log(`  predict + write    ${s.predictWrite.toFixed(3)} s`);
      console.log(`  total              ${s.total.toFixed(3)} s`);
      console.log(`  peak RSS           ${result.peakRssMB.toFixed(0)} MB`);
      console.log(`  held-out accuracy  ${result.accuracy.toFixed(4)}`);
      console.log(`  predictions        ${result.outputs.predictions}`);
      console.log(`  fitted pipeline    ${result.outputs.model}`);
      if (result.outputs.reports.length) console.log(`  reports            ${result.outputs.reports.join(', ')}`);
    });
}

/** An output of the demo: its path, the flag that names it, and its kind. */
interface DemoOutput {
  readonly path: string;
  readonly flag: string;
  readonly kind: OutputKind;
}

/**
 * Runs the reference workload (the body of `tessera demo`). Every output is checked before the
 * fit (not an input, its directory writable, an existing one replaceable) and written atomically;
 * a failed or interrupted run leaves the previous outputs as they were.
 */
export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const threads = opts.threads ? positiveInt('threads', opts.threads) : availableParallelism();
  const memoryLimit = positiveSize('memory-limit', opts.memoryLimit);
  const epochs = positiveInt('epochs', opts.epochs);
  const shuffle = opts.shuffle !== false;
  const profile = opts.profile !== false;
  const seed = nonNegativeInt('seed', opts.seed);
  const rows = opts.data ? undefined : positiveInt('rows', opts.rows);
  if (rows !== undefined && rows < 2)
    throw new UsageError(`--rows must be at least 2 (the demo holds out the last block for scoring); got ${rows}.`);
  const overwrite: Overwrite = opts.overwrite === true ? 'force' : true;
  const workdir = await usableDirectory('--workdir', opts.workdir);
  const reportDir = join(workdir, 'demo');
  await mkdir(reportDir, { recursive: true });
  const dataArg = opts.data ? resolve(opts.data) : undefined;
  const out = resolve(opts.out ?? join(reportDir, 'predictions'));
  const model = join(reportDir, 'pipeline.json');
  const traces = profile ? [join(reportDir, 'fit.trace.json'), join(reportDir, 'predict.trace.json')] : [];
  const reports = profile ? [join(reportDir, 'fit.html'), join(reportDir, 'predict.html')] : [];
  const outputs: DemoOutput[] = [
    { path: out, flag: '--out', kind: NPY_DATASET },
    { path: model, flag: '--workdir', kind: ESTIMATOR_JSON },
    ...traces.map((path) => ({ path, flag: '--workdir', kind: OUTPUT_KINDS.trace })),
    ...reports.map((path) => ({ path, flag: '--workdir', kind: OUTPUT_KINDS.report })),
    ...(opts.json ? [{ path: resolve(opts.json), flag: '--json', kind: DEMO_JSON }] : []),
  ];
  const seen = new Map<string, string>();
  for (const o of outputs) {
    const other = seen.get(o.path);
    if (other) throw new UsageError(`${o.flag} ${o.path} is also the demo's ${other} output; choose another path.`);
    seen.set(o.path, o.flag);
  }
  // Before any work: every output may be written (the data is checked again once it exists).
  const check = async (inputs: string[]) => {
    for (const o of outputs) {
      try {
        await checkOutput(o.path, { kind: o.kind, overwrite, inputs });
      } catch (error) {
        throw outputErrorForFlag(error, o.flag);
      }
    }
  };
  await check(dataArg ? [dataArg] : []);

  if ((opts.cluster === undefined) !== (opts.store === undefined))
    throw new UsageError(opts.cluster ? '--cluster needs --store (the block store its workers use).' : '--store is for --cluster.');
  if (opts.cluster !== undefined && opts.threads !== undefined)
    throw new UsageError('--threads is for this process; with --cluster each tessera worker has its own --threads.');

  const signal = interruptSignal();
  const tStart = performance.now();
  // preload: the kernels are imported in ready(), outside the timed phases (as documented in cli.md).
  // On a cluster the workers are other processes; the DAG stays here and their batches go through Redis.
  const scheduler: DemoScheduler =
    opts.cluster !== undefined
      ? new DistributedScheduler({ connection: opts.cluster, store: opts.store! })
      : new ThreadScheduler({ threads, preload: true });
  const run = { scheduler, memoryLimit, signal };
  try {
    // Workers start and import their kernels now, outside the timed phases.
    if (scheduler instanceof ThreadScheduler) await scheduler.ready();
    const startup = (performance.now() - tStart) / 1000;
    const dataDir = dataArg ?? (await cachedDataset(workdir, rows!, seed, run));
    if (!dataArg) await check([dataDir]);
    const { X, y } = await fromNpyDir(dataDir);
    if (!y) throw new UsageError(`--data ${dataDir}: the dataset has no y chunks; the demo fits a classifier and needs labels.`);
    const nBlocks = X.numBlocks[0]!;
    if (nBlocks < 2)
      throw new UsageError(
        `--data ${dataDir}: the dataset has ${nBlocks} block; the demo holds out the last blocks for scoring, so it needs at least 2.`,
      );
    const heldOut = Math.max(1, Math.floor(nBlocks / 10));
    const trainBlocks = nBlocks - heldOut;
    const trainRows = rowsOf(X, trainBlocks);
    const [Xtrain, ytrain] = [X.slice([0, trainRows]), y.slice([0, trainRows])];
    const tc = performance.now();
    const classes = await classesOf(y, dataDir, run);
    const classSeconds = (performance.now() - tc) / 1000;

    const pipe = makePipeline(
      new StandardScaler(),
      new Incremental(new SGDClassifier({ loss: 'hinge', randomState: 2, shuffle }), { classes, shuffleBlocks: false, epochs }),
    );

    // Each computation is one scheduler run; their times give the phases.
    const runs: { start: number; end: number }[] = [];
    const timer: SchedulerCallbacks = {
      onRunStart: (r) => runs.push({ start: r.start, end: NaN }),
      onRunEnd: () => (runs[runs.length - 1]!.end = now()),
    };
    const listeners = (labels: string[], prof: Profiler, res: ResourceProfiler) =>
      profile ? [timer, prof, res, new ProgressBar({ labels })] : [timer];

    // Fit: scaler statistics (one parallel pass), then the partialFit chain.
    const fitProf = new Profiler();
    const fitRes = new ResourceProfiler();
    const t0 = performance.now();
    await diagnose(listeners(['scaler', 'fit'], fitProf, fitRes), () => pipe.fit(Xtrain, ytrain, run));
    const t1 = performance.now();
    const [statsRun, chainRun] = runs;
    const scalerStats = statsRun ? (statsRun.end - statsRun.start) / 1000 : NaN;

    // Predict every block in parallel to disk (written beside, renamed into place when complete);
    // score the held-out blocks from the written predictions.
    const predProf = new Profiler();
    const predRes = new ResourceProfiler();
    let accuracy = NaN;
    await diagnose(listeners(['predict', 'accuracy'], predProf, predRes), async () => {
      try {
        await pipe.predict(X).toNpyDir(out, { ...run, overwrite });
      } catch (error) {
        throw outputErrorForFlag(error, '--out');
      }
      const { y: pred } = await fromNpyDir(out, { yOnly: true });
      const held = pred.slice([trainRows, X.shape[0]!]).eq(y.slice([trainRows, X.shape[0]!]));
      accuracy = (await held.mean().compute(run)).data[0]!;
    });
    const t2 = performance.now();

    const sgd = (pipe.step(1) as Incremental).estimator_ as SGDClassifier;
    const fitSeconds = (t1 - t0) / 1000;
    const result: DemoResult = {
      format: 'tessera-demo-result/1',
      rows: X.shape[0]!,
      cols: X.shape[1]!,
      threads: scheduler instanceof ThreadScheduler ? threads : scheduler.workers,
      memoryLimit,
      seconds: {
        startup,
        classes: classSeconds,
        scalerStats,
        fit: chainRun ? (chainRun.end - chainRun.start) / 1000 : fitSeconds - scalerStats,
        predictWrite: (t2 - t1) / 1000,
        total: (t2 - t0) / 1000,
      },
      peakRssMB: process.resourceUsage().maxRSS / 1024,
      accuracy,
      classes,
      trainBlocks,
      heldOutBlocks: heldOut,
      coef: Array.from(sgd.coef_.data),
      intercept: Array.from(sgd.intercept_.data),
      outputs: { data: dataDir, predictions: out, model, traces, reports },
    };

    const write = { overwrite, inputs: [dataDir] };
    const rowsLabel = X.shape[0]!.toLocaleString('en-US');
    await writeFileAtomic(model, `${JSON.stringify(pipe.toJSON())}\n`, { kind: ESTIMATOR_JSON, ...write });
    if (profile) {
      await writeTrace(traces[0]!, [fitProf, fitRes], write);
      await writeTrace(traces[1]!, [predProf, predRes], write);
      await writeReport([fitProf, fitRes], reports[0]!, { title: `Tessera demo — fit (${rowsLabel} rows)`, ...write });
      await writeReport([predProf, predRes], reports[1]!, { title: `Tessera demo — predict + write (${rowsLabel} rows)`, ...write });
    }
    if (opts.json) await writeFileAtomic(resolve(opts.json), `${JSON.stringify(result, null, 1)}\n`, { kind: DEMO_JSON, ...write });
    return result;
  } finally {
    await scheduler.close();
  }
}
