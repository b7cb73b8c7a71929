/**
 * Workload `mlp`: one partialFit epoch of MLPClassifier with scikit-learn's defaults (one hidden
 * layer of 100 relu units, Adam, minibatches of 200) over one in-memory 500k × 20 float64 block,
 * then predictProba and predict over it; Tessera against scikit-learn's partial_fit /
 * predict_proba / predict on the same data, alternating run by run in the same harness run.
 * numpy's BLAS runs scikit-learn's products on every core by default; it is also measured on one
 * thread (threadpoolctl), as Tessera trains one block on one thread.
 *
 * Two settings: `shuffle: true` (both libraries' default; each draws its own initial weights and
 * order) and `shuffle: false` from the same initial weights (drawn here, handed to scikit-learn
 * through its `_init_coef`): then both run the same computation, and the workload reports how far
 * Tessera's weights are from scikit-learn's after the 2,500 Adam steps. Tessera runs with its
 * default backend (WebAssembly SIMD) and the plain JavaScript one, for reference.
 *
 * Options: --rows N (500000) --cols C (20) --hidden H (100) --no-python --no-js.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DenseArray, fromArray, toNpy } from '@tessera/array';
import { MLPClassifier, accuracyScore } from '@tessera/estimators';
import { Random, setMLPBackend, type MLPBackend } from '@tessera/estimators/internal';
import { median, peakRssMB, type BenchContext, type BenchRecord, type Workload } from '../harness.js';
import { linearProblem } from './data.js';

interface Data {
  X: DenseArray<'float64'>;
  y: DenseArray<'float64'>;
  coefsInit: DenseArray<'float64'>[];
  interceptsInit: DenseArray<'float64'>[];
}

/** X ~ N(0, 1), y = [X·w + N(0, 1) > 0] (as the sgd workload), and Glorot-uniform initial weights. */
function makeData(rows: number, cols: number, hidden: number): Data {
  const rng = new Random(20241121);
  const { X, y } = linearProblem(rows, cols, rng);
  const units = [cols, hidden, 1];
  const coefsInit: DenseArray<'float64'>[] = [];
  const interceptsInit: DenseArray<'float64'>[] = [];
  for (let l = 0; l < 2; l++) {
    const bound = Math.sqrt(6 / (units[l]! + units[l + 1]!));
    const c = new Float64Array(units[l]! * units[l + 1]!).map(() => -bound + 2 * bound * rng.random());
    const b = new Float64Array(units[l + 1]!).map(() => -bound + 2 * bound * rng.random());
    coefsInit.push(new DenseArray(c, [units[l]!, units[l + 1]!]));
    interceptsInit.push(new DenseArray(b, [units[l + 1]!]));
  }
  return { X, y, coefsInit, interceptsInit };
}

interface Measured {
  seconds: { partialFit: number; predictProba: number; predict: number; total: number };
  coefs: Float64Array[];
  accuracy: number;
  loss: number;
}

function measureTessera(data: Data, hidden: number, shuffle: boolean): Measured {
  const clf = new MLPClassifier({
    hiddenLayerSizes: [hidden],
    shuffle,
    randomState: 0,
    ...(shuffle ? {} : { coefsInit: data.coefsInit, interceptsInit: data.interceptsInit }),
  });
  const t0 = performance.now();
  clf.partialFit(data.X, data.y, { classes: [0, 1] });
  const t1 = performance.now();
  clf.predictProba(data.X);
  const t2 = performance.now();
  const pred = clf.predict(data.X);
  const t3 = performance.now();
  const s = { partialFit: (t1 - t0) / 1000, predictProba: (t2 - t1) / 1000, predict: (t3 - t2) / 1000, total: 0 };
  s.total = s.partialFit + s.predictProba + s.predict;
  return {
    seconds: s,
    coefs: [...clf.coefs_.map((c) => c.data.slice()), ...clf.intercepts_.map((b) => b.data.slice())],
    accuracy: accuracyScore(data.y, pred),
    loss: clf.loss_,
  };
}

function maxRelDiff(a: readonly Float64Array[], b: readonly number[][]): number {
  let worst = 0;
  let scale = 0;
  for (const v of b) for (const x of v) scale = Math.max(scale, Math.abs(x));
  a.forEach((arr, l) =>
    arr.forEach((x, i) => (worst = Math.max(worst, Math.abs(x - b[l]![i]!) / Math.max(1e-3 * scale, Math.abs(b[l]![i]!))))),
  );
  return worst;
}

