/**
 * `pnpm bench <workload> [--json FILE] [--runs N] [--<option> value …]`
 * `pnpm bench report […]` — every workload, and the report docs/benchmarks.md (report/run.ts).
 *
 * Runs a named workload side by side with its Python counterpart, appends one JSON object per
 * measured run to FILE, and prints medians with ratios Tessera / other.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { benchRoot, runPython, summarize, type BenchContext } from './harness.js';
import { workloads } from './workloads/index.js';

function parseArgs(argv: string[]): { positional: string[]; options: Record<string, string | boolean> } {
  const positional: string[] = [];
  const options: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    if (eq > 0) options[a.slice(2, eq)] = a.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) options[a.slice(2)] = argv[++i]!;
    else options[a.slice(2)] = true;
  }
  return { positional, options };
}

const { positional, options } = parseArgs(process.argv.slice(2));
const name = positional[0];
if (name === 'report' && !options['help']) {
  const { report } = await import('./report/run.js');
  const argv = process.argv.slice(2);
  argv.splice(argv.indexOf('report'), 1);
  process.exit(await report(argv, options));
}
const workload = workloads.find((w) => w.name === name);
if (!workload || options['help']) {
  process.stderr.write(`usage: pnpm bench <workload> [--json FILE] [--runs N] [options]\n`);
  process.stderr.write(
    `       pnpm bench report [--budget-minutes 15] [--sizes 1M,2M,10M] [--runs 5] [--out docs/benchmarks.md] [--json FILE]\n`,
  );
  process.stderr.write(
    `                         [--only w1,w2] [--no-python] [--<workload>.<option> value …] [--render-only]\n\nworkloads:\n`,
  );
  for (const w of workloads) process.stderr.write(`  ${w.name.padEnd(12)} ${w.description}\n`);
  process.stderr.write(
    `  ${'report'.padEnd(12)} all of the above side by side with their Python counterparts → docs/benchmarks.md (+ .jsonl, img/bench-*.svg)\n`,
  );
  process.exit(workload || options['help'] || name === 'report' ? 0 : 2);
}
const { json, runs, ...rest } = options;
const tmpDir = join(benchRoot, '.cache');
mkdirSync(tmpDir, { recursive: true });
const ctx: BenchContext = {
  runs: runs === undefined ? 3 : Number(runs),
  ...(typeof json === 'string' ? { json } : {}),
  options: rest,
  // The report (report/run.ts) runs each workload in a child process and learns from this file
  // which Python counterparts were skipped, and why.
  runPython: async (script, args) => {
    const out = await runPython(script, args);
    const skips = process.env['TESSERA_BENCH_SKIPS'];
    if ('skipped' in out && skips) appendFileSync(skips, `${JSON.stringify({ workload: name, script, skipped: out.skipped })}\n`);
    return out;
  },
  tmpDir,
  log: (m) => process.stderr.write(`${m}\n`),
};
if (!Number.isInteger(ctx.runs) || ctx.runs < 1) {
  process.stderr.write(`--runs must be a positive integer; got '${String(runs)}'\n`);
  process.exit(2);
}
const records = await workload.run(ctx);
if (ctx.json) for (const r of records) appendFileSync(ctx.json, `${JSON.stringify(r)}\n`);
console.log(summarize(records));
