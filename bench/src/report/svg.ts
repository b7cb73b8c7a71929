/**
 * Hand-written SVG charts for the benchmark report: self-contained files (no scripts, no external
 * fonts or styles), readable on a white or a dark page (they carry their own white background).
 * Three shapes: a line chart (values against rows, optionally on a log x axis), horizontal
 * grouped bars (tasks/s per graph shape and engine) and grouped stacked bars (seconds per phase).
 * Every drawn value is also printed as text, so the picture can be read without hovering.
 */

const FONT = 'system-ui,-apple-system,&quot;Segoe UI&quot;,Helvetica,Arial,sans-serif';

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Round coordinates to 0.1 px: shorter files, identical pictures. */
function n(x: number): string {
  return String(Math.round(x * 10) / 10);
}

/** Tick labels: grouped thousands, at most 3 decimals, no trailing zeros. */
export function fmtTick(v: number): string {
  return v.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

/** Axis ticks from 0 to at least `max`, with a step of 1, 2, 2.5 or 5 × 10^k. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1];
  const raw = max / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * pow).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let i = 0; ; i++) {
    const t = Math.round(i * step * 1e9) / 1e9;
    ticks.push(t);
    if (t >= max) break;
  }
  return ticks;
}

function frame(width: number, height: number, title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(title)}">`,
    `<title>${escapeXml(title)}</title>`,
    `<style>text{font-family:${FONT};font-size:12px;fill:#333}.title{font-size:14px;font-weight:600}.axis{fill:#666}.value{font-size:11px}</style>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text class="title" x="${width / 2}" y="20" text-anchor="middle">${escapeXml(title)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

function legend(entries: readonly { name: string; color: string }[], x: number, y: number): string[] {
  return entries.map(
    (e, i) =>
      `<rect x="${n(x)}" y="${n(y + i * 18 - 9)}" width="12" height="12" fill="${e.color}"/><text x="${n(x + 18)}" y="${n(y + i * 18 + 1)}">${escapeXml(e.name)}</text>`,
  );
}

export interface LinePoint {
  x: number;
  y: number;
}

export interface LineSeries {
  name: string;
  color: string;
  points: readonly LinePoint[];
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly LineSeries[];
  /** Place x on a log scale (rows from 1M to 100M). */
  xLog?: boolean;
  formatX?: (x: number) => string;
  formatY?: (y: number) => string;
  width?: number;
  height?: number;
}

