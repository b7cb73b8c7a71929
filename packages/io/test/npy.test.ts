/** The .npy codec: header round trips, every bad input, and numpy interop both ways. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  FormatError,
  formatNpyHeader,
  parseNpyHeader,
  readNpyHeader,
  readNpySync,
  writeNpySync,
  parseManifest,
  makeManifest,
  DatasetError,
} from '@tessera/io';

const dir = mkdtempSync(join(tmpdir(), 'tessera-npy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PY = '/usr/bin/python3';
const numpy = existsSync(PY) && spawnSync(PY, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
if (!numpy) console.log('skipping numpy interop tests: /usr/bin/python3 with numpy is not available');

function py(code: string): string {
  const r = spawnSync(PY, ['-c', code], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}

function headerBytes(dict: string, version = 1): Uint8Array {
  const prefix = version === 1 ? 10 : 12;
  const total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  const out = new Uint8Array(total);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  if (version === 1) {
    out[8] = (total - prefix) & 0xff;
    out[9] = (total - prefix) >> 8;
  } else new DataView(out.buffer).setUint32(8, total - prefix, true);
  for (let i = 0; i < dict.length; i++) out[prefix + i] = dict.charCodeAt(i);
  out.fill(0x20, prefix + dict.length, total - 1);
  out[total - 1] = 10;
  return out;
}

describe('npy header', () => {
  it('formats headers that parse back, aligned to 64 bytes', () => {
    for (const [dtype, shape] of [
      ['float64', [3, 4]],
      ['float32', [7]],
      ['int32', [0, 5]],
      ['uint8', []],
    ] as const) {
      const h = formatNpyHeader(dtype, shape);
      expect(h.length % 64).toBe(0);
      const p = parseNpyHeader(h, 'x.npy');
      expect(p.dtype).toBe(dtype);
      expect(p.shape).toEqual(shape);
      expect(p.dataOffset).toBe(h.length);
    }
  });

  const bad: [string, Uint8Array, RegExp][] = [
    ['bad magic', new TextEncoder().encode('PK\x03\x04 this is a zip file, not npy at all'), /not an \.npy file/],
    ['truncated header', headerBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }").subarray(0, 30), /truncated/],
    ['too short', new Uint8Array([0x93, 0x4e]), /truncated/],
    [
      'unsupported version',
      (() => {
        const b = headerBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }");
        b[6] = 9;
        return b;
      })(),
      /unsupported \.npy format version 9/,
    ],
    ['corrupt dict', headerBytes("{'descr': '<f8', 'fortran_order': Fa"), /corrupt header/],
    ['complex', headerBytes("{'descr': '<c16', 'fortran_order': False, 'shape': (2,), }"), /unsupported dtype '<c16'/],
    ['datetime', headerBytes("{'descr': '<M8[ns]', 'fortran_order': False, 'shape': (2,), }"), /unsupported dtype '<M8\[ns\]'/],
    ['unicode', headerBytes("{'descr': '<U3', 'fortran_order': False, 'shape': (2,), }"), /unsupported dtype '<U3'/],
    ['float128', headerBytes("{'descr': '<f16', 'fortran_order': False, 'shape': (2,), }"), /unsupported dtype '<f16'/],
    ['fortran', headerBytes("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }"), /Fortran-order/],
    ['structured', headerBytes("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (2,), }"), /structured dtypes/],
    ['bad shape', headerBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }"), /shape/],
  ];
  it.each(bad)('rejects %s with an error naming the file', (_what, bytes, message) => {
    expect(() => parseNpyHeader(bytes, 'chunk-7.npy')).toThrow(FormatError);
    expect(() => parseNpyHeader(bytes, 'chunk-7.npy')).toThrow(message);
    expect(() => parseNpyHeader(bytes, 'chunk-7.npy')).toThrow(/^chunk-7\.npy: /);
  });

  it('reads version 2.0 headers', () => {
    const h = parseNpyHeader(headerBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", 2), 'v2.npy');
    expect(h.dtype).toBe('float32');
  });

  it('a file whose data is shorter than its shape says is truncated', async () => {
    const p = join(dir, 'short.npy');
    const h = formatNpyHeader('float64', [10, 2]);
    writeFileSync(p, Buffer.concat([h, Buffer.alloc(8 * 19)]));
    await expect(readNpyHeader(p)).rejects.toThrow(/short\.npy: truncated: shape \(10, 2\) of float64 needs 160 bytes/);
    await expect(readNpyHeader(join(dir, 'missing.npy'))).rejects.toThrow(/missing\.npy: file not found/);
  });
});

describe.skipIf(!numpy)('numpy interop', () => {
  it('reads what numpy writes, exactly, for every dtype (bool as uint8)', () => {
    const cases: [string, string][] = [
      ['f8', "np.array([[1.5, -2.25, np.nan], [np.inf, 0.1, 1e300]], dtype='<f8')"],
      ['f4', "np.arange(12, dtype='<f4').reshape(4, 3) / 7"],
      ['i4', "np.array([-2**31, 2**31 - 1, 0, 7], dtype='<i4')"],
      ['u1', "np.array([[0, 255], [128, 1]], dtype='u1')"],
      ['b1', 'np.array([True, False, True])'],
    ];
    for (const [name, expr] of cases) {
      const p = join(dir, `np-${name}.npy`);
      py(`import numpy as np; np.save(${JSON.stringify(p)}, ${expr})`);
      const expected = JSON.parse(
        py(
          `import numpy as np, json; a = np.load(${JSON.stringify(p)}); print(json.dumps({"shape": list(a.shape), "data": [None if x != x else (str(x) if x in (float('inf'), float('-inf')) else float(x)) for x in a.astype('f8').ravel().tolist()]}))`,
        ),
      );
      const { header, data } = readNpySync(p);
      expect(header.shape).toEqual(expected.shape);
      const got = Array.from(data as ArrayLike<number>).map((x) =>
        Number.isNaN(x) ? null : x === Infinity ? 'inf' : x === -Infinity ? '-inf' : x,
      );
      expect(got).toEqual(expected.data);
    }
  });

  it('numpy reads what Tessera writes, exactly', () => {
    const cases = [
      ['float64', [2, 3], Float64Array.of(1, -2.5, NaN, 1e-300, 3, Infinity)],
      ['float32', [4], Float32Array.of(0.1, 2, -3, 4)],
      ['int32', [2, 2], Int32Array.of(-(2 ** 31), 5, 6, 2 ** 31 - 1)],
      ['uint8', [3], Uint8Array.of(0, 200, 255)],
    ] as const;
    for (const [dtype, shape, data] of cases) {
      const p = join(dir, `ts-${dtype}.npy`);
      writeNpySync(p, dtype, shape, data);
      const out = JSON.parse(
        py(
          `import numpy as np, json; a = np.load(${JSON.stringify(p)}); print(json.dumps({"dtype": a.dtype.str, "shape": list(a.shape), "c": bool(a.flags.c_contiguous), "data": [x if x == x and abs(x) != float('inf') else str(x) for x in a.astype('f8').ravel().tolist()]}))`,
        ),
      );
      expect(out.shape).toEqual(shape);
      expect(out.c).toBe(true);
      expect(out.dtype).toBe({ float64: '<f8', float32: '<f4', int32: '<i4', uint8: '|u1' }[dtype]);
      const expected = Array.from(data as ArrayLike<number>).map((x) =>
        Number.isNaN(x) ? 'nan' : x === Infinity ? 'inf' : x === -Infinity ? '-inf' : x,
      );
      expect(out.data).toEqual(expected);
    }
  });
});

describe('manifest', () => {
  const good = makeManifest({ chunkSizes: [3, 3, 1], cols: 4, dtypeX: 'float64', dtypeY: 'int32' });
  it('round-trips and checks counts', () => {
    expect(parseManifest(JSON.stringify(good), 'm.json')).toMatchObject({
      rows: 7,
      n_chunks: 3,
      x_files: ['X-00000.npy', 'X-00001.npy', 'X-00002.npy'],
    });
    expect(parseManifest(JSON.stringify({ ...good, extra: 1 }), 'm.json').rows).toBe(7);
  });
  const broken: [string, unknown, RegExp][] = [
    ['not JSON', '{', /not valid JSON/],
    ['wrong format', { ...good, format: 'zarr' }, /'format' must be 'npy-chunks-v1'/],
    ['rows disagree', { ...good, rows: 8 }, /add up to 7 rows but 'rows' is 8/],
    ['n_chunks disagree', { ...good, n_chunks: 2 }, /'n_chunks' is 2 but 'chunk_sizes' has 3/],
    ['x_files short', { ...good, x_files: ['X-00000.npy'] }, /'x_files' has 1 entries/],
    ['bad dtype', { ...good, dtype_X: 'complex128' }, /'dtype_X' must be one of/],
    ['Fortran', { ...good, order: 'F' }, /'order' must be 'C'/],
    ['path escape', { ...good, x_files: ['../a.npy', 'b', 'c'] }, /inside the dataset directory/],
  ];
  it.each(broken)('rejects %s naming the manifest', (_w, value, message) => {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    expect(() => parseManifest(text, '/d/manifest.json')).toThrow(DatasetError);
    expect(() => parseManifest(text, '/d/manifest.json')).toThrow(message);
    expect(() => parseManifest(text, '/d/manifest.json')).toThrow(/^\/d\/manifest\.json: /);
  });

  // The y-only form (predictions): cols 0, no x_files, dtype_X null; y_files and dtype_y required.
  const yOnly = makeManifest({ chunkSizes: [3, 3, 1], dtypeY: 'float64' });
  it('makes and parses a y-only manifest', () => {
    expect(yOnly).toEqual({
      format: 'npy-chunks-v1',
      rows: 7,
      cols: 0,
      chunk_rows: 3,
      n_chunks: 3,
      chunk_sizes: [3, 3, 1],
      dtype_X: null,
      dtype_y: 'float64',
      order: 'C',
      x_files: [],
      y_files: ['y-00000.npy', 'y-00001.npy', 'y-00002.npy'],
    });
    expect(parseManifest(JSON.stringify(yOnly), 'm.json')).toEqual(yOnly);
    const { dtype_X: _omitted, ...withoutDtypeX } = yOnly;
    expect(parseManifest(JSON.stringify({ ...withoutDtypeX, dtype_y: '<f8' }), 'm.json')).toEqual(yOnly);
    // @ts-expect-error: neither X nor y
    expect(() => makeManifest({ chunkSizes: [1] })).toThrow(/needs X or y/);
    // @ts-expect-error: a y-only dataset has no columns
    expect(() => makeManifest({ chunkSizes: [1], cols: 2, dtypeY: 'int32' })).toThrow(/has 0 columns; got cols 2/);
  });
  const brokenYOnly: [string, unknown, RegExp][] = [
    ['cols not 0', { ...yOnly, cols: 4 }, /'cols' must be 0 in a y-only dataset/],
    ['y_files missing', { ...yOnly, y_files: undefined }, /'y_files' is missing: a y-only dataset/],
    ['y_files short', { ...yOnly, y_files: ['y-00000.npy'] }, /'y_files' has 1 entries but 'n_chunks' is 3/],
    [
      'dtype_y missing',
      { ...yOnly, dtype_y: null },
      /'dtype_y' must be one of float64, float32, int32, uint8 in a y-only dataset; got null/,
    ],
    ['dtype_X null with x_files', { ...good, dtype_X: null }, /'dtype_X' must be one of .*null is only for a y-only dataset/],
    ['y path escape', { ...yOnly, y_files: ['a', '../b', 'c'] }, /'y_files' entry "\.\.\/b" must be a file name inside/],
  ];
  it.each(brokenYOnly)('rejects a y-only manifest with %s, naming the manifest', (_w, value, message) => {
    const text = JSON.stringify(value);
    expect(() => parseManifest(text, '/d/manifest.json')).toThrow(DatasetError);
    expect(() => parseManifest(text, '/d/manifest.json')).toThrow(message);
    expect(() => parseManifest(text, '/d/manifest.json')).toThrow(/^\/d\/manifest\.json: /);
  });
});
