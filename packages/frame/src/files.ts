/**
 * Which files a `readCsv` / `readParquet` path names: a file, a list of files, a directory (its
 * data files, recursively, hive-style `key=value` directories included), or a glob (`*`, `?` and
 * `[abc]` in names, `**` for any depth) — sorted by path, with numbers in names compared as
 * numbers (`part.2` before `part.10`). Hidden files and those starting with `_` (`_SUCCESS`,
 * `_metadata`, the temporaries of an interrupted store) are never data.
 */
import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { FormatError } from '@tessera/io';

/** One data file, and the hive partition values of its directories. */
export interface DataFile {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  /** `key=value` directories between the root and the file, in order. */
  readonly partitions: readonly (readonly [string, string])[];
}

const collator = new Intl.Collator('en', { numeric: true });

function ignored(name: string): boolean {
  return name.startsWith('.') || name.startsWith('_');
}

function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      // '**/' is any number of directories (none included); a trailing '**' anything.
      if (pattern[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 1);
      if (close < 0) re += '\\[';
      else {
        re += `[${pattern
          .slice(i + 1, close)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

async function walk(dir: string, rel: string, out: { abs: string; rel: string }[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    if (ignored(e.name)) continue;
    const abs = join(dir, e.name);
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) await walk(abs, r, out);
    else if (e.isFile() || e.isSymbolicLink()) out.push({ abs, rel: r });
  }
}

function partitionsOf(rel: string): [string, string][] {
  const parts = rel.split('/').slice(0, -1);
  const out: [string, string][] = [];
  for (const p of parts) {
    const eq = p.indexOf('=');
    if (eq > 0) out.push([p.slice(0, eq), decodeURIComponent(p.slice(eq + 1))]);
  }
  return out;
}

/**
 * The data files a path names. `extensions` picks the files of a directory (e.g. `['.csv',
 * '.csv.gz']`); with none, every file. Rejects with a FormatError naming the path when nothing
 * matches.
 */
export async function resolveFiles(what: string, input: string | readonly string[], extensions: readonly string[]): Promise<DataFile[]> {
  if (Array.isArray(input)) {
    if (input.length === 0) throw new RangeError(`${what}: the list of files is empty.`);
    const out: DataFile[] = [];
    for (const p of input) out.push(...(await resolveFiles(what, p, extensions)));
    return out;
  }
  if (typeof input !== 'string' || input === '')
    throw new TypeError(
      `${what}: the path must be a non-empty string or an array of them; got ${typeof input === 'string' ? "''" : typeof input}.`,
    );
  const abs = resolve(input as string);
  const found: { abs: string; rel: string }[] = [];
  let root = abs;
  let single = false;
  if (/[*?[]/.test(input as string)) {
    // The directory part before the first wildcard is walked; the rest is matched.
    const parts = abs.split(sep);
    const first = parts.findIndex((p) => /[*?[]/.test(p));
    root = parts.slice(0, first).join(sep) || sep;
    const pattern = parts.slice(first).join('/');
    const rx = globToRegExp(pattern);
    const all: { abs: string; rel: string }[] = [];
    try {
      await walk(root, '', all);
    } catch (error) {
      throw new FormatError({ file: root }, `cannot list the directory of the pattern '${input}': ${(error as Error).message}`, {
        cause: error,
      });
    }
    for (const f of all) if (rx.test(f.rel)) found.push(f);
  } else {
    let st;
    try {
      st = await stat(abs);
    } catch (error) {
      throw new FormatError(
        { file: abs },
        (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (error as Error).message,
        { cause: error },
      );
    }
    if (st.isDirectory()) {
      await walk(abs, '', found);
      const matching = extensions.length ? found.filter((f) => extensions.some((e) => f.rel.toLowerCase().endsWith(e))) : found;
      found.length = 0;
      found.push(...matching);
    } else {
      single = true;
      found.push({ abs, rel: input.split(/[\\/]/).pop()! });
    }
  }
  if (found.length === 0) {
    throw new FormatError(
      { file: isAbsolute(input as string) ? (input as string) : abs },
      `no data files${extensions.length ? ` (${extensions.join(', ')})` : ''} found${root !== abs ? ` matching the pattern` : ''}.`,
    );
  }
  found.sort((a, b) => collator.compare(a.rel, b.rel));
  const out: DataFile[] = [];
  for (const f of found) {
    const st = await stat(f.abs);
    out.push({ path: f.abs, size: st.size, mtimeMs: st.mtimeMs, partitions: single ? [] : partitionsOf(f.rel) });
  }
  return out;
}

/** A short description of the files for messages: the path, or `N files under DIR`. */
export function describeFiles(input: string | readonly string[], files: readonly DataFile[]): string {
  if (files.length === 1) return files[0]!.path;
  return `${files.length} files ${Array.isArray(input) ? `from ${files[0]!.path} on` : `of ${resolve(input as string)}`}`;
}
