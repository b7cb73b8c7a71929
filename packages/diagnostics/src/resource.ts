/**
 * The resource profiler: dask's `ResourceProfiler`, plus what a multi-core scheduler needs —
 * bytes the scheduler holds and how busy each worker was.
 *
 * Samples are taken on the main thread by a timer (unref'd: it never keeps the process alive).
 * Worker busy fractions cannot be read at sample time, because a batch's task timings arrive when
 * the batch returns, possibly after the samples that cover it. So each task's [start, end] is
 * added, as it arrives, to the busy time of every sample interval it overlaps (a binary search in
 * the sample times; the interval not yet closed is a slot of its own), and the fractions are
 * computed when `samples` is read. Per task that costs no allocation.
 */
import { availableParallelism } from 'node:os';
import type { RunInfo, SchedulerCallbacks, TaskEvent } from '@tessera/scheduler';
import type { DiagnosticListener } from './diagnose.js';
import { TraceFileError } from './errors.js';
import { OUTPUT_KINDS, parseJSONFile, writeFileAtomic, type WriteOptions } from './files.js';
import { csvField, type ProfileData, type RecordSource, type ResourceSample } from './records.js';
import { writeTrace } from './trace.js';

/** Options of a {@link ResourceProfiler}. */
export interface ResourceProfilerOptions {
  /** Milliseconds between samples (default 100). */
  interval?: number;
}

/** The JSON form of a resource profiler's samples ({@link ResourceProfiler.toJSON}). */
export interface ResourceProfilerJSON {
  readonly format: 'tessera-resources-v1';
  readonly interval: number;
  readonly samples: readonly ResourceSample[];
}

