import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { Graph, ThreadScheduler, TaskError, ref } from '@tessera/scheduler';
import { ProgressBar, diagnose, formatCount, type ProgressStream } from '@tessera/diagnostics';
import { k, pipelineGraph } from './helpers.js';

const threads = new ThreadScheduler({ threads: 2 });
afterAll(() => threads.close());
afterEach(() => vi.restoreAllMocks());

/** A stream that records what is written to it, into a shared log. */
function recorder(name: string, log: [string, string][], tty: boolean): ProgressStream & { text(): string } {
  return {
    isTTY: tty,
    columns: 120,
    write(chunk: string) {
      log.push([name, String(chunk)]);
      return true;
    },
    text: () => log.filter(([n]) => n === name).map(([, c]) => c).join(''),
  };
}

describe('formatCount', () => {
  it('groups thousands as en-US does, for any integer and rounded fractions', () => {
    for (const n of [0, 7, 999, 1000, 12345, 999999, 1000000, 123456789012, -1, -1234567, 1234.5, 999.4, 2 ** 53 - 1]) {
      expect(formatCount(n)).toBe(Math.round(n).toLocaleString('en-US'));
    }
  });
});

describe('ProgressBar', () => {
  it('off a terminal: plain periodic lines and a last line on its stream, nothing on stdout', async () => {
    const log: [string, string][] = [];
    const err = recorder('err', log, false);
    const stdout = vi.spyOn(process.stdout, 'write');
    const { graph, tasks } = pipelineGraph(12, 50, 4);
    await diagnose([new ProgressBar({ stream: err, interval: 15 })], () => threads.run(graph, ['total']));
    expect(stdout).not.toHaveBeenCalled();
    const lines = err.text().split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const l of lines.slice(0, -1)) expect(l).toMatch(new RegExp(`^tessera: [\\d,]+/${tasks} tasks \\(\\d+\\.\\d%\\), [\\d,]+ tasks/s(, ETA [\\d.]+ s)?$`));
    expect(lines.at(-1)).toMatch(new RegExp(`^tessera: ${tasks}/${tasks} tasks done in [\\d.]+ s \\([\\d,]+ tasks/s\\)$`));
    // No escape sequences off a terminal.
    expect(err.text()).not.toMatch(/\x1b/);
  });

  it('runs shorter than `minimum` print nothing; a failed run says so', async () => {
    const log: [string, string][] = [];
    const err = recorder('err', log, false);
    const g = new Graph().add('a', 'math.inc', [1]);
    await diagnose([new ProgressBar({ stream: err, minimum: 5000 })], () => threads.run(g, ['a']));
    expect(log).toEqual([]);
    const bad = new Graph().add('a', 'math.inc', [1]).add('b', k('fail'), ['broken', ref('a')]);
    await expect(diagnose([new ProgressBar({ stream: err, label: 'fit' })], () => threads.run(bad, ['b']))).rejects.toBeInstanceOf(TaskError);
    expect(err.text()).toMatch(/^fit: failed after 1\/2 tasks, [\d.]+ s\n$/);
  });

  it('on a terminal: draws a bar, and program output first erases it, then the bar is redrawn below', async () => {
    const log: [string, string][] = [];
    const err = recorder('err', log, true);
    const out = recorder('out', log, true);
    const originalWrite = out.write;
    // At least 16 x 10 ms of work on 2 threads: the run is still going when the program prints.
    const { graph, tasks } = pipelineGraph(16, 20, 4);
    await diagnose([new ProgressBar({ stream: err, outputs: [out] })], async () => {
      const run = threads.run(graph, ['total']);
      await new Promise((r) => setTimeout(r, 10));
      out.write('partial ');
      out.write('line\n');
      return run;
    });
    expect(out.write).toBe(originalWrite);
    const i = log.findIndex(([n, c]) => n === 'out' && c === 'partial ');
    expect(i).toBeGreaterThan(0);
    expect(log.slice(0, i).some(([n, c]) => n === 'err' && c.includes(`/${tasks} tasks`))).toBe(true);
    // The bar line is erased right before the program's output...
    expect(log[i - 1]).toEqual(['err', '\r\x1b[K']);
    // ...not redrawn in the middle of the program's unfinished line...
    expect(log[i + 1]).toEqual(['out', 'line\n']);
    // ...and redrawn once the line is complete.
    const after = log.slice(i + 2).filter(([n]) => n === 'err').map(([, c]) => c).join('');
    expect(after).toMatch(new RegExp(`tessera \\[[=-]+\\] \\d+% \\| [\\d,]+/${tasks} tasks`));
    expect(after).toMatch(new RegExp(`100% \\| ${tasks}/${tasks} tasks`));
    expect(after.endsWith('\n')).toBe(true);
    // No cursor save/restore: restoring would jump back over the program's lines.
    expect(err.text()).not.toMatch(/\x1b[78]/);
  });

  it('rejects bad options, naming them', () => {
    expect(() => new ProgressBar({ interval: -1 })).toThrow(/'interval' option of ProgressBar/);
    expect(() => new ProgressBar({ minimum: Number.NaN })).toThrow(/'minimum' option of ProgressBar/);
    expect(() => new ProgressBar({ stream: {} as never })).toThrow(/'stream' option of ProgressBar must be a writable stream/);
  });
});
