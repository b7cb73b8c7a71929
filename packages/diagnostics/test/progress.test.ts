import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { Graph, ThreadScheduler, TaskError, ref, type RunInfo } from '@tessera/scheduler';
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
    text: () =>
      log
        .filter(([n]) => n === name)
        .map(([, c]) => c)
        .join(''),
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
    for (const l of lines.slice(0, -1))
      expect(l).toMatch(new RegExp(`^tessera: [\\d,]+/${tasks} tasks \\(\\d+\\.\\d%\\)(, [\\d,]+\\.\\d tasks/s(, ETA [\\d.]+ s)?)?$`));
    expect(lines.at(-1)).toMatch(new RegExp(`^tessera: ${tasks}/${tasks} tasks done in [\\d.]+ s \\([\\d,]+\\.\\d tasks/s\\)$`));
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
    await expect(diagnose([new ProgressBar({ stream: err, label: 'fit' })], () => threads.run(bad, ['b']))).rejects.toBeInstanceOf(
      TaskError,
    );
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
    const after = log
      .slice(i + 2)
      .filter(([n]) => n === 'err')
      .map(([, c]) => c)
      .join('');
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

  it('never shows an ETA of NFs/NaN or 0 tasks/s: rates with one decimal once a task is done, an ETA once it is known', async () => {
    // A chain of 150 ms tasks: the bar is drawn for a while before the first task ends, and
    // between two links nothing finishes.
    const { graph, tasks } = pipelineGraph(3, 0, 150);
    for (const tty of [true, false]) {
      const log: [string, string][] = [];
      const err = recorder('err', log, tty);
      await diagnose([new ProgressBar({ stream: err, interval: 40, outputs: [] })], () => threads.run(graph, ['total']));
      const text = err.text();
      expect(text).not.toMatch(/NF|LL|NaN|Infinity|INF|NULL|undefined/);
      expect(text).not.toMatch(/(^|[^\d.,])0 tasks\//m);
      // Every rate has one decimal; before the first task ends there is neither rate nor ETA.
      const rates = text.match(/[\d,.]+ tasks\/\w+/g) ?? [];
      expect(rates.length).toBeGreaterThan(0);
      for (const r of rates) expect(r).toMatch(/^[\d,]+\.\d tasks\/s$/);
      const frames = tty ? text.split(/\r|\x1b\[1G/).filter((f) => f.includes(' tasks')) : text.split('\n').filter(Boolean);
      expect(frames[0]).toMatch(new RegExp(`0/${tasks} tasks(\\x1b\\[0K)?( \\(0\\.0%\\))?$`));
      expect(frames.some((f) => /ETA \d+(\.\d)? s/.test(f))).toBe(true);
      // The last frame says how long it took, not an ETA.
      if (tty) expect(frames.at(-1)).toMatch(new RegExp(`100% \\| ${tasks}/${tasks} tasks \\| [\\d.]+ tasks/s \\| [\\d.]+ s`));
    }
  });

  it('shows slow rates per minute or hour, ETAs in minutes and hours, never 0.0 tasks/s', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'performance'] });
    try {
      const log: [string, string][] = [];
      const err = recorder('err', log, false);
      const bar = new ProgressBar({ stream: err, interval: 1000 });
      let done = 0;
      const run = runInfo({ tasks: 100, done: () => done });
      bar.onRunStart(run);
      vi.advanceTimersByTime(60_000); // nothing done in a minute: no rate, no ETA
      done = 1;
      vi.advanceTimersByTime(60_000); // 1 task in 2 min
      done = 10;
      vi.advanceTimersByTime(3_480_000); // 10 tasks in an hour
      done = 100;
      bar.onRunEnd(run);
      const lines = err.text().split('\n');
      expect(lines[0]).toBe('tessera: 0/100 tasks (0.0%)');
      expect(lines[119]).toBe('tessera: 1/100 tasks (1.0%), 0.5 tasks/min, ETA 3 h 18 min');
      expect(lines.at(-3)).toBe('tessera: 10/100 tasks (10.0%), 0.2 tasks/min, ETA 9 h 0 min');
      expect(lines.at(-2)).toBe('tessera: 100/100 tasks done in 1 h 0 min (1.7 tasks/min)');
      // Slower still: per hour.
      const slow = new ProgressBar({ stream: err, interval: 1000 });
      const one = runInfo({ tasks: 2, done: () => 1 });
      slow.onRunStart(one);
      vi.advanceTimersByTime(7_200_000);
      slow.onRunEnd(one);
      expect(err.text().split('\n').at(-2)).toBe('tessera: 1/2 tasks done in 2 h 0 min (0.5 tasks/h)');
    } finally {
      vi.useRealTimers();
    }
  });

  it("names its bars: `labels` in order, else the run's name, else `label`", async () => {
    const g = (n: number) => {
      const graph = new Graph();
      for (let i = 0; i < n; i++) graph.add(`x-${i}`, 'math.inc', [i]);
      return graph;
    };
    const log: [string, string][] = [];
    const err = recorder('err', log, false);
    // As a pipeline's fit does: two runs one after the other inside one call.
    await diagnose([new ProgressBar({ stream: err, labels: ['scaler', 'fit'] })], async () => {
      await threads.run(g(3), ['x-0', 'x-1', 'x-2'], { name: 'moments' });
      await threads.run(g(2), ['x-0', 'x-1']);
      await threads.run(g(1), ['x-0'], { name: 'predict' });
      await threads.run(g(1), ['x-0']);
    });
    expect(
      err
        .text()
        .split('\n')
        .filter(Boolean)
        .map((l) => l.replace(/ done in .*/, '')),
    ).toEqual(['scaler: 3/3 tasks', 'fit: 2/2 tasks', 'predict: 1/1 tasks', 'tessera: 1/1 tasks']);
    // On a terminal: each bar on its own line, the labels of the list padded to one width.
    const tlog: [string, string][] = [];
    const tty = recorder('tty', tlog, true);
    await diagnose([new ProgressBar({ stream: tty, labels: ['scaler', 'fit'], outputs: [] })], async () => {
      await threads.run(g(3), ['x-0', 'x-1', 'x-2']);
      await threads.run(g(2), ['x-0', 'x-1']);
    });
    const finals = tty
      .text()
      .split('\n')
      .filter(Boolean)
      .map((l) =>
        l
          .split(/\r|\x1b\[1G/)
          .filter((f) => f.includes('tasks'))
          .at(-1)!,
      );
    expect(finals).toHaveLength(2);
    expect(finals[0]).toMatch(/^scaler  \[=+\] 100% \| 3\/3 tasks/);
    expect(finals[1]).toMatch(/^fit     \[=+\] 100% \| 2\/2 tasks/);
    expect(() => new ProgressBar({ labels: 'fit' as never })).toThrow(/'labels' option of ProgressBar must be an array of strings/);
  });

  it('fits the line to the terminal: the bar shrinks first, nothing reaches the last column', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'performance', 'Date'] });
    try {
      for (const columns of [120, 60, 40]) {
        const log: [string, string][] = [];
        const err = { ...recorder('err', log, true), columns };
        const bar = new ProgressBar({ stream: err, outputs: [] });
        let done = 0;
        const run = runInfo({ tasks: 12345, done: () => done });
        bar.onRunStart(run);
        done = 5000;
        vi.advanceTimersByTime(2000);
        const frames = err
          .text()
          .split(/\r|\x1b\[1G|\n/)
          .map((f) => f.replace(/\x1b\[0K/g, ''))
          .filter((f) => f.includes('['));
        bar.onRunEnd(run);
        const last = frames.at(-1)!;
        expect(last.length).toBeLessThan(columns);
        if (columns === 120)
          expect(last).toBe('tessera [============------------------] 40% | 5,000/12,345 tasks | 2,500.0 tasks/s | ETA 2.9 s');
        if (columns === 60) expect(last).toBe('tessera [=====-------] 40% | 5,000/12,345 tasks | ETA 2.9 s');
        if (columns === 40) expect(last).toBe('tessera [====------] 40% | 5,000/12,345');
      }
    } finally {
      vi.useRealTimers();
    }
  });

  it('on a terminal leaves no SIGINT/SIGTERM listener and no terminal mode (hidden cursor, no line wrap) to undo', async () => {
    const listeners = () => [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    const before = listeners();
    const log: [string, string][] = [];
    const err = recorder('err', log, true);
    const during: number[][] = [];
    const { graph } = pipelineGraph(4, 0, 20);
    await diagnose([new ProgressBar({ stream: err, outputs: [] })], async () => {
      const run = threads.run(graph, ['total']);
      await new Promise((r) => setTimeout(r, 30));
      during.push(listeners());
      return run;
    });
    // A listener for SIGINT means the process no longer dies of it: cli-progress's gracefulExit
    // made the first Ctrl-C stop only the bar.
    expect(during).toEqual([before]);
    expect(listeners()).toEqual(before);
    expect(err.text()).toContain('tasks');
    expect(err.text()).not.toMatch(/\x1b\[\?(7|25)[lh]/);
  });
});

/** A run as the scheduler describes it to listeners, for driving a bar by hand (fake clocks). */
function runInfo({ tasks, done, name }: { tasks: number; done: () => number; name?: string }): RunInfo {
  return {
    id: 1,
    name,
    scheduler: 'threads',
    tasks,
    workers: 2,
    keys: [],
    start: 0,
    memoryLimit: 1e9,
    heldBytes: () => 0,
    peakHeldBytes: () => 0,
    done,
    running: () => 1,
  };
}
