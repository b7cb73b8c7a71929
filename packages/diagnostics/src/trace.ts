/**
 * Chrome Trace Event export (the JSON Object Format, which Perfetto and chrome://tracing open):
 *
 * - one complete event (`ph: 'X'`) per task, on the track of the worker that ran it
 *   (`pid` = the process, `tid` = the worker's thread id; the main thread uses the pid, as on
 *   Linux), named by kernel, with the task key, bytes and run id as args;
 * - thread-name metadata (`ph: 'M'`) "worker <threadId>", sorted by thread id;
 * - counter tracks (`ph: 'C'`) for RSS, CPU %, held bytes and busy workers (one per sample);
 * - one async span (`ph: 'b'`/`'e'`) per scheduler run.
 *
 * `ts`/`dur` are µs from the first event. Tessera's own records ride along, exactly, in the
 * top-level `metadata` dictionary (`metadata.tessera`, columnar), so `loadTrace` gives back the
 * very {@link ProfileData} the trace was written from and a report rebuilt from a saved trace is
 * the same report. `metadata` comes after `traceEvents` and `otherData` holds only short strings:
 * Perfetto's JSON reader skips `metadata` and wants `otherData` small.
 */
import { TraceFileError } from './errors.js';
import { OUTPUT_KINDS, parseJSONFile, readTextFile, writeFileAtomic, type WriteOptions } from './files.js';
import { collect, type ProfileData, type ProfileSource, type ResourceSample, type RunRecord, type TaskRecord } from './records.js';

/** One Chrome Trace Event. */
export interface TraceEvent {
  readonly name: string;
  readonly ph: 'X' | 'M' | 'C' | 'b' | 'e';
  readonly pid: number;
  readonly tid?: number;
  /** µs from the trace's origin. */
  readonly ts?: number;
  /** µs. */
  readonly dur?: number;
  readonly cat?: string;
  readonly id?: number;
  readonly args?: Readonly<Record<string, unknown>>;
}

/** Tessera's records inside a trace, columnar (exact: every number as recorded). */
export interface TraceRecords {
  readonly format: 'tessera-trace-v1';
  readonly pid: number;
  readonly cpus: number;
  readonly interval: number;
  readonly kernels: readonly string[];
  readonly tasks: {
    readonly key: readonly string[];
    /** Index into `kernels`. */
    readonly kernel: readonly number[];
    readonly worker: readonly number[];
    readonly start: readonly number[];
    readonly end: readonly number[];
    readonly bytes: readonly number[];
    readonly runId: readonly number[];
  };
  readonly runs: readonly RunRecord[];
  readonly samples: {
    readonly time: readonly number[];
    readonly rssBytes: readonly number[];
    readonly cpuPercent: readonly number[];
    readonly heldBytes: readonly number[];
    /** Per worker thread id: its busy fraction in each sample (`null`: the sample has none). */
    readonly busy: Readonly<Record<string, readonly (number | null)[]>>;
  };
}

/** A Chrome Trace Event file in the JSON Object Format. */
export interface ChromeTrace {
  readonly displayTimeUnit: 'ms';
  readonly otherData: Readonly<Record<string, string>>;
  readonly traceEvents: readonly TraceEvent[];
  readonly metadata: { readonly tessera: TraceRecords };
}

/** µs from `origin`, rounded to the ns. */
function us(t: number, origin: number): number {
  return Math.round((t - origin) * 1e6) / 1e3;
}

/** Track of a worker: its thread id; the main thread (0) gets the pid, as on Linux. */
export function workerTid(worker: number, pid: number): number {
  return worker === 0 ? pid : worker;
}

/** Display name of a worker. */
export function workerName(worker: number): string {
  return worker === 0 ? 'main thread' : `worker ${worker}`;
}

/** Earliest time in the data (ms): the trace's and the report's time origin. */
export function timeOrigin(data: ProfileData): number {
  let t0 = Infinity;
  for (const t of data.tasks) if (t.start < t0) t0 = t.start;
  for (const r of data.runs) if (r.start < t0) t0 = r.start;
  for (const s of data.samples) if (s.time < t0) t0 = s.time;
  return Number.isFinite(t0) ? t0 : 0;
}

/**
 * Builds the Chrome trace of what `sources` recorded (profilers or loaded data).
 *
 * @example
 * const trace = buildTrace([prof, res]);
 * trace.traceEvents.filter((e) => e.ph === 'X').length === prof.records.length; // true
 */
