/**
 * Removing what runs whose coordinator died left behind: their store prefixes, their records and
 * their queued jobs. A run is dead when its heartbeat key (`tessera:run:<id>`) has expired. Every
 * {@link DistributedScheduler} run does this first; `tessera clean` does it on demand. The private
 * queues of workers that died (SIGKILL: no registration alive) go too.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { JobData } from './codec.js';
import { ClusterError } from './errors.js';
import { DEFAULT_QUEUE, RUNS_KEY, privateQueuesPattern, runAliveKey, workersKey, type WorkerRecord } from './keys.js';
import { RUNS, openStore, runPrefix, type BlockStore, type S3StoreOptions } from './store.js';

/** What a clean-up removed. */
export interface CleanReport {
  /** Runs whose store prefix (and record) were removed. */
  readonly runs: string[];
  /** Jobs of dead runs removed from the queue. */
  readonly jobs: number;
  /** Private queues of dead workers removed (their worker ids). */
  readonly workers?: string[];
}

/** Whether worker `id` of `queue` is registered and renewing its registration. */
export async function workerAlive(redis: Redis, queue: string, id: string): Promise<boolean> {
  const text = await redis.hget(workersKey(queue), id);
  if (text === null) return false;
  try {
    return (JSON.parse(text) as WorkerRecord).expires >= Date.now();
  } catch {
    return false;
  }
}

/** The Redis keys of private queues of `queue`'s workers, by worker id. */
async function privateQueueKeys(redis: Redis, queue: string, only?: string): Promise<Map<string, string[]>> {
  const stem = `bull:${queue}-w-`;
  const out = new Map<string, string[]>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', only ? `${stem}${only}:*` : privateQueuesPattern(queue), 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const id = key.slice(stem.length).split(':')[0]!;
      out.set(id, [...(out.get(id) ?? []), key]);
    }
  } while (cursor !== '0');
  return out;
}

/**
 * Removes every key of worker `id`'s private queue (what `Queue.obliterate` would, without
 * waiting for locks: the worker is closed or dead). Jobs of live runs in it are moved to the
 * shared queue by their coordinators, who see the worker gone.
 */
export async function dropPrivateQueue(redis: Redis, queue: string, id: string): Promise<void> {
  const keys = (await privateQueueKeys(redis, queue, id)).get(id) ?? [];
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
}

/** Removes the leftovers of dead runs in `store` and `queue`. Live runs are never touched. */
export async function cleanDeadRuns(redis: Redis, store: BlockStore, queue?: Queue): Promise<CleanReport> {
  const dead = new Set<string>();
  const alive = async (run: string) => (await redis.exists(runAliveKey(run))) === 1;
  const records = await redis.hgetall(RUNS_KEY);
  for (const [run, text] of Object.entries(records)) {
    let rec: { store?: string } = {};
    try {
      rec = JSON.parse(text) as { store?: string };
    } catch {
      // a damaged record is removed below like a dead run's
    }
    if (rec.store !== undefined && rec.store !== store.url) continue;
    if (!(await alive(run))) dead.add(run);
  }
  // Prefixes without a record (Redis lost its data after the run started) are dead too.
  for (const run of await store.list(RUNS)) if (!records[run] && !(await alive(run))) dead.add(run);
  for (const run of dead) {
    await store.deletePrefix(runPrefix(run));
    await redis.hdel(RUNS_KEY, run);
  }
  let jobs = 0;
  if (queue) {
    const waiting = await queue.getJobs(['waiting', 'delayed', 'prioritized', 'failed', 'completed'], 0, -1);
    const checked = new Map<string, boolean>();
    for (const job of waiting) {
      const run = (job?.data as JobData | undefined)?.run;
      if (typeof run !== 'string') continue;
      let live = checked.get(run);
      if (live === undefined) checked.set(run, (live = await alive(run)));
      if (live) continue;
      await job.remove().catch(() => undefined);
      jobs++;
    }
  }
  const workers: string[] = [];
  if (queue) {
    for (const id of (await privateQueueKeys(redis, queue.name)).keys()) {
      if (await workerAlive(redis, queue.name, id)) continue;
      await dropPrivateQueue(redis, queue.name, id);
      workers.push(id);
    }
  }
  return { runs: [...dead].sort(), jobs, workers: workers.sort() };
}

/** Options of {@link cleanCluster}. */
export interface CleanOptions {
  /** Redis URL. */
  connection: string;
  /** The store whose dead runs are removed: a directory, `s3://bucket/prefix`, or a {@link BlockStore}. */
  store: string | BlockStore;
  s3?: S3StoreOptions;
  /** The queue whose jobs of dead runs are removed (default `'tessera'`). */
  queue?: string;
}

/**
 * Removes the leftovers of runs whose coordinator died (killed, power loss): their blocks in the
 * store, their records and queued jobs in Redis. Runs still alive are left alone, so it is safe
 * while other runs go on. What `tessera clean` does.
 *
 * @example
 * const { runs } = await cleanCluster({ connection: 'redis://127.0.0.1:6379', store: '/mnt/shared/tessera' });
 */
export async function cleanCluster(options: CleanOptions): Promise<CleanReport> {
  if (options === null || typeof options !== 'object') throw new TypeError('cleanCluster needs an options object { connection, store }.');
  if (typeof options.connection !== 'string' || !/^rediss?:\/\//.test(options.connection))
    throw new TypeError(
      `The 'connection' option must be a Redis URL (redis://host:port). Got ${JSON.stringify(options.connection)} instead.`,
    );
  const store = openStore(options.store, options.s3);
  const redis = new Redis(options.connection, { maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', () => undefined);
  // BullMQ does not close a connection it was given: this function does.
  const queueRedis = redis.duplicate();
  queueRedis.on('error', () => undefined);
  const queue = new Queue(options.queue ?? DEFAULT_QUEUE, { connection: queueRedis });
  queue.on('error', () => undefined);
  try {
    return await cleanDeadRuns(redis, store, queue);
  } catch (error) {
    if ((error as Error)?.name === 'BlockMissingError' || redis.status === 'ready') throw error;
    throw new ClusterError(`Cannot reach Redis at ${options.connection}: ${(error as Error).message}`, { cause: error });
  } finally {
    await queue.close().catch(() => undefined);
    queueRedis.disconnect();
    redis.disconnect();
  }
}
