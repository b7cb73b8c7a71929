/**
 * Diagnostics for Tessera runs (dask.diagnostics for Node): profilers that listen to the
 * scheduler, a progress bar, and exporters — Chrome trace JSON, raw JSON/CSV, and a
 * self-contained HTML report.
 *
 * @example
 * const prof = new Profiler(), res = new ResourceProfiler();
 * await diagnose([prof, res, new ProgressBar()], () => compute(graph, keys));
 * await writeTrace('run.trace.json', [prof, res]);
 * await writeReport([prof, res], 'run.html', { title: 'my run' });
 *
 * @module @tessera/diagnostics
 */
export { diagnose, type DiagnosticListener } from './diagnose.js';
export { Profiler, TASK_CSV_COLUMNS, type ProfilerJSON } from './profiler.js';
export { ResourceProfiler, type ResourceProfilerOptions, type ResourceProfilerJSON } from './resource.js';
export { ProgressBar, type ProgressBarOptions, type ProgressStream } from './progress.js';
export {
  collect,
  type TaskRecord,
  type RunRecord,
  type ResourceSample,
  type ProfileData,
  type ProfileSource,
  type RecordSource,
} from './records.js';
export { buildTrace, writeTrace, loadTrace, parseTrace, type ChromeTrace, type TraceEvent, type TraceRecords } from './trace.js';
export {
  buildReport,
  writeReport,
  kernelColors,
  modelOfKey,
  modelColors,
  formatMs,
  formatCount,
  type ReportOptions,
  type WriteReportOptions,
} from './report.js';
export { OUTPUT_KINDS, type WriteOptions } from './files.js';
export { summarize, type ProfileSummary, type KernelSummary, type WorkerSummary } from './summary.js';
export { screenshotReport, CHROMIUM_ARGS, type ScreenshotOptions } from './screenshot.js';
export { TraceFileError } from './errors.js';
