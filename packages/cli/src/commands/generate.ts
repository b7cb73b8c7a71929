import type { Command } from 'commander';
import { makeClassification, toArrow, toNpyDir } from '@tessera/array';
import { ThreadScheduler } from '@tessera/scheduler';
import { ProgressBar, diagnose } from '@tessera/diagnostics';
import { UsageError, nonNegativeInt, outputErrorForFlag, positiveInt, positiveSize } from '../options.js';
import { interruptSignal } from '../interrupt.js';

/**
 * `tessera generate`: writes a synthetic classification dataset (scikit-learn's
 * make_classification model) block by block on every core — an npy-chunks-v1 directory
 * (docs/formats.md, "Dataset directories") or an Arrow IPC file — atomically, with a progress bar.
 */
export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('Write a synthetic classification dataset (npy chunk directory or Arrow IPC file)')
    .requiredOption('--out <path>', 'output directory (npy) or file (arrow)')
    .option('--rows <n>', 'rows', '1000000')
    .option('--cols <n>', 'features', '20')
    .option('--chunk-rows <n>', 'rows per block (one .npy file / record batch each)', '500000')
    .option('--format <format>', 'npy or arrow', 'npy')
    .option('--seed <n>', 'random seed', '0')
    .option('--informative <n>', 'informative features (default: min(10, cols))')
    .option('--classes <n>', 'classes', '2')
    .option('--dtype <dtype>', 'float64 or float32', 'float64')
    .option('--threads <n>', 'worker threads (default: all cores)')
    .option('--memory-limit <size>', 'memory budget of the run: 2GB = 2·10^9 bytes, 2GiB = 2^31', '2GB')
    .option('--overwrite', 'replace an existing output, whatever it is')
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const rows = positiveInt('rows', String(opts['rows']));
      const cols = positiveInt('cols', String(opts['cols']));
      const chunkRows = positiveInt('chunk-rows', String(opts['chunkRows']));
      const classes = positiveInt('classes', String(opts['classes']));
      const seed = nonNegativeInt('seed', String(opts['seed']));
      const format = String(opts['format']);
      if (format !== 'npy' && format !== 'arrow') throw new UsageError(`--format must be npy or arrow; got '${format}'.`);
      const dtype = String(opts['dtype']);
      if (dtype !== 'float64' && dtype !== 'float32') throw new UsageError(`--dtype must be float64 or float32; got '${dtype}'.`);
      if (classes < 2) throw new UsageError(`--classes must be at least 2; got ${classes}.`);
      const memoryLimit = positiveSize('memory-limit', String(opts['memoryLimit']));
      const nInformative = opts['informative'] ? positiveInt('informative', String(opts['informative'])) : Math.min(10, cols);
      const nRedundant = Math.min(Math.max(0, cols - nInformative), Math.max(0, Math.floor(nInformative / 2)));
      const { X, y } = makeClassification({
        nSamples: rows,
        nFeatures: cols,
        nInformative,
        nRedundant,
        nClasses: classes,
        randomState: seed,
        chunks: chunkRows,
        dtype,
      });
      const scheduler = new ThreadScheduler(opts['threads'] ? { threads: positiveInt('threads', String(opts['threads'])) } : {});
      const out = String(opts['out']);
      const run = { scheduler, memoryLimit, signal: interruptSignal(), overwrite: opts['overwrite'] === true ? ('force' as const) : false };
      const t0 = performance.now();
      try {
        await diagnose([new ProgressBar({ label: 'generate' })], async () => {
          if (format === 'npy') await toNpyDir(out, { X, y }, run);
          else await toArrow(out, { X, y }, { ...run, yName: 'y' });
        });
      } catch (error) {
        throw outputErrorForFlag(error, '--out');
      } finally {
        await scheduler.close();
      }
      const s = (performance.now() - t0) / 1000;
      const mb = (X.nbytes + y.nbytes) / 1e6;
      console.log(
        `wrote ${rows.toLocaleString('en-US')} × ${cols} ${dtype} (+ int32 y) as ${format} to ${out} in ${s.toFixed(1)} s (${(mb / s).toFixed(0)} MB/s, ${X.numBlocks[0]} blocks)`,
      );
    });
}
