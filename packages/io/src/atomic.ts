/**
 * Outputs appear under their final name only when complete: a store writes into a temporary
 * sibling (same directory, so the final rename is atomic on one file system) and renames it into
 * place at the end; on failure or cancellation the temporary is removed.
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/** A temporary sibling path of `finalPath` (hidden, unique per call). */
export function temporarySibling(finalPath: string): string {
  const abs = resolve(finalPath);
  return join(dirname(abs), `.${basename(abs)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Whether something exists at `path`. */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Renames `temp` to `finalPath`. When `finalPath` exists it is replaced only with `overwrite`
 * (moved aside first, removed after the rename), otherwise an error names it.
 */
export async function commitRename(temp: string, finalPath: string, overwrite: boolean): Promise<void> {
  const target = resolve(finalPath);
  if (await exists(target)) {
    if (!overwrite) throw new Error(`${target} already exists; pass { overwrite: true } to replace it.`);
    const aside = temporarySibling(target) + '.old';
    await rename(target, aside);
    try {
      await rename(temp, target);
    } catch (error) {
      await rename(aside, target).catch(() => undefined);
      throw error;
    }
    await rm(aside, { recursive: true, force: true });
    return;
  }
  await rename(temp, target);
}

/** Removes a temporary file or directory, ignoring errors (used on failure paths). */
export async function discard(temp: string): Promise<void> {
  await rm(temp, { recursive: true, force: true }).catch(() => undefined);
}
