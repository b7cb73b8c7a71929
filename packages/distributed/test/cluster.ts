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

  /** `bind`: addresses to listen on besides 127.0.0.1 (a network namespace's host side). */
  static async start(bind: readonly string[] = []): Promise<TestRedis> {
    const r = new TestRedis(await freePort());
    r.#bind = ['127.0.0.1', ...bind];
    // Beyond loopback Redis refuses clients without a password unless told otherwise (test-only).
    if (bind.length > 0) r.#bind.push('--protected-mode', 'no');
    await r.restart();
    return r;
  }

  #bind = ['127.0.0.1'];

  /** Starts (again) on the same port: an empty Redis, as after a restart without persistence. */
  async restart(): Promise<void> {
    this.#proc = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', ...this.#bind, '--save', '', '--appendonly', 'no', '--dir', this.dir],
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
    options: {
      queue: string;
      threads?: number;
      lockDuration?: number;
      memoryLimit?: string;
      env?: Record<string, string>;
      /** Run inside this network namespace (`ip netns exec`). */
      netns?: string;
    },
  ): Promise<TestWorker> {
    const args = [CLI, 'worker', '--redis', url, '--store', store, '--queue', options.queue, '--threads', String(options.threads ?? 1)];
    if (options.lockDuration) args.push('--lock-duration', String(options.lockDuration));
    if (options.memoryLimit) args.push('--memory-limit', options.memoryLimit);
    const [cmd, argv] = options.netns ? ['ip', ['netns', 'exec', options.netns, process.execPath, ...args]] : [process.execPath, args];
    const w = new TestWorker(spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } }));
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

function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${r.error?.message ?? r.stderr.trim()}`);
}

/**
 * A network namespace joined to this one by a veth pair (host side `10.213.N.1`, namespace side
 * `10.213.N.2`): a process started in it reaches the host only through that link, which the test
 * cuts and restores (a network partition).
 */
export class NetNamespace {
  readonly name: string;
  readonly hostIf: string;
  readonly nsIf: string;
  readonly hostAddress: string;
  private constructor(n: number) {
    this.name = `tessera-${process.pid}`;
    this.hostIf = `tsh${n}`;
    this.nsIf = `tsn${n}`;
    this.hostAddress = `10.213.${n}.1`;
  }

  /** Why namespaces cannot be made here, or undefined. */
  static skipReason(): string | undefined {
    if (process.getuid?.() !== 0) return 'network namespaces need root';
    const probe = spawnSync('ip', ['netns', 'add', `tessera-probe-${process.pid}`], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) return `ip netns is not usable here (${probe.error?.message ?? probe.stderr.trim()})`;
    spawnSync('ip', ['netns', 'del', `tessera-probe-${process.pid}`]);
    return undefined;
  }

  static create(): NetNamespace {
    const ns = new NetNamespace((process.pid % 200) + 20);
    ns.destroy(); // leftovers of an earlier run with the same pid
    ip('netns', 'add', ns.name);
    ip('link', 'add', ns.hostIf, 'type', 'veth', 'peer', 'name', ns.nsIf);
    ip('link', 'set', ns.nsIf, 'netns', ns.name);
    ip('addr', 'add', `${ns.hostAddress}/30`, 'dev', ns.hostIf);
    ip('link', 'set', ns.hostIf, 'up');
    const n = ns.hostAddress.replace(/\.1$/, '.2');
    ip('netns', 'exec', ns.name, 'ip', 'addr', 'add', `${n}/30`, 'dev', ns.nsIf);
    ip('netns', 'exec', ns.name, 'ip', 'link', 'set', ns.nsIf, 'up');
    ip('netns', 'exec', ns.name, 'ip', 'link', 'set', 'lo', 'up');
    return ns;
  }

  /** Cuts the link: packets are dropped, connections stall (nothing is reset). */
  cut(): void {
    ip('link', 'set', this.hostIf, 'down');
  }

  restore(): void {
    ip('link', 'set', this.hostIf, 'up');
  }

  destroy(): void {
    spawnSync('ip', ['netns', 'del', this.name]);
    spawnSync('ip', ['link', 'del', this.hostIf]);
  }
}
