/**
 * Which files of a directory are a dataset's chunks, and in what order, when nothing lists them:
 * a dataset directory without `manifest.json` (`X-0.npy`, `X-1.npy`… and `y-…`) and a dask
 * `to_npy_stack` directory (`0.npy`, `1.npy`…).
 *
 * Chunks are ordered by the number in their names, never by string order (which puts `X-10.npy`
 * before `X-2.npy`). A series must be named one way — unpadded (`X-0`, `X-1`… `X-11`) or padded to
 * one width (`X-00000`… ; a number wider than the padding, like `X-100000`, is still that way) —
 * and run without gaps, so that the numbers themselves give one unambiguous sequence; X and y
 * chunks pair by number. Anything else is a {@link DatasetError} naming the files, and the way out:
 * rename them, or write a manifest that lists them in order. Hidden files (a leading dot, like the
 * temporaries of an interrupted store, `.X-00000.npy.tmp-123-ab`) are never chunks.
 */
import { DatasetError, FormatError } from './errors.js';
import { readPickle, type PickleValue } from './pickle.js';

/** A chunk file of a numbered series. */
export interface NumberedFile {
  /** The file name, as found in the directory. */
  readonly name: string;
  /** The number in its name. */
  readonly number: number;
}

/** Whether a directory entry is hidden (dot-prefixed): temporaries and editor files, never data. */
export function isHiddenName(name: string): boolean {
  return name.startsWith('.');
}

/**
 * The files of one numbered series, in numeric order: the names that `family` matches (e.g. every
 * `X-*.npy`) must all match `numbered` (whose first group is the number's digits) and be written
 * one way (see the module comment). `label` names the series in messages (`'X'`); `dir` is the
 * directory (the error's file). {@link checkSequence} then checks that they run without gaps.
 *
 * @example
 * orderNumbered(['X-10.npy', 'X-2.npy', 'X-0.npy', 'X-1.npy', … ], /^X-.*\.npy$/, /^X-(\d+)\.npy$/, 'X', dir)
 * // → X-0.npy, X-1.npy, X-2.npy, … X-10.npy
 */
export function orderNumbered(entries: readonly string[], family: RegExp, numbered: RegExp, label: string, dir: string): NumberedFile[] {
  const files: (NumberedFile & { digits: string })[] = [];
  for (const name of entries) {
    if (isHiddenName(name) || !family.test(name)) continue;
    const m = numbered.exec(name);
    if (!m)
      throw new DatasetError(
        { file: dir },
        `${name} looks like a ${label} chunk but has no chunk number (${label} chunks are numbered, e.g. ${example(label, 0, 5)}); rename it, or write a manifest.json that lists the chunk files in order.`,
      );
    const digits = m[1]!;
    files.push({ name, number: Number(digits), digits });
  }
  if (files.length === 0) return [];
  files.sort((a, b) => a.number - b.number || a.name.localeCompare(b.name));
  const ambiguous = (a: string, b: string, why: string): never => {
    throw new DatasetError(
      { file: dir },
      `${label} chunk names mix number widths (${a} and ${b}: ${why}), so their order is ambiguous; name them one way (e.g. ${example(label, 0, 5)}, ${example(label, 1, 5)}…) or write a manifest.json that lists the chunk files in order.`,
    );
  };
  for (let i = 1; i < files.length; i++) {
    if (files[i]!.number === files[i - 1]!.number) ambiguous(files[i - 1]!.name, files[i]!.name, `both are chunk ${files[i]!.number}`);
  }
  // One way of writing the numbers: every zero-padded name has the same width W, and every other
  // name is at least W digits long (so it is the number written with padding to W).
  const padded = files.filter((f) => f.digits.length > 1 && f.digits.startsWith('0'));
  const width = padded.length ? padded[0]!.digits.length : 1;
  const odd = padded.find((f) => f.digits.length !== width) ?? files.find((f) => f.digits.length < width);
  if (odd)
    ambiguous(
      padded[0]!.name,
      odd.name,
      `${padded[0]!.name} pads chunk numbers to ${width} digits but ${odd.name} has ${odd.digits.length}`,
    );
  return files.map(({ name, number }) => ({ name, number }));
}

/**
 * Checks that ordered chunk files run from one of `starts` without gaps: a gap or a late start is
 * a missing chunk, an error naming the files on either side of it.
 */
export function checkSequence(files: readonly NumberedFile[], label: string, dir: string, starts: readonly number[] = [0, 1]): void {
  const first = files[0];
  if (!first) return;
  if (!starts.includes(first.number)) {
    throw new DatasetError(
      { file: dir },
      `the first ${label} chunk is ${first.name} (number ${first.number}); numbering starts at ${starts.join(' or ')}, so the chunks before it are missing.`,
    );
  }
  for (let i = 1; i < files.length; i++) {
    const a = files[i - 1]!;
    const b = files[i]!;
    if (b.number !== a.number + 1) {
      throw new DatasetError(
        { file: dir },
        `${label} chunks are missing between ${a.name} and ${b.name} (numbers ${a.number + 1}${b.number - a.number > 2 ? `–${b.number - 1}` : ''}); chunk numbers run without gaps.`,
      );
    }
  }
}

