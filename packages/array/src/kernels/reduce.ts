/**
 * Reduction kernels: a *partial* per block, *combine* in a tree, *final* to the result block.
 *
 * Moments (mean, var, std) travel as per-output (count, mean, M2) and combine with Chan et al.'s
 * pairwise formula, so variance stays right when the mean is large against the spread (a column
 * with mean 1e6 and std 3) whatever the chunking. Within a block, rows go through in tiles that
 * stay in cache; each 256-row sub-tile is summed, then its squared deviations from its own mean
 * (two passes over cached data, one pass over memory), then folded in with Chan's formula.
 */
import { allocate, TYPED_ARRAYS, type Block, type DType, type TypedArray } from '../dense.js';
import { streamOf, tileRows, type RowStream } from './stream.js';
import { exprBackend } from './wasm_expr.js';
import { WasmMoments } from './wasm_moments.js';
import { recordPartial, stampsBefore, type PartialRecord } from '../block_stats.js';

export type ReduceKind = 'sum' | 'moments' | 'min' | 'max' | 'argmin' | 'argmax';

export interface ReduceOp {
  readonly kind: ReduceKind;
  /** 0: over rows; 1: over columns; null: over everything. 1-D blocks: 0 or null. */
  readonly axis: 0 | 1 | null;
  /** Skip NaN (nansum, nanmean, nanvar, nanmin, nanargmin…). */
  readonly nan: boolean;
  /** Global offset of the block along each axis (for arg-reductions). */
  readonly offset?: readonly number[];
  /** Columns of the whole array (for flat indices of arg-reductions over everything). */
  readonly totalCols?: number;
  /** Record the partial in the block-statistics cache (block_stats.ts) under this key. */
  readonly record?: PartialRecord & { readonly backend: string };
}

/** Per-output partial results. Unused fields are absent. */
export interface Partial {
  readonly n?: Float64Array;
  readonly mean?: Float64Array;
  readonly m2?: Float64Array;
  readonly s?: Float64Array;
  readonly v?: Float64Array;
  readonly i?: Float64Array;
}

const SUB = 256;

/**
 * The partial of one block (a Block or an inline spec); recorded in the block-statistics cache
 * when the task asks for it and this thread computes moments with the evaluator its key names.
 */
export function reducePartial(arg: unknown, op: ReduceOp): Partial {
  const rec = op.record;
  if (rec === undefined || (op.kind === 'moments' && rec.backend !== exprBackend())) return partialOf(arg, op);
  const before = stampsBefore(rec.files);
  const partial = partialOf(arg, op);
  recordPartial(rec, before, partial);
  return partial;
}

function partialOf(arg: unknown, op: ReduceOp): Partial {
  const s = streamOf(arg);
  try {
    const rows = s.rows;
    const cols = s.cols;
    const byRow = op.axis === 1 && s.shape.length >= 2;
    const k = byRow ? rows : cols;
    const acc = newPartial(op.kind, k);
    if (op.kind === 'moments' && !byRow && cols > 1 && s.readColumn !== undefined) {
      columnMoments(s, s.readColumn, op, acc);
      if (op.axis === null) return foldAll(op, acc, k, cols);
      return acc;
    }
    const t = Math.max(SUB, Math.floor(tileRows(s) / SUB) * SUB);
    // Column moments of float64 without NaN skipping: the same loop in WebAssembly (wasm_moments.ts).
    const wasm =
      op.kind === 'moments' && !byRow && !op.nan && s.dtype === 'float64' && exprBackend() === 'auto'
        ? WasmMoments.create(cols, Math.min(t, rows))
        : null;
    if (wasm !== null) {
      try {
        for (let a = 0; a < rows; a += t) {
          const b = Math.min(rows, a + t);
          s.read(a, b, wasm.tile(b - a));
          wasm.add(b - a);
        }
      } catch (error) {
        wasm.dispose();
        throw error;
      }
      wasm.finish(acc.n!, acc.mean!, acc.m2!);
    }
    for (let a = 0; wasm === null && a < rows; a += t) {
      const b = Math.min(rows, a + t);
      const tile = s.read(a, b);
      if (byRow) rowReduce(op, tile, b - a, cols, a, acc);
      else colReduce(op, tile, b - a, cols, a, acc);
    }
    // Over everything: fold the per-column partials into one (arg-reductions: into flat indices).
    if (op.axis === null && (k !== 1 || op.kind === 'argmin' || op.kind === 'argmax')) return foldAll(op, acc, k, cols);
    return acc;
  } finally {
    s.close();
  }
}

