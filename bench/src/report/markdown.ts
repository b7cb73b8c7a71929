/**
 * The benchmark report as Markdown + SVG, rendered from the records of one run and the run's
 * metadata (machine, command, steps) — nothing else. `renderReport` is pure: the same inputs give
 * the same files, so `pnpm bench report --render-only` can redraw a saved run.
 */
import type { BenchRecord } from '../harness.js';
import { groupRecords, paramsKey, pythonVersions, type EngineSummary, type ParamGroup } from './aggregate.js';
import type { MachineInfo } from './machine.js';
import { barChart, lineChart, stackedBarChart, type LineSeries } from './svg.js';

/** One invocation of a workload within the report (one child process). */
export interface StepResult {
  workload: string;
  /** `'scheduler'`, `'pipeline, 10M rows'`… */
  label: string;
  /** The command that reproduces this step on its own. */
  command: string;
  status: 'done' | 'failed' | 'skipped';
  /** Why the step failed or was not run. */
  reason?: string;
  /** Wall-clock seconds of the step (data generation and warm-ups included). */
  seconds?: number;
  /** Skip messages of the Python counterpart (not installed…), as the scripts printed them. */
  pythonSkipped?: string[];
}

/** Everything about a report run that is not a measured record. */
export interface ReportRun {
  command: string;
  /** ISO date-time of the start. */
  date: string;
  /** Wall-clock seconds of the whole run. */
  seconds: number;
  budgetMinutes: number;
  runs: number;
  machine: MachineInfo;
  steps: StepResult[];
  /** Workload name → its description. */
  descriptions: Record<string, string>;
}

export interface RenderOptions {
  /** Directory of the images, relative to the Markdown file. */
  imgDir: string;
  /** File names of the saved records and run metadata, relative to the Markdown file. */
  recordsFile: string;
  runFile: string;
}

export interface RenderedReport {
  markdown: string;
  /** File name (within imgDir) → SVG text. */
  images: Record<string, string>;
}

export const INSTALL_PYTHON = 'apt-get install python3-dask python3-sklearn python3-numpy';

const TESSERA_COLORS = ['#1f6feb', '#79b0f7', '#0a3069', '#54aeff'];
const OTHER_COLORS = ['#e36209', '#2da44e', '#8250df', '#bf3989'];
const PHASE_COLORS = ['#4c78a8', '#f58518', '#54a24b', '#b279a2', '#e45756', '#72b7b2'];

const METRIC_LABELS: Record<string, string> = {
  tasksPerSecond: 'tasks/s',
  gbPerSecond: 'GB/s',
  accuracy: 'accuracy',
  maxRelDiffVsTessera: 'max rel. diff vs Tessera',
};

// ——— number formatting ———

/** Three significant digits, thousands grouped, no exponent. */
export function fmt(x: number | undefined): string {
  if (x === undefined || Number.isNaN(x)) return '—';
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  if (a === 0) return '0';
  return x.toPrecision(3);
}

function fmtMetric(key: string, v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return '—';
  if (key === 'accuracy') return v.toFixed(4);
  if (key === 'tasksPerSecond') return Math.round(v).toLocaleString('en-US');
  return fmt(v);
}

/** 1000000 → '1M', 500000 → '500k'. */
export function fmtRows(rows: number): string {
  if (rows >= 1e6 && rows % 1e5 === 0) return `${rows / 1e6}M`;
  if (rows >= 1e3 && rows % 1e2 === 0) return `${rows / 1e3}k`;
  return rows.toLocaleString('en-US');
}

export function fmtDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  return `${m} min ${Math.round(seconds - m * 60)} s`;
}

/** `0.42 (2.4× faster)`, `1.8 (1.8× slower)`, `1.02 (on par)`. */
export function fmtRatio(r: number | undefined): string {
  if (r === undefined || Number.isNaN(r)) return '—';
  const v = r >= 10 ? r.toFixed(1) : r.toFixed(2);
  if (Math.abs(r - 1) < 0.05) return `${v} (on par)`;
  return r < 1 ? `${v} (${(1 / r).toPrecision(2)}× faster)` : `${v} (${r.toPrecision(2)}× slower)`;
}

