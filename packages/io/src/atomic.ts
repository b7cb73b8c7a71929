/**
 * The atomic store every Tessera output goes through (datasets, .npy and Arrow files, models,
 * traces, reports): git's and rsync's discipline, and `np.save` to a temporary name then rename.
 *
 * - **Write beside, rename into place.** An output is written into a hidden temporary sibling
 *   (`.NAME.tmp-PID-RANDOM`, same directory, so the rename is atomic on one file system) and
 *   renamed to its final name only when complete. A failed or cancelled write removes the
 *   temporary; the previous output, if any, is untouched.
 * - **Replace only what Tessera made.** An existing path is replaced only when the caller allows
 *   it (`overwrite`) *and* it is a Tessera output of the same {@link OutputKind} (recognised by its
 *   manifest, magic bytes or marker) — a user's directory of files is never deleted because a flag
 *   pointed at it. `overwrite: 'force'` replaces anything except the run's inputs.
 * - **Never an input.** An output that equals, contains or lies inside a path the run reads is
 *   refused whatever `overwrite` says (compared by real path, so symlinks and `..` don't hide it).
 * - **Checked before the work.** {@link checkOutput} runs before any task: the parent directory
 *   must exist and be writable (a probe file is created and removed), so a long fit does not end
 *   in "read-only file system".
 * - **Leftovers of killed runs.** A temporary names its process; a later write to the same path
 *   removes the temporaries of processes that no longer exist (SIGKILL, power loss), and puts back
 *   an old output that a killed run had moved aside but not yet replaced. Readers never look at
 *   hidden names, so a leftover is never read as data.
 * - **Interrupts.** Temporaries in progress are registered; {@link discardActiveTemporariesSync}
 *   removes them from a signal handler before the process exits.
 *
 * The checks before the work ({@link checkOutput}) are synchronous file-system calls: a dozen
 * metadata operations (a real path per input file, a stat, a probe file, the parent's listing)
 * that take microseconds each, while each of their asynchronous forms is a round trip through
 * libuv's four-thread pool. Right after a fit, with both cores busy collecting the fit's memory,
 * those round trips made a store's checks take 22–39 ms before its first task could start
 * (measured on the 10M-row reference workload: 20 input files); synchronously they take 2–5 ms.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, lstatSync, openSync, readdirSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { lstat, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep, isAbsolute } from 'node:path';
import { MANIFEST_FILE, parseManifest } from './manifest.js';

/**
 * What a store does when its target exists:
 * - `false` (the default of the array stores): refuse;
 * - `true`: replace it when it is a Tessera output of the same kind, refuse anything else;
 * - `'force'`: replace whatever is there (still never one of the run's inputs).
 */
export type Overwrite = boolean | 'force';

/** A kind of output, and how to recognise an existing one that may be replaced. */
export interface OutputKind {
  /** What it is, for messages: `'an npy-chunks-v1 dataset directory'`. */
  readonly description: string;
  /**
   * Whether the existing `path` is an output of this kind: `null` when it is, otherwise a short
   * reason why not (`"it holds 'notes.txt', which its manifest does not name"`).
   */
  recognize(path: string): Promise<string | null>;
}

/** Why an output path cannot be written. */
export type OutputProblem = 'exists' | 'not-replaceable' | 'input' | 'parent-missing' | 'not-writable' | 'read-only';

/**
 * An output path that cannot be written: it exists and may not be replaced, it is (or holds, or
 * lies inside) an input of the run, or its directory is missing or not writable. The message
 * names the path and what would allow the write; `problem` says which case it is, so a command
 * line can name its own flag (`--overwrite`) instead of the library option.
 */
export class OutputError extends Error {
  override readonly name = 'OutputError';
  /** What the output would be (`'an npy-chunks-v1 dataset directory'`), for `exists`/`not-replaceable`. */
  readonly kind: string | undefined;
  /** Why an existing path is not that kind (`"it holds 'notes.txt', …"`), for `not-replaceable`. */
  readonly reason: string | undefined;
  /** The input it collides with, and how (`'is'`, `'contains'`, `'lies inside'`), for `input`. */
  readonly input: { readonly path: string; readonly how: 'is' | 'contains' | 'lies inside' } | undefined;
  constructor(
    /** The output path (absolute). */
    readonly path: string,
    /** Which case it is. */
    readonly problem: OutputProblem,
    message: string,
    details: { kind?: string; reason?: string; input?: OutputError['input']; cause?: unknown } = {},
  ) {
    super(message, { cause: details.cause });
    this.kind = details.kind;
    this.reason = details.reason;
    this.input = details.input;
  }
}

