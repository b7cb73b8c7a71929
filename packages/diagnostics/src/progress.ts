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
  /** Label of every bar, at the start of its lines (default `'tessera'`), unless `labels` or the run's name say otherwise. */
  label?: string;
  /**
   * Labels of this ProgressBar's bars, in order: the first bar (run, or group of runs that overlap
   * in time) is `labels[0]`, the next `labels[1]`… For one call that starts several runs one after
   * the other — a pipeline's fit runs the scaler's statistics, then the partialFit chain:
   * `new ProgressBar({ labels: ['scaler', 'fit'] })`. A bar past the end of the list takes the
   * name of its first run (`RunOptions.name`), or else `label`.
   */
  labels?: readonly string[];
  /**
   * Streams the program prints to, kept from colliding with the bar on a terminal (default
   * `[process.stdout]`). Writes to them while the bar is drawn erase the bar first.
   */
  outputs?: ProgressStream[];
}

type WriteFn = (this: unknown, chunk: unknown, ...rest: unknown[]) => boolean;

const fmt = formatCount;

/** Columns of the bar itself, when the terminal is wide enough. */
const BAR_SIZE = 30;
/** Fewest columns of the bar on a narrow terminal. */
const MIN_BAR = 10;

/** A duration: `0.42 s`, `12.3 s`, `2 min 5 s`, `1 h 4 min`. */
function seconds(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  if (s < 3600) {
    const m = Math.floor(s / 60);
    return `${m} min ${Math.floor(s - 60 * m)} s`;
  }
  const h = Math.floor(s / 3600);
  return `${h} h ${Math.floor((s - 3600 * h) / 60)} min`;
}

/**
 * A rate with one decimal and grouped thousands, per second — or per minute, or hour, while it is
 * below 0.1 in the unit before: `12.5 tasks/s`, `9,650.3 tasks/s`, `2.4 tasks/min`; never `0 tasks/s`.
 */
function rate(perSec: number): string {
  let r = perSec;
  let unit = 's';
  if (r < 0.1) [r, unit] = [r * 60, 'min'];
  if (r < 0.1) [r, unit] = [r * 60, 'h'];
  const [int = '0', frac = '0'] = r.toFixed(1).split('.');
  return `${fmt(Number(int))}.${frac} tasks/${unit}`;
}

/** Tasks per second once something is done, else undefined (the rate is not known yet). */
function perSecond(done: number, ms: number): number | undefined {
  return done > 0 && ms > 0 ? (done / ms) * 1000 : undefined;
}

/** Time left at `perSec`, or undefined when that is not known or nothing is left. */
function eta(done: number, total: number, perSec: number | undefined): string | undefined {
  if (perSec === undefined || done >= total) return undefined;
  const s = (total - done) / perSec;
  if (!Number.isFinite(s)) return undefined;
  // Coarser than elapsed times: an estimate's last digits only flicker.
  return s < 10 ? `${s.toFixed(1)} s` : s < 60 ? `${Math.round(s)} s` : seconds(s * 1000);
}

/**
 * Shows tasks done / total, rate and ETA for the runs of the scope it is registered in. Runs that
 * overlap in time share one bar; runs one after the other get a bar each, named by `labels`, the
 * run's name or `label`. The rate has one decimal; the ETA shows once a task is done.
 *
 * @example
 * await diagnose([new ProgressBar({ labels: ['scaler', 'fit'] })], () => pipe.fit(X, y));
 * // scaler [==============================] 100% | 23/23 tasks | 115.2 tasks/s | 0.20 s
 * // fit    [=================>------------] 58% | 35/60 tasks | 35.5 tasks/s | ETA 0.7 s
 */
