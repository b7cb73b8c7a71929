/**
 * The numeric Arrow types third-party files use (issue 15 §1): Int8/16/32/64, Uint8/16/32/64,
 * Float16/32/64, Bool, dictionary-encoded columns (as integer codes), nulls as NaN in any numeric
 * type — files written by apache-arrow JS (and by pyarrow when it is installed), several record
 * batches, read in the workers; every error names the column.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Bool,
  Dictionary,
  Float16,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  Table,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
  Utf8,
  makeVector,
  tableFromArrays,
  tableToIPC,
  vectorFromArray,
  type DataType,
} from 'apache-arrow';
import { FormatError, computeAll, fromArrow } from '@tessera/array';
import { SyncScheduler, ThreadScheduler } from '@tessera/scheduler';
import { PYTHON, python } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'tessera-arrow-types-'));
const threads = new ThreadScheduler({ threads: 2 });
const sync = new SyncScheduler();
afterAll(async () => {
  await threads.close();
  rmSync(root, { recursive: true, force: true });
});
let n = 0;
const fresh = (name: string) => join(root, `${n++}-${name}`);
const spell = (a: ArrayLike<number>) => Array.from(a).map((x) => (Number.isNaN(x) ? null : x));

/** One column's values per batch (null for a null), its Arrow type and the dtype it reads as. */
interface Case {
  readonly name: string;
  readonly type: DataType;
  readonly batches: readonly (readonly (number | boolean | bigint | string | null)[])[];
  readonly dtype: string;
  /** The values Tessera reads (null for NaN), all batches in order. */
  readonly read: readonly (number | null)[];
}