/**
 * Column moments of a columnar source (Parquet), one column after the other: each column's rows
 * come straight from its decoded pages, never assembled into rows first. The same partials, bit
 * for bit, as the row tiles give: a column's moments are folded per 256-row sub-tile counted from
 * the block's first row, whatever the tile's width.
 */
function columnMoments(s: RowStream, readColumn: NonNullable<RowStream['readColumn']>, op: ReduceOp, acc: Partial): void {
  const rows = s.rows;
  const t = Math.max(SUB, Math.floor(tileRows({ cols: 1 }) / SUB) * SUB);
  const wasm = !op.nan && s.dtype === 'float64' && exprBackend() === 'auto';
  const one = newPartial('moments', 1);
  let staging: TypedArray | undefined;
  for (let j = 0; j < s.cols; j++) {
    const m = wasm ? WasmMoments.create(1, Math.min(t, rows)) : null;
    if (m !== null) {
      try {
        for (let a = 0; a < rows; a += t) {
          const b = Math.min(rows, a + t);
          readColumn(j, a, b, m.tile(b - a));
          m.add(b - a);
        }
      } catch (error) {
        m.dispose();
        throw error;
      }
      m.finish(one.n!, one.mean!, one.m2!);
    } else {
      one.n!.fill(0);
      one.mean!.fill(0);
      one.m2!.fill(0);
      staging ??= new TYPED_ARRAYS[s.dtype](Math.min(t, rows));
      for (let a = 0; a < rows; a += t) {
        const b = Math.min(rows, a + t);
        colMoments(readColumn(j, a, b, staging.subarray(0, b - a)), b - a, 1, op.nan, one);
      }
    }
    acc.n![j] = one.n![0]!;
    acc.mean![j] = one.mean![0]!;
    acc.m2![j] = one.m2![0]!;
  }
}

function newPartial(kind: ReduceKind, k: number): Partial {
  switch (kind) {
    case 'sum':
      return { s: new Float64Array(k) };
    case 'moments':
      return { n: new Float64Array(k), mean: new Float64Array(k), m2: new Float64Array(k) };
    case 'min':
    case 'max':
      return { n: new Float64Array(k), v: new Float64Array(k).fill(NaN) };
    case 'argmin':
    case 'argmax':
      return { v: new Float64Array(k).fill(NaN), i: new Float64Array(k).fill(-1) };
  }
}

