/**
 * `tessera worker` and `tessera clean` as a user types them: usage errors name the flag (exit 2),
 * an unreachable Redis is one clear line (exit 1), and the scheduler never waits forever for a
 * Redis that is not there.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { Graph } from '@tessera/scheduler';
import { ClusterError, DistributedScheduler } from '../src/index.js';
import { CLI, freePort } from './cluster.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tessera(args: string[]): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test.each([
  [['worker', '--store', 'x'], /--redis/],
  [
    ['worker', '--redis', 'localhost:6379', '--store', 'x'],
    /--redis must be a Redis URL such as redis:\/\/127\.0\.0\.1:6379; got 'localhost:6379'/,
  ],
  [['worker', '--redis', 'redis://127.0.0.1:1', '--store', 'x', '--threads', '0'], /--threads must be a positive integer; got '0'/],
  [['worker', '--redis', 'redis://127.0.0.1:1', '--store', 'x', '--lock-duration', '5'], /--lock-duration must be at least 100/],
])('tessera %j is a usage error naming the flag (exit 2)', async (args, message) => {
  const out = await tessera(args);
  expect(out.code).toBe(2);
  expect(out.stderr).toMatch(message);
});

test('tessera clean with no Redis there: one line naming the URL, exit 1', async () => {
  const port = await freePort();
  const out = await tessera(['clean', '--redis', `redis://127.0.0.1:${port}`, '--store', join(dir, 'store')]);
  expect(out.code).toBe(1);
  expect(out.stderr).toMatch(new RegExp(`^tessera: Cannot reach Redis at redis://127\\.0\\.0\\.1:${port}`));
});

test('a run with no Redis there fails with a ClusterError after redisTimeout, and the next run tries again', async () => {
  const port = await freePort();
  const cluster = new DistributedScheduler({ connection: `redis://127.0.0.1:${port}`, store: join(dir, 'store'), redisTimeout: 500 });
  try {
    const g = new Graph().add('a', 'math.add', [1, 2]);
    for (let i = 0; i < 2; i++) {
      const t0 = Date.now();
      const error = await cluster.run(g, ['a']).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ClusterError);
      expect((error as Error).message).toMatch(
        new RegExp(`Redis at redis://127\\.0\\.0\\.1:${port} did not answer within 500 ms \\(connecting\\)`),
      );
      expect(Date.now() - t0).toBeLessThan(3000);
    }
  } finally {
    await cluster.close();
  }
});

test('bad options are TypeErrors and RangeErrors naming the option', () => {
  expect(() => new DistributedScheduler({ connection: 'localhost', store: dir })).toThrow(
    /'connection' option of DistributedScheduler must be a Redis URL/,
  );
  expect(() => new DistributedScheduler({ connection: 'redis://x', store: dir, queue: 'a:b' })).toThrow(TypeError);
  expect(() => new DistributedScheduler({ connection: 'redis://x', store: dir, redisTimeout: -1 })).toThrow(RangeError);
  expect(() => new DistributedScheduler({ connection: 'redis://x', store: 42 as unknown as string })).toThrow(TypeError);
});
