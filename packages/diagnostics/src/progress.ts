/**
 * A progress bar for scheduler runs (dask's `ProgressBar`). It reads `run.done()` on a timer
 * instead of counting task events, so it costs nothing per task.
 *
 * On a terminal it draws a cli-progress bar on its stream (stderr by default). So that the bar
 * never garbles what the program itself prints, while the bar is drawn every write to stdout (and
 * to the bar's own stream) first erases the bar line, and the bar is redrawn after the write once
 * the output ends a line. Off a terminal (CI logs, files, pipes) it writes plain lines every few
 * seconds and a last line per run.
 */
import cliProgress from 'cli-progress';
import type { RunInfo, SchedulerCallbacks } from '@tessera/scheduler';
import type { DiagnosticListener } from './diagnose.js';
import { formatCount } from './report.js';

/** A stream the bar writes to: `process.stderr` or anything with `write` (and `isTTY`, `columns`). */
export interface ProgressStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Options of a {@link ProgressBar}. */
export interface ProgressBarOptions {
  /** Where the bar goes (default `process.stderr`). */
  stream?: ProgressStream;
  /** Runs (or overlapping groups of runs) shorter than this many ms show nothing (default 0). */
  minimum?: number;
  /** Off a terminal: ms between progress lines (default 2000). */
  interval?: number;
  /** Start of every line (default `'tessera'`). */
  label?: string;
  /**
   * Streams the program prints to, kept from colliding with the bar on a terminal (default
   * `[process.stdout]`). Writes to them while the bar is drawn erase the bar first.
   */
  outputs?: ProgressStream[];
}

type WriteFn = (this: unknown, chunk: unknown, ...rest: unknown[]) => boolean;

const fmt = formatCount;

