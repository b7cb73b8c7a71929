// Generated from docs/diagnostics.md (program diagnostics-01) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import { fromNpyDir } from '@tessera/array';
import { Profiler, ResourceProfiler, ProgressBar, diagnose, writeTrace, writeReport } from '@tessera/diagnostics';

const { X } = await fromNpyDir('data/');                        // the dataset of getting-started.md
if (!X) throw new Error('data/ has no X chunks');
const prof = new Profiler();
const res = new ResourceProfiler({ interval: 100 });            // ms between samples
const std = await diagnose([prof, res, new ProgressBar()], () => X.std(0).compute());
console.log(std.shape, prof.records.length, res.samples.length);

await writeTrace('run.trace.json', [prof, res]);                // open in Perfetto or chrome://tracing
await writeReport([prof, res], 'run.html', { title: 'my run' }); // open in any browser, offline
await prof.writeCSV('tasks.csv');                              // raw records
