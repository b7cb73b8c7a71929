/**
 * readParquet against DuckDB: files DuckDB wrote (every codec, data pages v1 and v2, hive
 * partitions) read with Tessera and compared value by value with DuckDB's reading of the same
 * files; Tessera's own files (toParquet, every codec) read back by DuckDB; and every error case.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { ThreadScheduler } from '@tessera/scheduler';
import { materialize, streamOf, type NDArray } from '@tessera/array';
import { readParquet, type Frame } from '@tessera/frame';

const fixtures = join(__dirname, 'fixtures');
let threads: ThreadScheduler;
let duck: DuckDBConnection;
let work: string;

beforeAll(async () => {
  threads = new ThreadScheduler({ threads: 2 });
  duck = await (await DuckDBInstance.create(':memory:')).connect();
  work = mkdtempSync(join(tmpdir(), 'frame-parquet-'));
});
afterAll(async () => {
  await threads.close();
  rmSync(work, { recursive: true, force: true });
});

/** DuckDB's numbers for each column, as Tessera reads them (null → NaN; strings as they are). */
const AS_NUMBERS: Record<string, string> = {
  id: 'id',
  i8: 'i8',
  i16: 'i16',
  i32: 'i32',
  i64: 'i64::DOUBLE',
  u8: 'u8',
  u16: 'u16',
  u32: 'u32::DOUBLE',
  u64: 'u64::DOUBLE',
  f32: 'f32::DOUBLE',
  f64: 'f64',
  flag: 'flag::INTEGER',
  region_name: 'region_name',
  day: "(day - DATE '1970-01-01')::DOUBLE",
  ts_us: 'epoch_us(ts_us)::DOUBLE',
  ts_ms: 'epoch_ms(ts_ms)::DOUBLE',
  ts_ns: 'epoch_ns(ts_ns)::DOUBLE',
  dec: 'dec::DOUBLE',
  dec18: 'dec18::DOUBLE',
};

async function duckColumns(source: string, columns: readonly string[], order = 'id'): Promise<Record<string, unknown[]>> {
  const sql = `SELECT ${columns.map((c) => `${AS_NUMBERS[c] ?? c} AS "${c}"`).join(', ')} FROM ${source} ORDER BY ${order}`;
  const rows = (await duck.runAndReadAll(sql)).getRowObjectsJS();
  return Object.fromEntries(
    columns.map((c) => [c, rows.map((r) => (r[c] === null ? NaN : typeof r[c] === 'bigint' ? Number(r[c]) : r[c]))]),
  );
}

/** Every column of the frame as numbers (categories decoded back to strings). */
async function tesseraColumns(df: Frame): Promise<Record<string, unknown[]>> {
  const X = await df.toArray().compute({ scheduler: threads });
  const k = df.columns.length;
  const out: Record<string, unknown[]> = {};
  df.schema.forEach((c, j) => {
    const col: unknown[] = [];
    for (let i = 0; i < X.shape[0]!; i++) {
      const v = X.data[i * k + j]!;
      col.push(c.type === 'category' ? (Number.isNaN(v) ? NaN : c.categories![v]) : v);
    }
    out[c.name] = col;
  });
  return out;
}

