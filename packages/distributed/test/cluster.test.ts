/**
 * The cluster, with real parts: a redis-server and `tessera worker` processes started here (see
 * cluster.ts). Results against the local schedulers bit for bit, whatever the number of workers;
 * then the failure cases — a kernel error, a worker killed mid-task, the coordinator killed, Redis
 * restarted mid-run — and that a run leaves nothing behind in Redis or the store.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Graph, SyncScheduler, TaskError, ThreadScheduler, ref } from '@tessera/scheduler';
import { fromNpyDir, makeClassification } from '@tessera/array';
import { GridSearchCV, Incremental, Pipeline, SGDClassifier, StandardScaler, makePipeline } from '@tessera/estimators';
import { Profiler, diagnose } from '@tessera/diagnostics';
import { ClusterError, DistributedScheduler, S3Store } from '../src/index.js';
import { CLI, KERNELS, NetNamespace, TestRedis, TestWorker, clusterSkipReason, waitFor } from './cluster.js';
import { S3_CREDENTIALS, TestS3 } from './s3.js';

const skip = clusterSkipReason();
const netnsSkip = skip ?? NetNamespace.skipReason();
const k = (name: string) => ({ module: KERNELS, export: name });

/** A graph of `n` blocks, pairwise combined, and their total. */
function blocksGraph(n: number, len: number, ms = 0, dir?: string): Graph {
  const g = new Graph();
  for (let i = 0; i < n; i++) g.add(`b${i}`, k('slowBlock'), [i, len, ms, dir]);
  for (let i = 0; i + 1 < n; i++) g.add(`c${i}`, k('combine'), [ref(`b${i}`), ref(`b${i + 1}`)]);
  g.add(
    'total',
    k('total'),
    Array.from({ length: n - 1 }, (_, i) => ref(`c${i}`)),
  );
  return g;
}

/** Store contents (files and directories under it), relative. */
function storeFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

function bytesOf(a: ArrayBufferView | { data: ArrayBufferView }): string {
  const v = ArrayBuffer.isView(a) ? a : a.data;
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
}