export function buildTrace(sources: ProfileSource | readonly ProfileSource[]): ChromeTrace {
  const data = collect(sources);
  const pid = data.pid || process.pid;
  const origin = timeOrigin(data);
  const events: TraceEvent[] = [{ name: 'process_name', ph: 'M', pid, args: { name: `tessera (pid ${pid})` } }];
  const workers = [...new Set(data.tasks.map((t) => t.worker))].sort((a, b) => a - b);
  workers.forEach((w, i) => {
    const tid = workerTid(w, pid);
    events.push({ name: 'thread_name', ph: 'M', pid, tid, args: { name: workerName(w) } });
    events.push({ name: 'thread_sort_index', ph: 'M', pid, tid, args: { sort_index: i } });
  });
  let end = origin;
  for (const t of data.tasks) {
    events.push({
      name: t.kernel,
      cat: 'task',
      ph: 'X',
      pid,
      tid: workerTid(t.worker, pid),
      ts: us(t.start, origin),
      dur: us(t.end, t.start),
      args: { key: t.key, bytes: t.bytes, run: t.runId },
    });
    if (t.end > end) end = t.end;
  }
  for (const s of data.samples) {
    const ts = us(s.time, origin);
    let busy = 0;
    for (const w in s.workerBusy) busy += s.workerBusy[w]!;
    events.push({ name: 'RSS', ph: 'C', pid, ts, args: { bytes: s.rssBytes } });
    events.push({ name: 'CPU %', ph: 'C', pid, ts, args: { percent: s.cpuPercent } });
    events.push({ name: 'held bytes', ph: 'C', pid, ts, args: { bytes: s.heldBytes } });
    events.push({ name: 'busy workers', ph: 'C', pid, ts, args: { workers: busy } });
    if (s.time > end) end = s.time;
  }
  for (const r of data.runs) {
    const args: Record<string, unknown> = {
      scheduler: r.scheduler,
      tasks: r.tasks,
      workers: r.workers,
      memoryLimit: r.memoryLimit,
      peakHeldBytes: r.peakHeldBytes,
    };
    if (r.error !== undefined) args['error'] = r.error;
    events.push({ name: `run ${r.id}`, cat: 'run', ph: 'b', id: r.id, pid, tid: pid, ts: us(r.start, origin), args });
    events.push({ name: `run ${r.id}`, cat: 'run', ph: 'e', id: r.id, pid, tid: pid, ts: us(r.end ?? end, origin) });
  }
  return {
    displayTimeUnit: 'ms',
    otherData: { producer: 'tessera', format: 'tessera-trace-v1', origin: new Date(origin).toISOString() },
    traceEvents: events,
    metadata: { tessera: toRecords(data, pid) },
  };
}

function toRecords(data: ProfileData, pid: number): TraceRecords {
  const kernels: string[] = [];
  const kernelIndex = new Map<string, number>();
  const n = data.tasks.length;
  const tasks = {
    key: new Array<string>(n),
    kernel: new Array<number>(n),
    worker: new Array<number>(n),
    start: new Array<number>(n),
    end: new Array<number>(n),
    bytes: new Array<number>(n),
    runId: new Array<number>(n),
  };
  data.tasks.forEach((t, i) => {
    let k = kernelIndex.get(t.kernel);
    if (k === undefined) {
      k = kernels.length;
      kernels.push(t.kernel);
      kernelIndex.set(t.kernel, k);
    }
    tasks.key[i] = t.key;
    tasks.kernel[i] = k;
    tasks.worker[i] = t.worker;
    tasks.start[i] = t.start;
    tasks.end[i] = t.end;
    tasks.bytes[i] = t.bytes;
    tasks.runId[i] = t.runId;
  });
  const m = data.samples.length;
  const busy: Record<string, (number | null)[]> = {};
  data.samples.forEach((s, i) => {
    for (const w in s.workerBusy) (busy[w] ??= new Array<number | null>(m).fill(null))[i] = s.workerBusy[w]!;
  });
  return {
    format: 'tessera-trace-v1',
    pid,
    cpus: data.cpus,
    interval: data.interval,
    kernels,
    tasks,
    runs: data.runs,
    samples: {
      time: data.samples.map((s) => s.time),
      rssBytes: data.samples.map((s) => s.rssBytes),
      cpuPercent: data.samples.map((s) => s.cpuPercent),
      heldBytes: data.samples.map((s) => s.heldBytes),
      busy,
    },
  };
}

