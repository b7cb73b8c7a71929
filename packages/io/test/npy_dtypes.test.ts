/**
 * The numeric types numpy writes (issue 15 §1): int64/uint64 (exact to 2^53, else an error naming
 * file, row and column), uint32, int16/int8/uint16, float16, bool, either byte order — each read
 * as the Tessera dtype of convert.ts's table, with the values numpy has.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FormatError, formatNpyHeader, npyStorage, readNpyHeaderSync, readNpyRegion, readNpySync, type NumericArray } from '@tessera/io';

const dir = mkdtempSync(join(tmpdir(), 'tessera-npy-dtypes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PY = '/usr/bin/python3';
const numpy = existsSync(PY) && spawnSync(PY, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
if (!numpy) console.log('skipping numpy-written dtype tests: /usr/bin/python3 with numpy is not available');

function py(code: string): string {
  const r = spawnSync(PY, ['-c', code], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}

const spell = (a: ArrayLike<number>) =>
  Array.from(a).map((x) => (Number.isNaN(x) ? 'nan' : x === Infinity ? 'inf' : x === -Infinity ? '-inf' : x));

/** A hand-made .npy file: header for `descr` and `shape`, then `data` bytes. */
function npyFile(name: string, descr: string, shape: readonly number[], data: Uint8Array): string {
  const h = formatNpyHeader('float64', shape);
  const text = Buffer.from(h).toString('latin1').replace("'<f8'", `'${descr}'`.padEnd(5, ' '));
  const header = new Uint8Array(h.length);
  for (let i = 0; i < text.length; i++) header[i] = text.charCodeAt(i);
  const p = join(dir, name);
  writeFileSync(p, Buffer.concat([header, data]));
  return p;
}

describe('npy storage types', () => {
  it('maps every numeric descr to the dtype it reads as; the data size follows the stored width', () => {
    const cases: [string, string, number][] = [
      ['<f8', 'float64', 8],
      ['<f4', 'float32', 4],
      ['<f2', 'float32', 2],
      ['<i8', 'float64', 8],
      ['<u8', 'float64', 8],
      ['<u4', 'float64', 4],
      ['<i4', 'int32', 4],
      ['<i2', 'int32', 2],
      ['<u2', 'int32', 2],
      ['|i1', 'int32', 1],
      ['|u1', 'uint8', 1],
      ['|b1', 'uint8', 1],
      ['>f8', 'float64', 8],
      ['>i8', 'float64', 8],
      ['=i2', 'int32', 2],
    ];
    for (const [descr, dtype, size] of cases) {
      const p = npyFile(`m-${descr.replace(/[<>|=]/, '_')}.npy`, descr, [3, 2], new Uint8Array(6 * size));
      const fd = openSync(p, 'r');
      try {
        const h = readNpyHeaderSync(fd, p);
        expect([descr, h.dtype, h.dataBytes]).toEqual([descr, dtype, 6 * size]);
      } finally {
        closeSync(fd);
      }
    }
    expect(npyStorage('>f4')).toEqual({ stored: 'f4', bigEndian: true });
    expect(npyStorage('>u1')).toEqual({ stored: 'u1', bigEndian: false });
    expect(npyStorage('<c8')).toBeUndefined();
  });

  it('a truncated int16 file is caught from its stored width', () => {
    const p = npyFile('short-i2.npy', '<i2', [4, 2], new Uint8Array(15));
    const fd = openSync(p, 'r');
    try {
      expect(() => readNpyHeaderSync(fd, p)).toThrow(/truncated: shape \(4, 2\) of int16 needs 16 bytes/);
    } finally {
      closeSync(fd);
    }
  });

  it('int64 and uint64 read exactly up to ±2^53; beyond, an error names the file, row and column', () => {
    const big = 2n ** 53n;
    const i64 = BigInt64Array.from([0n, -1n, big, -big, 123456789012345n, -(big - 1n)]);
    const p = npyFile('i64.npy', '<i8', [3, 2], new Uint8Array(i64.buffer));
    expect(Array.from(readNpySync(p).data)).toEqual([0, -1, 2 ** 53, -(2 ** 53), 123456789012345, -(2 ** 53 - 1)]);
    for (const [value, row, col] of [
      [big + 1n, 2, 1],
      [-big - 1n, 1, 0],
      [-(2n ** 63n), 0, 1],
    ] as const) {
      const a = new BigInt64Array(6);
      a[row * 2 + col] = value;
      const q = npyFile(`i64-bad-${row}${col}.npy`, '<i8', [3, 2], new Uint8Array(a.buffer));
      expect(() => readNpySync(q)).toThrow(FormatError);
      expect(() => readNpySync(q)).toThrow(
        new RegExp(`^${q.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: row ${row}, column ${col}: int64 value ${value} is beyond ±2\\^53`),
      );
    }
    const u = new BigUint64Array([1n, big, 2n ** 64n - 1n]);
    const q = npyFile('u64-bad.npy', '<u8', [3], new Uint8Array(u.buffer));
    expect(() => readNpySync(q)).toThrow(/u64-bad\.npy: row 2: uint64 value 18446744073709551615 is beyond ±2\^53/);
    const ok = npyFile('u64-ok.npy', '<u8', [2], new Uint8Array(new BigUint64Array([0n, big]).buffer));
    expect(Array.from(readNpySync(ok).data)).toEqual([0, 2 ** 53]);
  });

  it('the range check happens on every read path: a column slice through readNpyRegion names the file row', () => {
    const a = new BigInt64Array(4 * 3);
    a[3 * 3 + 2] = 2n ** 60n;
    const p = npyFile('i64-region.npy', '<i8', [4, 3], new Uint8Array(a.buffer));
    const fd = openSync(p, 'r');
    try {
      const h = readNpyHeaderSync(fd, p);
      const out = new Float64Array(4);
      readNpyRegion(fd, p, h, 0, 4, 0, 1, out); // column 0 only: fine
      expect(Array.from(out)).toEqual([0, 0, 0, 0]);
      const out2 = new Float64Array(2);
      expect(() => readNpyRegion(fd, p, h, 2, 4, 1, 3, out2, 0, 7)).toThrow(
        /i64-region\.npy \(block 7\): row 3, column 2: int64 value 1152921504606846976/,
      );
    } finally {
      closeSync(fd);
    }
  });

  it('float16 bit patterns convert exactly (subnormals, ±0, ±inf, NaN, the largest)', () => {
    const bits = Uint16Array.from([0x0000, 0x8000, 0x0001, 0x03ff, 0x0400, 0x3c00, 0xc000, 0x7bff, 0x7c00, 0xfc00, 0x7e00, 0x3555]);
    const p = npyFile('f2.npy', '<f2', [bits.length], new Uint8Array(bits.buffer));
    const got = readNpySync(p);
    expect(got.header.dtype).toBe('float32');
    expect(spell(got.data)).toEqual([
      0,
      -0,
      2 ** -24,
      1023 * 2 ** -24,
      2 ** -14,
      1,
      -2,
      65504,
      'inf',
      '-inf',
      'nan',
      Math.fround(0.333251953125),
    ]);
    expect(Object.is(got.data[1], -0)).toBe(true);
  });

  it('big-endian files read correctly, through the whole-file and the column paths', () => {
    const v = new DataView(new ArrayBuffer(6 * 8));
    for (let i = 0; i < 6; i++) v.setFloat64(i * 8, i * 1.5 - 2, false);
    const p = npyFile('be-f8.npy', '>f8', [3, 2], new Uint8Array(v.buffer));
    expect(Array.from(readNpySync(p).data)).toEqual([-2, -0.5, 1, 2.5, 4, 5.5]);
    const fd = openSync(p, 'r');
    try {
      const out = new Float64Array(3);
      readNpyRegion(fd, p, readNpyHeaderSync(fd, p), 0, 3, 1, 2, out);
      expect(Array.from(out)).toEqual([-0.5, 2.5, 5.5]);
    } finally {
      closeSync(fd);
    }
  });
});

