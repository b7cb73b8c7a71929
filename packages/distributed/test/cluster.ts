/**
 * Real parts for the cluster tests: a redis-server of the test's own on a free loopback port, in a
 * temporary directory, without persistence (never the system service), and `tessera worker`
 * processes (the CLI as built in packages/cli/dist). Every wait is bounded.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';

export const CLI = fileURLToPath(new URL('../../cli/dist/bin.js', import.meta.url));
export const KERNELS = new URL('./fixtures/kernels.mjs', import.meta.url).href;

/** Why the cluster tests cannot run here, or undefined when they can. */
export function clusterSkipReason(): string | undefined {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0)
    return 'redis-server is not installed (apt-get install redis-server; .ci/install-packages.sh does it in CI)';
  return undefined;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A redis-server of the test's own. */
export class TestRedis {
  readonly dir = mkdtempSync(join(tmpdir(), 'tessera-redis-'));
  #proc: ChildProcess | undefined;
  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<TestRedis> {
    const r = new TestRedis(await freePort());
    await r.restart();
    return r;
  }

  /** Starts (again) on the same port: an empty Redis, as after a restart without persistence. */
  async restart(): Promise<void> {
    this.#proc = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir],
      {
        stdio: 'ignore',
      },
    );
    const client = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await waitFor('redis-server to answer', async () => {
        try {
          if (client.status !== 'ready') await client.connect();
          return (await client.ping()) === 'PONG';
        } catch {
          client.disconnect();
          return false;
        }
      });
    } finally {
      client.disconnect();
    }
  }

  /** Stops the server (SIGKILL: no saving, nothing kept). */
  async stop(): Promise<void> {
    const p = this.#proc;
    this.#proc = undefined;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    });
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The keys in Redis (small test databases only). */
  async keys(): Promise<string[]> {
    const c = new Redis(this.url, { maxRetriesPerRequest: 1 });
    try {
      return (await c.keys('*')).sort();
    } finally {
      c.disconnect();
    }
  }
}

/** A `tessera worker` process. */
export class TestWorker {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  private constructor(readonly proc: ChildProcess) {
    proc.stdout!.on('data', (d) => (this.stdout += d));
    proc.stderr!.on('data', (d) => (this.stderr += d));
    this.exited = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
  }

  get pid(): number {
    return this.proc.pid!;
  }

  static async start(
    url: string,
    store: string,
    options: { queue: string; threads?: number; lockDuration?: number; memoryLimit?: string; env?: Record<string, string> },
  ): Promise<TestWorker> {
    const args = [CLI, 'worker', '--redis', url, '--store', store, '--queue', options.queue, '--threads', String(options.threads ?? 1)];
    if (options.lockDuration) args.push('--lock-duration', String(options.lockDuration));
    if (options.memoryLimit) args.push('--memory-limit', options.memoryLimit);
    const w = new TestWorker(spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } }));
    await waitFor(`tessera worker to start (stderr: ${w.stderr})`, () => w.stdout.includes(' ready') || w.proc.exitCode !== null);
    if (w.proc.exitCode !== null) throw new Error(`tessera worker exited with ${w.proc.exitCode}: ${w.stderr}`);
    return w;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
    const timeout = new Promise<void>((r) => setTimeout(r, 8000).unref());
    await Promise.race([this.exited, timeout]);
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
  }
}
