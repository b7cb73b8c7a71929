/** Runs the built `tessera` command as a user would: a child process, its exit code and output. */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `tessera ...args` to completion (bounded by `timeoutMs`: a hang fails the test). */
export function tessera(args: readonly string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return runChild(process.execPath, [BIN, ...args], options);
}

/** Runs a command, with an optional action on the running child (e.g. a signal after a delay). */
export function runChild(
  cmd: string,
  args: readonly string[],
  options: { cwd?: string; timeoutMs?: number; during?: (child: ReturnType<typeof spawn>, output: () => string) => void } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `'${[cmd, ...args].join(' ')}' did not end within ${options.timeoutMs ?? 60_000} ms; output so far:\n${stdout}\n${stderr}`,
        ),
      );
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    options.during?.(child, () => stdout + stderr);
  });
}

/** Every file under `dir` with the hash of its bytes: a directory's content, to compare before and after. */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { recursive: true })) {
    const p = join(dir, e);
    if ((await stat(p)).isFile())
      out[e] = createHash('sha256')
        .update(await readFile(p))
        .digest('hex');
  }
  return out;
}

/** Resolves when `check()` is true (polled), rejects after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
