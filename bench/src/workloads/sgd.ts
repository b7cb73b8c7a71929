/**
 * Workload `sgd`: one partialFit epoch of SGDClassifier (hinge, l2, optimal — the defaults) over
 * one in-memory 500k × 20 float64 block, then decisionFunction and predict over it; Tessera
 * against scikit-learn's partial_fit / decision_function / predict on the same data, alternating
 * run by run in the same harness run.
 *
 * Two settings are measured: `shuffle: true` (the default of both libraries, seeded with
 * random_state 0) and `shuffle: false`. In both, both libraries run exactly the same computation
 * (Tessera's shuffle is scikit-learn's: estimators/src/linear_model/sgd/shuffle.ts), so the
 * workload also checks that Tessera's coefficients equal scikit-learn's (to 1e-9 relative) at
 * this size, shuffled or not.
 * Tessera runs with its default backend (WebAssembly SIMD epochs for blocks this size) and with
 * the plain JavaScript epoch, for reference.
 *
 * A third Tessera variant, 'prepared block', splits the epoch the way the out-of-core chain
 * runs it: `prepareBlock` (rows read into visit order, in WebAssembly memory — done by the task
 * that reads the block, on another worker, with memory recycled between blocks) and the link's
 * `partialFit({ prepared })` (the only part on the chain's serial path); its partialFit phase is
 * the link's share, and the workload checks its coefficients equal the in-memory epoch's. As in
 * the chain's steady state, a released memory is ready for reuse when prepareBlock is timed.
 *
 * The block is generated deterministically (our seeded generator) and written once as X.npy /
 * y.npy under the harness's cache directory for the Python side.
 *
 * Options: --rows N (500000) --cols C (20) --shuffle true|false|both (both) --no-python --no-js
 * --no-prepared.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DenseArray } from '@tessera/array';
import { SGDClassifier, accuracyScore } from '@tessera/estimators';
import { Random, setSGDBackend, type SGDBackend, type SGDPreparedHint } from '@tessera/estimators/internal';
import { median, peakRssMB, type BenchContext, type BenchRecord, type Workload } from '../harness.js';
import { linearProblem, maxRelDiff } from './data.js';

interface Block {
  X: DenseArray<'float64'>;
  y: DenseArray<'float64'>;
}

/** The workload's block (see data.ts). */
function makeBlock(rows: number, cols: number): Block {
  return linearProblem(rows, cols, new Random(20241121));
}

/** Minimal .npy (format 1.0) writer for a C-order float64 array. */
function writeNpy(path: string, data: Float64Array, shape: readonly number[]): void {
  const shapeStr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad === 64 ? 0 : pad) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  writeFileSync(path, Buffer.concat([pre, Buffer.from(header, 'latin1'), body]));
}

interface Measured {
  seconds: { partialFit: number; decisionFunction: number; predict: number; total: number };
  coef: Float64Array;
  intercept: number;
  accuracy: number;
}

function measureTessera(block: Block, shuffle: boolean): Measured {
  const clf = new SGDClassifier({ shuffle, randomState: 0 });
  const t0 = performance.now();
  clf.partialFit(block.X, block.y, { classes: [0, 1] });
  const t1 = performance.now();
  clf.decisionFunction(block.X);
  const t2 = performance.now();
  const pred = clf.predict(block.X);
  const t3 = performance.now();
  const s = { partialFit: (t1 - t0) / 1000, decisionFunction: (t2 - t1) / 1000, predict: (t3 - t2) / 1000, total: 0 };
  s.total = s.partialFit + s.decisionFunction + s.predict;
  return { seconds: s, coef: clf.coef_.data.slice(), intercept: clf.intercept_.data[0]!, accuracy: accuracyScore(block.y, pred) };
}

/**
 * The epoch split as the out-of-core chain runs it: prepareBlock (on the reading worker there),
 * then the link's partialFit over the prepared block. Memory is recycled between calls, as in the chain.
 */