/** Reduces rows [row0, row0 + m) (a tile of `m` rows) into per-column accumulators. */
function colReduce(op: ReduceOp, x: TypedArray, m: number, cols: number, row0: number, acc: Partial): void {
  if (op.kind === 'moments') return colMoments(x, m, cols, op.nan, acc);
  if (op.kind === 'sum') {
    const s = acc.s!;
    for (let j = 0; j < cols; j++) {
      let s0 = 0;
      let s1 = 0;
      let k = j;
      const e = m * cols;
      if (op.nan) {
        for (; k < e; k += cols) {
          const v = x[k]!;
          if (v === v) s0 += v;
        }
      } else {
        for (; k + cols < e; k += 2 * cols) {
          s0 += x[k]!;
          s1 += x[k + cols]!;
        }
        if (k < e) s0 += x[k]!;
      }
      s[j]! += s0 + s1;
    }
    return;
  }
  const v = acc.v!;
  const offset = (op.offset?.[0] ?? 0) + row0;
  if (op.kind === 'min' || op.kind === 'max') {
    const n = acc.n!;
    const isMin = op.kind === 'min';
    for (let j = 0; j < cols; j++) {
      let best = v[j]!;
      let seen = n[j]!;
      for (let k = j, e = m * cols; k < e; k += cols) {
        const y = x[k]!;
        if (y !== y) {
          if (!op.nan) {
            best = NaN;
            seen = Infinity; // NaN sticks
          }
          continue;
        }
        if (seen === Infinity) continue;
        if (seen === 0 || (isMin ? y < best : y > best)) best = y;
        seen = 1;
      }
      v[j] = best;
      n[j] = seen;
    }
    return;
  }
  // argmin / argmax: first occurrence; NaN counts as the extreme unless op.nan.
  const idx = acc.i!;
  const isMin = op.kind === 'argmin';
  for (let j = 0; j < cols; j++) {
    let best = v[j]!;
    let at = idx[j]!;
    if (at >= 0 && best !== best) continue; // a NaN already won
    for (let r = 0, k = j; r < m; r++, k += cols) {
      const y = x[k]!;
      if (y !== y) {
        if (op.nan) continue;
        best = NaN;
        at = offset + r;
        break;
      }
      if (at < 0 || (isMin ? y < best : y > best)) {
        best = y;
        at = offset + r;
      }
    }
    v[j] = best;
    idx[j] = at;
  }
}

function colMoments(x: TypedArray, m: number, cols: number, nan: boolean, acc: Partial): void {
  const N = acc.n!;
  const MEAN = acc.mean!;
  const M2 = acc.m2!;
  const c2 = 2 * cols;
  const c3 = 3 * cols;
  const c4 = 4 * cols;
  for (let r0 = 0; r0 < m; r0 += SUB) {
    const r1 = Math.min(m, r0 + SUB);
    for (let j = 0; j < cols; j++) {
      let k = r0 * cols + j;
      const e = r1 * cols;
      let cnt: number;
      let mu: number;
      let q: number;
      if (!nan) {
        cnt = r1 - r0;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (; k + c3 < e; k += c4) {
          s0 += x[k]!;
          s1 += x[k + cols]!;
          s2 += x[k + c2]!;
          s3 += x[k + c3]!;
        }
        for (; k < e; k += cols) s0 += x[k]!;
        mu = (s0 + s1 + (s2 + s3)) / cnt;
        let q0 = 0;
        let q1 = 0;
        let q2 = 0;
        let q3 = 0;
        k = r0 * cols + j;
        for (; k + c3 < e; k += c4) {
          const d0 = x[k]! - mu;
          const d1 = x[k + cols]! - mu;
          const d2 = x[k + c2]! - mu;
          const d3 = x[k + c3]! - mu;
          q0 += d0 * d0;
          q1 += d1 * d1;
          q2 += d2 * d2;
          q3 += d3 * d3;
        }
        for (; k < e; k += cols) {
          const d = x[k]! - mu;
          q0 += d * d;
        }
        q = q0 + q1 + (q2 + q3);
      } else {
        cnt = 0;
        let s0 = 0;
        for (; k < e; k += cols) {
          const v = x[k]!;
          if (v === v) {
            s0 += v;
            cnt++;
          }
        }
        if (cnt === 0) continue;
        mu = s0 / cnt;
        q = 0;
        for (k = r0 * cols + j; k < e; k += cols) {
          const v = x[k]!;
          if (v === v) q += (v - mu) * (v - mu);
        }
      }
      const na = N[j]!;
      const nn = na + cnt;
      if (na === 0) {
        N[j] = cnt;
        MEAN[j] = mu;
        M2[j] = q;
      } else {
        const d = mu - MEAN[j]!;
        MEAN[j]! += (d * cnt) / nn;
        M2[j]! += q + (d * d * na * cnt) / nn;
        N[j] = nn;
      }
    }
  }
}

