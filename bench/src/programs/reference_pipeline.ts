/**
 * The reference workload as a user writes it with the public API — `fromNpyDir` → StandardScaler
 * → `Incremental(SGDClassifier({ randomState: 2 }), { shuffleBlocks: false })` over every block →
 * `predict(...).toNpyDir` — timed from the process's start (module loading and the worker pool's
 * start-up included), so it compares with the C limit (bench/c/limit.c) and with dask's script as
 * a whole program. Prints one JSON record.
 *
 * usage: node bench/dist/programs/reference_pipeline.js DATA_DIR OUT_DIR [--shuffle]
 */
import { fromNpyDir } from '@tessera/array';
import { Incremental, SGDClassifier, StandardScaler } from '@tessera/estimators';

// performance.now() counts from the process's time origin, before any module was loaded.
const [data, out, ...flags] = process.argv.slice(2);
if (!data || !out) {
  process.stderr.write('usage: reference_pipeline.js DATA_DIR OUT_DIR [--shuffle]\n');
  process.exit(2);
}
const tLoaded = performance.now();
const { X, y } = await fromNpyDir(data);
if (!y) throw new Error(`${data}: the dataset has no y chunks`);
const t0 = performance.now();
const scaler = await new StandardScaler().fit(X);
const Xs = scaler.transform(X);
const t1 = performance.now();
const sgd = new Incremental(new SGDClassifier({ loss: 'hinge', randomState: 2, shuffle: flags.includes('--shuffle') }), {
  classes: [0, 1],
  shuffleBlocks: false,
});
await sgd.fit(Xs, y);
const t2 = performance.now();
await sgd.predict(Xs).toNpyDir(out);
const t3 = performance.now();
const est = sgd.estimator_ as SGDClassifier;
process.stdout.write(
  `${JSON.stringify({
    workload: 'pipeline',
    engine: 'tessera-api',
    params: { rows: X.shape[0], cols: X.shape[1], chunkRows: X.chunks[0]![0] },
    seconds: {
      startup: t0 / 1000,
      modules: tLoaded / 1000,
      scalerStats: (t1 - t0) / 1000,
      fit: (t2 - t1) / 1000,
      predictWrite: (t3 - t2) / 1000,
      total: t3 / 1000,
    },
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    coef: Array.from(est.coef_.data),
    intercept: Array.from(est.intercept_.data),
  })}\n`,
);
