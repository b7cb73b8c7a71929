/**
 * The task profiler: dask's `Profiler`, as a scheduler listener. It keeps the scheduler's task
 * events as they are — the event object *is* the record, so recording costs one array push per
 * task — plus one record per run.
 */
import { availableParallelism } from 'node:os';
import type { RunInfo, SchedulerCallbacks, TaskEvent } from '@tessera/scheduler';
import { TraceFileError } from './errors.js';
import { OUTPUT_KINDS, parseJSONFile, readTextFile, writeFileAtomic, type WriteOptions } from './files.js';
import {
  csvField,
  csvNumber,
  parseCSV,
  runRecord,
  type ProfileData,
  type RecordSource,
  type RunRecord,
  type TaskRecord,
} from './records.js';
import { writeTrace } from './trace.js';

/** Columns of {@link Profiler.toCSV}, in order. */
export const TASK_CSV_COLUMNS = ['key', 'kernel', 'worker', 'start', 'end', 'bytes', 'runId'] as const;

/** The JSON form of a profiler's records ({@link Profiler.toJSON}). */
export interface ProfilerJSON {
  readonly format: 'tessera-profile-v1';
  readonly tasks: readonly TaskRecord[];
  readonly runs: readonly RunRecord[];
}

/**
 * Records every task of the runs it listens to: key, kernel, worker thread id, start and end
 * (ms, measured on the worker, one clock for all threads) and bytes produced, plus one
 * {@link RunRecord} per run. A worker that died and was replaced shows up under its new thread
 * id, so it gets a row of its own in the timeline.
 *
 * @example
 * const prof = new Profiler();
 * await diagnose([prof], () => compute(graph, ['total']));
 * prof.records.length;                   // tasks that ran
 * await prof.writeTrace('run.trace.json'); // open in Perfetto or chrome://tracing
 * await prof.writeCSV('tasks.csv');
 */
export class Profiler implements SchedulerCallbacks, RecordSource {
  /** Tasks in the order their timings arrived (cheap tasks arrive when their batch returns). */
  readonly records: TaskRecord[] = [];
  readonly #runs = new Map<number, RunRecord>();
  readonly #live = new Map<number, RunInfo>();

