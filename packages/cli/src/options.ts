/**
 * Option parsing shared by the commands. Every message names the command-line flag (`--rows`),
 * never the library option it becomes (`nSamples`), and library errors about outputs are turned
 * into the flags that fix them (`--out`, `--overwrite`).
 */
import { mkdir, rm, stat, open } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { OutputError } from '@tessera/io';
import { parseBytes } from '@tessera/scheduler';

/** An error in what the user typed: printed as one line, exit code 2 (as commander's own). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** `--flag` as a positive integer (underscores allowed: `5_000_000`). */
export function positiveInt(flag: string, v: string): number {
  const n = Number(v.replace(/_/g, ''));
  if (v.trim() === '' || !Number.isInteger(n) || n < 1) throw new UsageError(`--${flag} must be a positive integer; got '${v}'.`);
  return n;
}

/** `--flag` as a non-negative integer. */
export function nonNegativeInt(flag: string, v: string): number {
  const n = Number(v.replace(/_/g, ''));
  if (v.trim() === '' || !Number.isInteger(n) || n < 0) throw new UsageError(`--${flag} must be a non-negative integer; got '${v}'.`);
  return n;
}

/**
 * `--flag` as a positive size in bytes, parsed as dask parses sizes: `256MB` = 256·10⁶ bytes,
 * `256MiB` = 2²⁸ bytes, a plain number is bytes. Zero is refused: a budget of nothing.
 */
export function positiveSize(flag: string, v: string): number {
  let bytes: number;
  try {
    bytes = parseBytes(v, flag);
  } catch {
    throw new UsageError(`--${flag} must be a size such as 512MB (10^6 bytes) or 2GiB (2^30 bytes); got '${v}'.`);
  }
  if (!(bytes > 0)) throw new UsageError(`--${flag} must be more than 0 bytes; got '${v}'.`);
  return bytes;
}

/**
 * Says an {@link OutputError} in terms of the command's flags: which flag named the path, and
 * `--overwrite` where the library would say `{ overwrite: 'force' }`.
 */
export function outputErrorForFlag(error: unknown, flag: string, overwriteFlag = '--overwrite'): unknown {
  if (!(error instanceof OutputError)) return error;
  const p = error.path;
  switch (error.problem) {
    case 'exists':
      return new UsageError(
        `${flag} ${p} already exists; refusing to replace it. Choose another ${flag}, or pass ${overwriteFlag} to replace it.`,
      );
    case 'not-replaceable':
      return new UsageError(
        `${flag} ${p} already exists and is not ${error.kind} written by Tessera (${error.reason}); refusing to replace it. Choose another ${flag}, or pass ${overwriteFlag} to replace it anyway.`,
      );
    case 'input': {
      const inp = error.input!;
      const what = inp.how === 'is' ? 'is an input of this run' : `${inp.how} ${inp.path}, an input of this run`;
      return new UsageError(`${flag} ${p} ${what}; refusing to write there. Choose another ${flag}.`);
    }
    default:
      return new UsageError(`${flag}: ${error.message}`);
  }
}

/**
 * Makes sure a work directory can be used: created when missing (its parent must exist), and
 * writable. Errors name the flag and say "does not exist" / "read-only" / "not writable".
 */
export async function usableDirectory(flag: string, dir: string): Promise<string> {
  const abs = resolve(dir);
  try {
    const st = await stat(abs);
    if (!st.isDirectory()) throw new UsageError(`${flag} ${abs} is not a directory.`);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw new UsageError(`${flag} ${abs}: ${(error as Error).message}`);
    try {
      await stat(dirname(abs));
    } catch {
      throw new UsageError(`${flag} ${abs} does not exist, and neither does its parent ${dirname(abs)}; create it first.`);
    }
    try {
      await mkdir(abs);
    } catch (e) {
      throw new UsageError(`${flag} ${abs} does not exist and cannot be created: ${describeWriteError(e)}.`);
    }
  }
  const probe = join(abs, `.tessera-probe-${process.pid}`);
  try {
    await (await open(probe, 'wx')).close();
    await rm(probe, { force: true });
  } catch (error) {
    throw new UsageError(`${flag} ${abs} is ${describeWriteError(error)}.`);
  }
  return abs;
}

function describeWriteError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EROFS') return 'read-only (a read-only file system)';
  if (code === 'EACCES' || code === 'EPERM') return 'not writable (permission denied)';
  if (code === 'ENOSPC') return 'on a full disk';
  return (error as Error).message;
}