function seconds(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - 60 * m)} s`;
}

/**
 * Shows tasks done / total, rate and ETA for the runs of the scope it is registered in. Runs that
 * overlap in time share one bar.
 *
 * @example
 * await diagnose([new ProgressBar()], () => pipe.fit(X, y));
 * // tessera [=================>------------] 58% | 5,800/10,000 tasks | 9,650 tasks/s | ETA 0.4 s
 */
export class ProgressBar implements SchedulerCallbacks, DiagnosticListener {
  readonly #stream: ProgressStream;
  readonly #minimum: number;
  readonly #interval: number;
  readonly #label: string;
  readonly #outputs: ProgressStream[];
  // One "session": runs that overlap in time.
  readonly #active = new Set<RunInfo>();
  #doneBefore = 0;
  #total = 0;
  #failed = false;
  #started = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #minimumTimer: ReturnType<typeof setTimeout> | undefined;
  #shown = false;
  // Terminal mode.
  #bar: cliProgress.SingleBar | undefined;
  #gateOpen = true;
  #restore: (() => void)[] = [];

  constructor(options: ProgressBarOptions = {}) {
    this.#stream = options.stream ?? process.stderr;
    if (typeof this.#stream?.write !== 'function') throw new TypeError(`The 'stream' option of ProgressBar must be a writable stream.`);
    this.#minimum = options.minimum ?? 0;
    this.#interval = options.interval ?? 2000;
    for (const [name, v] of [['minimum', this.#minimum], ['interval', this.#interval]] as const) {
      if (typeof v !== 'number' || !(v >= 0)) throw new RangeError(`The '${name}' option of ProgressBar must be a number of milliseconds >= 0. Got ${String(v)} instead.`);
    }
    this.#label = options.label ?? 'tessera';
    this.#outputs = options.outputs ?? [process.stdout];
  }

  get #tty(): boolean {
    return this.#stream.isTTY === true;
  }

  #done(): number {
    let d = this.#doneBefore;
    for (const r of this.#active) d += r.done();
    return d;
  }

  onRunStart(run: RunInfo): void {
    const first = this.#active.size === 0;
    this.#active.add(run);
    this.#total += run.tasks;
    if (!first) {
      this.#bar?.setTotal(this.#total);
      return;
    }
    this.#started = performance.now();
    this.#failed = false;
    this.#shown = false;
    if (this.#minimum > 0) {
      this.#minimumTimer = setTimeout(() => this.#show(), this.#minimum);
      this.#minimumTimer.unref();
    } else this.#show();
  }

  onRunEnd(run: RunInfo, error?: unknown): void {
    if (!this.#active.delete(run)) return;
    this.#doneBefore += run.done();
    if (error !== undefined) this.#failed = true;
    if (this.#active.size === 0) this.#finish();
  }

  #show(): void {
    this.#minimumTimer = undefined;
    if (this.#active.size === 0 || this.#shown) return;
    this.#shown = true;
    if (this.#tty) this.#startBar();
    this.#timer = setInterval(() => this.#tick(), this.#tty ? 100 : this.#interval);
    this.#timer.unref();
  }

  #tick(): void {
    const done = this.#done();
    const elapsed = performance.now() - this.#started;
    const rate = elapsed > 0 ? (done / elapsed) * 1000 : 0;
    if (this.#bar) {
      this.#bar.update(done, { rate: fmt(rate), doneF: fmt(done), totalF: fmt(this.#total) });
      return;
    }
    const pct = this.#total ? ((100 * done) / this.#total).toFixed(1) : '0.0';
    const eta = rate > 0 ? `, ETA ${seconds(((this.#total - done) / rate) * 1000)}` : '';
    this.#stream.write(`${this.#label}: ${fmt(done)}/${fmt(this.#total)} tasks (${pct}%), ${fmt(rate)} tasks/s${eta}\n`);
  }

  #finish(): void {
    clearTimeout(this.#minimumTimer);
    this.#minimumTimer = undefined;
    clearInterval(this.#timer);
    this.#timer = undefined;
    const elapsed = performance.now() - this.#started;
    const done = this.#doneBefore;
    if (this.#shown || elapsed >= this.#minimum) {
      if (this.#bar) {
        this.#bar.update(done, { rate: fmt(elapsed > 0 ? (done / elapsed) * 1000 : 0), doneF: fmt(done), totalF: fmt(this.#total) });
        this.#gateOpen = true;
        this.#bar.stop();
        this.#bar = undefined;
        this.#unguard();
      }
      const rate = elapsed > 0 ? fmt((done / elapsed) * 1000) : '–';
      if (this.#failed) this.#stream.write(`${this.#label}: failed after ${fmt(done)}/${fmt(this.#total)} tasks, ${seconds(elapsed)}\n`);
      else if (!this.#tty) this.#stream.write(`${this.#label}: ${fmt(done)}/${fmt(this.#total)} tasks done in ${seconds(elapsed)} (${rate} tasks/s)\n`);
    }
    this.#doneBefore = 0;
    this.#total = 0;
    this.#shown = false;
  }

  #startBar(): void {
    const stream = this.#stream;
    const realWrite = stream.write.bind(stream) as (chunk: string) => unknown;
    // cli-progress writes through this gate, closed while the program's output has an unfinished line.
    const gate = {
      isTTY: true,
      get columns() {
        return stream.columns;
      },
      write: (chunk: string, cb?: () => void) => {
        // cli-progress saves the cursor at start and restores it at stop, which would move the
        // cursor back over lines the program printed meanwhile: drop those two sequences.
        if (this.#gateOpen && chunk !== '\x1b7' && chunk !== '\x1b8') realWrite(chunk);
        cb?.();
        return true;
      },
      on() {},
      once() {},
      removeListener() {},
    };
    this.#bar = new cliProgress.SingleBar({
      stream: gate as unknown as NodeJS.WritableStream,
      format: `${this.#label} [{bar}] {percentage}% | {doneF}/{totalF} tasks | {rate} tasks/s | ETA {eta_formatted}`,
      barsize: 30,
      fps: 10,
      forceRedraw: true,
      linewrap: false,
      hideCursor: false,
      gracefulExit: true,
      etaBuffer: 50,
    });
    this.#bar.start(this.#total, this.#done(), { rate: '0', doneF: fmt(this.#done()), totalF: fmt(this.#total) });
    this.#guard(realWrite);
  }

  /** Makes writes to the program's streams erase the bar first and redraw it after. */
  #guard(realWrite: (chunk: string) => unknown): void {
    const targets = new Set<ProgressStream>([...this.#outputs, this.#stream]);
    for (const out of targets) {
      if (out !== this.#stream && out.isTTY !== true) continue;
      const target = out as unknown as { write: WriteFn };
      const original = target.write;
      const self = this;
      const guarded: WriteFn = function (this: unknown, chunk: unknown, ...rest: unknown[]): boolean {
        if (!self.#bar) return original.call(this, chunk, ...rest);
        if (self.#gateOpen) realWrite('\r\x1b[K');
        const result = original.call(this, chunk, ...rest);
        const text = typeof chunk === 'string' ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : '';
        if (text.length) self.#gateOpen = text.endsWith('\n');
        if (self.#gateOpen) self.#bar.render();
        return result;
      };
      target.write = guarded;
      this.#restore.push(() => {
        if (target.write === guarded) target.write = original;
      });
    }
  }

  #unguard(): void {
    for (const r of this.#restore.splice(0)) r();
  }
}
