/**
 * readCsv: a file pandas wrote, compared with pandas' reading of it; random tables with quoted
 * fields (delimiters, quotes, newlines), CRLF and empty lines, written as CSV and read back with
 * random block sizes against the values they were made from; gzip; head without a scan; and
 * every reader error, each naming the file, line, column and value.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { ThreadScheduler } from '@tessera/scheduler';
import { readCsv } from '@tessera/frame';
import { parseNumber } from '../src/kernels/numbers.js';

const fixtures = join(__dirname, 'fixtures');
const PYTHON = '/usr/bin/python3';
const hasPandas = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import pandas'], { encoding: 'utf8' }).status === 0;
let threads: ThreadScheduler;
let work: string;

beforeAll(() => {
  threads = new ThreadScheduler({ threads: 2 });
  work = mkdtempSync(join(tmpdir(), 'frame-csv-'));
});
afterAll(async () => {
  await threads.close();
  rmSync(work, { recursive: true, force: true });
});

function file(name: string, text: string | Buffer): string {
  const p = join(work, name);
  writeFileSync(p, text);
  return p;
}

describe.skipIf(!hasPandas)('a file pandas wrote, against pandas reading it', () => {
  it.each([['pandas.csv'], ['pandas.csv.gz']])(
    '%s: every value as pandas reads it (17-digit floats exact, quoted newlines, NA)',
    async (name) => {
      const path = join(fixtures, name);
      // pandas' reading, as numbers: timestamps in ms, strings as they are, NaN as null.
      const script = `
import json, sys, pandas as pd, numpy as np
df = pd.read_csv(sys.argv[1], parse_dates=["when"], float_precision="round_trip")
out = {c: [None if pd.isna(v) else v for v in df[c].tolist()] for c in ["id", "x", "small", "city"]}
out["flag"] = [int(v) for v in df["flag"]]
out["when"] = [int(v) for v in (df["when"].astype("int64") // 10**6)]
out["day"] = [int(v) for v in (pd.to_datetime(df["day"]).astype("int64") // (86400 * 10**9))]
print(json.dumps(out))`;
      const py = spawnSync(PYTHON, ['-c', script, path], { encoding: 'utf8', maxBuffer: 1 << 26 });
      expect(py.status, py.stderr).toBe(0);
      const ref = JSON.parse(py.stdout) as Record<string, (number | string | null)[]>;
      const df = await (await readCsv(path, { blocksize: 4096, scheduler: threads })).categorize(undefined, { scheduler: threads });
      expect(df.dtypes).toEqual({
        id: 'int64',
        x: 'float64',
        small: 'int64',
        flag: 'bool',
        city: 'category',
        when: 'timestamp[ms]',
        day: 'date[day]',
      });
      expect(df.nRows).toBe(700);
      if (name.endsWith('.gz'))
        expect(df.blockRows).toEqual([700]); // a gzip file is one block
      else expect(df.blockRows!.length).toBeGreaterThan(5);
      const X = await df.toArray().compute({ scheduler: threads });
      const k = df.columns.length;
      const cats = df.schema.find((c) => c.name === 'city')!.categories!;
      df.columns.forEach((c, j) => {
        const ours = Array.from({ length: 700 }, (_, i) => X.data[i * k + j]!);
        const theirs = ref[c]!;
        if (c === 'city') expect(ours.map((v) => (Number.isNaN(v) ? null : cats[v]))).toEqual(theirs);
        else
          expect(
            ours.map((v) => (Number.isNaN(v) ? null : v)),
            c,
          ).toEqual(theirs);
      });
    },
  );
});

/** A random table, its CSV text (quoted where needed, optionally CRLF and empty lines) and its values. */
const tableArb = fc
  .record({
    rows: fc.integer({ min: 0, max: 120 }),
    seed: fc.integer({ min: 1, max: 1e9 }),
    crlf: fc.boolean(),
    blanks: fc.boolean(),
    finalNewline: fc.boolean(),
  })
  .map(({ rows, seed, crlf, blanks, finalNewline }) => {
    let s = seed;
    const rand = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
    const words = ['a', 'b,c', 'say "hi"', 'two\nlines', 'x\r\ny', ' pad ', 'ü€'];
    const nums: number[] = [];
    const ints: number[] = [];
    const strs: (string | null)[] = [];
    const lines: string[] = ['num,int,str'];
    for (let i = 0; i < rows; i++) {
      const r = rand();
      const num = r < 0.1 ? NaN : r < 0.4 ? Math.round((rand() - 0.5) * 1e6) / 1e3 : (rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20);
      const int = Math.floor((rand() - 0.5) * 1e9);
      const str = rand() < 0.1 ? null : words[Math.floor(rand() * words.length)]!;
      nums.push(num);
      ints.push(int);
      strs.push(str);
      const q = str === null ? '' : /[",\n\r]/.test(str) ? `"${str.replaceAll('"', '""')}"` : str;
      lines.push(`${Number.isNaN(num) ? '' : String(num)},${int},${q}`);
      if (blanks && rand() < 0.1) lines.push('');
    }
    const nl = crlf ? '\r\n' : '\n';
    return { text: lines.join(nl) + (finalNewline ? nl : ''), nums, ints, strs };
  });

describe('random tables and block sizes against the values they were written from', () => {
  it('every block size gives the same values (quoted newlines across block edges, CRLF, empty lines)', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(tableArb, fc.integer({ min: 1, max: 300 }), async (t, blocksize) => {
        const path = file(`rand-${n++}.csv`, t.text);
        const df = await readCsv(path, { blocksize, dtype: { num: 'float64', int: 'int64', str: 'category' }, scheduler: 'sync' });
        expect(df.nRows).toBe(t.nums.length);
        if (t.nums.length === 0) return;
        const cat = await df.categorize(undefined, { scheduler: 'sync' });
        const cats = cat.schema[2]!.categories!;
        const X = await cat.toArray().compute({ scheduler: 'sync' });
        const got = { nums: [] as number[], ints: [] as number[], strs: [] as (string | null)[] };
        for (let i = 0; i < t.nums.length; i++) {
          got.nums.push(X.data[i * 3]!);
          got.ints.push(X.data[i * 3 + 1]!);
          const c = X.data[i * 3 + 2]!;
          got.strs.push(Number.isNaN(c) ? null : cats[c]!);
        }
        expect(got).toEqual({ nums: t.nums, ints: t.ints, strs: t.strs });
      }),
      { numRuns: 60, seed: 21 },
    );
  });

  it('the threads, a slice of rows and one column read the same as the whole file on one thread', async () => {
    const t = fc.sample(
      tableArb.filter((x) => x.nums.length > 50),
      { numRuns: 1, seed: 5 },
    )[0]!;
    const path = file('slices.csv', t.text);
    const df = await readCsv(path, { blocksize: 64, dtype: { str: 'category' }, scheduler: threads });
    const whole = (await df.col('num').compute({ scheduler: 'sync' })).data;
    expect(Array.from((await df.col('num').compute({ scheduler: threads })).data)).toEqual(Array.from(whole));
    const part = (await df.col('num').slice([7, 43]).compute({ scheduler: threads })).data;
    expect(Array.from(part)).toEqual(Array.from(whole.slice(7, 43)));
  });

  it('the number parser is correctly rounded: equal to Number() on the same text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double({ noNaN: true }),
          fc.integer().map((i) => i / 1000),
          fc.float({ noNaN: true }).map(Number),
        ),
        fc.integer({ min: 0, max: 20 }),
        (x, digits) => {
          for (const text of [String(x), x.toPrecision(Math.max(1, digits)), x.toExponential(Math.min(digits, 20))]) {
            const b = Buffer.from(text);
            expect(parseNumber(b, 0, b.length), text).toBe(Number(text));
          }
        },
      ),
      { numRuns: 2000, seed: 3 },
    );
    for (const text of [
      '0.1',
      '1e22',
      '1e23',
      '9007199254740993',
      '123456789012345678',
      '2.2250738585072014e-308',
      '4.9e-324',
      '1.7976931348623157e308',
      '-0',
      '.5',
      '5.',
      'inf',
      '-Infinity',
      'nan',
    ]) {
      const b = Buffer.from(text);
      expect(parseNumber(b, 0, b.length), text).toEqual(text === 'inf' ? Infinity : text === 'nan' ? NaN : Number(text));
    }
  });
});

