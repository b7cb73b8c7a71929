import type { Command } from 'commander';
import { OUTPUT_KINDS, loadTrace, writeReport } from '@tessera/diagnostics';
import { checkOutput } from '@tessera/io';
import { outputErrorForFlag } from '../options.js';

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
    .option('--overwrite', 'replace the output even when it is not a Tessera report (never the trace)')
    .action(async (trace: string, opts: { output?: string; title?: string; overwrite?: boolean }) => {
      const output = opts.output ?? `${trace.replace(/(\.trace)?\.json$/i, '')}.html`;
      // The output may be the trace itself under another spelling (./t.json, a symlink): compared
      // by real path, refused before anything is read or written.
      const write = { inputs: [trace], overwrite: opts.overwrite === true ? ('force' as const) : true };
      try {
        await checkOutput(output, { kind: OUTPUT_KINDS.report, ...write });
      } catch (error) {
        throw outputErrorForFlag(error, '--output');
      }
      const data = await loadTrace(trace);
      try {
        await writeReport(data, output, { title: opts.title ?? trace.split(/[\\/]/).pop()!, ...write });
      } catch (error) {
        throw outputErrorForFlag(error, '--output');
      }
      process.stderr.write(
        `tessera: wrote ${output} (${data.tasks.length.toLocaleString('en-US')} tasks, ${data.samples.length.toLocaleString('en-US')} samples)\n`,
      );
    });
}
