/**
 * Workload `cluster`: the reference pipeline (StandardScaler statistics, the partialFit chain of
 * SGDClassifier(hinge), predict + write; see pipeline.ts) on the local ThreadScheduler against the
 * DistributedScheduler (Redis + BullMQ, docs/cluster.md) with 1 worker process of `--threads`
 * threads and with that many worker processes of 1 thread each, all on this machine (same cores);
 * plus the cluster's per-task overhead: trivial tasks/s on a 11k-task tree, and the round trip of
 * one job (a chain of 1 ms links, one job each, minus the links' own time).
 *
 * Each variant's coefficients and predictions are checked equal to the thread scheduler's. A
 * redis-server of the workload's own runs on a free loopback port; without one the cluster rows
 * are reported as skipped. Options: --rows N (default 2000000), --data DIR, --threads N (default
 * 2), --memory-limit SIZE (default 256MB), --links N (default 200), --leaves N (default 10000),
 * --variants LIST (cluster rows to run: `one` = 1 process × N threads, `many` = N processes × 1
 * thread; default `one,many`; the thread scheduler always runs, the reference they are checked against).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fromNpyDir } from '@tessera/array';
import { Incremental, SGDClassifier, StandardScaler, makePipeline } from '@tessera/estimators';
import { Graph, ThreadScheduler, ref, withCallbacks, type Scheduler } from '@tessera/scheduler';
import { DistributedScheduler } from '@tessera/distributed';
import { benchRoot, peakRssMB, type BenchContext, type BenchRecord, type Workload } from '../harness.js';
import { pipelineDataset } from './pipeline.js';
import { treeGraph } from './scheduler.js';

const CLI = join(benchRoot, '..', 'packages', 'cli', 'dist', 'bin.js');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Spawns `cmd` and resolves once its stdout has printed `ready` (bounded by `ms`). */
function startUntil(cmd: string, args: string[], ready: RegExp, ms = 20_000): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${cmd} did not start within ${ms} ms: ${out}`)), ms);
    const onData = (d: Buffer) => {
      out += d;
      if (ready.test(out)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited with ${code}: ${out}`));
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 8000).unref();
  });
}

interface PipelineResult {
  seconds: Record<string, number>;
  coef: string;
  pred: string;
  accuracy: number;
}

async function runPipeline(scheduler: Scheduler, data: string, out: string, memoryLimit: string): Promise<PipelineResult> {
  const run = { scheduler, memoryLimit };
  const { X, y } = await fromNpyDir(data);
  const pipe = makePipeline(
    new StandardScaler(),
    new Incremental(new SGDClassifier({ loss: 'hinge', randomState: 2 }), { classes: [0, 1], shuffleBlocks: false }),
  );
  await rm(out, { recursive: true, force: true });
  const t0 = performance.now();
  await pipe.fit(X, y!, run);
  const t1 = performance.now();
  await pipe.predict(X).toNpyDir(out, run);
  const t2 = performance.now();
  const pred = await (await fromNpyDir(out, { yOnly: true })).y!.compute({ scheduler: 'sync' });
  const labels = await y!.compute({ scheduler: 'sync' });
  let right = 0;
  for (let i = 0; i < pred.data.length; i++) if (pred.data[i] === labels.data[i]) right++;
  const sgd = (pipe.step(1) as Incremental).estimator_ as SGDClassifier;
  const hex = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
  await rm(out, { recursive: true, force: true });
  return {
    seconds: { fit: (t1 - t0) / 1000, predict: (t2 - t1) / 1000, total: (t2 - t0) / 1000 },
    coef: hex(sgd.coef_.data),
    pred: hex(pred.data),
    accuracy: right / pred.data.length,
  };
}

/** Trivial tasks/s (the engine batches them) and the round trip of one job (a chain of 1 ms links, one job each). */
async function overhead(scheduler: Scheduler, leaves: number, links: number): Promise<Record<string, number>> {
  const { graph, root, expected } = treeGraph(leaves);
  let t0 = performance.now();
  const out = await scheduler.run(graph, [root]);
  const treeSeconds = (performance.now() - t0) / 1000;
  if (out[root] !== expected) throw new Error(`cluster bench: the tree gave ${String(out[root])}, expected ${expected}`);
  // Each link waits 1 ms: above the engine's "cheap" threshold, so one link per batch, i.e. per job.
  const link = {
    module: 'data:text/javascript,export function link(x){Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0,1);return x+1}',
    export: 'link',
  };
  const chain = new Graph().add('l-0', link, [0]);
  for (let i = 1; i < links; i++) chain.add(`l-${i}`, link, [ref(`l-${i - 1}`)]);
  let busy = 0;
  t0 = performance.now();
  await withCallbacks([{ onTaskEnd: (e) => (busy += e.end - e.start) }], () => scheduler.run(chain, [`l-${links - 1}`]));
  const chainMs = performance.now() - t0;
  return { tasksPerSecond: graph.size / treeSeconds, jobRoundTripMs: (chainMs - busy) / links };
}