function clock(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Samples, every `interval` ms while a {@link diagnose} scope that registers it is open (or,
 * registered otherwise, while a run is going): the process's resident memory, its CPU use across
 * all threads, the bytes the scheduler holds, and the fraction of each interval every worker spent
 * running tasks.
 *
 * @example
 * const res = new ResourceProfiler({ interval: 50 });
 * await diagnose([res], () => compute(graph, keys));
 * Math.max(...res.samples.map((s) => s.rssBytes)); // peak RSS seen
 */
export class ResourceProfiler implements SchedulerCallbacks, DiagnosticListener, RecordSource {
  readonly interval: number;
  // Closed sample intervals: (since[i], times[i]].
  readonly #times: number[] = [];
  readonly #since: number[] = [];
  readonly #rss: number[] = [];
  readonly #cpu: number[] = [];
  readonly #held: number[] = [];
  /** Busy ms per worker per sample slot; slot `times.length` is the interval still open. */
  readonly #busy = new Map<number, Float64Array>();
  #capacity = 64;
  /** Start of the open interval; NaN while not sampling. */
  #openSince = NaN;
  #cpuPrev: NodeJS.CpuUsage | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #scopes = 0;
  readonly #runs = new Set<RunInfo>();
  #cache: ResourceSample[] | undefined;
  /** Samples loaded by {@link ResourceProfiler.fromJSON}. */
  #loaded: readonly ResourceSample[] = [];

  constructor(options: ResourceProfilerOptions = {}) {
    const interval = options.interval ?? 100;
    if (typeof interval !== 'number' || !Number.isFinite(interval) || interval < 1) {
      throw new RangeError(
        `The 'interval' option of ResourceProfiler must be a number of milliseconds >= 1. Got ${String(interval)} instead.`,
      );
    }
    this.interval = interval;
  }

  /** Whether samples are being taken now. */
  get sampling(): boolean {
    return !Number.isNaN(this.#openSince);
  }

  /** The samples so far, oldest first. */
  get samples(): ResourceSample[] {
    if (this.#cache) return this.#cache;
    const out: ResourceSample[] = [...this.#loaded];
    const workers = [...this.#busy.keys()].sort((a, b) => a - b);
    for (let i = 0; i < this.#times.length; i++) {
      const span = this.#times[i]! - this.#since[i]!;
      const workerBusy: Record<number, number> = {};
      for (const w of workers) workerBusy[w] = span > 0 ? Math.min(1, this.#busy.get(w)![i]! / span) : 0;
      out.push({ time: this.#times[i]!, rssBytes: this.#rss[i]!, cpuPercent: this.#cpu[i]!, heldBytes: this.#held[i]!, workerBusy });
    }
    this.#cache = out;
    return out;
  }

  onScopeStart(): void {
    this.#scopes++;
    this.#begin();
  }

  onScopeEnd(): void {
    this.#scopes = Math.max(0, this.#scopes - 1);
    if (this.#scopes === 0 && this.#runs.size === 0) this.#end();
  }

  onRunStart(run: RunInfo): void {
    this.#runs.add(run);
    this.#begin();
  }

  onRunEnd(run: RunInfo): void {
    this.#runs.delete(run);
    if (this.#scopes === 0 && this.#runs.size === 0) this.#end();
  }

  onTaskEnd(e: TaskEvent): void {
    const n = this.#times.length;
    const open = this.#openSince;
    if (e.end <= e.start) return;
    let arr = this.#busy.get(e.worker);
    if (!arr) {
      arr = new Float64Array(this.#capacity);
      this.#busy.set(e.worker, arr);
    }
    // First closed interval that ends after the task starts.
    const times = this.#times;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (times[mid]! <= e.start) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < n; i++) {
      const since = this.#since[i]!;
      if (since >= e.end) break;
      const overlap = Math.min(e.end, times[i]!) - Math.max(e.start, since);
      if (overlap > 0) arr[i]! += overlap;
    }
    if (e.end > open) arr[n]! += e.end - Math.max(e.start, open);
    this.#cache = undefined;
  }

  #begin(): void {
    if (this.sampling) return;
    // A first sample at once: the memory baseline (its interval is empty, so CPU and busy read 0).
    this.#cpuPrev = undefined;
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), this.interval);
    this.#timer.unref();
  }

  #end(): void {
    if (!this.sampling) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#sample();
    this.#openSince = NaN;
  }

  #sample(): void {
    const time = clock();
    const since = Number.isNaN(this.#openSince) ? time : this.#openSince;
    const usage = process.cpuUsage();
    const prev = this.#cpuPrev ?? usage;
    const cpuMs = (usage.user - prev.user + usage.system - prev.system) / 1000;
    this.#cpuPrev = usage;
    const span = time - since;
    let held = 0;
    for (const run of this.#runs) held += run.heldBytes();
    this.#times.push(time);
    this.#since.push(since);
    this.#rss.push(process.memoryUsage.rss());
    this.#cpu.push(span > 0 ? (cpuMs / span) * 100 : 0);
    this.#held.push(held);
    this.#openSince = time;
    if (this.#times.length + 1 > this.#capacity) {
      this.#capacity *= 2;
      for (const [w, arr] of this.#busy) {
        const grown = new Float64Array(this.#capacity);
        grown.set(arr);
        this.#busy.set(w, grown);
      }
    }
    this.#cache = undefined;
  }

  /** Forgets every sample (keeps sampling if a scope or run is active). */
  clear(): void {
    for (const a of [this.#times, this.#since, this.#rss, this.#cpu, this.#held]) a.length = 0;
    this.#busy.clear();
    this.#loaded = [];
    this.#cache = undefined;
  }

  profileData(): ProfileData {
    return { tasks: [], runs: [], samples: this.samples, interval: this.interval, cpus: availableParallelism(), pid: process.pid };
  }

  /** The samples as plain JSON; read back with {@link ResourceProfiler.fromJSON}. */
  toJSON(): ResourceProfilerJSON {
    return { format: 'tessera-resources-v1', interval: this.interval, samples: this.samples };
  }

  /**
   * The samples as CSV: `time,rssBytes,cpuPercent,heldBytes` then one `busy:<threadId>` column
   * per worker.
   */
  toCSV(): string {
    const samples = this.samples;
    const workers = [...new Set(samples.flatMap((s) => Object.keys(s.workerBusy).map(Number)))].sort((a, b) => a - b);
    const lines = [['time', 'rssBytes', 'cpuPercent', 'heldBytes', ...workers.map((w) => csvField(`busy:${w}`))].join(',')];
    for (const s of samples) {
      lines.push([s.time, s.rssBytes, s.cpuPercent, s.heldBytes, ...workers.map((w) => s.workerBusy[w] ?? 0)].join(','));
    }
    return lines.join('\n') + '\n';
  }

  writeJSON(file: string, options?: WriteOptions): Promise<void> {
    return writeFileAtomic(file, JSON.stringify(this.toJSON()), OUTPUT_KINDS.resourcesJSON, options);
  }

  writeCSV(file: string, options?: WriteOptions): Promise<void> {
    return writeFileAtomic(file, this.toCSV(), OUTPUT_KINDS.resourcesCSV, options);
  }

  /** Writes a Chrome Trace Event file with the counter tracks (RSS, CPU, held bytes, busy workers). */
  writeTrace(file: string): Promise<void> {
    return writeTrace(file, this);
  }

  /** A resource profiler holding the samples of {@link toJSON} output (object or JSON text). */
  static fromJSON(json: ResourceProfilerJSON | string, where = 'resource JSON'): ResourceProfiler {
    const obj = (typeof json === 'string' ? parseJSONFile(where, json) : json) as Partial<ResourceProfilerJSON> | null;
    if (obj === null || typeof obj !== 'object' || obj.format !== 'tessera-resources-v1') {
      throw new TraceFileError(where, `not Tessera resource samples (expected "format": "tessera-resources-v1").`);
    }
    if (!Array.isArray(obj.samples)) throw new TraceFileError(where, `expected a "samples" array.`);
    const res = new ResourceProfiler({ interval: obj.interval ?? 100 });
    obj.samples.forEach((s, i) => {
      for (const k of ['time', 'rssBytes', 'cpuPercent', 'heldBytes'] as const) {
        if (typeof s?.[k] !== 'number') throw new TraceFileError(where, `samples[${i}].${k} must be a number.`);
      }
      if (s.workerBusy === null || typeof s.workerBusy !== 'object')
        throw new TraceFileError(where, `samples[${i}].workerBusy must be an object.`);
    });
    res.#loaded = obj.samples;
    return res;
  }
}