/** Options of {@link checkOutput}, {@link beginOutput} and {@link writeFileAtomic}. */
export interface OutputOptions {
  /** What the output is; an existing path is replaced only when it is one of these. */
  readonly kind: OutputKind;
  /** What to do when the path exists (see {@link Overwrite}; default `false`). */
  readonly overwrite?: Overwrite | undefined;
  /** Paths the run reads: the output may not equal, contain or lie inside any of them. */
  readonly inputs?: readonly string[] | undefined;
}

const TEMP_MARK = '.tmp-';
/** `.NAME.tmp-PID-HEX` plus an optional suffix (`.old` for an output moved aside, `.probe`). */
const TEMP_RE = /^\.(.+)\.tmp-(\d+)-[0-9a-f]{8}(\.old|\.probe)?$/;

/** Temporaries being written by this process, removed by {@link discardActiveTemporariesSync}. */
const active = new Set<string>();

/** A temporary sibling path of `finalPath` (hidden, unique per call, naming this process). */
export function temporarySibling(finalPath: string): string {
  const abs = resolve(finalPath);
  return join(dirname(abs), `.${basename(abs)}${TEMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Whether something exists at `path` (a dangling symlink counts). */
export async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** {@link exists}, synchronously (for the checks before the work; see the module comment). */
function existsNow(path: string): boolean {
  try {
    return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false;
  }
}

/** Removes a temporary file or directory, ignoring errors (used on failure paths). */
export async function discard(temp: string): Promise<void> {
  active.delete(temp);
  await rm(temp, { recursive: true, force: true }).catch(() => undefined);
}

/**
 * Removes, synchronously, every temporary this process is writing: for a SIGINT/SIGTERM handler
 * that exits right after. A write that is cancelled normally removes its own temporary.
 */
export function discardActiveTemporariesSync(): void {
  for (const temp of active) {
    try {
      rmSync(temp, { recursive: true, force: true });
    } catch {
      // Best effort: the next write to the same path removes what is left.
    }
  }
  active.clear();
}

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporaries of `target` left by processes that no longer exist. An output a killed
 * run had moved aside (`.old`) while the target is missing is put back instead: the rename that
 * would have replaced it never happened.
 */
function sweepDeadTemporaries(target: string): void {
  const dir = dirname(target);
  const name = basename(target);
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  const dead = entries.filter((e) => {
    const m = TEMP_RE.exec(e);
    return m !== null && m[1] === name && !pidAlive(Number(m[2]));
  });
  const aside = dead.find((e) => e.endsWith('.old'));
  if (aside && !existsNow(target)) {
    try {
      renameSync(join(dir, aside), target);
    } catch {
      // Best effort, as below: a leftover that cannot be put back stays for the user to see.
    }
  }
  for (const e of dead) {
    if (e === aside && !existsNow(join(dir, e))) continue;
    try {
      rmSync(join(dir, e), { recursive: true, force: true });
    } catch {
      // Best effort: a leftover that cannot be removed is hidden, and never read as data.
    }
  }
}

function realOrResolved(path: string): string {
  const abs = resolve(path);
  try {
    return realpathSync.native(abs);
  } catch {
    // Not there (yet): resolve the parent that exists, keep the rest.
    const parent = dirname(abs);
    if (parent === abs) return abs;
    return join(realOrResolved(parent), basename(abs));
  }
}

function inside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** Refuses an output that equals, contains or lies inside one of `inputs` (by real path). */
function refuseInputs(target: string, inputs: readonly string[] | undefined): void {
  if (!inputs?.length) return;
  const out = realOrResolved(target);
  for (const inp of [...new Set(inputs)].map(realOrResolved)) {
    const how = out === inp ? 'is' : inside(inp, out) ? 'contains' : inside(out, inp) ? 'lies inside' : undefined;
    if (how) {
      const what = how === 'is' ? 'is an input' : `${how} ${inp}, an input`;
      throw new OutputError(
        target,
        'input',
        `${target} ${what} of this run; refusing to write an output there (choose another output path).`,
        { input: { path: inp, how } },
      );
    }
  }
}

function fsProblem(error: unknown): OutputProblem | undefined {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EROFS'
    ? 'read-only'
    : code === 'EACCES' || code === 'EPERM'
      ? 'not-writable'
      : code === 'ENOENT' || code === 'ENOTDIR'
        ? 'parent-missing'
        : undefined;
}

/** The parent directory exists and accepts a new file (a probe created and removed). */
function checkParent(target: string): void {
  const dir = dirname(target);
  let st;
  try {
    st = statSync(dir);
  } catch (error) {
    throw new OutputError(target, 'parent-missing', `cannot write ${target}: its directory ${dir} does not exist.`, { cause: error });
  }
  if (!st.isDirectory()) throw new OutputError(target, 'parent-missing', `cannot write ${target}: ${dir} is not a directory.`);
  const probe = `${temporarySibling(target)}.probe`;
  try {
    closeSync(openSync(probe, 'wx'));
  } catch (error) {
    const problem = fsProblem(error) ?? 'not-writable';
    const why =
      problem === 'read-only' ? 'is on a read-only file system' : problem === 'parent-missing' ? 'does not exist' : 'is not writable';
    throw new OutputError(target, problem, `cannot write ${target}: its directory ${dir} ${why}.`, { cause: error });
  }
  rmSync(probe, { force: true });
}

/** Whether the existing `target` may be replaced under `options`; throws when not. */
async function checkReplaceable(target: string, options: OutputOptions): Promise<void> {
  const overwrite = options.overwrite ?? false;
  if (overwrite === 'force') return;
  if (overwrite === false) {
    throw new OutputError(
      target,
      'exists',
      `${target} already exists; pass { overwrite: true } to replace it (only when it is ${options.kind.description} written by Tessera).`,
      {
        kind: options.kind.description,
      },
    );
  }
  const why = await options.kind.recognize(target);
  if (why !== null) {
    throw new OutputError(
      target,
      'not-replaceable',
      `${target} already exists and is not ${options.kind.description} written by Tessera (${why}); refusing to replace it. Choose another path, or pass { overwrite: 'force' } to replace it anyway.`,
      { kind: options.kind.description, reason: why },
    );
  }
}

/**
 * Checks, before any work, that `path` can be written as `options.kind`: not an input of the run,
 * its directory present and writable, and an existing output replaceable under
 * `options.overwrite`. Also removes leftovers of killed runs for this path. Returns the absolute
 * path; rejects with an {@link OutputError}.
 *
 * @example
 * await checkOutput('pred/', { kind: NPY_DATASET, overwrite: true, inputs: ['data/'] });
 */
export async function checkOutput(path: string, options: OutputOptions): Promise<string> {
  const target = resolve(path);
  refuseInputs(target, options.inputs);
  checkParent(target);
  sweepDeadTemporaries(target);
  if (existsNow(target)) await checkReplaceable(target, options);
  return target;
}

/** An output being written: write into `temp`, then {@link commit} (or {@link abort}). */
export interface OutputTransaction {
  /** The final path (absolute). */
  readonly target: string;
  /** The temporary sibling to write into (not created: make it a file or a directory). */
  readonly temp: string;
  /** Renames `temp` into place, replacing the old output as the options allow (checked again). */
  commit(): Promise<void>;
  /** Removes `temp` (idempotent; also fine after a failed commit). */
  abort(): Promise<void>;
}

/**
 * Starts writing an output: {@link checkOutput}, then a registered temporary sibling. The
 * caller writes into `temp` and calls `commit()`; on any failure, `abort()`.
 *
 * @example
 * const out = await beginOutput('model.json', { kind: ESTIMATOR_JSON, overwrite: true });
 * try { await writeFile(out.temp, text); await out.commit(); } catch (e) { await out.abort(); throw e; }
 */
export async function beginOutput(path: string, options: OutputOptions): Promise<OutputTransaction> {
  const target = await checkOutput(path, options);
  const temp = temporarySibling(target);
  active.add(temp);
  return {
    target,
    temp,
    commit: async () => {
      try {
        await commitTemp(temp, target, options);
      } finally {
        active.delete(temp);
      }
    },
    abort: () => discard(temp),
  };
}

async function commitTemp(temp: string, target: string, options: OutputOptions): Promise<void> {
  if (!(await exists(target))) {
    await rename(temp, target);
    return;
  }
  // Something is there (again, or still): the same rules as before the work, checked now.
  await checkReplaceable(target, options);
  const aside = `${temporarySibling(target)}.old`;
  await rename(target, aside);
  try {
    await rename(temp, target);
  } catch (error) {
    await rename(aside, target).catch(() => undefined);
    throw error;
  }
  await rm(aside, { recursive: true, force: true });
}

/**
 * Writes `data` to `path` atomically (a temporary sibling renamed into place), under the rules of
 * {@link beginOutput}.
 *
 * @example
 * await writeFileAtomic('pipeline.json', JSON.stringify(pipe.toJSON()), { kind: ESTIMATOR_JSON, overwrite: true });
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: OutputOptions): Promise<void> {
  const out = await beginOutput(path, options);
  try {
    await writeFile(out.temp, data);
    await out.commit();
  } catch (error) {
    await out.abort();
    if (error instanceof OutputError) throw error;
    throw new Error(`Cannot write '${out.target}': ${(error as Error).message}`, { cause: error });
  }
}

async function readPrefix(path: string, bytes: number): Promise<Buffer | string> {
  let st;
  try {
    st = await stat(path);
  } catch (error) {
    return (error as Error).message;
  }
  if (!st.isFile()) return st.isDirectory() ? 'it is a directory' : 'it is not a regular file';
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(Math.min(bytes, st.size));
    await fh.read(buf, 0, buf.length, 0);
    return buf;
  } finally {
    await fh.close();
  }
}

/**
 * A file kind recognised by its first bytes: it starts with one of `prefixes` (and, when given,
 * `marker` occurs within its first `window` bytes).
 *
 * @example
 * const PROFILE_JSON = fileKind('a Tessera profile (JSON)', ['{"format":"tessera-profile-v1"']);
 */
export function fileKind(
  description: string,
  prefixes: readonly (string | Uint8Array)[],
  marker?: { text: string; window: number },
): OutputKind {
  const pre = prefixes.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p)));
  const window = Math.max(marker?.window ?? 0, ...pre.map((p) => p.length));
  return {
    description,
    async recognize(path) {
      const head = await readPrefix(path, window);
      if (typeof head === 'string') return head;
      if (!pre.some((p) => head.subarray(0, p.length).equals(p))) return 'its first bytes are not what Tessera writes';
      if (marker && !head.includes(marker.text)) return `it has no "${marker.text}" marker`;
      return null;
    },
  };
}

/** A .npy file (its magic bytes). */
export const NPY_FILE: OutputKind = fileKind('a .npy file', [Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59])]);

/** An Arrow IPC file (its magic bytes). */
export const ARROW_FILE: OutputKind = fileKind('an Arrow IPC file', ['ARROW1']);

/**
 * A directory kind recognised by a listing file of its own (a manifest): the listing parses (its
 * `named` function returns the files it names, or throws), and the directory holds nothing it
 * does not name — a directory where the user put files of their own is not replaced.
 *
 * @example
 * const MY_DIR = listedDirectoryKind('a my-format directory', 'listing.json', (text) => JSON.parse(text).files);
 */
export function listedDirectoryKind(
  description: string,
  listing: string,
  named: (text: string, path: string) => readonly string[],
): OutputKind {
  return {
    description,
    async recognize(path) {
      let entries: string[];
      try {
        entries = await readdir(path);
      } catch (error) {
        return (error as NodeJS.ErrnoException).code === 'ENOTDIR' ? 'it is a file' : (error as Error).message;
      }
      if (!entries.includes(listing)) return `it has no ${listing}`;
      let names: Set<string>;
      try {
        names = new Set([listing, ...named(await readFile(join(path, listing), 'utf8'), join(path, listing))]);
      } catch (error) {
        return `its ${listing} is not valid: ${(error as Error).message}`;
      }
      const foreign = entries.filter((e) => !names.has(e));
      if (foreign.length === 0) return null;
      const shown = foreign
        .slice(0, 3)
        .map((e) => `'${e}'`)
        .join(', ');
      return `it holds ${shown}${foreign.length > 3 ? ` and ${foreign.length - 3} more` : ''}, which its ${listing === MANIFEST_FILE ? 'manifest' : 'listing'} does not name`;
    },
  };
}

/**
 * An npy-chunks-v1 dataset directory: a valid manifest, and nothing in the directory that the
 * manifest does not name — a directory where the user put files of their own is not replaced.
 */
export const NPY_DATASET: OutputKind = listedDirectoryKind('an npy-chunks-v1 dataset directory', MANIFEST_FILE, (text, file) => {
  const m = parseManifest(text, file);
  return [...m.x_files, ...(m.y_files ?? [])];
});
