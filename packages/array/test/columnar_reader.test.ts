/**
 * Column reductions over a columnar source (a reader registered with `columnar: true`, as
 * Parquet's is) read the block column by column instead of assembling rows: the moments must be
 * the row path's bit for bit (mean, var, std, their NaN-skipping forms, over axis 0 and over
 * everything; WebAssembly and JavaScript evaluators), blocks of any length.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ArrayKernel, NDArray, registerReader, setExprBackend, type SourceDef, type TypedArray } from '@tessera/array';

const ROWS = 3001;
const COLS = 5;
const CHUNKS = [1100, 1901];

/** Row-major values: large offsets against small spreads (where a careless variance goes wrong), some NaN. */
const matrix = new Float64Array(ROWS * COLS);
let seed = 7;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5;
for (let i = 0; i < ROWS; i++)
  for (let j = 0; j < COLS; j++) matrix[i * COLS + j] = j === 4 && i % 97 === 5 ? NaN : 10 ** j * 1e3 + rand() * (j + 1);

/** Reads of each registered reader: [c0, c1) of every call. */
const calls: Record<string, [number, number][]> = { rows: [], columns: [] };
for (const name of ['rows', 'columns'] as const) {
  registerReader(
    `test-${name}`,
    (_p: unknown, r0: number, r1: number, c0: number, c1: number, out: TypedArray, outOffset: number) => {
      calls[name]!.push([c0, c1]);
      let at = outOffset;
      for (let i = r0; i < r1; i++) for (let j = c0; j < c1; j++) out[at++] = matrix[i * COLS + j]!;
    },
    { columnar: name === 'columns' },
  );
}

function source(name: 'rows' | 'columns', nan: boolean): NDArray {
  const shape = [ROWS, COLS];
  const def: SourceDef = {
    reader: `test-${name}`,
    kernel: ArrayKernel.read,
    label: `test-${name}`,
    token: `${name}-${nan}`,
    dtype: 'float64',
    shape,
    params: () => null,
    blockStats: false,
  };
  const x = new NDArray({
    shape,
    dtype: 'float64',
    chunks: [CHUNKS, [COLS]],
    name: `test-${name}-${nan}`,
    layer: { kind: 'source', def, origin: [0, 0] },
  });
  // Without NaN: a column slice (from column 1) leaving out the one holding NaN.
  return nan ? x : x.slice(null, [1, 4]);
}

afterEach(() => setExprBackend('auto'));

describe('column moments of a columnar source', () => {
  for (const backend of ['auto', 'js'] as const) {
    it(`equal the row path's bit for bit (${backend} evaluator), read column by column`, async () => {
      setExprBackend(backend);
      for (const nan of [false, true]) {
        const ops = (x: NDArray) => [x.mean(0), x.var(0), x.std(0, { ddof: 1 }), x.nanmean(0), x.nanvar(0), x.mean(), x.nanstd()];
        calls.rows!.length = calls.columns!.length = 0;
        const byRows = await Promise.all(ops(source('rows', nan)).map((r) => r.compute({ scheduler: 'sync' })));
        const byColumns = await Promise.all(ops(source('columns', nan)).map((r) => r.compute({ scheduler: 'sync' })));
        byColumns.forEach((b, i) => {
          const a = byRows[i]!;
          expect(b.shape).toEqual(a.shape);
          for (let k = 0; k < a.data.length; k++) expect(Object.is(b.data[k], a.data[k]), `op ${i}, output ${k}`).toBe(true);
        });
        // The columnar reader was asked for one column at a time, the other for whole rows.
        expect(calls.columns!.length).toBeGreaterThan(0);
        expect(calls.columns!.every(([c0, c1]) => c1 - c0 === 1)).toBe(true);
        expect(calls.rows!.every(([c0, c1]) => c1 - c0 === (nan ? COLS : 3))).toBe(true);
      }
    });
  }
});
