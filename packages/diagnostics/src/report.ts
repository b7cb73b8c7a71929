/**
 * The HTML report: one self-contained file (inline CSS, SVG and a few lines of script; a
 * Content-Security-Policy that forbids any request), built as a string from the records.
 *
 * Layout, top to bottom, all on one time axis (x = time since the first event):
 * - run spans, then the task stream: one row per worker, one rectangle per task coloured by
 *   kernel (hover: key, kernel, duration). Tasks narrower than a pixel — or beyond `maxRects`,
 *   the narrowest first — cannot be drawn one by one; they are summed per worker per 2-pixel
 *   column into bars whose height is the worker's busy fraction in that column and whose
 *   stacked colours are the kernel mix, and the page says how many tasks went into how many bars;
 * - busy workers (parallelism), CPU % and memory (RSS, held bytes, budget) charts;
 * - tables: runs, time per kernel, busy time per worker, time spent at each level of parallelism.
 *
 * The output depends only on the records and options (no clock, no randomness), so the report
 * rebuilt from a saved trace is byte-for-byte the report built from the profilers.
 */
import { formatBytes } from '@tessera/scheduler';
import { OUTPUT_KINDS, writeFileAtomic, type WriteOptions } from './files.js';
import { collect, type ProfileData, type ProfileSource, type TaskRecord } from './records.js';
import { busyIntervals, summarize, type ProfileSummary } from './summary.js';
import { timeOrigin, workerName } from './trace.js';

/** Options of {@link buildReport} and {@link writeReport}. */
export interface ReportOptions {
  /** Page title (default `'Tessera run report'`). */
  title?: string;
  /** Most tasks drawn one rectangle each (default 5000); the rest are aggregated. */
  maxRects?: number;
}

/** Options of {@link writeReport}: the page's, and the file's ({@link WriteOptions}). */
export interface WriteReportOptions extends ReportOptions, WriteOptions {}

// Geometry of the SVGs, in viewBox units (the SVGs scale to the page width).
const W = 1200;
const LEFT = 130;
const RIGHT = 16;
const PW = W - LEFT - RIGHT;
/** Width of an aggregation column. */
const COL = 2;
/** Narrowest task drawn on its own. */
const MIN_PX = 1;

/** Colours for kernels: Tableau 10 and 10 darker companions. */
const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
  '#2b4c6f',
  '#b35806',
  '#9e2a2b',
  '#3d7f7a',
  '#2e6b2a',
  '#a88a00',
  '#6d3f68',
  '#c2577a',
  '#5e4532',
  '#6f6a66',
];

function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * A colour per kernel, stable across reports: a kernel's colour follows from its name (a hash
 * into the palette), moving to the next free colour only when two kernels of the same report
 * collide. Reports with up to 10 kernels use 10 clearly different hues.
 *
 * @example
 * kernelColors(['array.add', 'io.read']).get('array.add'); // '#…', the same in every report
 */
export function kernelColors(kernels: Iterable<string>): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<number>();
  const names = [...new Set(kernels)].sort();
  // Up to 10 kernels get the 10 clearly different hues; more use the darker companions too.
  const size = names.length <= 10 ? 10 : PALETTE.length;
  for (const k of names) {
    let i = hash(k) % size;
    if (used.size < size) while (used.has(i)) i = (i + 1) % size;
    used.add(i);
    out.set(k, PALETTE[i]!);
  }
  return out;
}

/**
 * The model a task works for, when its key names one as adaptive searches name their tasks
 * (`partialFit-model12-call3-…`, `score-model3.12-…`): `'model12'`, else null.
 */
export function modelOfKey(key: string): string | null {
  const m = /(?:^|-)(model\d+(?:\.\d+)*)(?=-|$)/.exec(key);
  return m === null ? null : m[1]!;
}

/**
 * A colour per model (see {@link modelOfKey}): hues a golden angle apart in sorted model order,
 * so many concurrent chains stay told apart in the task stream.
 */
