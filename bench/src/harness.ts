/**
 * The benchmark harness: named workloads run side by side with their Python counterparts in one
 * process run, one JSON record per measured run (docs/benchmarks.md), then a table of medians
 * with ratios Tessera / other.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One measured run. */
export interface BenchRecord {
  workload: string;
  /** `'tessera'`, `'dask'`, `'scikit-learn'`… */
  engine: string;
  /** Workload parameters, the same for every engine compared (rows, shape…). */
  params: Record<string, unknown>;
  /** Engine configuration that is not compared across engines (scheduler kind…). */
  variant?: string;
  /** Seconds per phase, including `total`. */
  seconds: Record<string, number>;
  peakRssMB?: number;
  threads?: number;
  [extra: string]: unknown;
}

/** What a workload gets from the harness. */
export interface BenchContext {
  /** Measured runs per engine (alternating engines). */
  runs: number;
  /** Output file for JSON records, if any. */
  json?: string;
  /** Workload-specific options from the command line (`--rows 1000000` → `{ rows: '1000000' }`). */
  options: Record<string, string | boolean>;
  /** Runs `bench/python/<script>` with /usr/bin/python3; parses the JSON lines it prints. */
  runPython(script: string, args: string[]): Promise<BenchRecord[] | { skipped: string }>;
  /** A scratch directory for data files, kept between runs of the harness. */
  tmpDir: string;
  /** Progress lines (stderr). */
  log(message: string): void;
}

export interface Workload {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<BenchRecord[]>;
}

export const PYTHON = process.env['TESSERA_PYTHON'] ?? '/usr/bin/python3';
export const benchRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Runs a Python benchmark script; a missing interpreter or package is a skip, never a fake. */
export function runPython(script: string, args: string[]): Promise<BenchRecord[] | { skipped: string }> {
  if (!existsSync(PYTHON))
    return Promise.resolve({ skipped: `${PYTHON} not found (apt-get install python3 python3-numpy python3-dask python3-sklearn)` });
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [join(benchRoot, 'python', script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const lines = out.split('\n').filter((l) => l.trim().startsWith('{'));
      const parsed = lines.map((l) => JSON.parse(l) as BenchRecord | { skipped: string });
      const skip = parsed.find((p): p is { skipped: string } => 'skipped' in p);
      if (skip) return resolve(skip);
      if (code !== 0) return reject(new Error(`${script} exited with code ${code}`));
      resolve(parsed as BenchRecord[]);
    });
  });
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Peak resident set size of this process so far, in MB. */
export function peakRssMB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** Median of each phase per (params, engine, variant), with ratios of Tessera to the others. */
export function summarize(records: readonly BenchRecord[]): string {
  const groups = new Map<string, Map<string, BenchRecord[]>>();
  for (const r of records) {
    const p = JSON.stringify(r.params, Object.keys(r.params).sort());
    const e = r.variant ? `${r.engine} (${r.variant})` : r.engine;
    if (!groups.has(p)) groups.set(p, new Map());
    const g = groups.get(p)!;
    if (!g.has(e)) g.set(e, []);
    g.get(e)!.push(r);
  }
  const lines: string[] = [];
  for (const [params, engines] of groups) {
    lines.push(`\n${records[0]!.workload} ${formatParams(JSON.parse(params) as Record<string, unknown>)}`);
    const phases = [...new Set([...engines.values()].flatMap((rs) => rs.flatMap((r) => Object.keys(r.seconds))))];
    phases.sort((a, b) => (a === 'total' ? 1 : b === 'total' ? -1 : 0));
    const med = new Map<string, Record<string, number>>();
    for (const [e, rs] of engines)
      med.set(
        e,
        Object.fromEntries(phases.map((ph) => [ph, median(rs.map((r) => r.seconds[ph]).filter((x): x is number => x !== undefined))])),
      );
    // One ratio column per engine that is not Tessera (dask, scikit-learn, the C limit…).
    const references = [...engines.keys()].filter((e) => !e.startsWith('tessera'));
    const header = ['engine', 'runs', ...phases.map((p) => `${p} s`), 'peak RSS MB', ...references.map((r) => `total / ${r}`)];
    const rows = [...engines].map(([e, rs]) => {
      const m = med.get(e)!;
      const rss = median(rs.map((r) => r.peakRssMB).filter((x): x is number => x !== undefined));
      return [
        e,
        String(rs.length),
        ...phases.map((p) => fmt(m[p]!)),
        Number.isNaN(rss) ? '' : rss.toFixed(0),
        ...references.map((r) => (r === e ? '1' : (m['total']! / med.get(r)!['total']!).toFixed(3))),
      ];
    });
    lines.push(table([header, ...rows]));
  }
  return lines.join('\n');
}

function fmt(x: number): string {
  if (Number.isNaN(x)) return '';
  return x >= 10 ? x.toFixed(2) : x >= 0.1 ? x.toFixed(3) : x.toFixed(4);
}

function formatParams(p: Record<string, unknown>): string {
  return Object.entries(p)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r, i) => {
      const line = r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
      return i === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}
