/**
 * Workload `kmeans`: one MiniBatchKMeans partialFit (8 clusters, given initial centers,
 * computeLabels as by default) over one in-memory 500k × 20 float64 block, then predict and
 * transform over it; Tessera against scikit-learn's partial_fit / predict / transform on the same
 * data, alternating run by run in the same harness run. scikit-learn runs its OpenMP loops on every
 * core by default; it is also measured on one thread (threadpoolctl), as Tessera runs one block.
 *
 * The block holds 8 Gaussian blobs; both engines start from the same centers (one point of each
 * blob), so no center starves and no random reassignment happens: both run the same computation,
 * and the workload checks that the centers agree to 1e-9 relative.
 *
 * Options: --rows N (500000) --cols C (20) --clusters K (8) --no-python.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DenseArray, allocate, fromArray, toNpy } from '@tessera/array';
import { MiniBatchKMeans } from '@tessera/estimators';
import { Random } from '@tessera/estimators/internal';
import { median, peakRssMB, type BenchContext, type BenchRecord, type Workload } from '../harness.js';
import { gaussian, maxRelDiff } from './data.js';

interface Data {
  X: DenseArray<'float64'>;
  init: DenseArray<'float64'>;
}

/** k blobs with centers uniform in [−5, 5]^d and unit noise, rows in random order; init = the first row of each blob. */
function makeData(rows: number, cols: number, k: number): Data {
  const rng = new Random(20241122);
  const centers = Array.from({ length: k }, () => Array.from({ length: cols }, () => rng.random() * 10 - 5));
  const X = allocate('float64', rows * cols);
  const init = new Float64Array(k * cols);
  const seen = new Set<number>();
  for (let i = 0; i < rows; i++) {
    const c = rng.randint(k);
    for (let j = 0; j < cols; j++) X[i * cols + j] = centers[c]![j]! + gaussian(rng);
    if (!seen.has(c)) {
      seen.add(c);
      init.set(X.subarray(i * cols, (i + 1) * cols), c * cols);
    }
  }
  return { X: new DenseArray(X, [rows, cols]), init: new DenseArray(init, [k, cols]) };
}

interface Measured {
  seconds: { partialFit: number; predict: number; transform: number; total: number };
  centers: Float64Array;
  inertia: number;
}

function measureTessera(data: Data, k: number): Measured {
  const km = new MiniBatchKMeans({ nClusters: k, init: data.init, nInit: 1, randomState: 0 });
  const t0 = performance.now();
  km.partialFit(data.X);
  const t1 = performance.now();
  km.predict(data.X);
  const t2 = performance.now();
  km.transform(data.X);
  const t3 = performance.now();
  const s = { partialFit: (t1 - t0) / 1000, predict: (t2 - t1) / 1000, transform: (t3 - t2) / 1000, total: 0 };
  s.total = s.partialFit + s.predict + s.transform;
  return { seconds: s, centers: km.clusterCenters_.data.slice(), inertia: km.inertia_ };
}

export const kmeans: Workload = {
  name: 'kmeans',
  description: 'one MiniBatchKMeans partialFit (8 clusters, given centers) + predict + transform on a 500k×20 block vs scikit-learn',
  async run(ctx: BenchContext): Promise<BenchRecord[]> {
    const rows = Number(ctx.options['rows'] ?? 500_000);
    const cols = Number(ctx.options['cols'] ?? 20);
    const k = Number(ctx.options['clusters'] ?? 8);
    const t0 = performance.now();
    const data = makeData(rows, cols, k);
    const dir = join(ctx.tmpDir, `kmeans-${rows}x${cols}-k${k}`);
    if (!existsSync(join(dir, 'done'))) {
      mkdirSync(dir, { recursive: true });
      const opts = { overwrite: true, scheduler: 'sync' as const };
      await toNpy(join(dir, 'X.npy'), fromArray(data.X), opts);
      await toNpy(join(dir, 'init.npy'), fromArray(data.init), opts);
      writeFileSync(join(dir, 'done'), '');
    }
    ctx.log(`kmeans: ${rows} × ${cols} block (${k} blobs) ready in ${((performance.now() - t0) / 1000).toFixed(1)} s (${dir})`);
    const params = { rows, cols, nClusters: k, init: 'given', batchSize: 1024 };
    const records: BenchRecord[] = [];
    const steps: Record<string, number[]> = { tessera: [] };
    measureTessera({ X: new DenseArray(data.X.data.subarray(0, 5000 * cols), [5000, cols]), init: data.init }, k); // JIT warm-up
    for (let r = 0; r < ctx.runs; r++) {
      const m = measureTessera(data, k);
      steps['tessera']!.push(m.seconds.partialFit);
      records.push({
        workload: 'kmeans',
        engine: 'tessera',
        params,
        seconds: m.seconds,
        peakRssMB: peakRssMB(),
        threads: 1,
        inertia: m.inertia,
      });
      ctx.log(
        `kmeans tessera: partialFit ${(m.seconds.partialFit * 1e3).toFixed(1)} ms, predict ${(m.seconds.predict * 1e3).toFixed(1)} ms, transform ${(m.seconds.transform * 1e3).toFixed(1)} ms, inertia ${m.inertia.toExponential(6)}`,
      );
      if (ctx.options['no-python'] === true) continue;
      // scikit-learn's k-means loops run on every core (OpenMP); also measured on one, like Tessera's block.
      for (const threads of ['default', '1']) {
        const py = await ctx.runPython('kmeans.py', [dir, String(k), threads]);
        if ('skipped' in py) {
          ctx.log(`kmeans scikit-learn: skipped — ${py.skipped}`);
          continue;
        }
        for (const rec of py) {
          const diff = maxRelDiff(m.centers, rec['centers'] as number[]);
          if (diff > 1e-9) throw new Error(`kmeans: Tessera's centers differ from scikit-learn's by ${diff.toExponential(2)} (relative)`);
          rec['maxRelDiffVsTessera'] = diff;
          delete rec['centers'];
          const variant = `${rec.threads} thread${rec.threads === 1 ? '' : 's'}`;
          (steps[`scikit-learn ${variant}`] ??= []).push(rec.seconds['partialFit']!);
          records.push({ ...rec, variant, params });
          ctx.log(
            `kmeans scikit-learn (${variant}): partial_fit ${(rec.seconds['partialFit']! * 1e3).toFixed(1)} ms, predict ${(rec.seconds['predict']! * 1e3).toFixed(1)} ms, transform ${(rec.seconds['transform']! * 1e3).toFixed(1)} ms, inertia ${(rec['inertia'] as number).toExponential(6)}; centers agree to ${diff.toExponential(2)}`,
          );
        }
      }
    }
    const ts = median(steps['tessera']!);
    for (const [key, values] of Object.entries(steps)) {
      if (key === 'tessera') continue;
      const sk = median(values);
      ctx.log(
        `kmeans: partialFit, median — tessera ${(ts * 1e3).toFixed(1)} ms vs ${key} ${(sk * 1e3).toFixed(1)} ms: ratio ${(ts / sk).toFixed(3)}`,
      );
    }
    return records;
  },
};