const big = 2 ** 53;
const cases: Case[] = [
  {
    name: 'i8',
    type: new Int8(),
    batches: [
      [-128, 127, 0],
      [5, -5],
    ],
    dtype: 'int32',
    read: [-128, 127, 0, 5, -5],
  },
  {
    name: 'i16',
    type: new Int16(),
    batches: [
      [-32768, 32767, 1],
      [300, -300],
    ],
    dtype: 'int32',
    read: [-32768, 32767, 1, 300, -300],
  },
  {
    name: 'i32',
    type: new Int32(),
    batches: [
      [-(2 ** 31), 2 ** 31 - 1, 2],
      [0, 1],
    ],
    dtype: 'int32',
    read: [-(2 ** 31), 2 ** 31 - 1, 2, 0, 1],
  },
  {
    name: 'i64',
    type: new Int64(),
    batches: [
      [BigInt(-big), BigInt(big), 3n],
      [-1n, 123456789012345n],
    ],
    dtype: 'float64',
    read: [-big, big, 3, -1, 123456789012345],
  },
  {
    name: 'u8',
    type: new Uint8(),
    batches: [
      [0, 255, 4],
      [128, 1],
    ],
    dtype: 'uint8',
    read: [0, 255, 4, 128, 1],
  },
  {
    name: 'u16',
    type: new Uint16(),
    batches: [
      [0, 65535, 5],
      [1, 2],
    ],
    dtype: 'int32',
    read: [0, 65535, 5, 1, 2],
  },
  {
    name: 'u32',
    type: new Uint32(),
    batches: [
      [0, 4294967295, 6],
      [7, 8],
    ],
    dtype: 'float64',
    read: [0, 4294967295, 6, 7, 8],
  },
  {
    name: 'u64',
    type: new Uint64(),
    batches: [
      [0n, BigInt(big), 7n],
      [9n, 10n],
    ],
    dtype: 'float64',
    read: [0, big, 7, 9, 10],
  },
  {
    name: 'f16',
    type: new Float16(),
    batches: [
      [0.5, -2.25, 65504],
      [Infinity, 0.1],
    ],
    dtype: 'float32',
    read: [0.5, -2.25, 65504, Infinity, Math.fround(0.0999755859375)],
  },
  {
    name: 'f32',
    type: new Float32(),
    batches: [
      [0.1, -1, 3],
      [4, 5],
    ],
    dtype: 'float32',
    read: [Math.fround(0.1), -1, 3, 4, 5],
  },
  {
    name: 'f64',
    type: new Float64(),
    batches: [
      [0.1, -1e300, 3],
      [4, 5],
    ],
    dtype: 'float64',
    read: [0.1, -1e300, 3, 4, 5],
  },
  {
    name: 'bool',
    type: new Bool(),
    batches: [
      [true, false, true],
      [false, true],
    ],
    dtype: 'uint8',
    read: [1, 0, 1, 0, 1],
  },
  {
    name: 'dict',
    type: new Dictionary(new Utf8(), new Int16()),
    batches: [
      ['a', 'b', 'a'],
      ['c', 'b'],
    ],
    dtype: 'int32',
    read: [0, 1, 0, 2, 1],
  },
  // Nulls: integer and Bool columns with a null in any batch read as float64, NaN for each null.
  {
    name: 'i16-null',
    type: new Int16(),
    batches: [
      [1, 2, 3],
      [null, 5],
    ],
    dtype: 'float64',
    read: [1, 2, 3, null, 5],
  },
  {
    name: 'i64-null',
    type: new Int64(),
    batches: [
      [null, 2n, 3n],
      [4n, 5n],
    ],
    dtype: 'float64',
    read: [null, 2, 3, 4, 5],
  },
  {
    name: 'u8-null',
    type: new Uint8(),
    batches: [
      [1, null, 3],
      [4, null],
    ],
    dtype: 'float64',
    read: [1, null, 3, 4, null],
  },
  {
    name: 'bool-null',
    type: new Bool(),
    batches: [
      [true, null, false],
      [true, true],
    ],
    dtype: 'float64',
    read: [1, null, 0, 1, 1],
  },
  {
    name: 'f16-null',
    type: new Float16(),
    batches: [
      [1.5, 2, null],
      [4, 5],
    ],
    dtype: 'float32',
    read: [1.5, 2, null, 4, 5],
  },
  {
    name: 'f32-null',
    type: new Float32(),
    batches: [
      [1, 2, 3],
      [null, null],
    ],
    dtype: 'float32',
    read: [1, 2, 3, null, null],
  },
  {
    name: 'dict-null',
    type: new Dictionary(new Utf8(), new Int32()),
    batches: [
      ['x', null, 'y'],
      ['y', 'x'],
    ],
    dtype: 'float64',
    read: [0, null, 1, 1, 0],
  },
];

function vector(c: Case, values: readonly (number | boolean | bigint | string | null)[]) {
  return vectorFromArray(values as never[], c.type as never);
}

/**
 * A table of every case, one record batch per entry of `batches`: slices of one table, so a
 * dictionary column keeps one dictionary (the file format allows no replacement dictionaries).
 */
function table(): Table {
  const whole = new Table(Object.fromEntries(cases.map((c) => [c.name, vector(c, c.batches.flat())])));
  const first = cases[0]!.batches[0]!.length;
  return whole.slice(0, first).concat(whole.slice(first));
}

