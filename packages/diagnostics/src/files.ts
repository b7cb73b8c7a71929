/** File helpers: outputs appear under their final name only when complete. */
import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TraceFileError } from './errors.js';

/** Writes `data` to a temporary file beside `file`, then renames it into place. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => {});
    throw new Error(`Cannot write '${file}': ${(error as Error).message}`, { cause: error });
  }
}

/** Reads a UTF-8 file; a missing or unreadable file is a {@link TraceFileError} naming it. */
export async function readTextFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a file' : (error as Error).message;
    throw new TraceFileError(file, `cannot read: ${why}.`, { cause: error });
  }
}

/** Parses JSON text read from `file`; a syntax error names the file. */
export function parseJSONFile(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const detail = (error as Error).message;
    const empty = text.trim() === '' ? ' (the file is empty)' : '';
    throw new TraceFileError(file, `not valid JSON${empty}: ${detail}`, { cause: error });
  }
}
