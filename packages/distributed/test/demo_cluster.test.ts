/**
 * `tessera demo --cluster redis://… --store DIR`: the reference workload on a cluster of `tessera
 * worker` processes (a redis-server and workers of the test's own), giving the local run's model
 * bit for bit; and the flags' usage errors.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CLI, TestRedis, TestWorker, clusterSkipReason } from './cluster.js';

const skip = clusterSkipReason();
const root = mkdtempSync(join(tmpdir(), 'tessera-demo-cluster-'));

function tessera(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('tessera demo flags for a cluster', () => {
  test.each([
    [['--cluster', 'redis://127.0.0.1:1'], '--cluster needs --store'],
    [['--store', 'x'], '--store is for --cluster'],
    [['--cluster', 'redis://127.0.0.1:1', '--store', 'x', '--threads', '2'], '--threads is for this process'],
  ])('%j is a usage error naming the flag (exit 2)', async (flags, message) => {
    const r = await tessera(['demo', '--rows', '1000', '--workdir', join(root, 'usage'), ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});

describe.skipIf(!!skip)(`tessera demo --cluster${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let redis: TestRedis;
  const workers: TestWorker[] = [];
  const store = join(root, 'store');
  beforeAll(async () => {
    redis = await TestRedis.start();
    for (let i = 0; i < 2; i++) workers.push(await TestWorker.start(redis.url, store, { queue: 'tessera' }));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await redis?.close();
  });

  test('runs the reference workload on the workers: the local run’s coefficients bit for bit, nothing left in the store', async () => {
    const common = ['demo', '--rows', '200000', '--no-profile', '--workdir', join(root, 'work')];
    const local = await tessera([...common, '--json', join(root, 'local.json'), '--out', join(root, 'pred-local')]);
    expect(local.code, local.stderr).toBe(0);
    const onCluster = await tessera([
      ...common,
      '--cluster',
      redis.url,
      '--store',
      store,
      '--json',
      join(root, 'cluster.json'),
      '--out',
      join(root, 'pred-cluster'),
    ]);
    expect(onCluster.code, onCluster.stderr).toBe(0);
    expect(onCluster.stdout).toContain(`the cluster at ${redis.url}`);
    const a = JSON.parse(readFileSync(join(root, 'local.json'), 'utf8')) as { coef: number[]; intercept: number[]; accuracy: number };
    const b = JSON.parse(readFileSync(join(root, 'cluster.json'), 'utf8')) as typeof a & { threads: number };
    expect(b.coef).toEqual(a.coef);
    expect(b.intercept).toEqual(a.intercept);
    expect(b.accuracy).toBe(a.accuracy);
    expect(b.threads).toBe(2);
    // The predictions written by the workers are the local ones, file for file.
    const files = readdirSync(join(root, 'pred-local')).filter((f) => f.endsWith('.npy'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(readFileSync(join(root, 'pred-cluster', f))).toEqual(readFileSync(join(root, 'pred-local', f)));
    // No block left: only the (empty) runs/ directory the store keeps its runs' prefixes in.
    const left = readdirSync(store, { recursive: true, withFileTypes: true }).filter((e) => !e.isDirectory());
    expect(left.map((e) => e.name)).toEqual([]);
  }, 120_000);
});
