/**
 * The block-statistics cache: per-block reduction partials (column moments, minima, maxima) of
 * file blocks, kept so that a later reduction over the same unchanged blocks — StandardScaler's
 * fit on a dataset read before, MinMaxScaler's — does not read the data again.
 *
 * A partial is recorded by the worker that computed it, beside nothing of the user's: entries live
 * in a cache directory (`$TESSERA_CACHE_DIR/block-stats-v1`, default
 * `$XDG_CACHE_HOME/tessera` or `~/.cache/tessera`), never in the dataset. An entry holds the
 * stamps (size, inode, device, mtime and ctime in nanoseconds) of the files its block reads, taken
 * before and checked after the computation; a lookup stats the files again and uses the entry only
 * when every stamp is unchanged — a file rewritten, replaced, touched or copied misses, and the
 * block is read. The key is the block's whole read recipe (files, byte offsets, rows, columns,
 * dtype) with the reduction and the evaluator that computed it, so a hit gives the partial the
 * kernel would compute, bit for bit, and the reduction's combine tree runs as before: results are
 * identical with and without the cache.
 *
 * Datasets Tessera writes (`toNpyDir`) carry the same partials in their manifest (`block_stats`,
 * checked against each file's size and mtime), so even their first reduction reads nothing.
 *
 * `TESSERA_BLOCK_STATS=off` (or `0`/`false`) turns both off for the process. A cache that cannot be written (read-only home) is skipped:
 * it only ever saves work.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';
import type { Partial, ReduceKind } from './kernels/reduce.js';

/** Whether block statistics are on for this process (`TESSERA_BLOCK_STATS` is not off/0/false/no). */
export function blockStatsEnabled(): boolean {
  const flag = (process.env['TESSERA_BLOCK_STATS'] ?? '').toLowerCase();
  return !(flag === 'off' || flag === '0' || flag === 'false' || flag === 'no');
}

/** The cache entries' directory for this process, or null when the cache is off. */
export function blockStatsDir(): string | null {
  if (!blockStatsEnabled()) return null;
  const base = process.env['TESSERA_CACHE_DIR'] || join(process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'tessera');
  return join(base, 'block-stats-v1');
}

/** What a reduce-partial task carries when its result should be recorded (see {@link recordPartial}). */
export interface PartialRecord {
  readonly dir: string;
  readonly key: string;
  readonly files: readonly string[];
}

/** The reductions whose partials are cached (column moments and extrema, without NaN skipping). */
const CACHED: ReadonlySet<ReduceKind> = new Set(['moments', 'min', 'max']);

/**
 * The cache key and files of a reduce-partial over the block `arg`, or null when the block is not
 * a plain read of .npy files (an expression, a generator, a task output) or the reduction is not
 * cached. `backend` is the evaluator setting that computes moments ('auto' uses WebAssembly).
 */
export function partialCacheKey(
  arg: unknown,
  op: { kind: ReduceKind; axis: 0 | 1 | null; nan: boolean },
  backend: string,
): { key: string; files: string[] } | null {
  if (!CACHED.has(op.kind) || op.nan || op.axis !== 0) return null;
  if (arg === null || typeof arg !== 'object' || (arg as { $src?: unknown }).$src !== 'npy') return null;
  const a = arg as { p: { files: readonly { path: string }[] } };
  if (!Array.isArray(a.p?.files) || a.p.files.length === 0) return null;
  const files = [...new Set(a.p.files.map((f) => f.path))];
  const key = createHash('sha256')
    .update(JSON.stringify({ v: 1, arg, kind: op.kind, backend: op.kind === 'moments' ? backend : 'js' }))
    .digest('hex');
  return { key, files };
}

interface Stamp {
  readonly path: string;
  readonly size: string;
  readonly ino: string;
  readonly dev: string;
  readonly mtimeNs: string;
  readonly ctimeNs: string;
}

function stampOf(path: string): Stamp | null {
  try {
    const s = statSync(path, { bigint: true });
    return {
      path,
      size: String(s.size),
      ino: String(s.ino),
      dev: String(s.dev),
      mtimeNs: String(s.mtimeNs),
      ctimeNs: String(s.ctimeNs),
    };
  } catch {
    return null;
  }
}

function sameStamps(a: readonly (Stamp | null)[], b: readonly Stamp[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((s, i) => {
    const t = b[i]!;
    return (
      s !== null &&
      s.path === t.path &&
      s.size === t.size &&
      s.ino === t.ino &&
      s.dev === t.dev &&
      s.mtimeNs === t.mtimeNs &&
      s.ctimeNs === t.ctimeNs
    );
  });
}

function entryPath(dir: string, key: string): string {
  return join(dir, key.slice(0, 2), `${key}.json`);
}

// Partials as base64 of their float64 bytes: exact, NaN and ±Infinity included (JSON has neither).
const FIELDS = ['n', 'mean', 'm2', 's', 'v', 'i'] as const;

export function encodePartial(p: Partial): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of FIELDS) {
    const a = p[f];
    if (a) out[f] = Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
  }
  return out;
}

export function decodePartial(e: Readonly<Record<string, unknown>>): Partial | null {
  const out: Record<string, Float64Array> = {};
  for (const f of FIELDS) {
    const s = e[f];
    if (s === undefined) continue;
    if (typeof s !== 'string') return null;
    const b = Buffer.from(s, 'base64');
    if (b.byteLength % 8 !== 0) return null;
    const a = new Float64Array(b.byteLength / 8);
    new Uint8Array(a.buffer).set(b);
    out[f] = a;
  }
  return out as Partial;
}

/**
 * The recorded partial of `key`, when its files are unchanged since it was computed; null on a
 * miss (no entry, a changed file, an unreadable or malformed entry).
 */
export function lookupPartial(dir: string, key: string, files: readonly string[]): Partial | null {
  let entry: { stamps?: Stamp[]; partial?: Record<string, unknown> };
  try {
    entry = JSON.parse(readFileSync(entryPath(dir, key), 'utf8')) as typeof entry;
  } catch {
    return null;
  }
  if (!Array.isArray(entry.stamps) || entry.partial === null || typeof entry.partial !== 'object') return null;
  if (entry.stamps.length !== files.length || entry.stamps.some((s, i) => s.path !== files[i])) return null;
  if (!sameStamps(files.map(stampOf), entry.stamps)) return null;
  return decodePartial(entry.partial);
}

/** The stamps of a block's files before its partial is computed (see {@link recordPartial}). */
export function stampsBefore(files: readonly string[]): (Stamp | null)[] {
  return files.map(stampOf);
}

/**
 * Records the partial computed from the block `rec` describes, when its files did not change
 * while it was computed (`before` against their stamps now). Written beside and renamed into
 * place; any failure to write is ignored (the cache only saves work).
 */
export function recordPartial(rec: PartialRecord, before: readonly (Stamp | null)[], partial: Partial): void {
  const after = rec.files.map(stampOf);
  if (before.some((s) => s === null) || !sameStamps(before, after as Stamp[])) return;
  const path = entryPath(rec.dir, rec.key);
  const tmp = `${path}.${process.pid}-${threadId}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(tmp, JSON.stringify({ format: 'tessera-block-stats/1', stamps: after, partial: encodePartial(partial) }));
    renameSync(tmp, path);
  } catch {
    rmSync(tmp, { force: true });
  }
}
