#!/usr/bin/env node
// Runs a small fit-then-predict workload on two worker threads under a Profiler and a
// ResourceProfiler, writes its trace and HTML report, and takes the PNG screenshot used in
// docs/diagnostics.md.
//
//   node scripts/build.mjs && node packages/diagnostics/scripts/docs-screenshot.mjs [OUT_DIR] [PNG]
//
// OUT_DIR (default: a temporary directory) receives demo.trace.json and demo.html; PNG defaults
// to docs/img/diagnostics-report.png.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Graph, ThreadScheduler, ref, registerKernels } from '@tessera/scheduler';
import { Profiler, ResourceProfiler, ProgressBar, diagnose, writeTrace, writeReport, screenshotReport } from '@tessera/diagnostics';
import { kernels } from './demo-kernels.mjs';

registerKernels(new URL('./demo-kernels.mjs', import.meta.url), kernels);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const outDir = process.argv[2] ?? (await mkdtemp(join(tmpdir(), 'tessera-docs-')));
const png = process.argv[3] ?? join(root, 'docs', 'img', 'diagnostics-report.png');

const BLOCKS = 16;
const N = 400_000; // 3.2 MB per block
const fit = new Graph();
for (let i = 0; i < BLOCKS; i++) {
  fit.add(`read-${i}`, 'demo.read', [8, N, i]);
  fit.add(`scale-${i}`, 'demo.scale', [4, ref(`read-${i}`)]);
  fit.add(`fit-${i}`, 'demo.partialFit', [10, i ? ref(`fit-${i - 1}`) : { seen: 0, w: 0 }, ref(`scale-${i}`)]);
}
const scheduler = new ThreadScheduler({ threads: 2 });
const prof = new Profiler();
const res = new ResourceProfiler({ interval: 10 });
try {
  await diagnose([prof, res, new ProgressBar()], async () => {
    const { [`fit-${BLOCKS - 1}`]: model } = await scheduler.run(fit, [`fit-${BLOCKS - 1}`], { memoryLimit: '24MB' });
    const predict = new Graph();
    for (let i = 0; i < BLOCKS; i++) {
      predict.add(`read-${i}`, 'demo.read', [8, N, i]);
      predict.add(`scale-${i}`, 'demo.scale', [4, ref(`read-${i}`)]);
      predict.add(`predict-${i}`, 'demo.predict', [6, model, ref(`scale-${i}`)]);
    }
    predict.add(
      'count',
      'demo.count',
      Array.from({ length: BLOCKS }, (_, i) => ref(`predict-${i}`)),
    );
    await scheduler.run(predict, ['count'], { memoryLimit: '24MB' });
  });
} finally {
  await scheduler.close();
}
const trace = join(outDir, 'demo.trace.json');
const html = join(outDir, 'demo.html');
await writeTrace(trace, [prof, res]);
await writeReport([prof, res], html, { title: 'Tessera demo: fit (a partialFit chain) then predict, 2 worker threads' });
await screenshotReport(html, png, { width: 1400 });
console.log(`wrote ${trace}\nwrote ${html}\nwrote ${png}`);