export class ProgressBar implements SchedulerCallbacks, DiagnosticListener {
  readonly #stream: ProgressStream;
  readonly #minimum: number;
  readonly #interval: number;
  readonly #label: string;
  readonly #labels: readonly string[];
  /** Width the labels are padded to, so that the bars of a `labels` list line up. */
  readonly #labelWidth: number;
  readonly #outputs: ProgressStream[];
  /** Bars (sessions) started so far: the index into `labels`. */
  #sessions = 0;
  /** Label of the current bar. */
  #current = '';
  /** When the current bar's last run ended (the final line's elapsed time), or 0 while running. */
  #ended = 0;
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
    for (const [name, v] of [
      ['minimum', this.#minimum],
      ['interval', this.#interval],
    ] as const) {
      if (typeof v !== 'number' || !(v >= 0))
        throw new RangeError(`The '${name}' option of ProgressBar must be a number of milliseconds >= 0. Got ${String(v)} instead.`);
    }
    this.#label = options.label ?? 'tessera';
    if (typeof this.#label !== 'string')
      throw new TypeError(`The 'label' option of ProgressBar must be a string. Got ${typeof this.#label} instead.`);
    const labels = options.labels ?? [];
    if (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string')) {
      throw new TypeError(`The 'labels' option of ProgressBar must be an array of strings. Got ${JSON.stringify(labels)} instead.`);
    }
    this.#labels = [...labels];
    this.#labelWidth = labels.length ? Math.max(this.#label.length, ...labels.map((l) => l.length)) : 0;
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
    this.#ended = 0;
    this.#failed = false;
    this.#shown = false;
    this.#current = (this.#labels[this.#sessions] ?? run.name ?? this.#label).padEnd(this.#labelWidth);
    this.#sessions++;
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
    if (this.#bar) {
      this.#bar.update(done);
      return;
    }
    const total = this.#total;
    const r = perSecond(done, performance.now() - this.#started);
    const left = eta(done, total, r);
    const pct = total ? ((100 * done) / total).toFixed(1) : '0.0';
    this.#stream.write(
      `${this.#current.trimEnd()}: ${fmt(done)}/${fmt(total)} tasks (${pct}%)${r === undefined ? '' : `, ${rate(r)}`}${left === undefined ? '' : `, ETA ${left}`}\n`,
    );
  }

  /** The terminal bar's line (cli-progress calls it on every redraw). */
  #line(barOptions: cliProgress.Options, { progress, value: done, total, maxWidth: width }: cliProgress.Params): string {
    const ms = (this.#ended || performance.now()) - this.#started;
    const r = perSecond(done, ms);
    const left = this.#ended ? undefined : eta(done, total, r);
    const head = `${this.#current} [`;
    const counts = `] ${Math.floor(progress * 100)}% | ${fmt(done)}/${fmt(total)} tasks`;
    const speed = r === undefined ? '' : ` | ${rate(r)}`;
    const time = left !== undefined ? ` | ETA ${left}` : this.#ended ? ` | ${seconds(ms)}` : '';
    // One column short of the width: a line that fills the last column wraps on some terminals.
    // On a narrow terminal the bar gives up columns first (down to 10), then the rate, then the
    // time; what still does not fit is cut.
    const room = width > 1 ? width - 1 : Infinity;
    let tail = counts + speed + time;
    if (head.length + MIN_BAR + tail.length > room) tail = counts + time;
    if (head.length + MIN_BAR + tail.length > room) tail = counts;
    const size = Math.max(MIN_BAR, Math.min(BAR_SIZE, room - head.length - tail.length));
    const line = head + cliProgress.Format.BarFormat(progress, { ...barOptions, barsize: size }) + tail;
    return line.length > room ? line.slice(0, room) : line;
  }

  #finish(): void {
    clearTimeout(this.#minimumTimer);
    this.#minimumTimer = undefined;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#ended = performance.now();
    const elapsed = this.#ended - this.#started;
    const done = this.#doneBefore;
    const label = this.#current.trimEnd();
    if (this.#shown || elapsed >= this.#minimum) {
      if (this.#bar) {
        this.#bar.update(done);
        this.#gateOpen = true;
        this.#bar.stop();
        this.#bar = undefined;
        this.#unguard();
      }
      const r = perSecond(done, elapsed);
      if (this.#failed) this.#stream.write(`${label}: failed after ${fmt(done)}/${fmt(this.#total)} tasks, ${seconds(elapsed)}\n`);
      else if (!this.#tty)
        this.#stream.write(
          `${label}: ${fmt(done)}/${fmt(this.#total)} tasks done in ${seconds(elapsed)}${r === undefined ? '' : ` (${rate(r)})`}\n`,
        );
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
      // Our own line: cli-progress's {eta_formatted} shows 'NFs' / 'LLs' while its ETA is
      // Infinity / NaN, and its values are not grouped.
      format: (options, params) => this.#line(options, params),
      barsize: BAR_SIZE,
      fps: 10,
      forceRedraw: true,
      // No signal listeners, no terminal modes to restore: see the top of this file.
      gracefulExit: false,
      linewrap: true,
      hideCursor: false,
    });
    this.#bar.start(this.#total, this.#done());
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
