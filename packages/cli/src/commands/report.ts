import type { Command } from 'commander';
import { loadTrace, writeReport } from '@tessera/diagnostics';

/**
 * `tessera report TRACE.json -o REPORT.html`: rebuilds the HTML report from a saved trace (the
 * trace carries Tessera's records exactly, so this is the report the run itself would write).
 */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('Build the self-contained HTML report from a saved trace (written by writeTrace / Profiler.writeTrace)')
    .argument('<trace>', 'trace JSON file (also accepts Profiler/ResourceProfiler JSON)')
    .option('-o, --output <file>', 'HTML file to write (default: the trace name with .html)')
    .option('-t, --title <title>', 'page title (default: the trace file name)')
    .action(async (trace: string, opts: { output?: string; title?: string }) => {
      const output = opts.output ?? `${trace.replace(/(\.trace)?\.json$/i, '')}.html`;
      if (output === trace) throw new Error(`Refusing to overwrite the trace '${trace}' with the report; pass -o REPORT.html.`);
      const data = await loadTrace(trace);
      await writeReport(data, output, { title: opts.title ?? trace.split(/[\\/]/).pop()! });
      process.stderr.write(`tessera: wrote ${output} (${data.tasks.length.toLocaleString('en-US')} tasks, ${data.samples.length.toLocaleString('en-US')} samples)\n`);
    });
}