export const mlp: Workload = {
  name: 'mlp',
  description:
    'one MLPClassifier partialFit epoch (100 relu units, adam, batches of 200) + predictProba + predict on a 500k×20 block vs scikit-learn',
  async run(ctx: BenchContext): Promise<BenchRecord[]> {
    const rows = Number(ctx.options['rows'] ?? 500_000);
    const cols = Number(ctx.options['cols'] ?? 20);
    const hidden = Number(ctx.options['hidden'] ?? 100);
    const t0 = performance.now();
    const data = makeData(rows, cols, hidden);
    const dir = join(ctx.tmpDir, `mlp-${rows}x${cols}-h${hidden}`);
    if (!existsSync(join(dir, 'done'))) {
      mkdirSync(dir, { recursive: true });
      const opts = { overwrite: true, scheduler: 'sync' as const };
      await toNpy(join(dir, 'X.npy'), fromArray(data.X), opts);
      await toNpy(join(dir, 'y.npy'), fromArray(data.y), opts);
      for (let l = 0; l < 2; l++) {
        await toNpy(join(dir, `coef${l}.npy`), fromArray(data.coefsInit[l]!), opts);
        await toNpy(join(dir, `intercept${l}.npy`), fromArray(data.interceptsInit[l]!), opts);
      }
      writeFileSync(join(dir, 'done'), '');
    }
    ctx.log(`mlp: ${rows} × ${cols} block and initial weights ready in ${((performance.now() - t0) / 1000).toFixed(1)} s (${dir})`);

    const backends: MLPBackend[] = ctx.options['no-js'] === true ? ['auto'] : ['auto', 'js'];
    const variantOf = (b: MLPBackend) => (b === 'auto' ? 'default (wasm)' : 'js backend');
    const records: BenchRecord[] = [];
    const epochs = new Map<string, number[]>();
    const note = (key: string, s: number) => epochs.set(key, [...(epochs.get(key) ?? []), s]);
    for (const shuffle of [true, false]) {
      const params = { rows, cols, hiddenLayerSizes: [hidden], activation: 'relu', solver: 'adam', batchSize: 200, shuffle };
      for (const b of backends) {
        // Warm up the JIT on a small block.
        const prev = setMLPBackend(b);
        measureTessera(
          {
            ...data,
            X: new DenseArray(data.X.data.subarray(0, 2000 * cols), [2000, cols]),
            y: new DenseArray(data.y.data.subarray(0, 2000), [2000]),
          },
          hidden,
          shuffle,
        );
        setMLPBackend(prev);
      }
      for (let r = 0; r < ctx.runs; r++) {
        let reference: Measured | undefined;
        for (const b of backends) {
          const prev = setMLPBackend(b);
          const m = measureTessera(data, hidden, shuffle);
          setMLPBackend(prev);
          reference ??= m;
          note(`tessera ${variantOf(b)} shuffle=${shuffle}`, m.seconds.partialFit);
          records.push({
            workload: 'mlp',
            engine: 'tessera',
            variant: variantOf(b),
            params,
            seconds: m.seconds,
            peakRssMB: peakRssMB(),
            threads: 1,
            accuracy: m.accuracy,
            loss: m.loss,
          });
          ctx.log(
            `mlp tessera ${variantOf(b)} shuffle=${shuffle}: epoch ${(m.seconds.partialFit * 1e3).toFixed(1)} ms, predictProba ${(m.seconds.predictProba * 1e3).toFixed(1)} ms, predict ${(m.seconds.predict * 1e3).toFixed(1)} ms, loss ${m.loss.toFixed(6)}, accuracy ${m.accuracy.toFixed(4)}`,
          );
        }
        if (ctx.options['no-python'] === true) continue;
        // numpy's BLAS runs the products on every core by default; also measured on one, like Tessera's block.
        for (const threads of ['default', '1']) {
          const py = await ctx.runPython('mlp.py', [dir, shuffle ? 'shuffle' : 'no-shuffle', String(hidden), threads]);
          if ('skipped' in py) {
            ctx.log(`mlp scikit-learn: skipped — ${py.skipped}`);
            continue;
          }
          for (const rec of py) {
            const coefs = rec['coefs'] as number[][];
            if (!shuffle && reference !== undefined) {
              // Same weights, same batches: how far apart are the two after the epoch?
              const diff = maxRelDiff(reference.coefs, coefs);
              rec['maxRelDiffVsTessera'] = diff;
              ctx.log(
                `mlp shuffle=false: Tessera's weights differ from scikit-learn's by ${diff.toExponential(2)} (relative) after the epoch`,
              );
              if (diff > 1e-6)
                throw new Error(`mlp: Tessera's weights differ from scikit-learn's by ${diff.toExponential(2)} without shuffling`);
            }
            delete rec['coefs'];
            const variant = `${rec.threads} thread${rec.threads === 1 ? '' : 's'}`;
            note(`scikit-learn (${variant}) shuffle=${shuffle}`, rec.seconds['partialFit']!);
            records.push({ ...rec, variant, params });
            ctx.log(
              `mlp scikit-learn (${variant}) shuffle=${shuffle}: epoch ${(rec.seconds['partialFit']! * 1e3).toFixed(1)} ms, predict_proba ${(rec.seconds['predictProba']! * 1e3).toFixed(1)} ms, predict ${(rec.seconds['predict']! * 1e3).toFixed(1)} ms, loss ${(rec['loss'] as number).toFixed(6)}, accuracy ${(rec['accuracy'] as number).toFixed(4)}`,
            );
          }
        }
      }
      for (const [key, values] of epochs) {
        if (!key.startsWith('scikit-learn') || !key.endsWith(`shuffle=${shuffle}`)) continue;
        const sk = median(values);
        for (const b of backends) {
          const ts = median(epochs.get(`tessera ${variantOf(b)} shuffle=${shuffle}`) ?? []);
          ctx.log(
            `mlp shuffle=${shuffle}: partialFit epoch, median — tessera ${variantOf(b)} ${(ts * 1e3).toFixed(1)} ms vs ${key.replace(` shuffle=${shuffle}`, '')} ${(sk * 1e3).toFixed(1)} ms: ratio ${(ts / sk).toFixed(3)}`,
          );
        }
      }
    }
    return records;
  },
};