describe('Arrow files written by apache-arrow JS', () => {
  const file = fresh('types.arrow');
  const t = table();
  writeFileSync(file, tableToIPC(t, 'file'));

  it('the file really has these types and two record batches', () => {
    expect(t.batches.length).toBe(2);
    expect(t.schema.fields.map((f) => String(f.type))).toContain('Dictionary<Int16, Utf8>');
  });

  it.each(cases.map((c) => [c.name, c] as const))(
    '%s reads as its dtype, with the values (nulls as NaN), in the workers',
    async (_name, c) => {
      const { X } = await fromArrow(file, { columns: [c.name] });
      expect(X.dtype).toBe(c.dtype);
      expect(X.chunks[0]).toEqual([3, 2]);
      const [x] = await computeAll([X], { scheduler: threads });
      expect(spell(x!.data)).toEqual(c.read);
    },
  );

  it('all columns together promote to float64, row-major, as Tessera reads each', async () => {
    const { X, columns } = await fromArrow(file);
    expect(columns).toEqual(cases.map((c) => c.name));
    expect(X.dtype).toBe('float64');
    const x = await X.compute({ scheduler: sync });
    const want: (number | null)[] = [];
    for (let r = 0; r < 5; r++) for (const c of cases) want.push(c.read[r]!);
    expect(spell(x.data)).toEqual(want);
  });

  it('y can be any numeric column, e.g. Int64 labels', async () => {
    const { X, y } = await fromArrow(file, { y: 'i64', columns: ['i8', 'f32'] });
    expect([X.dtype, y!.dtype]).toEqual(['float64', 'float64']);
    expect(Array.from((await y!.compute({ scheduler: threads })).data)).toEqual(cases.find((c) => c.name === 'i64')!.read);
  });

  it('an Int64 beyond ±2^53 fails the read naming the column and row; others of the file read', async () => {
    const f = fresh('big.arrow');
    writeFileSync(
      f,
      tableToIPC(tableFromArrays({ ok: Float64Array.of(1, 2, 3), label: BigInt64Array.of(1n, 2n ** 53n + 1n, 3n) }), 'file'),
    );
    const { X, y } = await fromArrow(f, { y: 'label' });
    expect(Array.from((await X.compute({ scheduler: threads })).data)).toEqual([1, 2, 3]);
    await expect(y!.compute({ scheduler: threads })).rejects.toThrow(
      /big\.arrow \(block 0\): column 'label', row 1 of the batch: int64 value 9007199254740993 is beyond ±2\^53/,
    );
    const u = fresh('bigu.arrow');
    writeFileSync(u, tableToIPC(new Table({ u: makeVector(BigUint64Array.of(2n ** 64n - 1n)) }), 'file'));
    await expect((await fromArrow(u)).X.compute({ scheduler: sync })).rejects.toThrow(
      /column 'u', row 0 of the batch: uint64 value 18446744073709551615/,
    );
  });

  it('unsupported types are errors naming the column; the others can still be picked', async () => {
    const f = fresh('mixed.arrow');
    writeFileSync(
      f,
      tableToIPC(new Table({ s: vectorFromArray(['x', 'y'], new Utf8()), v: vectorFromArray([1, 2], new Int16()) }), 'file'),
    );
    await expect(fromArrow(f)).rejects.toThrow(FormatError);
    await expect(fromArrow(f)).rejects.toThrow(/column 's' has type Utf8, which Tessera does not read/);
    const { X } = await fromArrow(f, { columns: ['v'] });
    expect(Array.from((await X.compute({ scheduler: sync })).data)).toEqual([1, 2]);
  });
});

const pyarrow = spawnSync(PYTHON, ['-c', 'import pyarrow'], { stdio: 'ignore' }).status === 0;
if (!pyarrow)
  console.log(
    'skipping the pyarrow-written file: /usr/bin/python3 has no pyarrow (Debian ships none; apache-arrow JS files cover the types)',
  );

describe.skipIf(!pyarrow)('an Arrow file written by pyarrow', () => {
  it('Int16, Int64 with nulls, Float32, Bool, dictionary codes read as pyarrow has them', async () => {
    const f = fresh('py.arrow');
    python(`import pyarrow as pa
t = pa.table({'a': pa.array([1, -2, 3], pa.int16()), 'b': pa.array([1, None, 2**53], pa.int64()), 'c': pa.array([0.5, 1.5, -1], pa.float32()), 'd': pa.array([True, False, None]), 'e': pa.array(['x', 'y', 'x']).dictionary_encode()})
with pa.ipc.new_file(${JSON.stringify(f)}, t.schema) as w:
    w.write_table(t, max_chunksize=2)`);
    const { X } = await fromArrow(f);
    expect(X.chunks[0]).toEqual([2, 1]);
    expect(spell((await X.compute({ scheduler: threads })).data)).toEqual([1, 1, 0.5, 1, 0, -2, null, 1.5, 0, 1, 3, big, -1, null, 0]);
  });
});
