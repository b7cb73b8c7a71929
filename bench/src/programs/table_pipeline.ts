/**
 * The reference workload from a table, as a user writes it with the public API — `readCsv` /
 * `readParquet` (or `fromNpyDir`, the in-format reference) → `toArray(20 feature columns, {
 * dtype: 'float64' })` and the label column → StandardScaler → `Incremental(SGDClassifier({ loss:
 * 'hinge', randomState: 2, shuffle: false }), { classes: [0, 1], shuffleBlocks: false })` over
 * every block → `predict(...).toNpyDir` — timed from the process's start (module loading and the
 * worker pool's start-up included), as bench/src/programs/reference_pipeline.ts is. The table's
 * categorical column is never asked for, so the readers skip it (CSV) or never read its column
 * chunks (Parquet). Peak RSS is taken when the predictions are written; the accuracy (the
 * predictions against the labels, every row: the model trains on every block) is computed after
 * that, outside the timings. Prints one JSON record.
 *
 * usage: node bench/dist/programs/table_pipeline.js csv|parquet|npy INPUT OUT_DIR
 *        (INPUT: the .csv / .parquet file, or the dataset directory written by toNpyDir)
 */
import { fromNpyDir, type NDArray } from '@tessera/array';
import { Incremental, SGDClassifier, StandardScaler } from '@tessera/estimators';
import { readCsv, readParquet } from '@tessera/frame';

/** The table's feature columns, in the order the model sees them. */
const FEATURES = Array.from({ length: 20 }, (_, j) => `x${j}`);

// performance.now() counts from the process's time origin, before any module was loaded.
const tLoaded = performance.now();
const [format, input, out] = process.argv.slice(2);
if (!(format === 'csv' || format === 'parquet' || format === 'npy') || !input || !out) {
  process.stderr.write('usage: table_pipeline.js csv|parquet|npy INPUT OUT_DIR\n');
  process.exit(2);
}

let X: NDArray;
let y: NDArray;
let blocks: number;
if (format === 'npy') {
  const ds = await fromNpyDir(input);
  if (!ds.y) throw new Error(`${input}: the dataset has no y chunks`);
  X = ds.X;
  y = ds.y;
  blocks = X.chunks[0]!.length;
} else {
  const df = format === 'csv' ? await readCsv(input) : await readParquet(input);
  X = df.toArray(FEATURES, { dtype: 'float64' });
  y = df.col('y');
  blocks = df.blockRows!.length;
}
const t0 = performance.now();
const scaler = await new StandardScaler().fit(X);
const Xs = scaler.transform(X);
const t1 = performance.now();
const sgd = new Incremental(new SGDClassifier({ loss: 'hinge', randomState: 2, shuffle: false }), {
  classes: [0, 1],
  shuffleBlocks: false,
});
await sgd.fit(Xs, y);
const t2 = performance.now();
await sgd.predict(Xs).toNpyDir(out);
const t3 = performance.now();
const peakRssMB = process.resourceUsage().maxRSS / 1024;

// Outside the timings: the written predictions against the labels, one lazy pass.
const pred = (await fromNpyDir(out, { yOnly: true })).y;
const accuracy = (await pred.eq(y).mean().compute()).data[0]!;
const est = sgd.estimator_ as SGDClassifier;
process.stdout.write(
  `${JSON.stringify({
    workload: 'pipeline-tables',
    engine: 'tessera',
    variant: format,
    params: { rows: X.shape[0], cols: X.shape[1] },
    blocks,
    seconds: {
      modules: tLoaded / 1000,
      open: (t0 - tLoaded) / 1000,
      scalerStats: (t1 - t0) / 1000,
      fit: (t2 - t1) / 1000,
      predictWrite: (t3 - t2) / 1000,
      total: t3 / 1000,
    },
    peakRssMB,
    accuracy,
    coef: Array.from(est.coef_.data),
    intercept: Array.from(est.intercept_.data),
  })}\n`,
);
