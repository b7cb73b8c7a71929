/**
 * From measured runs to the figures of the report: records grouped by workload and parameters,
 * then by engine (and variant); medians of every phase, of peak RSS and of each workload figure
 * (tasks/s, GB/s, accuracy…); the ratio of every engine's median total time to the Python
 * engine's. Pure functions of the records — the report prints nothing else.
 */
import { median, type BenchRecord } from '../harness.js';

/** One engine (engine + variant) within a parameter group. */
export interface EngineSummary {
  /** `'tessera · threads'`, `'dask · threaded'`, `'tessera'`… (see engineLabel) */
  label: string;
  engine: string;
  variant?: string;
  tessera: boolean;
  runs: number;
  /** Median seconds per phase (`total` included). */
  seconds: Record<string, number>;
  /** Median peak RSS, if the records carry it. */
  peakRssMB?: number;
  /** Threads the engine ran on (from the first record that says). */
  threads?: number;
  /** Median of each numeric workload figure (`tasksPerSecond`, `accuracy`…). */
  metrics: Record<string, number>;
  /** Median total time / the reference engine's median total time. */
  ratio?: number;
}

/** The records of one workload at one set of parameters. */
export interface ParamGroup {
  workload: string;
  params: Record<string, unknown>;
  /** Phases in first-seen order, `total` last. */
  phases: string[];
  /** Workload figures present in at least one record, in first-seen order. */
  metrics: string[];
  engines: EngineSummary[];
  /** Label of the engine the ratios are taken against: the first engine that is not Tessera. */
  reference?: string;
}

/** Record fields that are not figures to tabulate (configuration, raw results, bookkeeping). */
const NOT_METRICS = new Set([
  'workload',
  'engine',
  'variant',
  'params',
  'seconds',
  'peakRssMB',
  'threads',
  'versions',
  'memoryLimit',
  'intercept',
  'coef',
  'mean0',
  'var0',
  'trainBlocks',
  'heldOutBlocks',
  'tasksPerWorker',
]);

/** `'tessera · threads'`, `'dask · threaded'`, `'dask + scikit-learn'` (a variant that names its engine stands alone). */
export function engineLabel(r: Pick<BenchRecord, 'engine' | 'variant'>): string {
  if (!r.variant) return r.engine;
  return r.variant.startsWith(r.engine) ? r.variant : `${r.engine} · ${r.variant}`;
}

export function isTessera(r: { engine: string }): boolean {
  return r.engine === 'tessera' || r.engine.startsWith('tessera-');
}

/** Engines that are neither Tessera nor a Python counterpart (the C near-limit): never the reference. */
const NOT_REFERENCE = new Set(['c-limit']);

/** A stable key for a parameter object (key order does not matter). */
export function paramsKey(params: Record<string, unknown>): string {
  return JSON.stringify(params, Object.keys(params).sort());
}

function numeric(values: readonly unknown[]): number[] {
  return values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
}

/** Groups records by (workload, params), engines in first-seen order within each group. */
export function groupRecords(records: readonly BenchRecord[]): ParamGroup[] {
  const groups = new Map<string, { workload: string; params: Record<string, unknown>; byEngine: Map<string, BenchRecord[]> }>();
  for (const r of records) {
    const key = `${r.workload}\u0000${paramsKey(r.params)}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { workload: r.workload, params: r.params, byEngine: new Map() }));
    const label = engineLabel(r);
    const list = g.byEngine.get(label);
    if (list) list.push(r);
    else g.byEngine.set(label, [r]);
  }
  const out: ParamGroup[] = [];
  for (const g of groups.values()) {
    const all = [...g.byEngine.values()].flat();
    const phases = [...new Set(all.flatMap((r) => Object.keys(r.seconds)))];
    phases.sort((a, b) => Number(a === 'total') - Number(b === 'total'));
    const metrics = [...new Set(all.flatMap((r) => Object.keys(r).filter((k) => !NOT_METRICS.has(k) && typeof r[k] === 'number')))];
    const engines: EngineSummary[] = [...g.byEngine].map(([label, rs]) => {
      const first = rs[0]!;
      const rss = median(numeric(rs.map((r) => r.peakRssMB)));
      const threads = rs.find((r) => typeof r.threads === 'number')?.threads;
      const e: EngineSummary = {
        label,
        engine: first.engine,
        tessera: isTessera(first),
        runs: rs.length,
        seconds: Object.fromEntries(phases.map((p) => [p, median(numeric(rs.map((r) => r.seconds[p])))])),
        metrics: {},
      };
      if (first.variant !== undefined) e.variant = first.variant;
      if (!Number.isNaN(rss)) e.peakRssMB = rss;
      if (threads !== undefined) e.threads = threads;
      for (const m of metrics) {
        const v = median(numeric(rs.map((r) => r[m])));
        if (!Number.isNaN(v)) e.metrics[m] = v;
      }
      return e;
    });
    const reference = engines.find((e) => !e.tessera && !NOT_REFERENCE.has(e.engine));
    if (reference) {
      const base = reference.seconds['total'];
      for (const e of engines) {
        const t = e.seconds['total'];
        if (base !== undefined && t !== undefined && base > 0 && !Number.isNaN(base) && !Number.isNaN(t)) e.ratio = t / base;
      }
    }
    out.push({ workload: g.workload, params: g.params, phases, metrics, engines, ...(reference ? { reference: reference.label } : {}) });
  }
  return out;
}

/**
 * Versions reported by the Python scripts' records (`versions` field), each package with every
 * distinct value seen — normally one.
 */
export function pythonVersions(records: readonly BenchRecord[]): Record<string, string[]> {
  const seen = new Map<string, Set<string>>();
  for (const r of records) {
    const v = r['versions'];
    if (isTessera(r) || typeof v !== 'object' || v === null) continue;
    for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
      if (typeof val !== 'string') continue;
      if (!seen.has(k)) seen.set(k, new Set());
      seen.get(k)!.add(val);
    }
  }
  return Object.fromEntries([...seen].map(([k, s]) => [k, [...s]]));
}
