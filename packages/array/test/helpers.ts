/** Test helpers: a dense reference for elementwise ops and reductions, python3/numpy detection. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { DenseArray, type DType } from '@tessera/array';

export const PYTHON = '/usr/bin/python3';

/** Whether python3 with numpy is available (tests that need it print why they skip). */
export function hasNumpy(): boolean {
  if (!existsSync(PYTHON)) return false;
  return spawnSync(PYTHON, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
}

/** Runs a python snippet; throws with its stderr on failure. */
export function python(code: string, args: string[] = []): string {
  const r = spawnSync(PYTHON, ['-c', code, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return r.stdout;
}

export function roundTo(v: number, dtype: DType): number {
  switch (dtype) {
    case 'float64':
      return v;
    case 'float32':
      return Math.fround(v);
    case 'int32':
      return v | 0;
    case 'uint8':
      return v & 255;
  }
}

/** A dense array as nested shape + flat numbers (reference computations in plain JS). */
export interface Ref {
  shape: number[];
  data: number[];
  dtype: DType;
}

export function refOf(d: DenseArray): Ref {
  return { shape: [...d.shape], data: Array.from(d.data as ArrayLike<number>), dtype: d.dtype };
}

/** numpy broadcasting of a binary op, in plain JS (the reference for elementwise ops). */
export function refBinary(a: Ref, b: Ref | number, f: (x: number, y: number) => number, dtype: DType): Ref {
  const bs = typeof b === 'number' ? [] : b.shape;
  const nd = Math.max(a.shape.length, bs.length);
  const pad = (s: number[]) => [...new Array(nd - s.length).fill(1), ...s];
  const as = pad(a.shape);
  const bb = pad(bs);
  const shape = as.map((s, i) => Math.max(s, bb[i]!));
  const n = shape.reduce((x, y) => x * y, 1);
  const data: number[] = new Array(n);
  const idx = (s: number[], coords: number[]) => coords.reduce((acc, c, i) => acc * s[i]! + (s[i] === 1 ? 0 : c), 0);
  for (let k = 0; k < n; k++) {
    const coords: number[] = [];
    let r = k;
    for (let i = nd - 1; i >= 0; i--) {
      coords[i] = r % shape[i]!;
      r = Math.floor(r / shape[i]!);
    }
    const x = a.data[idx(as, coords)]!;
    const y = typeof b === 'number' ? b : b.data[idx(bb, coords)]!;
    data[k] = roundTo(f(x, y), dtype);
  }
  return { shape, data, dtype };
}

/** Column/row/all reductions in plain JS, two-pass, for reference. */
export function refReduce(a: Ref, what: string, axis: 0 | 1 | null, nan: boolean, ddof = 0): number[] {
  const [R, C] = a.shape.length === 2 ? (a.shape as [number, number]) : [a.shape[0] ?? 1, 1];
  const groups: number[][] = [];
  if (axis === null || a.shape.length === 1) groups.push(a.data.map((_, k) => k));
  else if (axis === 0) for (let c = 0; c < C; c++) groups.push(Array.from({ length: R }, (_, r) => r * C + c));
  else for (let r = 0; r < R; r++) groups.push(Array.from({ length: C }, (_, c) => r * C + c));
  return groups.map((g) => {
    const vals = g.map((k) => a.data[k]!);
    const kept = nan ? vals.filter((v) => !Number.isNaN(v)) : vals;
    const pos = (i: number) => (axis === null || a.shape.length === 1 ? g[i]! : axis === 0 ? Math.floor(g[i]! / C) : g[i]! % C);
    switch (what) {
      case 'sum':
        return kept.reduce((s, v) => s + v, 0);
      case 'mean':
        return kept.length ? kept.reduce((s, v) => s + v, 0) / kept.length : NaN;
      case 'var':
      case 'std': {
        if (kept.length - ddof <= 0) return NaN;
        const m = kept.reduce((s, v) => s + v, 0) / kept.length;
        const v = kept.reduce((s, x) => s + (x - m) ** 2, 0) / (kept.length - ddof);
        return what === 'std' ? Math.sqrt(v) : v;
      }
      case 'min':
      case 'max': {
        if (!nan && vals.some((v) => Number.isNaN(v))) return NaN;
        if (kept.length === 0) return NaN;
        return what === 'min' ? Math.min(...kept) : Math.max(...kept);
      }
      case 'argmin':
      case 'argmax': {
        let best = -1;
        for (let i = 0; i < vals.length; i++) {
          const v = vals[i]!;
          if (Number.isNaN(v)) {
            if (nan) continue;
            return pos(i);
          }
          if (best < 0 || (what === 'argmin' ? v < vals[best]! : v > vals[best]!)) best = i;
        }
        return best < 0 ? -1 : pos(best);
      }
    }
    throw new Error(what);
  });
}

/** Relative closeness with NaN equal to NaN. */
export function close(a: number, b: number, rel = 1e-9, abs = 1e-12): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  return Math.abs(a - b) <= abs + rel * Math.max(Math.abs(a), Math.abs(b));
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel = 1e-9, what = ''): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    if (!close(actual[i]!, expected[i]!, rel)) throw new Error(`${what}: element ${i}: ${actual[i]} != ${expected[i]}`);
  }
}
