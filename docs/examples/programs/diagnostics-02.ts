// Generated from docs/diagnostics.md (program diagnostics-02) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import { Profiler, loadTrace, summarize } from '@tessera/diagnostics';

// The files the quick start above wrote.
const fromCsv = await Profiler.load('tasks.csv');
const fromTrace = await loadTrace('run.trace.json');
console.log(fromCsv.records.length === fromTrace.tasks.length); // true
for (const k of summarize(fromTrace).kernels) console.log(k.kernel, k.tasks, `${k.totalMs.toFixed(1)} ms`);