describe('files written by DuckDB', () => {
  for (const codec of ['uncompressed', 'snappy', 'gzip', 'zstd', 'brotli', 'lz4_raw', 'v2']) {
    it(`duckdb-${codec}.parquet: every column equals DuckDB's reading`, async () => {
      const file = join(fixtures, `duckdb-${codec}.parquet`);
      const df = await (await readParquet(file)).categorize(undefined, { scheduler: threads });
      expect(df.nRows).toBe(5000);
      expect(df.blockRows).toEqual([2048, 2048, 904]);
      // The LIST column is left out; everything else reads.
      expect(df.columns).toEqual(Object.keys(AS_NUMBERS));
      const ours = await tesseraColumns(df);
      const theirs = await duckColumns(`'${file}'`, df.columns);
      for (const c of df.columns) {
        if (c === 'ts_ns') {
          // Nanosecond timestamps beyond 2^53 are the nearest doubles (documented).
          expect(
            ours[c]!.map((v, i) => Math.abs((v as number) - (theirs[c]![i] as number)) <= 256),
            c,
          ).not.toContain(false);
        } else expect(ours[c], c).toEqual(theirs[c]);
      }
    });
  }

  it('column moments read column by column (no rows assembled) give the bits the rows give', async () => {
    for (const codec of ['snappy', 'v2']) {
      const df = await (await readParquet(join(fixtures, `duckdb-${codec}.parquet`))).categorize(undefined, { scheduler: threads });
      const X = df.toArray();
      // A Parquet block's stream reads single columns (what column reductions use), equal to the block's columns.
      const arg = X.blockArg(1, 0);
      const whole = materialize(arg).data;
      const s = streamOf(arg);
      try {
        expect(s.readColumn).toBeDefined();
        const k = s.cols;
        for (let j = 0; j < k; j++)
          for (const [a, b] of [
            [0, s.rows],
            [100, 900],
            [0, 10],
            [2000, s.rows],
          ] as const) {
            const got = s.readColumn!(j, a, b, new Float64Array(b - a));
            const want = Float64Array.from({ length: b - a }, (_, i) => whole[(a + i) * k + j]!);
            expect(Array.from(got), `${codec}: column ${j}, rows ${a}-${b}`).toEqual(Array.from(want));
          }
      } finally {
        s.close();
      }
      // X * 1 (exact) is an expression: its reductions go through the rows.
      const ops = (A: NDArray) => [A.mean(0), A.nanmean(0), A.nanvar(0), A.std(0), A.nanstd()];
      for (const scheduler of ['sync' as const, threads]) {
        const byColumns = await Promise.all(ops(X).map((r) => r.compute({ scheduler })));
        const byRows = await Promise.all(ops(X.mul(1)).map((r) => r.compute({ scheduler })));
        byColumns.forEach((r, i) =>
          r.data.forEach((v, j) =>
            expect(Object.is(v, byRows[i]!.data[j]), `${codec}: op ${i}, column ${j}: ${v} vs ${byRows[i]!.data[j]}`).toBe(true),
          ),
        );
      }
    }
  });

  it('types, units, nullability and the dtype each column reads as', async () => {
    const df = await readParquet(join(fixtures, 'duckdb-snappy.parquet'));
    expect(df.dtypes).toMatchObject({
      i8: 'int8',
      u64: 'uint64',
      f32: 'float32',
      flag: 'bool',
      region_name: 'category',
      day: 'date[day]',
      ts_us: 'timestamp[us]',
      ts_ns: 'timestamp[ns]',
      dec: 'decimal(10,2)',
    });
    const dtype = Object.fromEntries(df.schema.map((c) => [c.name, c.dtype]));
    // Columns with nulls (DuckDB's statistics say where) read as float64; others as their narrowest dtype.
    expect(dtype).toMatchObject({
      id: 'int32',
      i8: 'float64',
      i16: 'int32',
      u8: 'uint8',
      u16: 'int32',
      u32: 'float64',
      f32: 'float32',
      flag: 'float64',
      region_name: 'int32',
      i64: 'float64',
    });
    const y = df.col('i16');
    expect(y.dtype).toBe('int32');
    expect(Array.from((await y.compute({ scheduler: threads })).data.slice(0, 3))).toEqual([-30000, -29909, -29818]);
  });

  it('column projection: a block reads only the chunks of the selected columns', async () => {
    const df = await readParquet(join(fixtures, 'duckdb-zstd.parquet'), { columns: ['f64', 'i32'] });
    const X = df.toArray();
    const specs = [...X.graph].map((t) => t.args[0] as { p: { groups: { chunks: unknown[] }[]; columns: { name: string }[] } });
    expect(specs.length).toBe(3);
    for (const s of specs) {
      expect(s.p.columns.map((c) => c.name)).toEqual(['f64', 'i32']);
      for (const g of s.p.groups) expect(g.chunks.length).toBe(2);
    }
    const theirs = await duckColumns(`'${join(fixtures, 'duckdb-zstd.parquet')}'`, ['f64', 'i32']);
    const got = await X.compute({ scheduler: threads });
    expect(Array.from(got.data.filter((_, i) => i % 2 === 0))).toEqual(theirs['f64']);
  });

  it('row ranges (slices across row groups) equal the whole column; head reads the first rows', async () => {
    const df = await readParquet(join(fixtures, 'duckdb-gzip.parquet'));
    const whole = (await df.col('f64').compute({ scheduler: threads })).data;
    for (const [a, b] of [
      [0, 1],
      [2000, 2100],
      [2047, 2049],
      [100, 4999],
      [4999, 5000],
    ] as const) {
      const part = (await df.col('f64').slice([a, b]).compute({ scheduler: threads })).data;
      expect(Array.from(part), `[${a}, ${b})`).toEqual(Array.from(whole.slice(a, b)));
    }
    const head = await df.head(3);
    expect(head.nRows).toBe(3);
    expect(head.data['region_name']).toEqual(
      (await duckColumns(`'${join(fixtures, 'duckdb-gzip.parquet')}'`, ['region_name']))
        ['region_name']!.slice(0, 3)
        .map((v) => (typeof v === 'number' ? null : v)),
    );
  });

  it('a hive-partitioned directory: key=value directories are columns', async () => {
    const df = await (await readParquet(join(fixtures, 'hive'))).categorize(undefined, { scheduler: threads });
    expect(df.columns).toEqual(['id', 'f64', 'region_name', 'region', 'year']);
    expect(df.dtypes).toMatchObject({ region: 'category', year: 'int64' });
    expect(df.schema.find((c) => c.name === 'region')?.categories).toEqual(['east', 'north', 'south', 'west']);
    const ours = await tesseraColumns(df);
    const order = [...(ours['id'] as number[]).keys()].sort((a, b) => (ours['id']![a] as number) - (ours['id']![b] as number));
    const theirs = await duckColumns(`read_parquet('${join(fixtures, 'hive')}/**/*.parquet', hive_partitioning = true)`, [
      'id',
      'f64',
      'region_name',
      'region',
      'year',
    ]);
    for (const c of df.columns)
      expect(
        order.map((i) => ours[c]![i]),
        c,
      ).toEqual(theirs[c]!.map((v) => (c === 'year' ? Number(v) : v)));
  });
});