describe('options', () => {
  it('usecols, declared dtypes, NA values, a delimiter, names without a header, several files', async () => {
    const a = file('semi-a.csv', 'k;v;w\n1;-999;x\n2;3.5;y\n');
    const b = file('semi-b.csv', 'k;v;w\n3;NA;x\n');
    const df = await readCsv([a, b], {
      delimiter: ';',
      usecols: ['w', 'v'],
      naValues: ['-999'],
      dtype: { w: { categories: ['y', 'x'] } },
      scheduler: threads,
    });
    expect(df.columns).toEqual(['w', 'v']);
    expect(df.nRows).toBe(3);
    expect(Array.from((await df.toArray().compute({ scheduler: threads })).data)).toEqual([1, NaN, 0, 3.5, 1, NaN]);
    const noHeader = file('noheader.csv', '1,2\n3,4\n');
    const nh = await readCsv(noHeader, { names: ['p', 'q'], dtype: { p: 'int32', q: 'int8' }, scheduler: threads });
    expect(nh.schema.map((c) => c.dtype)).toEqual(['int32', 'int32']);
    expect(Array.from((await nh.toArray().compute({ scheduler: threads })).data)).toEqual([1, 2, 3, 4]);
    const glob = await readCsv(join(work, 'semi-*.csv'), { delimiter: ';', scheduler: threads });
    expect(glob.paths).toEqual([a, b]);
  });

  it('lengths: false reads the header and sample only; head needs no scan; computeNRows counts', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `${i},${i % 7 === 0 ? '"q,\n"' : 'w'}`);
    const path = file('big.csv', `i,s\n${rows.join('\n')}\n`);
    const df = await readCsv(path, { lengths: false, blocksize: 1000, sample: 2000 });
    expect(df.nRows).toBeUndefined();
    expect(() => df.col('i')).toThrow(/not counted yet.*computeNRows/);
    const head = await df.head(3);
    expect(head).toEqual({ columns: ['i', 's'], nRows: 3, data: { i: Float64Array.of(0, 1, 2), s: ['q,\n', 'w', 'w'] } });
    expect(await df.computeNRows({ scheduler: threads })).toBe(5000);
    expect(Array.from((await df.col('i').compute({ scheduler: threads })).data.slice(4995))).toEqual([4995, 4996, 4997, 4998, 4999]);
  });
});

