/**
 * One out-of-core fit of a data-parallel estimator on a dataset directory within a memory budget,
 * as a user's program: `node bench/dist/programs/fit_100m.js DATA pca|logreg|kmeans [MEMORY_LIMIT]`
 * (default 512MB). Prints one JSON record: the fit's seconds, the process's peak RSS, and the
 * estimator's iterations. Used for issue 19's "100M rows with --memory-limit 512MB, peak RSS < 1 GB".
 */
import { fromNpyDir } from '@tessera/array';
import { KMeans, LogisticRegression, PCA } from '@tessera/estimators';

const [data, which, memoryLimit = '512MB'] = process.argv.slice(2);
if (!data || !which) {
  process.stderr.write('usage: fit_100m.js DATA pca|logreg|kmeans [MEMORY_LIMIT]\n');
  process.exit(2);
}
const { X, y } = await fromNpyDir(data);
const t0 = performance.now();
let iterations: number | null = null;
if (which === 'pca') {
  await new PCA({ nComponents: 5, svdSolver: 'tsqr' }).fit(X, { memoryLimit });
} else if (which === 'logreg') {
  if (!y) throw new Error(`${data} has no y`);
  const m = await new LogisticRegression({ solver: 'newton-cholesky' }).fit(X, y, { memoryLimit });
  iterations = m.nIter_;
} else if (which === 'kmeans') {
  const m = await new KMeans({ nClusters: 8, randomState: 0, maxIter: 10 }).fit(X, { memoryLimit });
  iterations = m.nIter_;
} else throw new Error(`unknown estimator ${which}`);
const seconds = (performance.now() - t0) / 1000;
process.stdout.write(
  `${JSON.stringify({ workload: 'fit-100m', estimator: which, rows: X.shape[0], memoryLimit, seconds, peakRssMB: process.resourceUsage().maxRSS / 1024, iterations })}\n`,
);