/** Lines through the points of each series; one `<circle class="point">` per point. */
export function lineChart(o: LineChartOptions): string {
  const width = o.width ?? 640;
  const height = o.height ?? 380;
  const fx = o.formatX ?? String;
  const fy = o.formatY ?? ((y: number) => String(y));
  // The legend is a row under the title; the right margin leaves room for the last values.
  const left = 64,
    right = 64,
    top = 64,
    bottom = 56;
  const plotRight = width - right;
  const xs = [...new Set(o.series.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b);
  const tx = (x: number) => (o.xLog ? Math.log10(x) : x);
  const lo = xs.length ? tx(xs[0]!) : 0;
  const hi = xs.length ? tx(xs[xs.length - 1]!) : 1;
  const px = (x: number) => (hi === lo ? (left + plotRight) / 2 : left + 16 + ((tx(x) - lo) / (hi - lo)) * (plotRight - left - 32));
  const yTicks = niceTicks(Math.max(0, ...o.series.flatMap((s) => s.points.map((p) => p.y))));
  const yMax = yTicks[yTicks.length - 1]!;
  const py = (y: number) => height - bottom - (y / yMax) * (height - top - bottom);
  const body: string[] = [];
  for (const t of yTicks) {
    body.push(`<line x1="${left}" x2="${n(plotRight)}" y1="${n(py(t))}" y2="${n(py(t))}" stroke="#e5e5e5"/>`);
    body.push(`<text class="axis" x="${left - 6}" y="${n(py(t) + 4)}" text-anchor="end">${escapeXml(fmtTick(t))}</text>`);
  }
  for (const x of xs) {
    body.push(`<line x1="${n(px(x))}" x2="${n(px(x))}" y1="${n(py(0))}" y2="${n(py(0) + 5)}" stroke="#999"/>`);
    body.push(`<text class="axis" x="${n(px(x))}" y="${n(py(0) + 18)}" text-anchor="middle">${escapeXml(fx(x))}</text>`);
  }
  body.push(`<line x1="${left}" x2="${n(plotRight)}" y1="${n(py(0))}" y2="${n(py(0))}" stroke="#999"/>`);
  body.push(`<text class="axis" x="${n((left + plotRight) / 2)}" y="${height - 12}" text-anchor="middle">${escapeXml(o.xLabel)}</text>`);
  body.push(
    `<text class="axis" transform="translate(16 ${n((top + height - bottom) / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(o.yLabel)}</text>`,
  );
  const labels: { x: number; y: number; text: string; color: string }[] = [];
  for (const s of o.series) {
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    if (pts.length > 1)
      body.push(
        `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.map((p) => `${n(px(p.x))},${n(py(p.y))}`).join(' ')}"/>`,
      );
    for (const p of pts) {
      body.push(
        `<circle class="point" cx="${n(px(p.x))}" cy="${n(py(p.y))}" r="4" fill="${s.color}"><title>${escapeXml(`${s.name}, ${fx(p.x)}: ${fy(p.y)}`)}</title></circle>`,
      );
      labels.push({ x: px(p.x), y: py(p.y), text: fy(p.y), color: s.color });
    }
  }
  // Value labels right of their points, above them, pushed apart where points at one x are close.
  for (const x of new Set(labels.map((l) => l.x))) {
    let prev = -Infinity;
    for (const l of labels.filter((q) => q.x === x).sort((a, b) => a.y - b.y)) {
      const y = Math.max(l.y - 7, prev + 13);
      body.push(`<text class="value" x="${n(l.x + 7)}" y="${n(y)}" fill="${l.color}">${escapeXml(l.text)}</text>`);
      prev = y;
    }
  }
  body.push(...legendRow(o.series, left, 42));
  return frame(width, height, o.title, body);
}

function legendRow(entries: readonly { name: string; color: string }[], x: number, y: number): string[] {
  const out: string[] = [];
  for (const e of entries) {
    out.push(
      `<rect x="${n(x)}" y="${n(y - 9)}" width="12" height="12" fill="${e.color}"/><text x="${n(x + 18)}" y="${n(y + 1)}">${escapeXml(e.name)}</text>`,
    );
    x += 36 + e.name.length * 7;
  }
  return out;
}

export interface BarGroup {
  name: string;
  bars: readonly { name: string; value: number; color: string }[];
}

export interface BarChartOptions {
  title: string;
  valueLabel: string;
  groups: readonly BarGroup[];
  format?: (v: number) => string;
  width?: number;
}

/** Horizontal bars, grouped (one group per graph shape…); one `<rect class="bar">` per bar. */
export function barChart(o: BarChartOptions): string {
  const width = o.width ?? 640;
  const f = o.format ?? String;
  const barH = 18,
    gap = 4,
    groupGap = 18,
    top = 40;
  const labelW = Math.min(260, 12 + 6.5 * Math.max(0, ...o.groups.flatMap((g) => g.bars.map((b) => b.name.length))));
  const left = labelW + 16,
    right = 90;
  const ticks = niceTicks(Math.max(0, ...o.groups.flatMap((g) => g.bars.map((b) => b.value))));
  const vMax = ticks[ticks.length - 1]!;
  const pw = (v: number) => (v / vMax) * (width - left - right);
  const body: string[] = [];
  let y = top + 8;
  const rows: string[] = [];
  for (const g of o.groups) {
    rows.push(`<text class="title" x="8" y="${n(y + 12)}">${escapeXml(g.name)}</text>`);
    y += 20;
    for (const b of g.bars) {
      rows.push(`<text x="${left - 8}" y="${n(y + barH / 2 + 4)}" text-anchor="end">${escapeXml(b.name)}</text>`);
      rows.push(
        `<rect class="bar" x="${left}" y="${n(y)}" width="${n(pw(b.value))}" height="${barH}" fill="${b.color}"><title>${escapeXml(`${g.name}, ${b.name}: ${f(b.value)}`)}</title></rect>`,
      );
      rows.push(`<text class="value" x="${n(left + pw(b.value) + 6)}" y="${n(y + barH / 2 + 4)}">${escapeXml(f(b.value))}</text>`);
      y += barH + gap;
    }
    y += groupGap;
  }
  const bottom = y;
  for (const t of ticks) {
    body.push(`<line x1="${n(left + pw(t))}" x2="${n(left + pw(t))}" y1="${top}" y2="${n(bottom)}" stroke="#e5e5e5"/>`);
    body.push(`<text class="axis" x="${n(left + pw(t))}" y="${n(bottom + 16)}" text-anchor="middle">${escapeXml(fmtTick(t))}</text>`);
  }
  body.push(...rows);
  body.push(
    `<text class="axis" x="${n(left + (width - left - right) / 2)}" y="${n(bottom + 36)}" text-anchor="middle">${escapeXml(o.valueLabel)}</text>`,
  );
  return frame(width, Math.ceil(bottom + 48), o.title, body);
}

export interface StackedGroup {
  name: string;
  bars: readonly { name: string; segments: readonly { name: string; value: number }[] }[];
}

export interface StackedBarChartOptions {
  title: string;
  yLabel: string;
  groups: readonly StackedGroup[];
  /** Colour of each segment name (phase). */
  colors: Readonly<Record<string, string>>;
  format?: (v: number) => string;
  width?: number;
  height?: number;
}

/** Vertical stacked bars, grouped (one group per row count, one bar per engine); one `<rect class="segment">` per segment. */
export function stackedBarChart(o: StackedBarChartOptions): string {
  const width = o.width ?? 640;
  const height = o.height ?? 380;
  const f = o.format ?? String;
  const left = 64,
    top = 40,
    bottom = 76;
  const names = Object.keys(o.colors);
  const legendWidth = Math.max(0, ...names.map((s) => s.length * 7 + 24));
  const plotRight = width - 16 - legendWidth;
  const totals = o.groups.flatMap((g) => g.bars.map((b) => b.segments.reduce((s, x) => s + x.value, 0)));
  const ticks = niceTicks(Math.max(0, ...totals));
  const vMax = ticks[ticks.length - 1]!;
  const py = (v: number) => height - bottom - (v / vMax) * (height - top - bottom);
  const body: string[] = [];
  for (const t of ticks) {
    body.push(`<line x1="${left}" x2="${n(plotRight)}" y1="${n(py(t))}" y2="${n(py(t))}" stroke="#e5e5e5"/>`);
    body.push(`<text class="axis" x="${left - 6}" y="${n(py(t) + 4)}" text-anchor="end">${escapeXml(fmtTick(t))}</text>`);
  }
  const groupW = (plotRight - left) / Math.max(1, o.groups.length);
  o.groups.forEach((g, gi) => {
    const barW = Math.min(56, (groupW - 24) / Math.max(1, g.bars.length));
    const x0 = left + gi * groupW + (groupW - barW * g.bars.length) / 2;
    g.bars.forEach((b, bi) => {
      const x = x0 + bi * barW;
      let acc = 0;
      for (const s of b.segments) {
        const y1 = py(acc + s.value);
        body.push(
          `<rect class="segment" x="${n(x + 2)}" y="${n(y1)}" width="${n(barW - 4)}" height="${n(py(acc) - y1)}" fill="${o.colors[s.name] ?? '#999'}"><title>${escapeXml(`${g.name}, ${b.name}, ${s.name}: ${f(s.value)}`)}</title></rect>`,
        );
        acc += s.value;
      }
      body.push(`<text class="value" x="${n(x + barW / 2)}" y="${n(py(acc) - 4)}" text-anchor="middle">${escapeXml(f(acc))}</text>`);
      body.push(`<text class="axis" x="${n(x + barW / 2)}" y="${n(py(0) + 14)}" text-anchor="middle">${escapeXml(b.name)}</text>`);
    });
    body.push(`<text x="${n(left + gi * groupW + groupW / 2)}" y="${n(py(0) + 34)}" text-anchor="middle">${escapeXml(g.name)}</text>`);
  });
  body.push(`<line x1="${left}" x2="${n(plotRight)}" y1="${n(py(0))}" y2="${n(py(0))}" stroke="#999"/>`);
  body.push(
    `<text class="axis" transform="translate(16 ${n((top + height - bottom) / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(o.yLabel)}</text>`,
  );
  body.push(
    ...legend(
      names.map((name) => ({ name, color: o.colors[name]! })),
      plotRight + 16,
      top + 8,
    ),
  );
  return frame(width, height, o.title, body);
}