/**
 * Writes the Chrome trace of `sources` to `file` (atomically). Open it in Perfetto
 * (ui.perfetto.dev, "Open trace file") or chrome://tracing; rebuild the HTML report from it with
 * `tessera report FILE -o report.html`.
 *
 * @example
 * await writeTrace('fit.trace.json', [prof, res]);
 */
export async function writeTrace(file: string, sources: ProfileSource | readonly ProfileSource[], options?: WriteOptions): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(buildTrace(sources)), OUTPUT_KINDS.trace, options);
}

/**
 * Reads a trace written by {@link writeTrace} back into the {@link ProfileData} it was built from.
 * Also accepts the JSON of `Profiler.writeJSON` and `ResourceProfiler.writeJSON`. A missing,
 * unreadable or malformed file is a {@link TraceFileError} naming the file and what was wrong.
 *
 * @example
 * const data = await loadTrace('fit.trace.json');
 * await writeReport(data, 'fit.html');
 */
export async function loadTrace(file: string): Promise<ProfileData> {
  return parseTrace(parseJSONFile(file, await readTextFile(file)), file);
}

/**
 * {@link loadTrace} for JSON already parsed (or JSON text); `where` names the input in errors.
 *
 * @example
 * const data = parseTrace(await response.json(), 'uploaded trace');
 */
export function parseTrace(json: unknown, where = 'trace'): ProfileData {
  const obj = typeof json === 'string' ? parseJSONFile(where, json) : json;
  const fail = (msg: string): never => {
    throw new TraceFileError(where, msg);
  };
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    return fail(
      `not a Tessera trace: expected a JSON object with "traceEvents" and "metadata"; got ${Array.isArray(obj) ? 'an array' : obj === null ? 'null' : typeof obj}.`,
    );
  }
  const o = obj as Record<string, unknown>;
  if (o['format'] === 'tessera-profile-v1') return fromProfileJSON(o, fail);
  if (o['format'] === 'tessera-resources-v1') return fromResourceJSON(o, fail);
  const meta = o['metadata'] as Record<string, unknown> | undefined;
  const rec = meta?.['tessera'] as Record<string, unknown> | undefined;
  if (rec === undefined || rec === null || typeof rec !== 'object') {
    return fail(
      Array.isArray(o['traceEvents'])
        ? 'a Chrome trace, but not one Tessera wrote: it has no "metadata.tessera" records to build a report from.'
        : 'not a Tessera trace: no "traceEvents" and no "metadata.tessera" records.',
    );
  }
  if (rec['format'] !== 'tessera-trace-v1')
    return fail(`metadata.tessera.format must be "tessera-trace-v1"; got ${JSON.stringify(rec['format'])}.`);
  const num = (path: string, v: unknown): number =>
    typeof v === 'number' && Number.isFinite(v) ? v : fail(`${path} must be a finite number; got ${JSON.stringify(v)}.`);
  const column = <T>(path: string, v: unknown, n: number | undefined, check: (x: unknown) => x is T): T[] => {
    if (!Array.isArray(v)) return fail(`${path} must be an array.`);
    if (n !== undefined && v.length !== n) return fail(`${path} has ${v.length} entries; expected ${n}.`);
    for (let i = 0; i < v.length; i++) if (!check(v[i])) fail(`${path}[${i}] has the wrong type (${JSON.stringify(v[i])}).`);
    return v as T[];
  };
  const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
  const isStr = (x: unknown): x is string => typeof x === 'string';
  const base = 'metadata.tessera';
  const kernels = column(`${base}.kernels`, rec['kernels'], undefined, isStr);
  const t = (rec['tasks'] ?? fail(`${base}.tasks is missing.`)) as Record<string, unknown>;
  const keys = column(`${base}.tasks.key`, t['key'], undefined, isStr);
  const n = keys.length;
  const kernelIdx = column(
    `${base}.tasks.kernel`,
    t['kernel'],
    n,
    (x): x is number => Number.isInteger(x) && (x as number) >= 0 && (x as number) < kernels.length,
  );
  const worker = column(`${base}.tasks.worker`, t['worker'], n, isNum);
  const start = column(`${base}.tasks.start`, t['start'], n, isNum);
  const end = column(`${base}.tasks.end`, t['end'], n, isNum);
  const bytes = column(`${base}.tasks.bytes`, t['bytes'], n, isNum);
  const runId = column(`${base}.tasks.runId`, t['runId'], n, isNum);
  const tasks: TaskRecord[] = new Array(n);
  for (let i = 0; i < n; i++) {
    tasks[i] = {
      runId: runId[i]!,
      key: keys[i]!,
      kernel: kernels[kernelIdx[i]!]!,
      worker: worker[i]!,
      start: start[i]!,
      end: end[i]!,
      bytes: bytes[i]!,
    };
  }
  const runs = column(`${base}.runs`, rec['runs'], undefined, (x): x is RunRecord => x !== null && typeof x === 'object');
  runs.forEach((r, i) => {
    for (const k of ['id', 'tasks', 'workers', 'start', 'memoryLimit', 'peakHeldBytes'] as const) num(`${base}.runs[${i}].${k}`, r[k]);
    if (r.end !== null) num(`${base}.runs[${i}].end`, r.end);
  });
  const s = (rec['samples'] ?? fail(`${base}.samples is missing.`)) as Record<string, unknown>;
  const time = column(`${base}.samples.time`, s['time'], undefined, isNum);
  const m = time.length;
  const rss = column(`${base}.samples.rssBytes`, s['rssBytes'], m, isNum);
  const cpu = column(`${base}.samples.cpuPercent`, s['cpuPercent'], m, isNum);
  const held = column(`${base}.samples.heldBytes`, s['heldBytes'], m, isNum);
  const busyObj = s['busy'];
  if (busyObj === null || typeof busyObj !== 'object' || Array.isArray(busyObj)) return fail(`${base}.samples.busy must be an object.`);
  const busy = Object.entries(busyObj as Record<string, unknown>).map(
    ([w, col]) => [Number(w), column(`${base}.samples.busy.${w}`, col, m, (x): x is number | null => x === null || isNum(x))] as const,
  );
  const samples: ResourceSample[] = new Array(m);
  for (let i = 0; i < m; i++) {
    const workerBusy: Record<number, number> = {};
    for (const [w, col] of busy) if (col[i] !== null) workerBusy[w] = col[i]!;
    samples[i] = { time: time[i]!, rssBytes: rss[i]!, cpuPercent: cpu[i]!, heldBytes: held[i]!, workerBusy };
  }
  return {
    tasks,
    runs,
    samples,
    interval: num(`${base}.interval`, rec['interval']),
    cpus: num(`${base}.cpus`, rec['cpus']),
    pid: num(`${base}.pid`, rec['pid']),
  };
}