export const cluster: Workload = {
  name: 'cluster',
  description:
    'the reference pipeline on the thread scheduler vs the cluster (Redis + BullMQ) with 1 and N worker processes; per-task overhead',
  async run(ctx: BenchContext): Promise<BenchRecord[]> {
    const rows = Number(ctx.options['rows'] ?? 2_000_000);
    const threads = Number(ctx.options['threads'] ?? 2);
    const memoryLimit = typeof ctx.options['memory-limit'] === 'string' ? ctx.options['memory-limit'] : '256MB';
    const links = Number(ctx.options['links'] ?? 200);
    const leaves = Number(ctx.options['leaves'] ?? 10_000);
    const variants = new Set(String(ctx.options['variants'] ?? 'one,many').split(','));
    const data = await pipelineDataset(ctx, rows);
    const out = join(ctx.tmpDir, 'cluster-pred');
    const params = { rows, threads, memoryLimit };
    const records: BenchRecord[] = [];
    const record = (variant: string, r: PipelineResult, extra: Record<string, unknown>): BenchRecord => ({
      workload: 'cluster',
      engine: 'tessera',
      variant,
      params,
      seconds: r.seconds,
      peakRssMB: peakRssMB(),
      threads,
      accuracy: r.accuracy,
      ...extra,
    });

    const local = new ThreadScheduler({ threads });
    let reference: PipelineResult | undefined;
    try {
      await local.ready();
      for (let i = 0; i < ctx.runs; i++) {
        const r = await runPipeline(local, data, out, memoryLimit);
        reference ??= r;
        const o = i === 0 ? await overhead(local, leaves, links) : {};
        records.push(record('threads', r, o));
        ctx.log(`cluster threads (${threads}): ${JSON.stringify(r.seconds)}`);
      }
    } finally {
      await local.close();
    }

    if (spawnSync('redis-server', ['--version']).status !== 0) {
      ctx.log('cluster: skipped — redis-server is not installed (apt-get install redis-server)');
      records.push({
        workload: 'cluster',
        engine: 'tessera',
        variant: 'cluster',
        params,
        seconds: {},
        skipped: 'redis-server is not installed',
      });
      return records;
    }
    const port = await freePort();
    const redisDir = mkdtempSync(join(ctx.tmpDir, 'redis-'));
    const redis = await startUntil(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir],
      /Ready to accept connections/,
    );
    const url = `redis://127.0.0.1:${port}`;
    const store = join(ctx.tmpDir, 'cluster-store');
    try {
      for (const [variant, processes, each, which] of [
        [`cluster, 1 worker × ${threads} threads`, 1, threads, 'one'],
        [`cluster, ${threads} workers × 1 thread`, threads, 1, 'many'],
      ] as const) {
        if (!variants.has(which)) continue;
        const workers = await Promise.all(
          Array.from({ length: processes }, () =>
            startUntil(process.execPath, [CLI, 'worker', '--redis', url, '--store', store, '--threads', String(each)], / ready/),
          ),
        );
        const scheduler = new DistributedScheduler({ connection: url, store, workerTimeout: 20_000 });
        try {
          for (let i = 0; i < ctx.runs; i++) {
            const r = await runPipeline(scheduler, data, out, memoryLimit);
            const o = i === 0 ? await overhead(scheduler, leaves, links) : {};
            const same = reference !== undefined && r.coef === reference.coef && r.pred === reference.pred;
            if (!same) throw new Error(`cluster bench: ${variant} gave other coefficients or predictions than the thread scheduler`);
            records.push(record(variant, r, { ...o, sameAsThreads: same, workerProcesses: processes }));
            ctx.log(
              `${variant}: ${JSON.stringify(r.seconds)} ${o['tasksPerSecond'] ? `${Math.round(o['tasksPerSecond'])} trivial tasks/s, job round trip ${o['jobRoundTripMs']!.toFixed(2)} ms` : ''}`,
            );
          }
        } finally {
          await scheduler.close();
          await Promise.all(workers.map(stop));
        }
      }
    } finally {
      await stop(redis);
      await rm(redisDir, { recursive: true, force: true });
      await rm(store, { recursive: true, force: true });
    }
    return records;
  },
};