describe('errors name the file, line, column and value', () => {
  const read = (name: string, text: string, options = {}) => readCsv(file(name, text), { scheduler: threads, ...options });

  it('a value of another type in a later block than the sample', async () => {
    const lines = Array.from({ length: 400 }, (_, i) => String(i));
    lines[350] = 'oops';
    const df = await read('later.csv', `n\n${lines.join('\n')}\n`, { blocksize: 200, sample: 300 });
    expect(df.dtypes).toEqual({ n: 'int64' });
    await expect(df.col('n').compute({ scheduler: threads })).rejects.toThrow(
      /later\.csv \(block \d+\): line 352, column 'n': value "oops" is not a int64, the column's type \(inferred from the first \d+ rows of .*later\.csv\)/,
    );
  });

  it('bad quotes: inside an unquoted field, after a closing quote, never closed', async () => {
    await expect(read('q1.csv', 'a,b\n1,x"y\n', { lengths: false }).then((d) => d.head())).rejects.toThrow(
      /q1\.csv.*quote character inside an unquoted field/,
    );
    // An odd number of quotes: the file cannot be split, and the open names the first bad record.
    await expect(read('q1b.csv', `a,b\n${'1,2\n'.repeat(200)}3,x"y\n`, { sample: 100 })).rejects.toThrow(
      /q1b\.csv: line 202: a quote character inside an unquoted field/,
    );
    // An even number: the block's parse names the column.
    const q1 = await read('q1c.csv', `a,b\n${'1,2\n'.repeat(200)}3,x""y\n`, { sample: 100 });
    await expect(q1.toArray(['a']).compute({ scheduler: threads })).rejects.toThrow(
      /q1c\.csv \(block 0\): line 202, column 'b': a quote character inside an unquoted field/,
    );
    const q2 = await read('q2.csv', `a,b\n${'1,2\n'.repeat(200)}3,"x"y\n`, { sample: 100 });
    await expect(q2.col('a').compute({ scheduler: threads })).rejects.toThrow(
      /q2\.csv \(block 0\): line 202, column 'b': a closing quote is followed by "y"/,
    );
    await expect(read('q3.csv', `a,b\n${'1,2\n'.repeat(200)}3,"never\n4,5\n`, { sample: 100 })).rejects.toThrow(
      /q3\.csv: line 202: a quoted field is never closed/,
    );
  });

  it('ragged rows: more and fewer fields than the header', async () => {
    await expect(read('r0.csv', 'a,b\n1,2\n3\n')).rejects.toThrow(
      /r0\.csv \(block 0\): record 2 of the data has 1 fields where the header has 2/,
    );
    const more = await read('r1.csv', `a,b\n${'1,2\n'.repeat(100)}1,2,3\n`, { sample: 50 });
    await expect(more.col('a').compute({ scheduler: threads })).rejects.toThrow(
      /r1\.csv \(block 0\): line 102: the record has more fields than the header's 2/,
    );
    const fewer = await read('r2.csv', `a,b\n${'1,2\n'.repeat(100)}7\n`, { sample: 50 });
    await expect(fewer.col('b').compute({ scheduler: threads })).rejects.toThrow(
      /r2\.csv \(block 0\): line 102: the record has 1 fields where the header has 2/,
    );
  });

  it('missing columns, bad options, headers that differ, an empty file, a missing file', async () => {
    const path = file('cols.csv', 'a,b\n1,2\n');
    await expect(readCsv(path, { usecols: ['a', 'zz'] })).rejects.toThrow(
      /usecols names 'zz', which is not a column of .*cols\.csv \(columns: a, b\)/,
    );
    await expect(readCsv(path, { dtype: { zz: 'int8' } })).rejects.toThrow(RangeError);
    await expect(readCsv(path, { dtype: { a: 'int128' as never } })).rejects.toThrow(/column 'a' has type "int128"; expected one of/);
    await expect(readCsv(path, { delimiter: ',,' })).rejects.toThrow(/'delimiter' option must be one ASCII character/);
    await expect(readCsv(path, { blocksize: -1 })).rejects.toThrow(/blocksize/);
    const df = await readCsv(path);
    expect(() => df.col('zz')).toThrow(/col: no column 'zz' in .*cols\.csv \(columns: a, b\)/);
    expect(() => df.select(['a', 'zz'])).toThrow(RangeError);
    const other = file('cols2.csv', 'a,c\n1,2\n');
    await expect(readCsv([path, other])).rejects.toThrow(/cols2\.csv: its header \(a, c\) differs from that of .*cols\.csv \(a, b\)/);
    await expect(readCsv(file('empty.csv', ''))).rejects.toThrow(/empty\.csv: the file is empty/);
    await expect(readCsv(join(work, 'nope.csv'))).rejects.toThrow(/nope\.csv: no such file or directory/);
    await expect(readCsv(join(work, 'nothing-*.csv'))).rejects.toThrow(/no data files/);
  });

  it('integers beyond 2^53, a missing value in a declared int32 column, values outside a declared width', async () => {
    const big = await read('big53.csv', 'n\n1\n9007199254740993\n', { dtype: { n: 'int64' } });
    await expect(big.col('n').compute({ scheduler: threads })).rejects.toThrow(
      /big53\.csv \(block 0\): line 3, column 'n': value 9007199254740993 is out of the range of int64 that doubles hold exactly/,
    );
    const na = await read('na32.csv', `n\n${'1\n'.repeat(50)}\n5\nNA\n`, { dtype: { n: 'int32' }, sample: 40 });
    await expect(na.col('n').compute({ scheduler: threads })).rejects.toThrow(
      /na32\.csv \(block 0\): line 54, column 'n': a missing value cannot be stored in int32/,
    );
    const wide = await read('int8.csv', 'n\n1\n300\n', { dtype: { n: 'int8' } });
    await expect(wide.col('n').compute({ scheduler: threads })).rejects.toThrow(
      /line 3, column 'n': value 300 is out of the range of int8/,
    );
  });

  it('category columns need their categories before toArray; a gzip file that is not one', async () => {
    const df = await read('cats.csv', 'c\nx\ny\n');
    expect(() => df.toArray()).toThrow(/categories of 'c' are not known yet.*categorize/);
    await expect(
      readCsv(file('bad.csv.gz', Buffer.concat([gzipSync(Buffer.from('a\n1\n')).subarray(0, 12), Buffer.alloc(20, 7)]))),
    ).rejects.toThrow(/bad\.csv\.gz: (cannot decompress the gzip file|the file is empty)/);
  });
});

