/**
 * Sizes as dask parses them (parseBytes), compared with dask's own `parse_bytes`, and memory
 * budgets that must be positive (parseMemoryLimit, the runs' `memoryLimit` option).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { Graph, SyncScheduler, ThreadScheduler, parseBytes, parseMemoryLimit } from '@tessera/scheduler';

/** Inputs and what dask.utils.parse_bytes returns for them (checked against dask below). */
const DASK: readonly (readonly [string | number, number])[] = [
  ['256MB', 256_000_000],
  ['256MiB', 268_435_456],
  ['256mb', 256_000_000],
  ['256 mib', 268_435_456],
  ['1kB', 1000],
  ['1KB', 1000],
  ['1kb', 1000],
  ['1KiB', 1024],
  ['1kib', 1024],
  ['1K', 1000],
  ['1k', 1000],
  ['1Ki', 1024],
  ['2GB', 2_000_000_000],
  ['2GiB', 2_147_483_648],
  ['2gib', 2_147_483_648],
  ['2G', 2_000_000_000],
  ['1TB', 1e12],
  ['1TiB', 2 ** 40],
  ['1T', 1e12],
  ['1PB', 1e15],
  ['1PiB', 2 ** 50],
  ['100', 100],
  ['100B', 100],
  ['100b', 100],
  ['1e6', 1_000_000],
  ['1e6 kB', 1_000_000_000],
  ['1e+3kB', 1_000_000],
  ['1.5 GiB', 1_610_612_736],
  ['5.4 kB', 5400],
  ['0.1 kB', 100],
  ['1.1 MB', 1_100_000],
  ['3.0000001 GB', 3_000_000_100],
  ['12345678.9kB', 12_345_678_900],
  ['.5GB', 500_000_000],
  ['5.MB', 5_000_000],
  ['MB', 1_000_000],
  ['kiB', 1024],
  ['100M', 100_000_000],
  ['100m', 100_000_000],
  ['100Mi', 104_857_600],
  ['2.5', 2],
  ['+5MB', 5_000_000],
  [' 7 MB ', 7_000_000],
  ['1 2MB', 12_000_000],
  ['1_000MB', 1_000_000_000],
  ['0', 0],
  ['0MB', 0],
  [123, 123],
  [1.9, 1],
  [0, 0],
];

/** Inputs dask refuses (ValueError), refused here too with a RangeError. */
const DASK_REFUSES = ['5 foos', 'abc', '1.2.3MB', 'inf', 'nan', '1eMB', '0x10', '1,000MB', '5MBs', '1__0MB', '1_MB'];

describe('parseBytes', () => {
  it.each(DASK)('parses %j as dask does', (input, bytes) => {
    expect(parseBytes(input)).toBe(bytes);
  });

  it.each(DASK_REFUSES)('refuses %j with a RangeError naming the option', (input) => {
    expect(() => parseBytes(input, 'memoryLimit')).toThrow(RangeError);
    expect(() => parseBytes(input, 'memoryLimit')).toThrow(
      /^The 'memoryLimit' option must be a size such as '512MB' or '2GiB': could not interpret/,
    );
  });

  it('refuses what dask would accept but no size can be: negatives, infinities, NaN, the empty string', () => {
    for (const bad of ['-5MB', '-1', '', '1e400']) expect(() => parseBytes(bad, 'limit')).toThrow(/'limit' option/);
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => parseBytes(bad, 'limit')).toThrow(RangeError);
    expect(() => parseBytes('5 foos')).toThrow(
      /could not interpret 'foos' as a byte unit \(kB, MB, GB, TB, PB are powers of 1000; KiB, MiB, GiB, TiB, PiB powers of 1024\)/,
    );
    expect(() => parseBytes(null as never, 'limit')).toThrow(TypeError);
    expect(() => parseBytes(true as never, 'limit')).toThrow(/The 'limit' option must be a number of bytes or a size string/);
  });

  // The table above is dask's answer, not ours: ask dask itself when it is installed.
  const python = '/usr/bin/python3';
  const hasDask = existsSync(python) && spawnSync(python, ['-c', 'import dask.utils'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!hasDask)('the table is what dask.utils.parse_bytes answers', () => {
    const inputs = [...DASK.map(([input]) => input), ...DASK_REFUSES];
    const script = [
      'import json, sys',
      'from dask.utils import parse_bytes',
      'out = []',
      'for s in json.load(sys.stdin):',
      '    try: out.append(parse_bytes(s))',
      '    except ValueError: out.append(None)',
      'print(json.dumps(out))',
    ].join('\n');
    const r = spawnSync(python, ['-c', script], { input: JSON.stringify(inputs), encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const dask = JSON.parse(r.stdout) as (number | null)[];
    expect(dask).toEqual([...DASK.map(([, bytes]) => bytes), ...DASK_REFUSES.map(() => null)]);
  });
});

describe('parseMemoryLimit', () => {
  it('accepts positive sizes and refuses 0, sizes that truncate to 0, negatives and NaN, naming the option', () => {
    expect(parseMemoryLimit('256MiB')).toBe(2 ** 28);
    expect(parseMemoryLimit(1)).toBe(1);
    for (const bad of [0, -1, Number.NaN, '0', '0MB', '0.5', '-1MB']) {
      expect(() => parseMemoryLimit(bad)).toThrow(RangeError);
      expect(() => parseMemoryLimit(bad)).toThrow(/^The 'memoryLimit' option must be positive/);
    }
    expect(() => parseMemoryLimit(0, '--memory-limit')).toThrow(
      "The '--memory-limit' option must be positive: a number of bytes, or a size such as '512MB' or '2GiB'. Got 0 instead.",
    );
  });
});

describe.each([
  ['SyncScheduler', () => new SyncScheduler()],
  ['ThreadScheduler', () => new ThreadScheduler({ threads: 1 })],
])('%s memoryLimit option', (_name, make) => {
  const s = make();
  afterAll(() => s.close());
  const g = new Graph().add('a', 'math.inc', [1]);

  it('rejects a budget that is not positive with a RangeError naming the option, before any task runs', async () => {
    let started = 0;
    for (const bad of [0, '0', '0GB', -5, Number.NaN, '-1MB']) {
      const err = await s.run(g, ['a'], { memoryLimit: bad, callbacks: [{ onRunStart: () => started++ }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RangeError);
      expect((err as Error).message).toMatch(/^The 'memoryLimit' option must be positive/);
    }
    expect(started).toBe(0);
  });

  it('takes sizes as dask does', async () => {
    let limit = 0;
    await s.run(g, ['a'], { memoryLimit: '256MB', callbacks: [{ onRunStart: (r) => (limit = r.memoryLimit) }] });
    expect(limit).toBe(256e6);
    await s.run(g, ['a'], { memoryLimit: '256MiB', callbacks: [{ onRunStart: (r) => (limit = r.memoryLimit) }] });
    expect(limit).toBe(2 ** 28);
  });

  it('rejects options of the wrong type with a TypeError naming them', async () => {
    await expect(s.run(g, ['a'], { signal: 'stop' as never })).rejects.toThrow(/The 'signal' option must be an AbortSignal/);
    await expect(s.run(g, ['a'], { name: 3 as never })).rejects.toThrow(/The 'name' option must be a string/);
    await expect(s.run(g, ['a'], { memoryLimit: {} as never })).rejects.toThrow(TypeError);
  });
});