/** Reduces each row of a tile over its columns (axis 1); outputs `row0..row0+m`. */
function rowReduce(op: ReduceOp, x: TypedArray, m: number, cols: number, row0: number, acc: Partial): void {
  for (let r = 0; r < m; r++) {
    const o = row0 + r;
    const base = r * cols;
    if (op.kind === 'sum') {
      let s = 0;
      for (let c = 0; c < cols; c++) {
        const v = x[base + c]!;
        if (!op.nan || v === v) s += v;
      }
      acc.s![o] = s;
    } else if (op.kind === 'moments') {
      let s = 0;
      let n = 0;
      for (let c = 0; c < cols; c++) {
        const v = x[base + c]!;
        if (!op.nan || v === v) {
          s += v;
          n++;
        }
      }
      const mu = n ? s / n : 0;
      let q = 0;
      for (let c = 0; c < cols; c++) {
        const v = x[base + c]!;
        if (!op.nan || v === v) q += (v - mu) * (v - mu);
      }
      acc.n![o] = n;
      acc.mean![o] = n ? mu : 0;
      acc.m2![o] = q;
    } else if (op.kind === 'min' || op.kind === 'max') {
      const isMin = op.kind === 'min';
      let best = NaN;
      let seen = 0;
      for (let c = 0; c < cols; c++) {
        const v = x[base + c]!;
        if (v !== v) {
          if (!op.nan) {
            best = NaN;
            seen = Infinity;
            break;
          }
          continue;
        }
        if (seen === 0 || (isMin ? v < best : v > best)) best = v;
        seen = 1;
      }
      acc.v![o] = best;
      acc.n![o] = seen;
    } else {
      const isMin = op.kind === 'argmin';
      let best = NaN;
      let at = -1;
      for (let c = 0; c < cols; c++) {
        const v = x[base + c]!;
        if (v !== v) {
          if (op.nan) continue;
          best = NaN;
          at = c;
          break;
        }
        if (at < 0 || (isMin ? v < best : v > best)) {
          best = v;
          at = c;
        }
      }
      acc.v![o] = best;
      acc.i![o] = at < 0 ? -1 : (op.offset?.[1] ?? 0) + at;
    }
  }
}

/** Folds per-column partials of one block into a single output (reductions over everything). */
function foldAll(op: ReduceOp, acc: Partial, k: number, cols: number): Partial {
  const parts: Partial[] = [];
  for (let j = 0; j < k; j++) parts.push(pick(acc, j));
  const folded = combineList(parts, op.kind, op.nan);
  if (folded.i) {
    // Column-wise arg results hold the global row; make them flat indices in the whole array.
    let best = -1;
    let bestV = NaN;
    const isMin = op.kind === 'argmin';
    for (let j = 0; j < k; j++) {
      const r = acc.i![j]!;
      if (r < 0) continue;
      const v = acc.v![j]!;
      const flat = r * (op.totalCols ?? cols) + (op.offset?.[1] ?? 0) + j;
      if (best < 0) {
        best = flat;
        bestV = v;
        continue;
      }
      if (bestV !== bestV) {
        if (v !== v && flat < best) best = flat;
        continue;
      }
      if (v !== v) {
        best = flat;
        bestV = v;
        continue;
      }
      if ((isMin ? v < bestV : v > bestV) || (v === bestV && flat < best)) {
        best = flat;
        bestV = v;
      }
    }
    return { v: Float64Array.of(bestV), i: Float64Array.of(best) };
  }
  return folded;
}

function pick(p: Partial, j: number): Partial {
  const out: Record<string, Float64Array> = {};
  for (const [name, arr] of Object.entries(p)) out[name] = Float64Array.of((arr as Float64Array)[j]!);
  return out as Partial;
}

