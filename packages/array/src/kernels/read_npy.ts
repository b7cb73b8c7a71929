/**
 * The `npy` source reader: rows of a list of .npy files (one file, or a dataset's chunk files),
 * each converted from the type its file stores (`descr`) to the block's dtype here, in the worker,
 * a piece at a time (int64 checked to be exact: an error names the file, row and column).
 */
import { close, open, read } from 'node:fs';
import { availableParallelism } from 'node:os';
import { FormatError, readNpyRegion, type NpyHeader, describeFsError } from '@tessera/io';
import type { TypedArray } from '../dense.js';
import type { ReaderContext } from './stream.js';

/** One file of an npy source: its global first row, row count, data offset and row length. */
export interface NpyFilePart {
  readonly path: string;
  /** Index of the file in its dataset (for messages: "block 7"); undefined for a lone file. */
  readonly index: number | undefined;
  readonly start: number;
  readonly rows: number;
  readonly dataOffset: number;
  /** Elements per row (1 for 1-D files). */
  readonly cols: number;
  /** The file's shape, for messages. */
  readonly shape: readonly number[];
  /** The file's `descr` (`'<f8'`, `'<i8'`, `'>f4'`…): how its elements are stored. */
  readonly descr: string;
}

export interface NpyParams {
  readonly dtype: NpyHeader['dtype'];
  readonly files: readonly NpyFilePart[];
  /** The dataset's files after this block's, in order (read-ahead hints; absent for a lone file). */
  readonly ahead?: readonly string[];
}

/**
 * Read-ahead for datasets read from disk. Each thread reads its block's files tile by tile,
 * computing between reads (and a partialFit link reads nothing at all): while it computes, its
 * disk stream idles. Measured on 100M rows (16.8 GB) with the page cache dropped in a 1 GiB
 * cgroup: each of the two threads' streams ran at 0.8–0.9 GB/s, while `cat` with two readers
 * reads the same files at 2.45 GB/s. So when the first tile of a block came from the disk (slower
 * than a page-cache copy), the thread reads ahead, in the background on libuv's pool, the file it
 * will most likely read next — the block `threads` places on (blocks are dealt to the threads in
 * turn) — into the page cache, one file at a time per thread: the fit went from 11.5–12.7 s to
 * 10.1–10.5 s there, predict from 8.7–9.6 s to 8.5–8.9 s. A block read from the page cache (a warm
 * dataset) reads nothing ahead. `TESSERA_READ_AHEAD=off` turns it off, `on` reads ahead whatever
 * the first tile's speed (tests).
 */
const readAheadMode = (): string => (process.env['TESSERA_READ_AHEAD'] ?? 'auto').toLowerCase();
/** A first read this slow (ms per MiB) came from the disk: a page-cache copy takes ~0.1–0.2 ms. */
const DISK_MS_PER_MIB = 0.5;
/** Bytes a first read of a file must have for its timing to say anything. */
const TIMED_BYTES = 256 * 1024;
const recentAhead: string[] = [];
let aheadInFlight = false;
let aheadBuffer: Buffer | undefined;

/** Whether a read of `bytes` that took `ms` came from the disk rather than the page cache. @internal */
export function cameFromDisk(bytes: number, ms: number): boolean {
  return bytes >= TIMED_BYTES && ms > (DISK_MS_PER_MIB * bytes) / 2 ** 20;
}

/** Files this thread read ahead and is reading ahead now (tests). @internal */
export function readAheadState(): { readonly recent: readonly string[]; readonly inFlight: boolean } {
  return { recent: [...recentAhead], inFlight: aheadInFlight };
}

/** The file a thread reading `files`' last block reads next, of the `ahead` list. */
function nextForThisThread(ahead: readonly string[]): string | undefined {
  return ahead[Math.min(ahead.length, Math.max(1, availableParallelism())) - 1];
}

/** Reads `path` into the page cache in the background (1 MiB reads into a reused buffer); errors are ignored. */
function readAhead(path: string): void {
  if (aheadInFlight || recentAhead.includes(path)) return;
  aheadInFlight = true;
  recentAhead.push(path);
  if (recentAhead.length > 16) recentAhead.shift();
  const buf = (aheadBuffer ??= Buffer.allocUnsafe(1 << 20));
  const done = (fd?: number) => {
    if (fd !== undefined) close(fd, () => undefined);
    aheadInFlight = false;
  };
  open(path, 'r', (error, fd) => {
    if (error) return done();
    let pos = 0;
    const step = (): void =>
      read(fd, buf, 0, buf.length, pos, (e, n) => {
        if (e || n === 0) return done(fd);
        pos += n;
        step();
      });
    step();
  });
}

export function readNpySource(
  p: NpyParams,
  r0: number,
  r1: number,
  c0: number,
  c1: number,
  out: TypedArray,
  outOffset: number,
  ctx: ReaderContext,
): void {
  const width = c1 - c0;
  for (const f of p.files) {
    const lo = Math.max(r0, f.start);
    const hi = Math.min(r1, f.start + f.rows);
    if (hi <= lo) continue;
    let fd: number;
    try {
      fd = ctx.fd(f.path);
    } catch (error) {
      throw new FormatError(f.index === undefined ? { file: f.path } : { file: f.path, block: f.index }, describeFsError(error), {
        cause: error,
      });
    }
    const header: NpyHeader = { dtype: p.dtype, descr: f.descr, shape: f.shape, dataOffset: f.dataOffset, dataBytes: 0 };
    // The block's first read of a file is timed (when there is a file to read ahead).
    const mode = p.ahead !== undefined && p.ahead.length > 0 && lo === f.start ? readAheadMode() : 'off';
    const timed = mode !== 'off';
    const t0 = timed ? performance.now() : 0;
    readNpyRegion(fd, f.path, header, lo - f.start, hi - f.start, c0, c1, out, outOffset + (lo - r0) * width, f.index);
    if (timed) {
      if (mode === 'on' || cameFromDisk((hi - lo) * width * out.BYTES_PER_ELEMENT, performance.now() - t0)) {
        const next = nextForThisThread(p.ahead!);
        if (next !== undefined) readAhead(next);
      }
    }
  }
}