describe('writing CSV', () => {
  it('toCsv: pandas-readable files that readCsv reads back to the same values', async () => {
    const src = await (
      await readCsv(join(fixtures, 'pandas.csv'), { blocksize: 8000, scheduler: threads })
    ).categorize(undefined, { scheduler: threads });
    const dir = join(work, 'out-csv');
    const res = await src.toCsv(dir, { scheduler: threads });
    expect(res.rows).toBe(700);
    const back = await (await readCsv(dir, { scheduler: threads })).categorize(undefined, { scheduler: threads });
    expect(back.dtypes).toEqual(src.dtypes);
    const a = await src.toArray().compute({ scheduler: threads });
    const b = await back.toArray().compute({ scheduler: threads });
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    await expect(src.toCsv(dir, { scheduler: threads })).rejects.toThrow(/exists/);
    mkdirSync(join(work, 'foreign'));
    writeFileSync(join(work, 'foreign', 'keep.csv'), 'a\n1\n');
    await expect(src.toCsv(join(work, 'foreign'), { overwrite: true, scheduler: threads })).rejects.toThrow(/has no _tessera_frame\.json/);
    expect(readFileSync(join(work, 'foreign', 'keep.csv'), 'utf8')).toBe('a\n1\n');
  });
});

describe('the header', () => {
  it('a header with a bad quote is a FormatError naming line 1', async () => {
    const path = join(work, 'badheader.csv');
    writeFileSync(path, 'a,b"c\n1,2\n');
    await expect(readCsv(path, { sample: 4 })).rejects.toThrow(
      /badheader\.csv: line 1 \(the header\): a quote character inside an unquoted field/,
    );
  });
});
