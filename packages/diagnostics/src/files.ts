/**
 * File helpers. Every file diagnostics writes goes through `@tessera/io`'s atomic store: written
 * beside and renamed into place, and an existing file is replaced only when it is a Tessera
 * output of the same kind (a trace replaces a trace, never a user's file of the same name).
 */
import { readFile } from 'node:fs/promises';
import { fileKind, writeFileAtomic as writeOutput, type OutputKind, type Overwrite } from '@tessera/io';
import { TraceFileError } from './errors.js';

/** Options of the diagnostics writers (`writeTrace`, `writeReport`, `Profiler.writeJSON`…). */
export interface WriteOptions {
  /**
   * When the file exists: `true` (default) replaces it only when it is the same kind of Tessera
   * output (a trace, a report…); `false` refuses; `'force'` replaces whatever is there.
   */
  overwrite?: Overwrite;
  /** Files the output must not be (or lie inside), e.g. the trace a report is built from. */
  inputs?: readonly string[];
}

/** The kinds of file diagnostics writes, each recognised by its first bytes. */
export const OUTPUT_KINDS = {
  trace: fileKind('a Tessera trace (JSON)', ['{'], { text: '"producer":"tessera"', window: 512 }),
  profileJSON: fileKind('a Tessera profile (JSON)', ['{"format":"tessera-profile-v1"']),
  resourcesJSON: fileKind('a Tessera resource profile (JSON)', ['{"format":"tessera-resources-v1"']),
  profileCSV: fileKind('a Tessera profile (CSV)', ['key,kernel,worker,start,end,bytes,runId\n']),
  resourcesCSV: fileKind('a Tessera resource profile (CSV)', ['time,rssBytes,cpuPercent,heldBytes']),
  report: fileKind('a Tessera HTML report', ['<!doctype html>'], {
    text: '<meta name="generator" content="tessera diagnostics">',
    window: 1024,
  }),
  png: fileKind('a PNG image', [Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])]),
} satisfies Record<string, OutputKind>;

/** Writes `data` to `file` atomically, as an output of `kind` (see {@link WriteOptions}). */
export function writeFileAtomic(file: string, data: string | Uint8Array, kind: OutputKind, options: WriteOptions = {}): Promise<void> {
  return writeOutput(file, data, { kind, overwrite: options.overwrite ?? true, inputs: options.inputs });
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