/** Combines partials of consecutive blocks along the reduced axis, in order. */
export function reduceCombine(parts: readonly Partial[], kind: ReduceKind, nan: boolean): Partial {
  return combineList(parts, kind, nan);
}

function combineList(parts: readonly Partial[], kind: ReduceKind, _nan: boolean): Partial {
  const first = parts[0]!;
  const k = (first.n ?? first.s ?? first.v)!.length;
  const out = newPartial(kind, k);
  for (const p of parts) {
    for (let j = 0; j < k; j++) {
      switch (kind) {
        case 'sum':
          out.s![j]! += p.s![j]!;
          break;
        case 'moments': {
          const na = out.n![j]!;
          const nb = p.n![j]!;
          if (nb === 0) break;
          if (na === 0) {
            out.n![j] = nb;
            out.mean![j] = p.mean![j]!;
            out.m2![j] = p.m2![j]!;
            break;
          }
          const n = na + nb;
          const d = p.mean![j]! - out.mean![j]!;
          out.mean![j]! += (d * nb) / n;
          out.m2![j]! += p.m2![j]! + (d * d * na * nb) / n;
          out.n![j] = n;
          break;
        }
        case 'min':
        case 'max': {
          const sa = out.n![j]!;
          const sb = p.n![j]!;
          if (sa === Infinity || sb === 0) break;
          if (sb === Infinity || sa === 0) {
            out.v![j] = p.v![j]!;
            out.n![j] = sb;
            break;
          }
          const a = out.v![j]!;
          const b = p.v![j]!;
          out.v![j] = kind === 'min' ? Math.min(a, b) : Math.max(a, b);
          break;
        }
        case 'argmin':
        case 'argmax': {
          const ia = out.i![j]!;
          const ib = p.i![j]!;
          if (ib < 0) break;
          const a = out.v![j]!;
          const b = p.v![j]!;
          if (ia < 0) {
            out.v![j] = b;
            out.i![j] = ib;
            break;
          }
          // Indices are global, so ties (equal values, or two NaNs) go to the smaller index:
          // blocks along columns are not in flat order.
          if (a !== a) {
            if (b !== b && ib < ia) out.i![j] = ib;
            break; // a NaN wins (the nan-variants never produce NaN values)
          }
          if (b !== b || (kind === 'argmin' ? b < a : b > a) || (b === a && ib < ia)) {
            out.v![j] = b;
            out.i![j] = ib;
          }
          break;
        }
      }
    }
  }
  return out;
}

/** What the final step extracts. */
export interface FinalOp {
  readonly what: 'sum' | 'mean' | 'var' | 'std' | 'min' | 'max' | 'argmin' | 'argmax';
  readonly ddof?: number;
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** For messages (all-NaN arg-reductions). */
  readonly label: string;
}

/** The result block of a combined partial. */
export function reduceFinal(p: Partial, f: FinalOp): Block {
  const k = (p.n ?? p.s ?? p.v)!.length;
  const data = allocate(f.dtype, k);
  for (let j = 0; j < k; j++) {
    let v: number;
    switch (f.what) {
      case 'sum':
        v = p.s![j]!;
        break;
      case 'mean':
        v = p.n![j]! > 0 ? p.mean![j]! : NaN;
        break;
      case 'var':
      case 'std': {
        const dof = p.n![j]! - (f.ddof ?? 0);
        v = dof > 0 ? p.m2![j]! / dof : NaN;
        if (f.what === 'std') v = Math.sqrt(v);
        break;
      }
      case 'min':
      case 'max':
        v = p.v![j]!;
        break;
      default:
        v = p.i![j]!;
        if (v < 0) throw new RangeError(`${f.label}: All-NaN slice encountered${k > 1 ? ` (output ${j})` : ''}.`);
    }
    data[j] = v;
  }
  return { dtype: f.dtype, shape: f.shape, data };
}