describe('files Tessera writes', () => {
  for (const codec of ['snappy', 'gzip', 'brotli', 'uncompressed'] as const) {
    it(`toParquet with ${codec}: DuckDB reads the same values, and so does readParquet`, async () => {
      const src = await (
        await readParquet(join(fixtures, 'duckdb-snappy.parquet'), {
          columns: ['id', 'i8', 'i64', 'u32', 'f32', 'f64', 'flag', 'region_name', 'day', 'ts_us', 'ts_ms'],
        })
      ).categorize(undefined, { scheduler: threads });
      const dir = join(work, `out-${codec}`);
      const res = await src.toParquet(dir, { codec, scheduler: threads });
      expect(res.rows).toBe(5000);
      expect(res.files).toEqual(['part.00000.parquet', 'part.00001.parquet', 'part.00002.parquet']);
      const theirs = await duckColumns(`'${dir}/*.parquet'`, src.columns);
      const original = await duckColumns(`'${join(fixtures, 'duckdb-snappy.parquet')}'`, src.columns);
      expect(theirs).toEqual(original);
      const codecs = (await duck.runAndReadAll(`SELECT DISTINCT compression FROM parquet_metadata('${dir}/*.parquet')`))
        .getRows()
        .map((r) => String(r[0]).toLowerCase());
      expect(codecs).toEqual([codec]);
      const back = await (await readParquet(dir)).categorize(undefined, { scheduler: threads });
      expect(back.dtypes).toEqual(src.dtypes);
      expect(await tesseraColumns(back)).toEqual(await tesseraColumns(src));
    });
  }

  it('zstd needs Node 22.15 (zlib.zstdCompressSync); on older Node the store fails naming it and leaves nothing', async () => {
    const src = await readParquet(join(fixtures, 'duckdb-snappy.parquet'), { columns: ['f64'] });
    const dir = join(work, 'out-zstd');
    const has = 'zstdCompressSync' in (await import('node:zlib'));
    if (has) expect((await src.toParquet(dir, { codec: 'zstd', scheduler: threads })).rows).toBe(5000);
    else {
      await expect(src.toParquet(dir, { codec: 'zstd', scheduler: threads })).rejects.toThrow(/zstd codec needs Node\.js 22\.15/);
      expect(() => readFileSync(join(dir, '_tessera_frame.json'))).toThrow();
    }
  });

  it('outputs: an existing directory is refused, replaced with overwrite when Tessera wrote it, never an input', async () => {
    const src = await readParquet(join(fixtures, 'duckdb-snappy.parquet'), { columns: ['f64'] });
    const dir = join(work, 'out-twice');
    await src.toParquet(dir, { scheduler: threads });
    await expect(src.toParquet(dir, { scheduler: threads })).rejects.toThrow(/exists/);
    await src.toParquet(dir, { overwrite: true, scheduler: threads });
    const mine = join(work, 'mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'notes.txt'), 'x');
    await expect(src.toParquet(mine, { overwrite: true, scheduler: threads })).rejects.toThrow(/has no _tessera_frame\.json/);
    expect(readFileSync(join(mine, 'notes.txt'), 'utf8')).toBe('x');
    const copy = join(work, 'in-dir');
    mkdirSync(copy);
    copyFileSync(join(fixtures, 'duckdb-snappy.parquet'), join(copy, 'a.parquet'));
    const input = await readParquet(copy);
    await expect(input.toParquet(copy, { overwrite: 'force', scheduler: threads })).rejects.toThrow(/input/);
  });
});

describe('errors name the file, the row group and the column', () => {
  it('not a Parquet file; a truncated one; a corrupt footer', async () => {
    const csv = join(work, 'not.parquet');
    writeFileSync(csv, 'a,b\n1,2\n3,4\n');
    await expect(readParquet(csv)).rejects.toThrow(/not\.parquet: not a Parquet file/);
    const bytes = readFileSync(join(fixtures, 'duckdb-snappy.parquet'));
    const cut = join(work, 'cut.parquet');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 100));
    await expect(readParquet(cut)).rejects.toThrow(/cut\.parquet: not a Parquet file .*truncated/);
    const bad = Buffer.from(bytes);
    const len = bad.readUInt32LE(bad.length - 8);
    bad.fill(0xff, bad.length - 8 - len, bad.length - 8 - len + 40);
    const footer = join(work, 'footer.parquet');
    writeFileSync(footer, bad);
    await expect(readParquet(footer)).rejects.toThrow(/footer\.parquet: its metadata cannot be read/);
  });

  it('a corrupt column chunk fails its block naming the file, row group and column', async () => {
    const df0 = await readParquet(join(fixtures, 'duckdb-uncompressed.parquet'), { columns: ['f64'] });
    const spec = [...df0.toArray().graph][1]!.args[0] as { p: { groups: { chunks: { offset: number }[] }[] } };
    const offset = spec.p.groups[0]!.chunks[0]!.offset;
    const bytes = Buffer.from(readFileSync(join(fixtures, 'duckdb-uncompressed.parquet')));
    bytes.fill(0xee, offset, offset + 24); // the page header of row group 1's f64 chunk
    const file = join(work, 'chunk.parquet');
    writeFileSync(file, bytes);
    const df = await readParquet(file, { columns: ['f64'] });
    await expect(df.toArray().compute({ scheduler: threads })).rejects.toThrow(/chunk\.parquet \(block 1\): row group 1, column 'f64'/);
  });

  it('a missing column, an unsupported type, files that disagree', async () => {
    const file = join(fixtures, 'duckdb-snappy.parquet');
    await expect(readParquet(file, { columns: ['nope'] })).rejects.toThrow(
      /no column 'nope' in .*duckdb-snappy\.parquet \(columns: id, i8/,
    );
    await expect(readParquet(file, { columns: ['tags'] })).rejects.toThrow(/column 'tags' is .*LIST.*which Tessera does not read/);
    const df = await readParquet(file);
    expect(() => df.col('tags')).toThrow(RangeError);
    expect(() => df.toArray(['region_name'])).toThrow(/categories of 'region_name' are not known yet/);
    const dir = join(work, 'mixed');
    mkdirSync(dir);
    copyFileSync(file, join(dir, 'a.parquet'));
    await duck.run(`COPY (SELECT 1 AS other) TO '${join(dir, 'b.parquet')}' (FORMAT parquet)`);
    await expect(readParquet(dir)).rejects.toThrow(/b\.parquet: its columns \(other\) differ from those of .*a\.parquet/);
  });

  it('a uint64 beyond 2^53 fails the read naming the value (doubles would round it)', async () => {
    const file = join(work, 'big.parquet');
    await duck.run(`COPY (SELECT (9007199254740993 + i)::UBIGINT AS big FROM range(3) r(i)) TO '${file}' (FORMAT parquet)`);
    const df = await readParquet(file);
    await expect(df.col('big').compute({ scheduler: threads })).rejects.toThrow(
      /big\.parquet \(block 0\): row group 0, column 'big': uint64 value 9007199254740993 is beyond 2\^53/,
    );
  });
});