function fmtParam(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString('en-US') : String(v);
  if (typeof v === 'string' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export function fmtParams(p: Record<string, unknown>): string {
  return Object.entries(p)
    .map(([k, v]) => `${k} = ${fmtParam(v)}`)
    .join(' · ');
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function mdTable(rows: string[][], alignRight: boolean[]): string {
  const [head, ...body] = rows;
  return [
    `| ${head!.map(cell).join(' | ')} |`,
    `|${alignRight.map((r) => (r ? ' ---: ' : ' :--- ')).join('|')}|`,
    ...body.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

// ——— pieces ———

/**
 * The Tessera engine a summary line shows: the one without a variant (the default
 * configuration), else the one on the most threads (first seen among equals).
 */
export function headline(engines: readonly EngineSummary[]): EngineSummary | undefined {
  const t = engines.filter((e) => e.tessera);
  return (
    t.find((e) => e.variant === undefined) ??
    t.reduce<EngineSummary | undefined>((best, e) => (best === undefined || (e.threads ?? 0) > (best.threads ?? 0) ? e : best), undefined)
  );
}

function colorsFor(labels: readonly string[], isTessera: (l: string) => boolean): Map<string, string> {
  const m = new Map<string, string>();
  let t = 0,
    o = 0;
  for (const l of labels) m.set(l, isTessera(l) ? TESSERA_COLORS[t++ % TESSERA_COLORS.length]! : OTHER_COLORS[o++ % OTHER_COLORS.length]!);
  return m;
}

function groupTable(g: ParamGroup): string {
  const hasRss = g.engines.some((e) => e.peakRssMB !== undefined);
  const hasThreads = g.engines.some((e) => e.threads !== undefined);
  const metrics = g.metrics.filter((m) => g.engines.some((e) => e.metrics[m] !== undefined));
  const header = [
    'Engine',
    'Runs',
    ...(hasThreads ? ['Threads'] : []),
    ...g.phases.map((p) => `${p} (s)`),
    ...metrics.map((m) => METRIC_LABELS[m] ?? m),
    ...(hasRss ? ['Peak RSS (MB)'] : []),
    ...(g.reference ? [`Time ratio vs ${g.reference}`] : []),
  ];
  const right = header.map((_, i) => i > 0);
  const rows = g.engines.map((e) => [
    e.tessera ? `**${e.label}**` : e.label,
    String(e.runs),
    ...(hasThreads ? [e.threads === undefined ? '—' : String(e.threads)] : []),
    ...g.phases.map((p) => fmt(e.seconds[p])),
    ...metrics.map((m) => fmtMetric(m, e.metrics[m])),
    ...(hasRss ? [e.peakRssMB === undefined ? '—' : e.peakRssMB.toFixed(0)] : []),
    ...(g.reference ? [e.label === g.reference ? '1 (reference)' : fmtRatio(e.ratio)] : []),
  ]);
  return mdTable([header, ...rows], right);
}

function machineSection(run: ReportRun, records: readonly BenchRecord[], skips: string[]): string {
  const m = run.machine;
  const versions = pythonVersions(records);
  const py = versions['python']?.join(', ');
  const pkgs = Object.entries(versions)
    .filter(([k]) => k !== 'python')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k === 'sklearn' ? 'scikit-learn' : k} ${v.join(', ')}`);
  let python: string;
  if (py || pkgs.length)
    python = `${py ? `Python ${py}` : 'Python'}${pkgs.length ? ` · ${pkgs.join(' · ')}` : ''} (as reported by the Python scripts)`;
  else python = skips.length ? `not measured: ${skips[0]}` : 'not measured (no Python counterpart ran)';
  const load =
    `${m.loadBefore.map((x) => x.toFixed(2)).join(' / ')} (1 / 5 / 15 min) just before the first benchmark` +
    (m.loadDuring
      ? `; during the run (1 min, ${m.loadDuring.samples} samples) median ${m.loadDuring.median.toFixed(2)}, max ${m.loadDuring.max.toFixed(2)} — this includes the benchmark's own processes`
      : '');
  const t = m.tessera;
  const rows = [
    ['', ''],
    ['CPU', `${m.cpu}, ${m.cores} cores available`],
    ['Memory', `${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB`],
    ['OS', m.os],
    ['Node.js', `${m.node} (V8 ${m.v8})`],
    ['Tessera', `${t.version}${t.commit ? `, commit ${t.commit}` : ''}${t.uncommittedChanges ? ' with uncommitted changes' : ''}`],
    ['Python side', python],
    ['Load average', load],
    ['Date', run.date],
    ['Duration', `${fmtDuration(run.seconds)} (budget ${run.budgetMinutes} min)`],
  ];
  return mdTable(rows, [false, false]);
}

function summarySection(groups: readonly ParamGroup[]): string {
  const rows = [['Workload', 'Parameters', 'Tessera', 'Python engine', 'Time ratio']];
  for (const g of groups) {
    const t = headline(g.engines);
    const ref = g.engines.find((e) => e.label === g.reference);
    if (!t) continue;
    rows.push([
      g.workload,
      fmtParams(g.params),
      `${t.label}: ${fmt(t.seconds['total'])} s`,
      ref ? `${ref.label}: ${fmt(ref.seconds['total'])} s` : 'skipped',
      ref ? fmtRatio(t.ratio) : '—',
    ]);
  }
  return mdTable(rows, [false, false, true, true, true]);
}

function schedulerChart(groups: readonly ParamGroup[]): string | undefined {
  const withTps = groups.filter((g) => g.engines.some((e) => e.metrics['tasksPerSecond'] !== undefined));
  if (!withTps.length) return undefined;
  const labels = [...new Set(withTps.flatMap((g) => g.engines.map((e) => e.label)))];
  const tess = new Set(withTps.flatMap((g) => g.engines.filter((e) => e.tessera).map((e) => e.label)));
  const colors = colorsFor(labels, (l) => tess.has(l));
  return barChart({
    title: 'Scheduler throughput on trivial tasks (median tasks/s, higher is better)',
    valueLabel: 'tasks per second',
    groups: withTps.map((g) => ({
      name: fmtParams(g.params),
      bars: g.engines
        .filter((e) => e.metrics['tasksPerSecond'] !== undefined)
        .map((e) => ({ name: e.label, value: e.metrics['tasksPerSecond']!, color: colors.get(e.label)! })),
    })),
    format: (v) => Math.round(v).toLocaleString('en-US'),
  });
}

/** Parameter groups of a workload that vary only by `rows`, sorted by rows. */
function byRows(groups: readonly ParamGroup[]): (ParamGroup & { rows: number })[] {
  return groups
    .filter((g): g is ParamGroup & { params: { rows: number } } => typeof g.params['rows'] === 'number')
    .map((g) => ({ ...g, rows: g.params['rows'] as number }))
    .sort((a, b) => a.rows - b.rows);
}

function rowsCharts(workload: string, groups: readonly ParamGroup[]): { name: string; alt: string; svg: string }[] {
  const sized = byRows(groups);
  if (!sized.length) return [];
  const labels = [...new Set(sized.flatMap((g) => g.engines.map((e) => e.label)))];
  const tess = new Set(sized.flatMap((g) => g.engines.filter((e) => e.tessera).map((e) => e.label)));
  const colors = colorsFor(labels, (l) => tess.has(l));
  const series = (value: (e: EngineSummary) => number | undefined): LineSeries[] =>
    labels
      .map((label) => ({
        name: label,
        color: colors.get(label)!,
        points: sized.flatMap((g) => {
          const e = g.engines.find((x) => x.label === label);
          const v = e ? value(e) : undefined;
          return v === undefined || Number.isNaN(v) ? [] : [{ x: g.rows, y: v }];
        }),
      }))
      .filter((s) => s.points.length > 0);
  const out: { name: string; alt: string; svg: string }[] = [];
  const time = series((e) => e.seconds['total']);
  if (time.length) {
    out.push({
      name: `bench-${workload}-time.svg`,
      alt: `${workload}: median total seconds against rows`,
      svg: lineChart({
        title: `${workload}: total time against rows (median seconds, lower is better)`,
        xLabel: 'rows (log scale)',
        yLabel: 'seconds',
        series: time,
        xLog: true,
        formatX: fmtRows,
        formatY: fmt,
      }),
    });
  }
  const phases = [...new Set(sized.flatMap((g) => g.phases.filter((p) => p !== 'total')))];
  if (phases.length > 1) {
    const phaseColors = Object.fromEntries(phases.map((p, i) => [p, PHASE_COLORS[i % PHASE_COLORS.length]!]));
    out.push({
      name: `bench-${workload}-phases.svg`,
      alt: `${workload}: median seconds per phase against rows`,
      svg: stackedBarChart({
        title: `${workload}: time per phase (median of each phase, stacked; seconds)`,
        yLabel: 'seconds',
        colors: phaseColors,
        format: fmt,
        groups: sized.map((g) => ({
          name: `${fmtRows(g.rows)} rows`,
          bars: g.engines.map((e) => ({
            name: g.engines.filter((x) => x.engine === e.engine).length > 1 ? e.label : e.engine,
            segments: phases
              .filter((p) => e.seconds[p] !== undefined && !Number.isNaN(e.seconds[p]))
              .map((p) => ({ name: p, value: e.seconds[p]! })),
          })),
        })),
      }),
    });
  }
  const rss = series((e) => e.peakRssMB);
  if (rss.length) {
    out.push({
      name: `bench-${workload}-rss.svg`,
      alt: `${workload}: median peak RSS against rows`,
      svg: lineChart({
        title: `${workload}: peak resident memory against rows (median MB)`,
        xLabel: 'rows (log scale)',
        yLabel: 'peak RSS (MB)',
        series: rss,
        xLog: true,
        formatX: fmtRows,
        formatY: (v) => v.toFixed(0),
      }),
    });
  }
  return out;
}

/**
 * Whether other work shared the machine: a load average of 1 or more before the benchmark
 * started, or above the core count during the run (the benchmark alone keeps it at most there).
 */
export function sharedMachine(m: MachineInfo): boolean {
  return m.loadBefore[0] >= 1 || (m.loadDuring !== undefined && m.loadDuring.median > m.cores);
}

/** Renders the report. */
export function renderReport(run: ReportRun, records: readonly BenchRecord[], opts: RenderOptions): RenderedReport {
  const groups = groupRecords(records);
  const images: Record<string, string> = {};
  const pySkips = [...new Set(run.steps.flatMap((s) => s.pythonSkipped ?? []))];
  const workloads = [...new Set([...run.steps.map((s) => s.workload), ...groups.map((g) => g.workload)])];
  const out: string[] = [];
  const img = (name: string, alt: string, svg: string) => {
    images[name] = svg;
    out.push(`![${alt}](${opts.imgDir}/${name})`, '');
  };

  out.push('# Benchmarks', '');
  out.push(
    `Generated by \`${run.command}\` on ${run.date.slice(0, 10)}. Every figure on this page — tables and charts — comes from the records of that run, ` +
      `saved in [${opts.recordsFile}](${opts.recordsFile}) (one JSON object per measured run) with the run's machine and steps in [${opts.runFile}](${opts.runFile}). ` +
      'Do not edit it by hand: run the command again.',
    '',
  );
  out.push(
    `Each workload runs Tessera and its Python counterpart (dask, scikit-learn) side by side in the same run, alternating engine by engine, ${run.runs} measured run${run.runs === 1 ? '' : 's'} each after a warm-up. ` +
      'Figures are medians over the runs (each phase separately, so phases need not add up to the total). ' +
      "**Time ratio** = Tessera's median total time / the Python engine's: below 1, Tessera is faster. " +
      'Peak RSS is the peak resident memory of the process that ran the engine: its own process for the pipeline and for every Python script; ' +
      "for the other Tessera workloads, the workload's benchmark process up to that run (test data and warm-ups included).",
    '',
  );

  out.push('## Machine', '', machineSection(run, records, pySkips), '');
  if (sharedMachine(run.machine)) {
    out.push(
      `> Measured on a shared, loaded machine: other work was running (load average ${run.machine.loadBefore[0].toFixed(2)} before the first benchmark` +
        `${run.machine.loadDuring ? `, median ${run.machine.loadDuring.median.toFixed(2)} during the run on ${run.machine.cores} cores` : ''}). ` +
        'Absolute times are pessimistic for every engine; alternating the engines run by run keeps the ratios comparable, but treat them with that in mind.',
      '',
    );
  }

  const notRun = run.steps.filter((s) => s.status !== 'done');
  if (pySkips.length || notRun.length) {
    out.push('## Skipped', '');
    for (const s of pySkips) out.push(`- Python counterpart skipped: ${s}`);
    if (pySkips.length)
      out.push(`- To compare against the Python engines, install them (Debian/Ubuntu): \`${INSTALL_PYTHON}\`, then run the command again.`);
    for (const s of notRun) out.push(`- ${s.label}: ${s.status === 'failed' ? 'failed' : 'not run'} — ${s.reason ?? 'no reason recorded'}`);
    out.push('');
  }

  if (groups.length) out.push('## Summary', '', summarySection(groups), '');

  for (const w of workloads) {
    const wGroups = groups.filter((g) => g.workload === w);
    const steps = run.steps.filter((s) => s.workload === w);
    out.push(`## ${w}`, '');
    if (run.descriptions[w]) out.push(`${run.descriptions[w]}.`, '');
    for (const s of steps) {
      const what =
        s.status === 'done'
          ? `${fmtDuration(s.seconds ?? 0)}`
          : s.status === 'failed'
            ? `**failed** — ${s.reason ?? ''}`
            : `not run — ${s.reason ?? ''}`;
      out.push(`- \`${s.command}\` (${what})${(s.pythonSkipped ?? []).map((p) => `; Python counterpart skipped: ${p}`).join('')}`);
    }
    if (steps.length) out.push('');
    for (const g of wGroups) {
      out.push(`### ${fmtParams(g.params)}`, '', groupTable(g), '');
      if (!g.reference) out.push('No time ratio: no Python engine ran for these parameters (see Skipped).', '');
    }
    if (w === 'scheduler') {
      const svg = schedulerChart(wGroups);
      if (svg) img('bench-scheduler-tasks.svg', 'scheduler: median tasks/s per graph shape and engine', svg);
    } else {
      // Workloads measured at several row counts get time / phases / peak RSS against rows.
      // (The pipeline always, other workloads when they ran at more than one row count.)
      const sized = byRows(wGroups);
      const rest = (g: ParamGroup) => paramsKey(Object.fromEntries(Object.entries(g.params).filter(([k]) => k !== 'rows')));
      const onlyRowsVary = sized.length === wGroups.length && new Set(wGroups.map(rest)).size === 1;
      if (onlyRowsVary && (sized.length > 1 || (w === 'pipeline' && sized.length > 0)))
        for (const c of rowsCharts(w, wGroups)) img(c.name, c.alt, c.svg);
    }
  }
  return { markdown: `${out.join('\n').trimEnd()}\n`, images };
}