function measurePrepared(block: Block, shuffle: boolean): Measured & { seconds: { prepare: number } } {
  const clf = new SGDClassifier({ shuffle, randomState: 0 });
  // The chain's steady state: a released memory is there to be reused (the pool forgets memories
  // idle for a second, as they are between runs here, which would time page faults instead).
  clf.releaseBlock(clf.prepareBlock(block.X, block.y, { classes: [0, 1], recycle: true })?.hint);
  const t0 = performance.now();
  const p = clf.prepareBlock(block.X, block.y, { classes: [0, 1], recycle: true });
  const t1 = performance.now();
  if (p === null) throw new Error('sgd: prepareBlock returned null');
  clf.partialFit(p.X, p.y!.data, { classes: [0, 1], prepared: p.hint as SGDPreparedHint });
  const t2 = performance.now();
  clf.releaseBlock(p.hint as SGDPreparedHint);
  const s = { prepare: (t1 - t0) / 1000, partialFit: (t2 - t1) / 1000, decisionFunction: 0, predict: 0, total: 0 };
  s.total = s.prepare + s.partialFit;
  return { seconds: s, coef: clf.coef_.data.slice(), intercept: clf.intercept_.data[0]!, accuracy: Number.NaN };
}

export const sgd: Workload = {
  name: 'sgd',
  description: 'one SGDClassifier partialFit epoch (hinge, l2, optimal) + decisionFunction + predict on a 500k×20 block vs scikit-learn',
  async run(ctx: BenchContext): Promise<BenchRecord[]> {
    const rows = Number(ctx.options['rows'] ?? 500_000);
    const cols = Number(ctx.options['cols'] ?? 20);
    const t0 = performance.now();
    const block = makeBlock(rows, cols);
    const dir = join(ctx.tmpDir, `sgd-${rows}x${cols}`);
    if (!existsSync(join(dir, 'y.npy'))) {
      mkdirSync(dir, { recursive: true });
      writeNpy(join(dir, 'X.npy'), block.X.data, block.X.shape);
      writeNpy(join(dir, 'y.npy'), block.y.data, block.y.shape);
    }
    ctx.log(`sgd: ${rows} × ${cols} block ready in ${((performance.now() - t0) / 1000).toFixed(1)} s (${dir})`);

    const backends: SGDBackend[] = ctx.options['no-js'] === true ? ['auto'] : ['auto', 'js'];
    const prepared = ctx.options['no-prepared'] !== true;
    const which = String(ctx.options['shuffle'] ?? 'both');
    if (!['true', 'false', 'both'].includes(which)) throw new Error(`sgd: --shuffle must be true, false or both; got '${which}'.`);
    const settings = which === 'both' ? [true, false] : [which === 'true'];
    const records: BenchRecord[] = [];
    const epochs = new Map<string, number[]>();
    const note = (key: string, s: number) => epochs.set(key, [...(epochs.get(key) ?? []), s]);
    for (const shuffle of settings) {
      const params = { rows, cols, loss: 'hinge', penalty: 'l2', learningRate: 'optimal', shuffle };
      // Warm up the JIT (and, for WebAssembly, grow the module's memory once).
      for (const b of backends) {
        const prev = setSGDBackend(b);
        measureTessera(block, shuffle);
        setSGDBackend(prev);
      }
      if (prepared) measurePrepared(block, shuffle);
      for (let r = 0; r < ctx.runs; r++) {
        let reference: Measured | undefined;
        for (const b of backends) {
          const prev = setSGDBackend(b);
          const m = measureTessera(block, shuffle);
          setSGDBackend(prev);
          reference ??= m;
          const variant = b === 'auto' ? 'default (wasm)' : 'js epoch';
          note(`tessera ${variant} shuffle=${shuffle}`, m.seconds.partialFit);
          records.push({
            workload: 'sgd',
            engine: 'tessera',
            variant,
            params,
            seconds: m.seconds,
            peakRssMB: peakRssMB(),
            threads: 1,
            accuracy: m.accuracy,
            intercept: m.intercept,
          });
          ctx.log(
            `sgd tessera ${variant} shuffle=${shuffle}: epoch ${(m.seconds.partialFit * 1e3).toFixed(1)} ms, decision ${(m.seconds.decisionFunction * 1e3).toFixed(1)} ms, predict ${(m.seconds.predict * 1e3).toFixed(1)} ms, accuracy ${m.accuracy.toFixed(4)}`,
          );
        }
        if (prepared) {
          const m = measurePrepared(block, shuffle);
          const diff =
            reference === undefined ? 0 : Math.max(maxRelDiff(m.coef, reference.coef), maxRelDiff([m.intercept], [reference.intercept]));
          if (diff !== 0)
            throw new Error(`sgd: the prepared block's coefficients differ from the in-memory epoch's (${diff.toExponential(2)} relative)`);
          const variant = 'prepared block';
          note(`tessera ${variant} shuffle=${shuffle}`, m.seconds.partialFit);
          note(`tessera prepare shuffle=${shuffle}`, m.seconds.prepare);
          records.push({ workload: 'sgd', engine: 'tessera', variant, params, seconds: m.seconds, peakRssMB: peakRssMB(), threads: 1 });
          ctx.log(
            `sgd tessera ${variant} shuffle=${shuffle}: prepareBlock ${(m.seconds.prepare * 1e3).toFixed(1)} ms (reading worker), link partialFit ${(m.seconds.partialFit * 1e3).toFixed(1)} ms`,
          );
        }
        if (ctx.options['no-python'] === true) continue;
        const py = await ctx.runPython('sgd.py', [dir, shuffle ? 'shuffle' : 'no-shuffle']);
        if ('skipped' in py) {
          ctx.log(`sgd scikit-learn: skipped — ${py.skipped}`);
          continue;
        }
        for (const rec of py) {
          const coef = rec['coef'] as number[];
          if (reference !== undefined) {
            // Same data, same order (the same seeded shuffle when shuffling): the coefficients must agree.
            const diff = Math.max(maxRelDiff(reference.coef, coef), maxRelDiff([reference.intercept], [rec['intercept'] as number]));
            if (diff > 1e-9)
              throw new Error(
                `sgd: Tessera's coefficients differ from scikit-learn's by ${diff.toExponential(2)} (relative) with shuffle=${shuffle}`,
              );
            rec['maxRelDiffVsTessera'] = diff;
          }
          delete rec['coef'];
          note(`scikit-learn shuffle=${shuffle}`, rec.seconds['partialFit']!);
          records.push({ ...rec, params });
          ctx.log(
            `sgd scikit-learn shuffle=${shuffle}: epoch ${(rec.seconds['partialFit']! * 1e3).toFixed(1)} ms, decision ${(rec.seconds['decisionFunction']! * 1e3).toFixed(1)} ms, predict ${(rec.seconds['predict']! * 1e3).toFixed(1)} ms, accuracy ${(rec['accuracy'] as number).toFixed(4)}`,
          );
        }
      }
      const sk = median(epochs.get(`scikit-learn shuffle=${shuffle}`) ?? []);
      for (const variant of [
        ...backends.map((b) => (b === 'auto' ? 'default (wasm)' : 'js epoch')),
        ...(prepared ? ['prepared block'] : []),
      ]) {
        const ts = median(epochs.get(`tessera ${variant} shuffle=${shuffle}`) ?? []);
        const extra =
          variant === 'prepared block'
            ? ` (link's share; prepareBlock ${(median(epochs.get(`tessera prepare shuffle=${shuffle}`) ?? []) * 1e3).toFixed(1)} ms on the reading worker)`
            : '';
        ctx.log(
          `sgd shuffle=${shuffle}: partialFit epoch, median — tessera ${variant} ${(ts * 1e3).toFixed(1)} ms vs scikit-learn ${(sk * 1e3).toFixed(1)} ms: ratio ${(ts / sk).toFixed(3)}${extra}`,
        );
      }
    }
    return records;
  },
};