export function modelColors(models: Iterable<string>): Map<string, string> {
  const names = [...new Set(models)].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return new Map(names.map((m, i) => [m, `hsl(${((i * 137.508) % 360).toFixed(1)} 62% ${i % 2 ? 42 : 56}%)`]));
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Duration for people: µs, ms or s with three significant digits. */
export function formatMs(ms: number): string {
  const sig = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  if (ms < 1) return `${sig(ms * 1000)} µs`;
  if (ms < 1000) return `${sig(ms)} ms`;
  return `${sig(ms / 1000)} s`;
}

/**
 * An integer with thousands separators (1,234,567). Not `toLocaleString`: its first call loads
 * ICU's number formatting, 20 ms on the main thread — inside the timed phases when a progress bar
 * prints its first count.
 */
export function formatCount(n: number): string {
  const r = Math.round(n);
  const digits = String(Math.abs(r));
  return `${r < 0 ? '-' : ''}${digits.replace(/\B(?=(\d{3})+$)/g, ',')}`;
}

const int = formatCount;
const num = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(2).replace(/\.?0+$/, ''));

/** A 1-2-5 step giving about `target` ticks over `range`. */
function niceStep(range: number, target: number): number {
  const raw = range / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

interface Axis {
  t0: number;
  t1: number;
  /** px per ms */
  k: number;
  x(t: number): number;
}

function timeTicks(axis: Axis, y0: number, y1: number, labels: boolean): string {
  const range = axis.t1 - axis.t0;
  const step = niceStep(range, 10);
  const out: string[] = [];
  for (let v = 0; v <= range + 1e-9; v += step) {
    const x = num(axis.x(axis.t0 + v));
    out.push(`<line class="grid" x1="${x}" x2="${x}" y1="${y0}" y2="${y1}"/>`);
    if (labels)
      out.push(
        `<text class="tick" x="${x}" y="${y0 - 4}" text-anchor="middle">${esc(range >= 2000 ? `${num(v / 1000)} s` : `${num(v)} ms`)}</text>`,
      );
  }
  return out.join('');
}

interface StreamResult {
  svg: string;
  drawn: number;
  aggregated: number;
  bars: number;
}

function taskStream(data: ProfileData, axis: Axis, colors: Map<string, string>, maxRects: number): StreamResult {
  const workers = [...new Set(data.tasks.map((t) => t.worker))].sort((a, b) => a - b);
  const rowOf = new Map(workers.map((w, i) => [w, i]));
  const rh = Math.max(8, Math.min(28, Math.floor(420 / Math.max(1, workers.length))));
  const gap = Math.max(2, Math.round(rh / 6));
  const top = 52;
  const height = top + workers.length * (rh + gap) + 6;
  const parts: string[] = [];
  parts.push(
    `<svg class="chart" id="stream-svg" viewBox="0 0 ${W} ${height}" width="100%" role="img" aria-label="task stream: one row per worker">`,
  );
  parts.push(timeTicks(axis, 16, height - 4, true));
  // Runs band.
  parts.push(`<text class="label" x="${LEFT - 8}" y="35" text-anchor="end">runs</text>`);
  for (const r of data.runs) {
    const x0 = axis.x(r.start);
    const x1 = axis.x(r.end ?? axis.t1);
    const w = Math.max(1, x1 - x0);
    const tip = `run ${r.id} (${r.scheduler}, ${r.workers} worker${r.workers === 1 ? '' : 's'})\n${int(r.tasks)} tasks in ${formatMs((r.end ?? axis.t1) - r.start)}\npeak held ${formatBytes(r.peakHeldBytes)} of ${formatBytes(r.memoryLimit)} budget${r.error ? `\nfailed: ${r.error}` : ''}`;
    parts.push(
      `<g class="run" data-run="${r.id}"><title>${esc(tip)}</title><rect x="${num(x0)}" y="24" width="${num(w)}" height="14" rx="2" class="${r.error ? 'run-failed' : 'run-ok'}"/>`,
    );
    if (w > 48) parts.push(`<text class="runlabel" x="${num(x0 + 4)}" y="35">run ${r.id}</text>`);
    parts.push('</g>');
  }
  // Which tasks get a rectangle of their own: at least MIN_PX wide, the widest maxRects.
  const widths = new Float64Array(data.tasks.length);
  const candidates: number[] = [];
  data.tasks.forEach((t, i) => {
    widths[i] = (t.end - t.start) * axis.k;
    if (widths[i]! >= MIN_PX) candidates.push(i);
  });
  const own = new Uint8Array(data.tasks.length);
  if (candidates.length > maxRects) candidates.sort((a, b) => widths[b]! - widths[a]!).length = maxRects;
  for (const i of candidates) own[i] = 1;

  const kernels = [...colors.keys()];
  const kIndex = new Map(kernels.map((k, i) => [k, i]));
  const nK = kernels.length;
  const nCols = Math.ceil(PW / COL);
  const colMs = COL / axis.k;
  const aggMs = new Map<number, Float64Array>();
  const aggCount = new Map<number, Int32Array>();
  let aggregated = 0;
  const rows: string[][] = workers.map(() => []);
  // Tasks of a model (an adaptive search's chains) are coloured by the model, not the kernel.
  const byModel = modelColors(data.tasks.flatMap((t) => modelOfKey(t.key) ?? []));
  data.tasks.forEach((t, i) => {
    const row = rowOf.get(t.worker)!;
    if (own[i]) {
      const y = top + row * (rh + gap);
      const dur = t.end - t.start;
      const tip = `${t.key}\n${t.kernel} · ${formatMs(dur)}\n${workerName(t.worker)} · at ${formatMs(t.start - axis.t0)}${t.bytes ? ` · ${formatBytes(t.bytes)} out` : ''}`;
      rows[row]!.push(
        `<rect class="task" x="${num(axis.x(t.start))}" y="${y}" width="${num(widths[i]!)}" height="${rh}" fill="${byModel.get(modelOfKey(t.key) ?? '') ?? colors.get(t.kernel)}" data-kernel="${esc(t.kernel)}" data-worker="${t.worker}" data-key="${esc(t.key)}"><title>${esc(tip)}</title></rect>`,
      );
      return;
    }
    aggregated++;
    let ms = aggMs.get(t.worker);
    let cnt = aggCount.get(t.worker);
    if (!ms || !cnt) {
      aggMs.set(t.worker, (ms = new Float64Array(nCols * nK)));
      aggCount.set(t.worker, (cnt = new Int32Array(nCols * nK)));
    }
    const k = kIndex.get(t.kernel)!;
    const a = (t.start - axis.t0) * axis.k;
    const b = (t.end - axis.t0) * axis.k;
    const c0 = Math.min(nCols - 1, Math.max(0, Math.floor(a / COL)));
    const c1 = Math.min(nCols - 1, Math.max(c0, Math.floor(b / COL)));
    cnt[c0 * nK + k]!++;
    for (let c = c0; c <= c1; c++) {
      const overlap = Math.min(b, (c + 1) * COL) - Math.max(a, c * COL);
      if (overlap > 0) ms[c * nK + k]! += overlap / axis.k;
    }
  });
  let bars = 0;
  for (const [w, ms] of aggMs) {
    const cnt = aggCount.get(w)!;
    const row = rowOf.get(w)!;
    const yBase = top + row * (rh + gap) + rh;
    for (let c = 0; c < nCols; c++) {
      let totalMs = 0;
      let total = 0;
      for (let k = 0; k < nK; k++) {
        totalMs += ms[c * nK + k]!;
        total += cnt[c * nK + k]!;
      }
      if (total === 0 && totalMs === 0) continue;
      bars++;
      const frac = Math.min(1, totalMs / colMs);
      const h = Math.max(1.5, frac * rh);
      const x = LEFT + c * COL;
      const t = axis.t0 + c * colMs;
      const mix: string[] = [];
      const segs: string[] = [];
      let y = yBase;
      for (let k = 0; k < nK; k++) {
        const m = ms[c * nK + k]!;
        const n = cnt[c * nK + k]!;
        if (m === 0 && n === 0) continue;
        mix.push(`${kernels[k]}: ${int(n)} task${n === 1 ? '' : 's'}, ${formatMs(m)}`);
        const sh = totalMs > 0 ? (m / totalMs) * h : h / nK;
        y -= sh;
        segs.push(`<rect x="${x}" y="${num(y)}" width="${COL}" height="${num(sh)}" fill="${colors.get(kernels[k]!)}"/>`);
      }
      const tip = `${workerName(w)} · ${formatMs(t - axis.t0)}–${formatMs(t + colMs - axis.t0)}\n${int(total)} small task${total === 1 ? '' : 's'} started here, busy ${Math.round(frac * 100)}%\n${mix.join('\n')}`;
      rows[row]!.push(`<g class="agg" data-worker="${w}" data-count="${total}"><title>${esc(tip)}</title>${segs.join('')}</g>`);
    }
  }
  workers.forEach((w, i) => {
    const y = top + i * (rh + gap);
    parts.push(
      `<g class="row" data-worker="${w}"><rect class="lane" x="${LEFT}" y="${y}" width="${PW}" height="${rh}"/><text class="label" x="${LEFT - 8}" y="${num(y + rh / 2 + 4)}" text-anchor="end">${esc(workerName(w))}</text>${rows[i]!.join('')}</g>`,
    );
  });
  parts.push('</svg>');
  return { svg: parts.join(''), drawn: candidates.length, aggregated, bars };
}

/** A line/area chart on the shared time axis. `series` are [x, y] points already in data units. */
function chart(opts: {
  id: string;
  title: string;
  axis: Axis;
  yMax: number;
  yLabel: (v: number) => string;
  yStep?: number;
  series: { name: string; cls: string; points: [number, number][]; area?: boolean }[];
  lines?: { y: number; label: string }[];
  empty?: string;
}): string {
  const H = 130;
  const top = 24;
  const bottom = H - 14;
  const { axis } = opts;
  const yMax = opts.yMax > 0 ? opts.yMax : 1;
  const y = (v: number) => bottom - (Math.min(v, yMax) / yMax) * (bottom - top);
  const parts = [`<svg class="chart" id="${opts.id}" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(opts.title)}">`];
  parts.push(timeTicks(axis, top, bottom, false));
  const step = opts.yStep ?? niceStep(yMax, 4);
  for (let v = 0; v <= yMax + 1e-9; v += step) {
    parts.push(
      `<line class="grid" x1="${LEFT}" x2="${W - RIGHT}" y1="${num(y(v))}" y2="${num(y(v))}"/><text class="tick" x="${LEFT - 6}" y="${num(y(v) + 4)}" text-anchor="end">${esc(opts.yLabel(v))}</text>`,
    );
  }
  parts.push(`<text class="charttitle" x="${LEFT}" y="14">${esc(opts.title)}</text>`);
  for (const l of opts.lines ?? []) {
    parts.push(
      `<line class="limit" x1="${LEFT}" x2="${W - RIGHT}" y1="${num(y(l.y))}" y2="${num(y(l.y))}"/><text class="tick" x="${W - RIGHT - 4}" y="${num(y(l.y) - 3)}" text-anchor="end">${esc(l.label)}</text>`,
    );
  }
  if (opts.empty)
    parts.push(`<text class="empty" x="${LEFT + PW / 2}" y="${(top + bottom) / 2 + 4}" text-anchor="middle">${esc(opts.empty)}</text>`);
  for (const s of opts.series) {
    if (!s.points.length) continue;
    const d = s.points.map(([px, v], i) => `${i ? 'L' : 'M'}${num(px)} ${num(y(v))}`).join('');
    if (s.area) {
      const first = s.points[0]![0];
      const last = s.points[s.points.length - 1]![0];
      parts.push(`<path class="${s.cls} area" d="${d}L${num(last)} ${bottom}L${num(first)} ${bottom}Z"/>`);
    }
    parts.push(`<path class="${s.cls} line" d="${d}"><title>${esc(s.name)}</title></path>`);
  }
  parts.push(`<line class="axis" x1="${LEFT}" x2="${W - RIGHT}" y1="${bottom}" y2="${bottom}"/>`);
  parts.push('</svg>');
  return parts.join('');
}

/** Busy workers per column, from each worker's merged busy intervals. */
function parallelismSeries(data: ProfileData, axis: Axis): [number, number][] {
  const nCols = Math.ceil(PW / COL);
  const busy = new Float64Array(nCols);
  const byWorker = new Map<number, TaskRecord[]>();
  for (const t of data.tasks) {
    let l = byWorker.get(t.worker);
    if (!l) byWorker.set(t.worker, (l = []));
    l.push(t);
  }
  for (const tasks of byWorker.values()) {
    const iv = busyIntervals(tasks);
    for (let i = 0; i < iv.length; i += 2) {
      const a = (iv[i]! - axis.t0) * axis.k;
      const b = (iv[i + 1]! - axis.t0) * axis.k;
      const c1 = Math.min(nCols - 1, Math.floor(b / COL));
      for (let c = Math.max(0, Math.floor(a / COL)); c <= c1; c++) {
        const overlap = Math.min(b, (c + 1) * COL) - Math.max(a, c * COL);
        if (overlap > 0) busy[c]! += overlap / COL;
      }
    }
  }
  const pts: [number, number][] = [];
  for (let c = 0; c < nCols; c++) pts.push([LEFT + c * COL, busy[c]!], [LEFT + (c + 1) * COL, busy[c]!]);
  return pts;
}

function table(cls: string, head: string[], rows: string[][]): string {
  return `<table class="${cls}"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function summaryTables(data: ProfileData, s: ProfileSummary, colors: Map<string, string>): string {
  const busyTotal = s.kernels.reduce((a, k) => a + k.totalMs, 0);
  const runs = table(
    'runs',
    ['run', 'scheduler', 'tasks', 'workers', 'duration', 'peak held', 'budget', 'status'],
    data.runs.map((r) => [
      String(r.id),
      esc(r.scheduler),
      int(r.tasks),
      String(r.workers),
      r.end === null ? 'running' : formatMs(r.end - r.start),
      formatBytes(r.peakHeldBytes),
      formatBytes(r.memoryLimit),
      r.error ? `<span class="failed">${esc(r.error)}</span>` : r.end === null ? 'unfinished' : 'ok',
    ]),
  );
  const kernels = table(
    'kernels',
    ['kernel', 'tasks', 'total time', 'mean', 'max', 'share of busy time', 'bytes out'],
    s.kernels.map((k) => [
      `<span class="swatch" style="background:${colors.get(k.kernel)}"></span>${esc(k.kernel)}`,
      int(k.tasks),
      formatMs(k.totalMs),
      formatMs(k.meanMs),
      formatMs(k.maxMs),
      busyTotal > 0 ? pct(k.totalMs / busyTotal) : '–',
      formatBytes(k.bytes),
    ]),
  );
  const workers = table(
    'workers',
    ['worker', 'tasks', 'busy time', 'busy share of span'],
    s.perWorker.map((w) => [esc(workerName(w.worker)), int(w.tasks), formatMs(w.busyMs), pct(w.busyFraction)]),
  );
  const levels = table(
    'parallelism',
    ['workers busy', 'time', 'share of span'],
    s.parallelism.map((ms, k) => [String(k), formatMs(ms), s.spanMs > 0 ? pct(ms / s.spanMs) : '–']),
  );
  return `<div class="tables">
<div><h3>Runs</h3>${data.runs.length ? runs : '<p class="note">No run records (tasks came from a profile without them).</p>'}</div>
<div><h3>Time per kernel</h3>${kernels}</div>
<div><h3>Busy time per worker</h3>${workers}</div>
<div><h3>Parallelism over the task span</h3>${levels}<p class="note">Mean: ${s.meanParallelism.toFixed(2)} workers busy.</p></div>
</div>`;
}

const CSS = `
:root{--fg:#1d2330;--muted:#5d6675;--line:#d9dde3;--bg:#fff}
*{box-sizing:border-box}
body{margin:0;padding:20px 28px 40px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:26px 0 6px}h3{font-size:14px;margin:14px 0 6px}
.stats{display:flex;flex-wrap:wrap;gap:6px 22px;margin:8px 0 0;padding:0;list-style:none;color:var(--muted)}
.stats b{color:var(--fg);font-weight:600}
.note{color:var(--muted);margin:4px 0}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;margin:6px 0 8px;padding:0;list-style:none}
.swatch{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:6px;vertical-align:-1px}
svg.chart{display:block;max-width:1400px;font-size:11px}
svg .grid{stroke:#eceef1;stroke-width:1}
svg .axis{stroke:#b9bec6}
svg .tick{fill:var(--muted)}
svg .label{fill:var(--fg);font-size:12px}
svg .lane{fill:#f6f7f9}
svg .task{stroke:#fff;stroke-width:.4}
svg .task:hover,svg .agg:hover rect{stroke:#111;stroke-width:1}
svg .run-ok{fill:#c9d3df}svg .run-failed{fill:#f1a9a9}
svg .runlabel{fill:#243040;font-size:10px;pointer-events:none}
svg .charttitle{fill:var(--fg);font-size:12px;font-weight:600}
svg .empty{fill:var(--muted);font-size:12px}
svg .limit{stroke:#c0392b;stroke-dasharray:5 4;stroke-width:1}
svg path.line{fill:none;stroke-width:1.4}
svg path.area{stroke:none;opacity:.25}
svg .par.line{stroke:#4e79a7}svg .par.area{fill:#4e79a7}
svg .cpu.line{stroke:#e15759}svg .cpu.area{fill:#e15759}
svg .rss.line{stroke:#59a14f}svg .rss.area{fill:#59a14f}
svg .held.line{stroke:#b07aa1}
.series{color:var(--muted);margin:2px 0 0 0}
.series span{margin-right:16px}
.tables{display:flex;flex-wrap:wrap;align-items:flex-start;gap:4px 40px}
.tables>div{flex:0 1 auto;max-width:100%;overflow-x:auto}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{padding:3px 8px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
th{font-weight:600;color:var(--muted);font-size:12px}
.failed{color:#b03a2e;white-space:normal}
#tip{position:fixed;z-index:10;pointer-events:none;max-width:520px;padding:6px 9px;border-radius:4px;background:#1d2330;color:#fff;font:12px/1.4 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;box-shadow:0 2px 8px rgba(0,0,0,.25)}
#tip[hidden]{display:none}
`;

// Moves each SVG <title> into a data-tip attribute (so the browser's own tooltip does not double
// ours) and shows it in a floating box next to the pointer.
const SCRIPT = `
(function(){
  var tip=document.getElementById('tip');
  document.querySelectorAll('svg title').forEach(function(t){var p=t.parentNode;if(p&&p.tagName!=='svg'){p.setAttribute('data-tip',t.textContent);t.remove();}});
  function place(e){var w=tip.offsetWidth,h=tip.offsetHeight,x=e.clientX+14,y=e.clientY+14;if(x+w>innerWidth-4)x=e.clientX-w-14;if(y+h>innerHeight-4)y=e.clientY-h-14;tip.style.left=Math.max(4,x)+'px';tip.style.top=Math.max(4,y)+'px';}
  document.addEventListener('mouseover',function(e){var el=e.target.closest&&e.target.closest('[data-tip]');if(!el){tip.hidden=true;return;}tip.textContent=el.getAttribute('data-tip');tip.hidden=false;place(e);});
  document.addEventListener('mousemove',function(e){if(!tip.hidden)place(e);});
  document.addEventListener('mouseleave',function(){tip.hidden=true;});
})();
`;

/** The legend's note on model colours, when tasks name models. */
function modelNote(data: ProfileData): string {
  const n = new Set(data.tasks.flatMap((t) => modelOfKey(t.key) ?? [])).size;
  return n === 0
    ? ''
    : `<p class="note" id="models" data-models="${n}">Tasks of ${n} model${n === 1 ? '' : 's'} (keys with <code>model…</code>) are coloured by model, one hue each; hover for the kernel.</p>`;
}

/**
 * Builds the self-contained HTML report of what `sources` recorded (profilers, or data loaded
 * with `loadTrace`). The same data and options always give the same string.
 *
 * @example
 * const html = buildReport([prof, res], { title: 'predict, 10M rows' });
 */
export function buildReport(sources: ProfileSource | readonly ProfileSource[], options: ReportOptions = {}): string {
  const data = collect(sources);
  const title = options.title ?? 'Tessera run report';
  if (typeof title !== 'string') throw new TypeError(`The 'title' option of buildReport must be a string; got ${typeof title}.`);
  const maxRects = options.maxRects ?? 5000;
  if (!Number.isInteger(maxRects) || maxRects < 0)
    throw new RangeError(`The 'maxRects' option of buildReport must be a non-negative integer. Got ${maxRects} instead.`);
  const s = summarize(data);
  const t0 = timeOrigin(data);
  let t1 = t0;
  for (const t of data.tasks) if (t.end > t1) t1 = t.end;
  for (const r of data.runs) if ((r.end ?? r.start) > t1) t1 = r.end ?? r.start;
  for (const x of data.samples) if (x.time > t1) t1 = x.time;
  if (t1 - t0 < 1e-3) t1 = t0 + 1e-3;
  const k = PW / (t1 - t0);
  const axis: Axis = { t0, t1, k, x: (t) => LEFT + (t - t0) * k };
  const colors = kernelColors(data.tasks.map((t) => t.kernel));
  const stream = taskStream(data, axis, colors, maxRects);

  const legend = s.kernels
    .map(
      (kk) =>
        `<li><span class="swatch" style="background:${colors.get(kk.kernel)}"></span>${esc(kk.kernel)} <span class="note">(${int(kk.tasks)})</span></li>`,
    )
    .join('');
  const aggNote =
    stream.aggregated > 0
      ? `${int(stream.aggregated)} task${stream.aggregated === 1 ? '' : 's'} aggregated into ${int(stream.bars)} bar${stream.bars === 1 ? '' : 's'} (too small${stream.drawn >= maxRects ? ' or too many' : ''} to draw one by one: each bar sums one worker's tasks in a ${COL}-pixel column, ${formatMs(COL / k)} wide; its height is how busy the worker was, its colours the kernel mix). ${int(stream.drawn)} task${stream.drawn === 1 ? '' : 's'} drawn one by one.`
      : `All ${int(stream.drawn)} task${stream.drawn === 1 ? '' : 's'} drawn one by one.`;

  const workersN = Math.max(1, s.workers, ...data.runs.map((r) => r.workers));
  const parSeries = parallelismSeries(data, axis);
  const parChart = chart({
    id: 'parallelism-svg',
    title: 'busy workers',
    axis,
    yMax: workersN,
    yStep: niceStep(workersN, Math.min(4, workersN)) < 1 ? 1 : niceStep(workersN, Math.min(4, workersN)),
    yLabel: (v) => num(v),
    series: [{ name: 'busy workers', cls: 'par', points: parSeries, area: true }],
    ...(data.tasks.length ? {} : { empty: 'no tasks recorded' }),
  });
  const samples = data.samples;
  const noSamples = 'no resource samples: add a ResourceProfiler to diagnose([...])';
  const cpus = data.cpus || 1;
  const cpuMax = Math.max(100 * cpus, ...samples.map((x) => x.cpuPercent));
  const cpuPts: [number, number][] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    cpuPts.push([axis.x(a.time), b.cpuPercent], [axis.x(b.time), b.cpuPercent]);
  }
  const cpuChart = chart({
    id: 'cpu-svg',
    title: `CPU % (100% = one core; ${cpus} cores)`,
    axis,
    yMax: cpuMax,
    yStep: niceStep(cpuMax, 4) < 100 ? niceStep(cpuMax, 4) : 100 * Math.ceil(niceStep(cpuMax, 4) / 100),
    yLabel: (v) => `${num(v)}%`,
    series: [{ name: 'CPU % (all threads)', cls: 'cpu', points: cpuPts, area: true }],
    ...(samples.length ? {} : { empty: noSamples }),
  });
  const memPeak = Math.max(s.peakRssBytes, s.peakHeldBytes, 1);
  const limits = [...new Set(data.runs.map((r) => r.memoryLimit))].filter((l) => l > 0 && l <= memPeak * 1.5);
  const memMax = Math.max(memPeak, ...limits);
  const memChart = chart({
    id: 'memory-svg',
    title: 'memory',
    axis,
    yMax: memMax * 1.05,
    yLabel: (v) => formatBytes(v),
    series: [
      { name: 'RSS', cls: 'rss', points: samples.map((x) => [axis.x(x.time), x.rssBytes]), area: true },
      { name: 'held by the scheduler', cls: 'held', points: samples.map((x) => [axis.x(x.time), x.heldBytes]) },
    ],
    lines: limits.map((l) => ({ y: l, label: `memory budget ${formatBytes(l)}` })),
    ...(samples.length ? {} : { empty: noSamples }),
  });

  const stats = [
    ['tasks', int(s.tasks)],
    ['runs', int(s.runs)],
    ['workers', int(s.workers)],
    ['task span', formatMs(s.spanMs)],
    ['mean busy workers', s.meanParallelism.toFixed(2)],
    ...(samples.length
      ? [
          ['peak RSS', formatBytes(s.peakRssBytes)],
          ['mean CPU', `${s.meanCpuPercent.toFixed(0)}%`],
        ]
      : []),
    ['peak held', formatBytes(s.peakHeldBytes)],
  ]
    .map(([k2, v]) => `<li>${k2} <b>${v}</b></li>`)
    .join('');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="tessera diagnostics">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${esc(title)}</h1>
<ul class="stats">${stats}</ul>
</header>
<section id="stream">
<h2>Task stream</h2>
<p class="note">One row per worker thread, one rectangle per task, coloured by kernel; hover for the task key, kernel and duration. Time runs left to right from the first event.</p>
<ul class="legend">${legend}</ul>${modelNote(data)}
<p class="note" id="aggregation" data-drawn="${stream.drawn}" data-aggregated="${stream.aggregated}" data-bars="${stream.bars}">${aggNote}</p>
${stream.svg}
</section>
<section id="resources">
<h2>Workers, CPU and memory</h2>
${parChart}
${cpuChart}
${memChart}
<p class="series"><span><span class="swatch" style="background:#59a14f"></span>RSS (resident memory of the process)</span><span><span class="swatch" style="background:#b07aa1"></span>bytes of results held by the scheduler</span>${samples.length ? `<span>sampled every ${formatMs(data.interval)}</span>` : ''}</p>
</section>
<section id="summary">
<h2>Summary</h2>
${summaryTables(data, s, colors)}
</section>
<div id="tip" hidden></div>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

/**
 * Writes the HTML report of `sources` to `file` (atomically). Open it in any browser: it needs
 * no network.
 *
 * @example
 * await diagnose([prof, res], () => compute(graph, keys));
 * await writeReport([prof, res], 'report.html', { title: 'my run' });
 */
export async function writeReport(
  sources: ProfileSource | readonly ProfileSource[],
  file: string,
  options: WriteReportOptions = {},
): Promise<void> {
  await writeFileAtomic(file, buildReport(sources, options), OUTPUT_KINDS.report, options);
}
