// Generated from docs/concepts.md (program concepts-03, 2 blocks) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import { fromNpyDir } from '@tessera/array';
import { Incremental, SGDClassifier, StandardScaler, makePipeline } from '@tessera/estimators';
import { Profiler, diagnose } from '@tessera/diagnostics';

const { X, y } = await fromNpyDir('data/');
if (!X || !y) throw new Error('data/ must hold X and y chunks');
const pipe = makePipeline(
  new StandardScaler(),
  new Incremental(new SGDClassifier({ loss: 'hinge', randomState: 2 }), { classes: [0, 1], shuffleBlocks: false }),
);
const prof = new Profiler();
await diagnose([prof], () => pipe.fit(X, y, { memoryLimit: '8MB' }));
const peak = Math.max(...prof.runs.map((r) => r.peakHeldBytes));
console.log(`X: ${X.nbytes / 1e6} MB; held at most ${(peak / 1e6).toFixed(1)} MB with an 8 MB budget`);
// e.g. X: 32 MB; held at most 9.8 MB with an 8 MB budget (three 3.2 MB blocks)

const chain = prof.records.filter((r) => r.runId === prof.runs[1]!.id).sort((a, b) => a.start - b.start);
const t0 = chain[0]!.start;
for (const r of chain.slice(0, 8)) console.log(`worker ${r.worker}  ${(r.start - t0).toFixed(1).padStart(6)} ms  ${r.kernel}`);
// e.g., on two workers:
// worker 1     0.0 ms  est.prepareBlock    (read, standardize, order block 0's rows)
// worker 2     2.9 ms  est.prepareBlock    (block 1, ahead of the chain)
// worker 1    19.6 ms  est.partialFitLink  (link 0)
// worker 2    24.8 ms  est.prepareBlock    (block 2, while link 0 runs)
// worker 1    32.2 ms  est.partialFitLink  (link 1)
// …