function fromProfileJSON(o: Record<string, unknown>, fail: (msg: string) => never): ProfileData {
  const tasks = o['tasks'];
  const runs = o['runs'];
  if (!Array.isArray(tasks) || !Array.isArray(runs)) return fail('a Tessera profile needs "tasks" and "runs" arrays.');
  tasks.forEach((t: Record<string, unknown>, i) => {
    if (t === null || typeof t !== 'object') fail(`tasks[${i}] is not an object.`);
    for (const k of ['key', 'kernel']) if (typeof t[k] !== 'string') fail(`tasks[${i}].${k} must be a string.`);
    for (const k of ['worker', 'start', 'end', 'bytes', 'runId']) if (typeof t[k] !== 'number') fail(`tasks[${i}].${k} must be a number.`);
  });
  return { tasks: tasks as TaskRecord[], runs: runs as RunRecord[], samples: [], interval: 0, cpus: 0, pid: 0 };
}

function fromResourceJSON(o: Record<string, unknown>, fail: (msg: string) => never): ProfileData {
  const samples = o['samples'];
  if (!Array.isArray(samples)) return fail('Tessera resource samples need a "samples" array.');
  samples.forEach((s: Record<string, unknown>, i) => {
    if (s === null || typeof s !== 'object') fail(`samples[${i}] is not an object.`);
    for (const k of ['time', 'rssBytes', 'cpuPercent', 'heldBytes'])
      if (typeof s[k] !== 'number') fail(`samples[${i}].${k} must be a number.`);
  });
  return {
    tasks: [],
    runs: [],
    samples: samples as ResourceSample[],
    interval: typeof o['interval'] === 'number' ? o['interval'] : 0,
    cpus: 0,
    pid: 0,
  };
}