describe.skipIf(!numpy)('files numpy writes read as numpy has them', () => {
  const cases: [string, string, string][] = [
    ['int64 2-D (numpy default int)', "np.array([[0, -1, 2**53], [-(2**53), 7, 123456789012345]], dtype='<i8')", 'float64'],
    ['uint64', "np.array([0, 1, 2**53, 2**40 + 3], dtype='<u8')", 'float64'],
    ['uint32', "np.array([[0, 4294967295], [65536, 7]], dtype='<u4')", 'float64'],
    ['int16', "np.array([[-32768, 32767, 0], [1, -1, 300]], dtype='<i2')", 'int32'],
    ['uint16', "np.array([0, 65535, 1234], dtype='<u2')", 'int32'],
    ['int8', "np.array([[-128, 127], [0, -5]], dtype='i1')", 'int32'],
    ['float16', "np.array([[0.5, -2.25, np.inf], [np.nan, 65504, 6e-8]], dtype='<f2')", 'float32'],
    ['bool', 'np.array([[True, False], [False, True]])', 'uint8'],
    ['big-endian float64', "np.array([[1.5, -2.5], [np.pi, 1e300]], dtype='>f8')", 'float64'],
    ['big-endian int32', "np.array([-(2**31), 2**31 - 1, 5], dtype='>i4')", 'int32'],
    ['big-endian int64', "np.array([[-(2**53), 2**53, 42]], dtype='>i8')", 'float64'],
    ['big-endian float32', "np.arange(6, dtype='>f4').reshape(2, 3) / 7", 'float32'],
    ['big-endian uint16', "np.array([1, 65535], dtype='>u2')", 'int32'],
    ['big-endian float16', "np.array([1.5, -0.0001, 300], dtype='>f2')", 'float32'],
  ];
  const fileOf = (name: string) => join(dir, `np-${name.replace(/\W+/g, '-')}.npy`);
  // One python process writes every file and reports numpy's values (each start costs ~0.5 s).
  const expected: Record<string, { shape: number[]; data: (number | string)[] }> = numpy
    ? JSON.parse(
        py(`import numpy as np, json, math
out = {}
for name, path, expr in ${JSON.stringify(cases.map(([name, expr]) => [name, fileOf(name), expr]))}:
    np.save(path, eval(expr))
    a = np.load(path)
    out[name] = {"shape": list(a.shape), "data": ["nan" if math.isnan(x) else ("inf" if x == math.inf else ("-inf" if x == -math.inf else x)) for x in a.astype('f8').ravel().tolist()]}
a = np.zeros(10, dtype=np.int64); a[7] = 2**53 + 1; np.save(${JSON.stringify(join(dir, 'np-labels.npy'))}, a)
print(json.dumps(out))`),
      )
    : {};

  it.each(cases)('%s', (name, _expr, dtype) => {
    const { header, data } = readNpySync(fileOf(name));
    expect(header.dtype).toBe(dtype);
    expect(header.shape).toEqual(expected[name]!.shape);
    expect(spell(data as NumericArray)).toEqual(expected[name]!.data);
  });

  it('an int64 beyond 2^53 that numpy wrote is an error naming the file and row', () => {
    expect(() => readNpySync(join(dir, 'np-labels.npy'))).toThrow(/np-labels\.npy: row 7: int64 value 9007199254740993 is beyond ±2\^53/);
  });
});