  /** Runs seen so far; a run still going has `end: null`. */
  get runs(): RunRecord[] {
    return [...this.#runs.values()].map((r) => {
      const live = this.#live.get(r.id);
      return live ? runRecord(live, null) : r;
    });
  }

  onRunStart(run: RunInfo): void {
    this.#live.set(run.id, run);
    this.#runs.set(run.id, runRecord(run, null));
  }

  onTaskEnd(event: TaskEvent): void {
    this.records.push(event);
  }

  onRunEnd(run: RunInfo, error?: unknown): void {
    this.#live.delete(run.id);
    this.#runs.set(run.id, runRecord(run, performance.timeOrigin + performance.now(), error));
  }

  /** Forgets everything recorded so far. */
  clear(): void {
    this.records.length = 0;
    this.#runs.clear();
    this.#live.clear();
  }

  profileData(): ProfileData {
    return { tasks: this.records, runs: this.runs, samples: [], interval: 0, cpus: availableParallelism(), pid: process.pid };
  }

  /** The records as plain JSON (what `JSON.stringify(profiler)` writes); read back with {@link Profiler.fromJSON}. */
  toJSON(): ProfilerJSON {
    return { format: 'tessera-profile-v1', tasks: this.records, runs: this.runs };
  }

  /** The task records as CSV with the header `key,kernel,worker,start,end,bytes,runId`; read back with {@link Profiler.fromCSV}. */
  toCSV(): string {
    const lines = [TASK_CSV_COLUMNS.join(',')];
    for (const r of this.records) {
      lines.push(`${csvField(r.key)},${csvField(r.kernel)},${r.worker},${r.start},${r.end},${r.bytes},${r.runId}`);
    }
    return lines.join('\n') + '\n';
  }

  /** Writes {@link toJSON} to `file` (atomically: a temporary file renamed into place). */
  writeJSON(file: string, options?: WriteOptions): Promise<void> {
    return writeFileAtomic(file, JSON.stringify(this.toJSON()), OUTPUT_KINDS.profileJSON, options);
  }

  /** Writes {@link toCSV} to `file` (atomically). */
  writeCSV(file: string, options?: WriteOptions): Promise<void> {
    return writeFileAtomic(file, this.toCSV(), OUTPUT_KINDS.profileCSV, options);
  }

  /**
   * Writes a Chrome Trace Event file (opens in Perfetto and chrome://tracing) of these tasks.
   * To add resource counters, use the function form: `writeTrace(file, [prof, res])`.
   */
  writeTrace(file: string): Promise<void> {
    return writeTrace(file, this);
  }

  /**
   * A profiler holding the records of {@link toJSON} output (an object, or JSON text). `where`
   * names the input in errors.
   */
  static fromJSON(json: ProfilerJSON | string, where = 'profile JSON'): Profiler {
    const obj = (typeof json === 'string' ? parseJSONFile(where, json) : json) as Partial<ProfilerJSON> | null;
    if (obj === null || typeof obj !== 'object' || obj.format !== 'tessera-profile-v1') {
      throw new TraceFileError(where, `not a Tessera profile (expected "format": "tessera-profile-v1").`);
    }
    if (!Array.isArray(obj.tasks) || !Array.isArray(obj.runs)) throw new TraceFileError(where, `expected "tasks" and "runs" arrays.`);
    const prof = new Profiler();
    obj.tasks.forEach((t, i) => prof.records.push(checkTask(t, where, `tasks[${i}]`)));
    for (const r of obj.runs) prof.#runs.set(r.id, r);
    return prof;
  }

  /** A profiler holding the task records of {@link toCSV} output. `where` names the input in errors. */
  static fromCSV(text: string, where = 'profile CSV'): Profiler {
    const rows = parseCSV(text, where);
    const header = rows[0];
    if (!header || header.join(',') !== TASK_CSV_COLUMNS.join(',')) {
      throw new TraceFileError(where, `expected the header '${TASK_CSV_COLUMNS.join(',')}'; got '${header?.join(',') ?? ''}'.`);
    }
    const prof = new Profiler();
    for (let i = 1; i < rows.length; i++) {
      const f = rows[i]!;
      if (f.length === 1 && f[0] === '') continue;
      if (f.length !== TASK_CSV_COLUMNS.length) {
        throw new TraceFileError(where, `row ${i + 1} has ${f.length} fields; expected ${TASK_CSV_COLUMNS.length}.`);
      }
      const num = (j: number) => csvNumber(f[j], where, TASK_CSV_COLUMNS[j]!, i + 1);
      prof.records.push({ key: f[0]!, kernel: f[1]!, worker: num(2), start: num(3), end: num(4), bytes: num(5), runId: num(6) });
    }
    return prof;
  }

  /** Reads a file written by {@link writeJSON} or {@link writeCSV} (by its extension: `.csv` or JSON). */
  static async load(file: string): Promise<Profiler> {
    const text = await readTextFile(file);
    return file.toLowerCase().endsWith('.csv') ? Profiler.fromCSV(text, file) : Profiler.fromJSON(text, file);
  }
}

function checkTask(t: unknown, where: string, path: string): TaskRecord {
  const r = t as Record<string, unknown>;
  if (r === null || typeof r !== 'object') throw new TraceFileError(where, `${path} is not an object.`);
  for (const k of ['key', 'kernel'] as const)
    if (typeof r[k] !== 'string') throw new TraceFileError(where, `${path}.${k} must be a string.`);
  for (const k of ['worker', 'start', 'end', 'bytes', 'runId'] as const) {
    if (typeof r[k] !== 'number') throw new TraceFileError(where, `${path}.${k} must be a number.`);
  }
  return r as unknown as TaskRecord;
}