function example(label: string, n: number, width: number): string {
  return label === 'stack' ? `${n}.npy` : `${label}-${String(n).padStart(width, '0')}.npy`;
}

/**
 * The X and y chunk files of a dataset directory without a manifest, in order, paired by number:
 * every X chunk has the y chunk of the same number (when there are y chunks at all), and the
 * other way round. `entries` are the directory's file names, `dir` its path (for messages).
 *
 * @example
 * datasetFiles(['X-0.npy', 'X-1.npy', 'y-0.npy', 'y-1.npy'], 'data/'); // { x: ['X-0.npy', 'X-1.npy'], y: [...] }
 */
export function datasetFiles(entries: readonly string[], dir: string): { x: string[]; y: string[] } {
  const x = orderNumbered(entries, /^X-.*\.npy$/, /^X-(\d+)\.npy$/, 'X', dir);
  const y = orderNumbered(entries, /^y-.*\.npy$/, /^y-(\d+)\.npy$/, 'y', dir);
  if (x.length && y.length) {
    const yByNumber = new Map(y.map((f) => [f.number, f]));
    const xByNumber = new Map(x.map((f) => [f.number, f]));
    const loneX = x.find((f) => !yByNumber.has(f.number));
    const loneY = y.find((f) => !xByNumber.has(f.number));
    if (loneX || loneY) {
      const parts = [
        loneX && `${loneX.name} has no y chunk numbered ${loneX.number}`,
        loneY && `${loneY.name} has no X chunk numbered ${loneY.number}`,
      ].filter(Boolean);
      throw new DatasetError({ file: dir }, `X and y chunks pair by the number in their names: ${parts.join(', and ')}.`);
    }
  }
  checkSequence(x, 'X', dir);
  checkSequence(y, 'y', dir);
  return { x: x.map((f) => f.name), y: y.map((f) => f.name) };
}

/** The chunk files of a dask `to_npy_stack` directory (`0.npy`, `1.npy`… from 0, no gaps), in order. */
export function stackFiles(entries: readonly string[], dir: string): string[] {
  const files = orderNumbered(entries, /^\d.*\.npy$/, /^(\d+)\.npy$/, 'stack', dir);
  checkSequence(files, 'stack', dir, [0]);
  return files.map((f) => f.name);
}

/** What a dask `to_npy_stack` directory's `info` file says. */
export interface NpyStackInfo {
  /** Chunk sizes along each axis (`chunks[axis]` has one entry per file). */
  readonly chunks: readonly (readonly number[])[];
  /** The axis the files are stacked along. */
  readonly axis: number;
  /** numpy's dtype string when the pickle names one (`'i8'`, `'<f8'`…), else undefined. */
  readonly dtype: string | undefined;
}

/**
 * Parses the pickled `info` of a dask `to_npy_stack` directory (`{'chunks': …, 'dtype': …,
 * 'axis': …}`) without running anything (see `pickle.ts`). `file` names it in errors.
 */
export function parseNpyStackInfo(bytes: Uint8Array, file: string): NpyStackInfo {
  let value: PickleValue;
  try {
    value = readPickle(bytes);
  } catch (error) {
    throw new FormatError({ file }, `cannot read this pickle (dask's to_npy_stack info): ${(error as Error).message}.`, { cause: error });
  }
  const bad = (what: string): never => {
    throw new FormatError({ file }, `not a to_npy_stack info: ${what}.`);
  };
  if (!(value instanceof Map)) return bad('the pickle is not a dict');
  const chunks = value.get('chunks');
  const axis = value.get('axis');
  if (
    !Array.isArray(chunks) ||
    !chunks.every((c) => Array.isArray(c) && c.every((n) => typeof n === 'number' && Number.isInteger(n) && n >= 0))
  ) {
    return bad(`'chunks' must be a tuple of tuples of sizes; got ${describe(chunks)}`);
  }
  if (typeof axis !== 'number' || !Number.isInteger(axis) || axis < 0 || axis >= chunks.length)
    return bad(`'axis' must be an axis of the ${chunks.length}-d array; got ${describe(axis)}`);
  const dt = value.get('dtype');
  let dtype: string | undefined;
  if (typeof dt === 'string') dtype = dt;
  else if (dt && typeof dt === 'object' && 'global' in dt && 'args' in dt && typeof dt.args[0] === 'string') {
    // numpy.dtype('i8', False, True) with state (3, '<', …): the byte order is the state's second item.
    const order = Array.isArray(dt.state) && typeof dt.state[1] === 'string' ? dt.state[1] : '';
    dtype = (order === '>' || order === '<' ? order : '') + dt.args[0];
  }
  return { chunks: chunks as number[][], axis, dtype };
}

function describe(v: PickleValue | undefined): string {
  if (v === undefined) return 'nothing';
  if (v instanceof Map) return 'a dict';
  if (v instanceof Uint8Array) return 'bytes';
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x))?.slice(0, 80) ?? String(v);
}