describe.skipIf(skip !== undefined)(`the cluster: Redis + BullMQ + tessera worker processes${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let redis: TestRedis;
  let root: string;
  beforeAll(async () => {
    redis = await TestRedis.start();
    root = mkdtempSync(join(tmpdir(), 'tessera-cluster-'));
  });
  afterAll(async () => {
    await redis?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  describe('results: the same as local, 1 worker or 2', () => {
    let store: string;
    let w1: TestWorker;
    let w2: TestWorker | undefined;
    beforeAll(async () => {
      store = join(root, 'store-results');
      w1 = await TestWorker.start(redis.url, store, { queue: 'results' });
    });
    afterAll(async () => {
      await w1?.stop();
      await w2?.stop();
    });

    test('arrays, reductions and the reference pipeline (fit, predict → toNpyDir) bit for bit; nothing left in Redis or the store', async () => {
      const { X, y } = makeClassification({ nSamples: 16_000, nFeatures: 8, randomState: 3, chunks: 4000 });
      const graph = blocksGraph(6, 5000);
      const pipeline = () =>
        makePipeline(
          new StandardScaler(),
          new Incremental(new SGDClassifier({ loss: 'hinge', randomState: 2 }), { classes: [0, 1], shuffleBlocks: false }),
        );
      const runAll = async (scheduler: ThreadScheduler | SyncScheduler | DistributedScheduler, out: string) => {
        const { total } = await scheduler.run(graph, ['total']);
        const mean = await X.mean(0).compute({ scheduler });
        const pipe = pipeline();
        await pipe.fit(X, y, { scheduler });
        await pipe.predict(X).toNpyDir(out, { scheduler });
        const pred = await (await fromNpyDir(out, { yOnly: true })).y.compute({ scheduler: 'sync' });
        const sgd = (pipe.step(1) as Incremental).estimator_ as SGDClassifier;
        return {
          total,
          mean: bytesOf(mean.data),
          coef: bytesOf(sgd.coef_),
          intercept: bytesOf(sgd.intercept_),
          pred: bytesOf(pred.data),
        };
      };
      const threads = new ThreadScheduler({ threads: 2 });
      const local = await runAll(threads, join(root, 'pred-threads'));
      await threads.close();

      const cluster = new DistributedScheduler({ connection: redis.url, store, queue: 'results', workerTimeout: 10_000 });
      try {
        const one = await runAll(cluster, join(root, 'pred-1'));
        expect(one).toEqual(local);
        w2 = await TestWorker.start(redis.url, store, { queue: 'results' });
        await waitFor('two workers', () => cluster.workers === 2 || (cluster as unknown as { workers: number }).workers >= 2, 5000).catch(
          () => undefined,
        );
        const prof = new Profiler();
        const two = await diagnose([prof], () => runAll(cluster, join(root, 'pred-2')));
        expect(two).toEqual(local);
        // Both processes ran tasks: one profile row per host, process and thread, each named.
        const clusterRuns = new Set(prof.runs.filter((r) => r.scheduler === 'distributed').map((r) => r.id));
        const rows = new Set(prof.records.filter((r) => clusterRuns.has(r.runId)).map((r) => r.worker));
        const names = cluster.workerNames;
        expect([...rows].every((w) => names.has(w))).toBe(true);
        expect(new Set([...rows].map((w) => names.get(w)!.replace(/ thread \d+$/, ''))).size).toBe(2);
      } finally {
        await cluster.close();
      }
      // Nothing of the runs is left: no blocks, no jobs, no run records (BullMQ's own queue keys stay).
      expect(storeFiles(store).filter((f) => f !== 'runs')).toEqual([]);
      const keys = await redis.keys();
      expect(keys.filter((key) => /^tessera:run|^bull:results:[0-9a-f]{16}-/.test(key))).toEqual([]);
    }, 60_000);

    test("a grid search (every candidate × fold a task) gives the thread scheduler's scores", async () => {
      const { X, y } = makeClassification({ nSamples: 3000, nFeatures: 6, randomState: 1, chunks: 1000 });
      const [Xm, ym] = [await X.compute({ scheduler: 'sync' }), await y.compute({ scheduler: 'sync' })];
      const scores = async (scheduler: ThreadScheduler | DistributedScheduler) => {
        const pipe = new Pipeline([
          ['scaler', new StandardScaler()],
          ['sgd', new SGDClassifier({ shuffle: false, randomState: 0 })],
        ]);
        const search = new GridSearchCV(
          pipe,
          { sgd__alpha: [1e-4, 1e-2], sgd__loss: ['hinge', 'log_loss'] },
          { cv: 3, scoring: 'accuracy' },
        );
        await search.fit(Xm, ym, { scheduler });
        return search.cvResults_.meanTestScore;
      };
      const threads = new ThreadScheduler({ threads: 2 });
      const cluster = new DistributedScheduler({ connection: redis.url, store, queue: 'results', workerTimeout: 10_000 });
      try {
        expect(await scores(cluster)).toEqual(await scores(threads));
      } finally {
        await threads.close();
        await cluster.close();
      }
    }, 30_000);

    test('a kernel error fails the run with the same TaskError as locally, and is not retried', async () => {
      const dir = mkdtempSync(join(root, 'boom-'));
      const g = new Graph().add('b', k('slowBlock'), [7, 10, 0, null]).add('bad', k('boom'), [ref('b'), 7, dir]);
      const localError = await new SyncScheduler().run(g, ['bad']).catch((e: unknown) => e);
      expect(localError).toBeInstanceOf(TaskError);
      rmSync(join(dir, 'calls'));
      const cluster = new DistributedScheduler({ connection: redis.url, store, queue: 'results', workerTimeout: 10_000 });
      try {
        const error = await cluster.run(g, ['bad']).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TaskError);
        expect((error as TaskError).message).toBe((localError as TaskError).message);
        expect((error as TaskError).key).toBe('bad');
        expect(((error as TaskError).cause as Error).name).toBe('RangeError');
        // Give BullMQ the time a retry would take: still one call.
        await new Promise((r) => setTimeout(r, 700));
        expect(readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n')).toHaveLength(1);
      } finally {
        await cluster.close();
      }
      expect(storeFiles(store).filter((f) => f !== 'runs')).toEqual([]);
    }, 30_000);
  });

  // Independent of each other (own workers, queue, store; Redis of their own where they break it): run together.
  describe.concurrent('failures and limits', () => {
    test('blocks in S3 (a local S3-compatible server): the same result, and the bucket is empty afterwards', async () => {
      const s3 = await TestS3.start();
      const url = 's3://blocks/cluster';
      const env = {
        TESSERA_S3_ENDPOINT: s3.endpoint,
        AWS_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
      };
      const worker = await TestWorker.start(redis.url, url, { queue: 's3', env });
      const store = new S3Store(url, { endpoint: s3.endpoint, credentials: S3_CREDENTIALS });
      const cluster = new DistributedScheduler({ connection: redis.url, store, queue: 's3', workerTimeout: 10_000 });
      try {
        const graph = blocksGraph(4, 3000);
        const expected = await new SyncScheduler().run(graph, ['total']);
        expect(await cluster.run(graph, ['total'])).toEqual(expected);
        expect(await store.list('runs')).toEqual([]);
      } finally {
        await cluster.close();
        await worker.stop();
        await s3.close();
      }
    }, 30_000);

    test('a worker pulls work only while it has room in its memory budget', async () => {
      /** Most tasks running at once among those started after the first two finished, on a worker of 2 threads. */
      const overlapAfterWarmUp = async (memoryLimit?: string) => {
        const store = join(root, `store-mem-${memoryLimit ?? 'none'}`);
        const dir = mkdtempSync(join(root, 'mem-'));
        const worker = await TestWorker.start(redis.url, store, { queue: 'mem', threads: 2, ...(memoryLimit ? { memoryLimit } : {}) });
        const cluster = new DistributedScheduler({ connection: redis.url, store, queue: 'mem', workerTimeout: 10_000 });
        try {
          // 16 kB blocks, 200 ms each; the coordinator's budget admits them all.
          const g = new Graph();
          for (let i = 0; i < 6; i++) g.add(`b${i}`, k('slowBlock'), [i, 2000, 200, dir]);
          g.add(
            't',
            k('total'),
            [0, 1, 2, 3, 4, 5].map((i) => ref(`b${i}`)),
          );
          await cluster.run(g, ['t']);
        } finally {
          await cluster.close();
          await worker.stop();
        }
        const read = (f: string) =>
          new Map(
            readFileSync(join(dir, f), 'utf8')
              .trim()
              .split('\n')
              .map((l) => l.split(' '))
              .map(([, i, t]) => [i!, Number(t)]),
          );
        const starts = read('starts');
        const ends = read('ends');
        const secondEnd = [...ends.values()].sort((a, b) => a - b)[1]!;
        const later = [...starts].filter(([, t]) => t >= secondEnd).map(([i]) => i);
        let most = 0;
        for (const i of later) {
          const t = starts.get(i)!;
          most = Math.max(most, later.filter((j) => starts.get(j)! <= t && ends.get(j)! > t).length);
        }
        return most;
      };
      // Without a budget both threads stay busy; with one below a block's size, one batch at a time.
      expect(await overlapAfterWarmUp()).toBe(2);
      expect(await overlapAfterWarmUp('10000')).toBe(1);
    }, 30_000);

    test('a worker killed (SIGKILL) mid-task: its job is retried on the other worker after the lock expires, result bit-identical', async () => {
      const store = join(root, 'store-kill');
      const dir = mkdtempSync(join(root, 'kill-'));
      const graph = blocksGraph(3, 2000, 900, dir);
      const expected = (await new SyncScheduler().run(blocksGraph(3, 2000), ['total']))['total'];
      const workers = await Promise.all([0, 1].map(() => TestWorker.start(redis.url, store, { queue: 'kill', lockDuration: 600 })));
      const cluster = new DistributedScheduler({ connection: redis.url, store, queue: 'kill', workerTimeout: 10_000 });
      try {
        const run = cluster.run(graph, ['total']);
        const starts = () => (existsSync(join(dir, 'starts')) ? readFileSync(join(dir, 'starts'), 'utf8').trim().split('\n') : []);
        await waitFor('a block to start', () => starts().length > 0);
        const victimPid = Number(starts()[0]!.split(' ')[0]);
        const victim = workers.find((w) => w.pid === victimPid)!;
        expect(victim).toBeDefined();
        victim.proc.kill('SIGKILL');
        const { total } = await run;
        expect(total).toBe(expected);
        // The killed worker's block ran again, elsewhere.
        const byBlock = new Map<string, Set<string>>();
        for (const line of starts()) {
          const [pid, i] = line.split(' ');
          byBlock.set(i!, (byBlock.get(i!) ?? new Set()).add(pid!));
        }
        expect([...byBlock.values()].some((pids) => pids.has(String(victimPid)) && pids.size === 2)).toBe(true);
      } finally {
        await cluster.close();
        await Promise.all(workers.map((w) => w.stop()));
      }
      expect(storeFiles(store).filter((f) => f !== 'runs')).toEqual([]);
    }, 40_000);

    test.skipIf(netnsSkip !== undefined)(
      `a worker partitioned away mid-task (its own network namespace, link cut) and back: its batch runs elsewhere, its late answer is dropped and leaves nothing${netnsSkip ? ` (skipped: ${netnsSkip})` : ''}`,
      async () => {
        const ns = NetNamespace.create();
        const own = await TestRedis.start([ns.hostAddress]);
        const store = join(root, 'store-partition');
        const dir = mkdtempSync(join(root, 'partition-'));
        const workers: TestWorker[] = [];
        const cluster = new DistributedScheduler({ connection: own.url, store, queue: 'partition', workerTimeout: 10_000 });
        try {
          // The far host is also slow: its answer comes after the run is over.
          const far = await TestWorker.start(`redis://${ns.hostAddress}:${own.port}`, store, {
            queue: 'partition',
            lockDuration: 600,
            netns: ns.name,
            env: { TESSERA_TEST_EXTRA_MS: '2500' },
          });
          workers.push(far);
          const near = await TestWorker.start(own.url, store, { queue: 'partition', lockDuration: 600 });
          workers.push(near);
          const expected = (await new SyncScheduler().run(blocksGraph(3, 2000), ['total']))['total'];
          const run = cluster.run(blocksGraph(3, 2000, 600, dir), ['total']);
          const starts = () => (existsSync(join(dir, 'starts')) ? readFileSync(join(dir, 'starts'), 'utf8').trim().split('\n') : []);
          await waitFor('the partitioned worker to start a block', () => starts().some((l) => l.startsWith(`${far.pid} `)));
          ns.cut();
          const { total } = await run;
          expect(total).toBe(expected);
          // The link comes back only once the far worker has finished its block (and written it)
          // after the run ended: its late answer must not leave that block behind.
          const ends = () => (existsSync(join(dir, 'ends')) ? readFileSync(join(dir, 'ends'), 'utf8') : '');
          await waitFor('the far worker to finish its block', () => ends().includes(`${far.pid} `), 10_000);
          await new Promise((r) => setTimeout(r, 300));
          ns.restore();
          // Its late answer comes once the link is back (TCP retransmits): dropped, with what it wrote.
          await waitFor('the late answer to be dropped', () => /late answer of job .* was dropped/.test(far.stderr), 10_000).catch(
            () => undefined,
          );
          expect(storeFiles(store).filter((f) => f !== 'runs')).toEqual([]);
          expect((await own.keys()).filter((key) => /^tessera:run|^bull:partition:[0-9a-f]{16}-/.test(key))).toEqual([]);
        } finally {
          ns.restore();
          await cluster.close();
          await Promise.all(workers.map((w) => w.stop('SIGKILL')));
          await own.close();
          ns.destroy();
        }
      },
      40_000,
    );

    test('the coordinator killed: workers drop its work; tessera clean removes its blocks', async () => {
      const store = join(root, 'store-coord');
      const dir = mkdtempSync(join(root, 'coord-'));
      const worker = await TestWorker.start(redis.url, store, { queue: 'coord', threads: 2 });
      try {
        const coordinator = spawn(
          process.execPath,
          [new URL('./fixtures/coordinator.mjs', import.meta.url).pathname, redis.url, store, 'coord', dir],
          {
            stdio: ['ignore', 'ignore', 'pipe'],
          },
        );
        let coordErr = '';
        coordinator.stderr!.on('data', (d) => (coordErr += d));
        const starts = () => (existsSync(join(dir, 'starts')) ? readFileSync(join(dir, 'starts'), 'utf8').trim().split('\n') : []);
        // Block 0 is quick and stored; a slow block is running when the coordinator dies.
        await waitFor(
          `a slow block to start after block 0 was stored (coordinator: ${coordErr})`,
          () => starts().length >= 2 && storeFiles(store).some((f) => /^runs\/[0-9a-f]{16}\/.+/.test(f)),
        );
        const killedAt = Date.now();
        coordinator.kill('SIGKILL');
        await waitFor('the worker to drop the dead run', () => /coordinator is gone/.test(worker.stderr), 10_000);
        expect(Date.now() - killedAt).toBeLessThan(6000);
        const dead = storeFiles(store)
          .map((f) => /^runs\/([0-9a-f]{16})\/.+/.exec(f)?.[1])
          .find((id) => id !== undefined);
        expect(dead).toBeDefined();
        const clean = spawn(process.execPath, [CLI, 'clean', '--redis', redis.url, '--store', store, '--queue', 'coord'], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        clean.stdout!.on('data', (d) => (out += d));
        const code = await new Promise((r) => clean.once('exit', r));
        expect(code).toBe(0);
        expect(out).toMatch(/removed 1 dead run/);
        expect(storeFiles(store).filter((f) => f !== 'runs')).toEqual([]);
        expect((await redis.keys()).filter((key) => key === `tessera:run:${dead}` || /^bull:coord:[0-9a-f]{16}-/.test(key))).toEqual([]);
      } finally {
        await worker.stop();
      }
    }, 40_000);

    test('Redis restarted mid-run: the run fails with a ClusterError (the jobs are gone), never hangs', async () => {
      const store = join(root, 'store-restart');
      const own = await TestRedis.start(); // restarted below: the other tests keep theirs
      const worker = await TestWorker.start(own.url, store, { queue: 'restart' });
      const cluster = new DistributedScheduler({
        connection: own.url,
        store,
        queue: 'restart',
        workerTimeout: 10_000,
        redisTimeout: 4000,
        heartbeatTtl: 1000,
      });
      try {
        const started = Date.now();
        const run = cluster.run(blocksGraph(4, 1000, 1500), ['total']).catch((e: unknown) => e);
        await new Promise((r) => setTimeout(r, 800));
        await own.stop();
        await new Promise((r) => setTimeout(r, 300));
        await own.restart();
        const error = await run;
        expect(error).toBeInstanceOf(ClusterError);
        expect((error as Error).message).toMatch(/vanished from Redis|unreachable/);
        expect(Date.now() - started).toBeLessThan(15_000);
      } finally {
        await cluster.close();
        await worker.stop();
        await own.close();
      }
    }, 30_000);

    // Sequential: which process runs a step depends on timing, and a concurrent test's synchronous
    // work stalling the coordinator's event loop made a worker look dead here (1 run in 3).
    test.sequential(
      'locality: a batch goes to the private queue of the worker process that wrote its input, which takes it without reading the store; the private queues leave nothing in Redis',
      async () => {
        const store = join(root, 'store-route');
        const dir = mkdtempSync(join(root, 'route-'));
        // A chain of blocks (each also feeds the total, so no step is fused with the next).
        const chain = (withDir: boolean) => {
          const g = new Graph();
          g.add('s0', k('slowBlock'), [0, 20_000, 0, undefined]);
          for (let i = 1; i <= 6; i++) g.add(`s${i}`, k('slowStep'), [ref(`s${i - 1}`), i, 60, withDir ? dir : undefined]);
          // Independent blocks meanwhile, from the shared queue: a process running a step takes none.
          for (let i = 0; i < 4; i++) g.add(`x${i}`, k('slowBlock'), [10 + i, 1000, 80, undefined]);
          g.add('total', k('total'), [...[1, 2, 3, 4, 5, 6].map((i) => ref(`s${i}`)), ...[0, 1, 2, 3].map((i) => ref(`x${i}`))]);
          return g;
        };
        const expected = (await new SyncScheduler().run(chain(false), ['total']))['total'];
        const workers = await Promise.all([0, 1].map(() => TestWorker.start(redis.url, store, { queue: 'route' })));
        const cluster = new DistributedScheduler({ connection: redis.url, store, queue: 'route', workerTimeout: 10_000 });
        try {
          const { total } = await cluster.run(chain(true), ['total']);
          expect(total).toBe(expected);
          // Every step after the first read its input where it was written: one process ran them all.
          const steps = readFileSync(join(dir, 'steps'), 'utf8').trim().split('\n');
          expect(steps).toHaveLength(6);
          expect(new Set(steps.map((l) => l.split(' ')[0])).size).toBe(1);
          expect(cluster.routing.private).toBeGreaterThanOrEqual(6);
          expect(cluster.routing.moved).toBe(0);
        } finally {
          await cluster.close();
          await Promise.all(workers.map((w) => w.stop()));
        }
        // Each process (1 thread) ran one batch at a time across its two queues; the steps came from a private queue.
        const closed = workers.map((w) =>
          /(\d+) jobs, (\d+) from its private queue, \d+ handed back, at most (\d+) at once/.exec(w.stderr),
        );
        expect(closed.every((m) => m !== null && Number(m[3]) === 1)).toBe(true);
        expect(closed.reduce((n, m) => n + Number(m![2]), 0)).toBeGreaterThanOrEqual(6);
        expect(storeFiles(store).filter((f) => f !== 'runs')).toEqual([]);
        const keys = await redis.keys();
        expect(keys.filter((key) => /^bull:route-w-|^bull:route:[0-9a-f]{16}-/.test(key))).toEqual([]);
      },
      30_000,
    );

    test("a SIGKILLed worker's private-queue job is moved to the shared queue and completes on the other worker, bit-identical; nothing left in Redis", async () => {
      const store = join(root, 'store-rkill');
      const dir = mkdtempSync(join(root, 'rkill-'));
      const graph = (withDir: boolean) => {
        const g = new Graph();
        g.add('b', k('slowBlock'), [0, 20_000, 0, undefined]);
        g.add('s', k('slowStep'), [ref('b'), 1, 1500, withDir ? dir : undefined]);
        g.add('total', k('total'), [ref('s'), ref('b')]);
        return g;
      };
      const expected = (await new SyncScheduler().run(graph(false), ['total']))['total'];
      const workers = await Promise.all([0, 1].map(() => TestWorker.start(redis.url, store, { queue: 'rkill', lockDuration: 600 })));
      const cluster = new DistributedScheduler({ connection: redis.url, store, queue: 'rkill', workerTimeout: 10_000, heartbeatTtl: 1000 });
      try {
        const run = cluster.run(graph(true), ['total']);
        const steps = () => (existsSync(join(dir, 'steps')) ? readFileSync(join(dir, 'steps'), 'utf8').trim().split('\n') : []);
        await waitFor('the step to start', () => steps().length > 0);
        expect(cluster.routing.private).toBeGreaterThanOrEqual(1);
        const victimPid = Number(steps()[0]!.split(' ')[0]);
        const victim = workers.find((w) => w.pid === victimPid)!;
        expect(victim).toBeDefined();
        victim.proc.kill('SIGKILL');
        const { total } = await run;
        expect(total).toBe(expected);
        expect(cluster.routing.moved).toBe(1);
        // The step ran again, in the other process.
        expect(new Set(steps().map((l) => l.split(' ')[0]))).toEqual(
          new Set([String(victimPid), String(workers.find((w) => w !== victim)!.pid)]),
        );
      } finally {
        await cluster.close();
        await Promise.all(workers.map((w) => w.stop()));
      }
      expect(storeFiles(store).filter((f) => f !== 'runs')).toEqual([]);
      const keys = await redis.keys();
      expect(keys.filter((key) => /^bull:rkill-w-|^bull:rkill:[0-9a-f]{16}-/.test(key))).toEqual([]);
    }, 40_000);
  });

  // Not concurrent: these time what the coordinator sees, and a concurrent test's synchronous
  // work in this process (a SyncScheduler run) can hold its event loop for seconds.
  describe('blocks read once, kept unwritten', () => {
    test('a block read by one later batch is never written: its reader runs where it was made and takes it; nothing left', async () => {
      const store = join(root, 'store-unwritten');
      const dir = mkdtempSync(join(root, 'unwritten-'));
      // b → s → total: b and s (160 kB each) have one reader each.
      const graph = (withDir: boolean) => {
        const g = new Graph();
        g.add('b', k('slowBlock'), [0, 20_000, 200, withDir ? dir : undefined]);
        g.add('s', k('slowStep'), [ref('b'), 1, 300, withDir ? dir : undefined]);
        g.add('total', k('total'), [ref('s')]);
        return g;
      };
      const expected = (await new SyncScheduler().run(graph(false), ['total']))['total'];
      const workers = await Promise.all([0, 1].map(() => TestWorker.start(redis.url, store, { queue: 'unwritten' })));
      const cluster = new DistributedScheduler({ connection: redis.url, store, queue: 'unwritten', workerTimeout: 10_000 });
      const seen = new Set<string>();
      const watch = setInterval(() => {
        for (const f of storeFiles(store)) if (/^runs\/[0-9a-f]{16}\/[^.]/.test(f)) seen.add(f);
      }, 5);
      try {
        const { total } = await cluster.run(graph(true), ['total']);
        expect(total).toBe(expected);
        expect(cluster.routing.unwritten).toBe(2);
        expect(cluster.routing.flushed).toBe(0);
        // The step ran in the process that made its block.
        const pid = (f: string) => readFileSync(join(dir, f), 'utf8').trim().split(' ')[0];
        expect(pid('steps')).toBe(pid('starts'));
      } finally {
        clearInterval(watch);
        await cluster.close();
        await Promise.all(workers.map((w) => w.stop()));
      }
      // No block ever reached the store (b for 300 ms, s for the total's turn, had they been written).
      expect([...seen].filter((f) => !/\/job-/.test(f))).toEqual([]);
      expect(storeFiles(store).filter((f) => f !== 'runs')).toEqual([]);
      const keys = await redis.keys();
      expect(keys.filter((key) => /^bull:unwritten-w-|^bull:unwritten:[0-9a-f]{16}-/.test(key))).toEqual([]);
    }, 30_000);

    test('the worker holding an unwritten block killed (SIGKILL) while its reader runs: the block is made again on the other worker, the result bit-identical', async () => {
      const store = join(root, 'store-ukill');
      const dir = mkdtempSync(join(root, 'ukill-'));
      const graph = (withDir: boolean) => {
        const g = new Graph();
        g.add('b', k('slowBlock'), [0, 20_000, 0, withDir ? dir : undefined]);
        g.add('s', k('slowStep'), [ref('b'), 1, 3000, withDir ? dir : undefined]);
        g.add('total', k('total'), [ref('s')]);
        return g;
      };
      const expected = (await new SyncScheduler().run(graph(false), ['total']))['total'];
      const workers = await Promise.all([0, 1].map(() => TestWorker.start(redis.url, store, { queue: 'ukill', lockDuration: 600 })));
      const cluster = new DistributedScheduler({ connection: redis.url, store, queue: 'ukill', workerTimeout: 10_000 });
      try {
        const run = cluster.run(graph(true), ['total']);
        const lines = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8').trim().split('\n') : []);
        await waitFor('the step to start', () => lines('steps').length > 0);
        expect(cluster.routing.unwritten).toBe(1);
        const victimPid = Number(lines('steps')[0]!.split(' ')[0]);
        const victim = workers.find((w) => w.pid === victimPid)!;
        expect(victim).toBeDefined();
        victim.proc.kill('SIGKILL');
        const { total } = await run;
        expect(total).toBe(expected);
        // The block was made again, and the step ran again, in the other process.
        const other = String(workers.find((w) => w !== victim)!.pid);
        expect(new Set(lines('starts').map((l) => l.split(' ')[0]))).toEqual(new Set([String(victimPid), other]));
        expect(new Set(lines('steps').map((l) => l.split(' ')[0]))).toEqual(new Set([String(victimPid), other]));
      } finally {
        await cluster.close();
        await Promise.all(workers.map((w) => w.stop()));
      }
      expect(storeFiles(store).filter((f) => f !== 'runs')).toEqual([]);
      const keys = await redis.keys();
      expect(keys.filter((key) => /^bull:ukill-w-|^bull:ukill:[0-9a-f]{16}-/.test(key))).toEqual([]);
    }, 40_000);

    test('a batch reading unwritten blocks of two processes: one is written on request (flush), the result bit-identical; nothing left', async () => {
      const store = join(root, 'store-flush');
      const dir = mkdtempSync(join(root, 'flush-'));
      const graph = (withDir: boolean) => {
        const g = new Graph();
        for (const i of [0, 1]) g.add(`b${i}`, k('slowBlock'), [i, 20_000, 500, withDir ? dir : undefined]);
        g.add('c', k('combine'), [ref('b0'), ref('b1')]);
        g.add('total', k('total'), [ref('c')]);
        return g;
      };
      const expected = (await new SyncScheduler().run(graph(false), ['total']))['total'];
      const workers = await Promise.all([0, 1].map(() => TestWorker.start(redis.url, store, { queue: 'flush' })));
      const cluster = new DistributedScheduler({ connection: redis.url, store, queue: 'flush', workerTimeout: 10_000 });
      const started = Date.now();
      try {
        const { total } = await cluster.run(graph(true), ['total']);
        expect(total).toBe(expected);
        const pids = new Set(
          readFileSync(join(dir, 'starts'), 'utf8')
            .trim()
            .split('\n')
            .map((l) => l.split(' ')[0]),
        );
        expect(pids.size).toBe(2); // one block in each process
        expect(cluster.routing.unwritten).toBeGreaterThanOrEqual(2);
        expect(cluster.routing.flushed).toBe(1);
        // Written on request, not after the 5 s a worker keeps an unread block.
        expect(Date.now() - started).toBeLessThan(5000);
      } finally {
        await cluster.close();
        await Promise.all(workers.map((w) => w.stop()));
      }
      expect(storeFiles(store).filter((f) => f !== 'runs')).toEqual([]);
      const keys = await redis.keys();
      expect(keys.filter((key) => /^bull:flush-w-|^bull:flush:[0-9a-f]{16}-/.test(key))).toEqual([]);
    }, 30_000);

    test('an unwritten block whose reader waits more than 5 s is written meanwhile (its job completes), and read back: bit-identical, nothing left', async () => {
      const store = join(root, 'store-spill');
      const dir = mkdtempSync(join(root, 'spill-'));
      // b is ready at once; its one reader c also needs x, which takes 5.6 s.
      const graph = (withDir: boolean) => {
        const g = new Graph();
        g.add('b', k('slowBlock'), [0, 20_000, 0, withDir ? dir : undefined]);
        g.add('x', k('slowBlock'), [1, 20_000, 5600, withDir ? dir : undefined]);
        g.add('c', k('combine'), [ref('b'), ref('x')]);
        g.add('total', k('total'), [ref('c')]);
        return g;
      };
      const expected = (await new SyncScheduler().run(graph(false), ['total']))['total'];
      const workers = await Promise.all([0, 1].map(() => TestWorker.start(redis.url, store, { queue: 'spill' })));
      const cluster = new DistributedScheduler({ connection: redis.url, store, queue: 'spill', workerTimeout: 10_000 });
      const seen = new Set<string>();
      const watch = setInterval(() => {
        for (const f of storeFiles(store)) if (/^runs\/[0-9a-f]{16}\/[^.]/.test(f)) seen.add(f);
      }, 20);
      try {
        const { total } = await cluster.run(graph(true), ['total']);
        expect(total).toBe(expected);
        expect(cluster.routing.unwritten).toBeGreaterThanOrEqual(2);
      } finally {
        clearInterval(watch);
        await cluster.close();
        await Promise.all(workers.map((w) => w.stop()));
      }
      // b reached the store (after its 5 s), x never did (read by c where it was made).
      expect([...seen].filter((f) => /-\d+$/.test(f))).toHaveLength(1);
      expect(storeFiles(store).filter((f) => f !== 'runs')).toEqual([]);
      const keys = await redis.keys();
      expect(keys.filter((key) => /^bull:spill-w-|^bull:spill:[0-9a-f]{16}-/.test(key))).toEqual([]);
    }, 30_000);
  });
});
