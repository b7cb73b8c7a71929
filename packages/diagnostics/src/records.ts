/**
 * The records every exporter works from. Profilers collect them; the trace, JSON, CSV and HTML
 * exporters only read them (dask's `diagnostics/profile.py` keeps `TaskData` tuples the same way).
 * A {@link ProfileData} is what a set of profilers recorded, merged; a saved trace carries one
 * exactly, so a report rebuilt from the trace is the same report.
 */
import type { RunInfo, TaskEvent } from '@tessera/scheduler';
import { TraceFileError } from './errors.js';

/**
 * One task that ran: the scheduler's event, kept as it is (no copy). Times are ms on the
 * process-wide clock (`performance.timeOrigin + performance.now()`, comparable across threads),
 * measured on the worker that ran the task.
 */
export type TaskRecord = TaskEvent;

/** One run of the scheduler (one `compute`/`scheduler.run` call). */
export interface RunRecord {
  readonly id: number;
  /** `'threads'` or `'sync'`. */
  readonly scheduler: string;
  /** Tasks in the run (after culling). */
  readonly tasks: number;
  /** Worker threads serving the run. */
  readonly workers: number;
  readonly start: number;
  /** When the run finished (ms, same clock); `null` while it runs. */
  readonly end: number | null;
  readonly memoryLimit: number;
  /** Highest bytes of results the scheduler held during the run. */
  readonly peakHeldBytes: number;
  /** The error's message when the run failed. */
  readonly error?: string;
}

/** One sample of the {@link ResourceProfiler}. */
export interface ResourceSample {
  /** When the sample was taken (ms, process-wide clock). */
  readonly time: number;
  /** Resident set size of the process, bytes. */
  readonly rssBytes: number;
  /**
   * CPU time of the whole process (all threads) over the interval since the previous sample, as
   * a percentage of one core: 2 busy cores read 200.
   */
  readonly cpuPercent: number;
  /** Bytes of results the scheduler held (all active runs). */
  readonly heldBytes: number;
  /** Fraction of the interval each worker (by thread id) spent running tasks, 0..1. */
  readonly workerBusy: Readonly<Record<number, number>>;
}

/** Everything a set of profilers recorded: what traces and reports are built from. */
export interface ProfileData {
  readonly tasks: readonly TaskRecord[];
  readonly runs: readonly RunRecord[];
  readonly samples: readonly ResourceSample[];
  /** Sampling interval of the resource samples, ms (0 when there are none). */
  readonly interval: number;
  /** Logical CPUs of the machine that recorded the data. */
  readonly cpus: number;
  /** Process id that recorded the data. */
  readonly pid: number;
}

/** Something that holds records: a `Profiler`, a `ResourceProfiler`, or loaded {@link ProfileData}. */
export interface RecordSource {
  /** The source's records as {@link ProfileData} (parts it does not record are empty). */
  profileData(): ProfileData;
}

/** A source accepted by the exporters. */
export type ProfileSource = RecordSource | ProfileData;

/** Builds a {@link RunRecord} from the live run the scheduler hands to listeners. */
export function runRecord(run: RunInfo, end: number | null, error?: unknown): RunRecord {
  const record: RunRecord = {
    id: run.id,
    scheduler: run.scheduler,
    tasks: run.tasks,
    workers: run.workers,
    start: run.start,
    end,
    memoryLimit: run.memoryLimit,
    peakHeldBytes: run.peakHeldBytes(),
  };
  if (error !== undefined) return { ...record, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  return record;
}

function isRecordSource(s: ProfileSource): s is RecordSource {
  return typeof (s as RecordSource).profileData === 'function';
}

/**
 * Merges what several sources recorded into one {@link ProfileData}: tasks and samples in time
 * order, runs by id (a run seen by two profilers appears once, the finished record winning).
 *
 * @example
 * const data = collect([prof, res]);
 * data.tasks.length === prof.records.length; // true
 */
export function collect(sources: ProfileSource | readonly ProfileSource[]): ProfileData {
  const list = Array.isArray(sources) ? (sources as readonly ProfileSource[]) : [sources as ProfileSource];
  if (list.length === 0) throw new TypeError('Expected at least one profiler or profile data; got an empty list.');
  const parts = list.map((s, i) => {
    if (s === null || typeof s !== 'object') throw new TypeError(`Source ${i} is not a profiler or profile data; got ${String(s)}.`);
    if (isRecordSource(s)) return s.profileData();
    if (!Array.isArray(s.tasks) || !Array.isArray(s.runs) || !Array.isArray(s.samples)) {
      throw new TypeError(`Source ${i} is not a profiler or profile data (expected tasks, runs and samples arrays).`);
    }
    return s;
  });
  if (parts.length === 1) return parts[0]!;
  const tasks: TaskRecord[] = [];
  const samples: ResourceSample[] = [];
  const runs = new Map<number, RunRecord>();
  let interval = 0;
  let cpus = 0;
  let pid = 0;
  // The same profiler passed twice must not double its records.
  const seenTasks = new Set<TaskRecord>();
  const seenSamples = new Set<ResourceSample>();
  for (const p of parts) {
    for (const t of p.tasks) if (!seenTasks.has(t)) (seenTasks.add(t), tasks.push(t));
    for (const s of p.samples) if (!seenSamples.has(s)) (seenSamples.add(s), samples.push(s));
    for (const r of p.runs) {
      const prev = runs.get(r.id);
      if (!prev || (prev.end === null && r.end !== null)) runs.set(r.id, r);
    }
    if (p.samples.length && !interval) interval = p.interval;
    cpus ||= p.cpus;
    pid ||= p.pid;
  }
  tasks.sort((a, b) => a.start - b.start);
  samples.sort((a, b) => a.time - b.time);
  return {
    tasks,
    runs: [...runs.values()].sort((a, b) => a.id - b.id),
    samples,
    interval,
    cpus,
    pid,
  };
}

// --- CSV -----------------------------------------------------------------------------------

/** Quotes a CSV field when it needs it (RFC 4180). */
export function csvField(value: string | number): string {
  if (typeof value === 'number') return String(value);
  return /[",\r\n]/.test(value) || value !== value.trim() ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Parses RFC 4180 CSV text into rows of fields. `where` names the input in errors. */
export function parseCSV(text: string, where: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        if (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          throw new TraceFileError(where, `line ${line}: unexpected character after a closing quote.`);
        }
        continue;
      }
      if (c === '\n') line++;
      field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
      i++;
    } else if (c === ',') {
      row.push(field);
      field = '';
      i++;
    } else if (c === '\n' || c === '\r') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
    } else {
      field += c;
      i++;
    }
  }
  if (quoted) throw new TraceFileError(where, `a quoted field opened on or before line ${line} is never closed.`);
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** Parses a CSV number field; an empty or non-numeric field throws naming the file, row and column. */
export function csvNumber(value: string | undefined, where: string, column: string, row: number): number {
  const x = value === undefined || value.trim() === '' ? NaN : Number(value);
  if (Number.isNaN(x) && value !== 'NaN') {
    throw new TraceFileError(where, `row ${row}: column '${column}' must be a number; got '${value ?? ''}'.`);
  }
  return x;
}
