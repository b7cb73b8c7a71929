/**
 * Ctrl-C in a real terminal while a ProgressBar is drawn. The program (fixtures/progress-sigint.mjs)
 * runs under util-linux `script`, which gives it a pseudo-terminal: stderr is a TTY, so the bar is
 * the cli-progress one. Writing ETX (Ctrl-C) to `script`'s input makes the terminal's line
 * discipline send SIGINT to the program, exactly as pressing Ctrl-C does.
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const program = fileURLToPath(new URL('./fixtures/progress-sigint.mjs', import.meta.url));
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

interface Outcome {
  /** Exit status of the program (`script -e`: 128 + n when signal n killed it). */
  code: number | null;
  output: string;
  /** ms from Ctrl-C to exit. */
  afterCtrlC: number;
}

/** Runs the program on a pseudo-terminal, presses Ctrl-C once the bar shows progress, waits for the exit. */
function ctrlC(mode: 'plain' | 'abort'): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(program)} ${mode}`, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, COLUMNS: '100', LINES: '30', FORCE_COLOR: '0' },
    });
    let output = '';
    let pressed = 0;
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      // Once a task is done, the bar is up and the run is well under way.
      if (!pressed && /probe \[=+-*\] \d+% \| [1-9]\d*\/41 tasks/.test(output)) {
        pressed = performance.now();
        child.stdin.write('\x03');
      }
    });
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, output, afterCtrlC: pressed ? performance.now() - pressed : NaN });
    });
  });
}

describe.skipIf(!hasScript)('Ctrl-C on a terminal while a ProgressBar is drawn', () => {
  it('the first Ctrl-C kills a program that has no SIGINT handler of its own', async () => {
    const { code, output, afterCtrlC } = await ctrlC('plain');
    // Before: cli-progress's gracefulExit listener took the SIGINT, stopped the bar, and the run
    // went on to the end (10 s).
    expect(output).not.toContain('finished');
    expect(code).toBe(130);
    expect(afterCtrlC).toBeLessThan(3000);
    expect(output).not.toMatch(/\x1b\[\?(7|25)l/);
  });

  it('a program that aborts its run on SIGINT stops promptly: the bar says so, the workers end, exit 130', async () => {
    const { code, output, afterCtrlC } = await ctrlC('abort');
    expect(output).toMatch(/probe: failed after \d+\/41 tasks/);
    expect(output).toContain('stopped: The run was aborted: interrupted (SIGINT)');
    expect(output).not.toContain('finished');
    expect(code).toBe(130);
    expect(afterCtrlC).toBeLessThan(3000);
  });
});
