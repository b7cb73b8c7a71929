/**
 * The distributed scheduler: Tessera's own engine (plan, order, memory budget, events, errors —
 * scheduler/src/engine.ts) over a {@link Backend} whose batches run on `tessera worker`
 * processes. BullMQ flows are trees, so the DAG never goes to Redis: the engine submits batches
 * as they become ready, one BullMQ job each, and completes them from the queue's events.
 *
 * State kept here, besides the engine's:
 * - one `Queue`, one `QueueEvents` and one plain Redis client per scheduler, made on first run;
 * - `#pending`: jobId → the engine's promise for that batch, with when it was sent and when a
 *   check last found it missing from Redis;
 * - per run: its id (random), its heartbeat (`tessera:run:<id>`, renewed every
 *   `heartbeatTtl / 5`), its record in `tessera:runs`, and its store prefix `runs/<id>/`.
 *
 * Results that hold typed arrays stay in the store; the engine holds {@link BlockRef}s (with the
 * blocks' sizes, so its memory budget bounds the bytes in flight across the cluster), passes them
 * to later batches as inputs, and hands them back through `release` when their last dependent is
 * done, which deletes them. Only the requested results are read back, at the end.
 *
 * **Routing.** Each {@link BlockRef} names the worker process that wrote it, which keeps it for a
 * moment (thread.ts). A batch goes to the private queue of the live worker that wrote most of its
 * input bytes (`<queue>-w-<id>`, with a `Queue` and `QueueEvents` of its own here, made on first
 * use), else to the shared queue. If that worker's registration lapses (it died), the watchdog
 * moves its jobs to the shared queue under a derived id (`<jobId>-m<n>`; the same result keys):
 * the first answer of either is taken, a second is ignored.
 *
 * **Unwritten results.** A result that one later batch reads may be kept unwritten by the worker
 * that made it (thread.ts): its job answers early (a `progress` event, which resolves the engine's
 * batch) and stays active until its reader's job completed there, or it was written.
 * `#unwritten` maps such a key to its holder; its reader goes to the holder's private queue, and
 * nowhere else until the key is written (a flush asked on the holder's pub/sub channel) or made
 * again by a retry of its job (its holder died: the new holder's progress moves the key). A
 * reader moved from a dead worker waits the same way.
 *
 * A watchdog per run (every `heartbeatTtl / 5`) renews the heartbeat and fails the run with a
 * {@link ClusterError} when Redis has been unreachable for `redisTimeout`, when no worker has
 * served the queue for `workerTimeout`, or when a job has vanished from Redis (a restart without
 * persistence): a cluster run fails cleanly, it never hangs.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import {
  runGraph,
  type Backend,
  type BatchRequest,
  type BatchResponse,
  type Graph,
  type RunOptions,
  type Scheduler,
} from '@tessera/scheduler';
import {
  decode,
  encodeParts,
  fromBase64,
  isBlockRef,
  readValue,
  toBase64,
  writeValue,
  type BlockRef,
  type Encoded,
  type JobData,
  type JobResult,
} from './codec.js';
import { ClusterError } from './errors.js';
import {
  DEFAULT_QUEUE,
  RUNS_KEY,
  flushChannel,
  privateQueueName,
  runAliveKey,
  workersKey,
  type RunRecord,
  type WorkerRecord,
} from './keys.js';
import { openStore, runPrefix, type BlockStore, type S3StoreOptions } from './store.js';
import { cleanDeadRuns, dropPrivateQueue } from './clean.js';

/** Options of a {@link DistributedScheduler}. */
export interface DistributedSchedulerOptions {
  /** Redis URL (`redis://host:6379`), the same the workers use. */
  connection: string;
  /** The shared store: a directory the workers mount at the same path, `s3://bucket/prefix`, or a {@link BlockStore}. */
  store: string | BlockStore;
  /** S3 client options when `store` is an `s3://` URL. */
  s3?: S3StoreOptions;
  /** BullMQ queue name (default `'tessera'`), the same the workers use. */
  queue?: string;
  /** How long a run waits for a worker to serve the queue before failing, ms (default 60000). */
  workerTimeout?: number;
  /** How long Redis may be unreachable during a run before it fails, ms (default 10000). */
  redisTimeout?: number;
  /** Expiry of a run's heartbeat, ms (default 10000): workers drop a dead coordinator's work this long after it died. */
  heartbeatTtl?: number;
  /** Tries of a job that fails outside its kernels (a store error), with exponential backoff from 200 ms (default 3). */
  attempts?: number;
  /** A batch whose serialized form exceeds this goes through the store rather than Redis (bytes, default 256 KiB). */
  inlineLimit?: number;
}

interface Pending {
  readonly run: ClusterRun;
  readonly resolve: (res: BatchResponse) => void;
  readonly reject: (error: unknown) => void;
  sent: number;
  readonly payloadKey: string | undefined;
  missingSince: number;
  readonly data: JobData;
  readonly lifo: boolean;
  /** The job's current BullMQ id and queue, and the worker whose private queue that is. */
  jobId: string;
  queue: Queue;
  worker: string | undefined;
  /** Every id this batch was sent under (a moved job keeps its first id too), each in its queue. */
  readonly ids: Map<string, Queue>;
  /** Its inputs kept in the store or by a worker (routing; a move waits for unwritten ones). */
  readonly refs: readonly BlockRef[];
  /** It answered early (progress): the engine has its answer; its job holds these unwritten results. */
  early: boolean;
  unwritten: readonly string[];
  /** A move to another queue is waiting for its unwritten inputs. */
  moving: boolean;
}

/** A result kept unwritten by the worker `holder`, for its one reader; its job (`producer`) is active meanwhile. */
interface Unwritten {
  readonly holder: string;
  readonly producer: Pending;
  /** A flush was asked of this holder. */
  flushed: boolean;
}

/** A worker's private queue, as the coordinator sends to it and listens to it. */
interface PrivateQueue {
  readonly queue: Queue;
  readonly events: QueueEvents;
}

interface ClusterRun {
  readonly id: string;
  failure: ClusterError | undefined;
  seq: number;
}

/** A promise and its resolver. */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function positive(name: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !(v > 0))
    throw new RangeError(`The '${name}' option of DistributedScheduler must be a positive number. Got ${String(v)} instead.`);
  return v;
}

/**
 * Runs graphs on `tessera worker` processes through Redis + BullMQ, with blocks in a shared
 * store. Accepted wherever a scheduler is (`compute`, `fit`, `predict(…).toNpyDir`): the same
 * plan, order, memory budget, events and errors as the thread scheduler; a kernel's error is the
 * same `TaskError`. Dataset paths and outputs must be reachable by the workers at the same paths.
 *
 * @example
 * const cluster = new DistributedScheduler({ connection: 'redis://10.0.0.5:6379', store: '/mnt/shared/tessera' });
 * await pipe.fit(X, y, { scheduler: cluster });
 * await pipe.predict(X).toNpyDir('/mnt/shared/pred', { scheduler: cluster });
 * await cluster.close();
 */
export class DistributedScheduler implements Scheduler {
  readonly name = 'distributed';
  readonly store: BlockStore;
  readonly queueName: string;
  readonly #url: string;
  readonly #workerTimeout: number;
  readonly #redisTimeout: number;
  readonly #heartbeatTtl: number;
  readonly #attempts: number;
  readonly #inlineLimit: number;
  #connected: Promise<void> | undefined;
  #redis: Redis | undefined;
  #queue: Queue | undefined;
  #events: QueueEvents | undefined;
  /** Every Redis connection made (BullMQ does not close those it is given). */
  readonly #connections: Redis[] = [];
  readonly #pending = new Map<string, Pending>();
  readonly #workerIds = new Map<string, number>();
  /** Registration expiry (ms since the epoch) of each worker serving the queue, as last read. */
  readonly #workerExpiry = new Map<string, number>();
  /** Private queues of workers, by worker id (made on first use). */
  readonly #private = new Map<string, Promise<PrivateQueue>>();
  #threads = 0;
  /**
   * Batches this scheduler sent to a worker's private queue (that worker wrote most of their input
   * bytes), to the shared queue, and moved from a dead worker's private queue to the shared one.
   */
  readonly routing = { private: 0, shared: 0, moved: 0, unwritten: 0, flushed: 0 };
  /** Results kept unwritten by workers, by store key (see the file's header). */
  readonly #unwritten = new Map<string, Unwritten>();
  /** Resolved (and replaced) whenever `#unwritten` changes or a worker's registration is read: readers waiting look again. */
  #changed = signal();
  #closed = false;
  /** Ended runs whose held jobs are still completing (see #drain). */
  readonly #draining = new Set<Promise<void>>();

  constructor(options: DistributedSchedulerOptions) {
    if (options === null || typeof options !== 'object')
      throw new TypeError('DistributedScheduler needs an options object { connection, store }.');
    const { connection } = options;
    if (typeof connection !== 'string' || !/^rediss?:\/\//.test(connection))
      throw new TypeError(
        `The 'connection' option of DistributedScheduler must be a Redis URL (redis://host:port). Got ${JSON.stringify(connection)} instead.`,
      );
    this.#url = connection;
    this.store = openStore(options.store, options.s3);
    this.queueName = options.queue ?? DEFAULT_QUEUE;
    if (typeof this.queueName !== 'string' || this.queueName === '' || this.queueName.includes(':'))
      throw new TypeError(
        `The 'queue' option of DistributedScheduler must be a non-empty name without ':'. Got ${JSON.stringify(options.queue)} instead.`,
      );
    this.#workerTimeout = positive('workerTimeout', options.workerTimeout, 60_000);
    this.#redisTimeout = positive('redisTimeout', options.redisTimeout, 10_000);
    this.#heartbeatTtl = positive('heartbeatTtl', options.heartbeatTtl, 10_000);
    this.#attempts = Math.floor(positive('attempts', options.attempts, 3));
    this.#inlineLimit = positive('inlineLimit', options.inlineLimit, 256 * 1024);
  }

  /** Worker threads serving the queue, as last seen (at least 1: the engine needs a slot to send into). */
  get workers(): number {
    return Math.max(1, this.#threads);
  }

  /**
   * Names of the workers that ran tasks, by the id the task events carry (`TaskEvent.worker`):
   * `'host pid 1234 thread 1'`. Profiler and report rows are one per such id.
   */
  get workerNames(): ReadonlyMap<number, string> {
    const out = new Map<number, string>();
    for (const [name, id] of this.#workerIds) out.set(id, name);
    return out;
  }

  #connect(): Promise<void> {
    this.#connected ??= (async () => {
      this.#redis = this.#connection();
      const { queue, events } = await this.#open(this.queueName);
      this.#queue = queue;
      this.#events = events;
    })();
    return this.#connected;
  }

  #connection(): Redis {
    const c = new Redis(this.#url, { maxRetriesPerRequest: null });
    c.on('error', () => undefined); // the watchdog reports an outage that lasts
    this.#connections.push(c);
    return c;
  }

  /** A queue to send to and its completions, from now on (the event stream's last id before any job of ours). */
  async #open(name: string): Promise<PrivateQueue> {
    const queue = new Queue(name, { connection: this.#connection() });
    queue.on('error', () => undefined);
    const last = await this.#redis!.xrevrange(queue.keys['events']!, '+', '-', 'COUNT', 1);
    const events = new QueueEvents(name, { connection: this.#connection(), lastEventId: last[0]?.[0] ?? '0-0' });
    events.on('error', () => undefined);
    events.on('completed', ({ jobId, returnvalue }) => this.#completed(jobId, returnvalue as unknown));
    events.on('progress', ({ jobId, data }) => this.#progress(jobId, data as unknown));
    events.on('failed', ({ jobId, failedReason }) => this.#failed(jobId, failedReason));
    await events.waitUntilReady();
    return { queue, events };
  }

  /** Worker `id`'s private queue, opened on first use. */
  #privateQueue(id: string): Promise<PrivateQueue> {
    let q = this.#private.get(id);
    if (!q) {
      this.#private.set(id, (q = this.#open(privateQueueName(this.queueName, id))));
      q.catch(() => this.#private.get(id) === q && this.#private.delete(id));
    }
    return q;
  }

  #workerAlive(id: string): boolean {
    return (this.#workerExpiry.get(id) ?? 0) >= Date.now();
  }

  /** Forgets a dead worker's private queue: closes ours, removes its keys from Redis. */
  async #dropPrivate(id: string): Promise<void> {
    const q = this.#private.get(id);
    this.#private.delete(id);
    const opened = await q?.catch(() => undefined);
    await opened?.events.close().catch(() => undefined);
    await opened?.queue.close().catch(() => undefined);
    await dropPrivateQueue(this.#redis!, this.queueName, id);
  }

  /** Stops waiting for `p` under any of its ids; later answers are ignored. */
  #settle(p: Pending): void {
    for (const id of p.ids.keys()) this.#pending.delete(id);
  }

  #notify(): void {
    const c = this.#changed;
    this.#changed = signal();
    c.resolve();
  }

  #completed(jobId: string, value: unknown): void {
    const p = this.#pending.get(jobId);
    if (!p) return; // another coordinator's job, or a late duplicate
    this.#settle(p);
    if (p.payloadKey) void this.store.delete(p.payloadKey).catch(() => undefined);
    if (p.early) {
      // Its unwritten results were taken by their readers, or written: the store serves any other.
      for (const key of p.unwritten) if (this.#unwritten.get(key)?.producer === p) this.#unwritten.delete(key);
      this.#notify();
      return;
    }
    this.#answer(p, jobId, value);
  }

  /** A job's early answer: its results, some kept unwritten by the worker, which holds the job meanwhile. */
  #progress(jobId: string, data: unknown): void {
    const p = this.#pending.get(jobId);
    const early = (data as { early?: JobResult } | null)?.early;
    if (!p || early === undefined) return;
    const res = this.#answer(p, jobId, early, p.early);
    if (res === undefined) return;
    const keys: string[] = [];
    for (const r of res.results)
      if (isBlockRef(r) && r.u === 1 && r.w !== undefined) {
        keys.push(r.__tesseraBlock);
        this.#unwritten.set(r.__tesseraBlock, { holder: r.w, producer: p, flushed: false });
      }
    this.routing.unwritten += p.early ? 0 : keys.length;
    p.unwritten = keys;
    p.early = true;
    this.#notify();
  }

  /** Decodes a job's answer and (unless `quiet`: the engine has it already) hands it to the engine. */
  #answer(p: Pending, jobId: string, value: unknown, quiet = false): BatchResponse | undefined {
    try {
      const result = (typeof value === 'string' ? JSON.parse(value) : value) as JobResult;
      const res = decode<BatchResponse>(fromBase64(result.payload));
      const name = `${result.host} pid ${result.pid} thread ${res.thread}`;
      let id = this.#workerIds.get(name);
      if (id === undefined) this.#workerIds.set(name, (id = this.#workerIds.size + 1));
      if (!quiet) p.resolve({ ...res, thread: id });
      return res;
    } catch (error) {
      p.reject(new ClusterError(`job ${jobId}: its answer could not be read: ${(error as Error).message}`, { cause: error }));
      return undefined;
    }
  }

  #failed(jobId: string, reason: string): void {
    const p = this.#pending.get(jobId);
    if (!p) return;
    this.#fail(p.run, new ClusterError(`job ${jobId} of run ${p.run.id} failed on the cluster (not in a kernel): ${reason}`));
  }

  /** Fails a run: every batch it has on the cluster rejects with `error`. */
  #fail(run: ClusterRun, error: ClusterError): void {
    run.failure ??= error;
    for (const p of new Set(this.#pending.values())) {
      if (p.run !== run) continue;
      this.#settle(p);
      p.reject(run.failure);
    }
  }

  #backend(run: ClusterRun): Backend {
    const self = this;
    return {
      name: 'distributed',
      get workers() {
        return self.workers;
      },
      pipelining: true,
      execute: (req, signal, preferredWorker, readers) => this.#execute(run, req, signal, preferredWorker !== undefined, readers),
      release: (value) => {
        if (!isBlockRef(value)) return;
        // (Unwritten: its reader is done, and its producer's job ends there too.)
        if (this.#unwritten.delete(value.__tesseraBlock)) this.#notify();
        void this.store.delete(value.__tesseraBlock).catch(() => undefined);
      },
    };
  }

  /**
   * Sends a batch as a job. `next`: the batch continues a chain (the engine names a preferred
   * worker: the serial partialFit chain's next link, a block's writer after its prediction) —
   * it goes to the front of the queue, ahead of batches the engine sent ahead (preparations),
   * as a thread's own continuation would run next; the order of jobs never changes results.
   */
  async #execute(
    run: ClusterRun,
    req: BatchRequest,
    signal: AbortSignal,
    next = false,
    readers: readonly number[] = [],
  ): Promise<BatchResponse> {
    if (run.failure) throw run.failure;
    if (signal.aborted) throw signal.reason;
    const jobId = `${run.id}-${++run.seq}`;
    let bytes = 0;
    for (const v of req.inputs) if (isBlockRef(v)) bytes += v.bytes;
    let payload: Encoded;
    try {
      payload = encodeParts(req);
    } catch (error) {
      // What the engine turns into a TaskError naming the argument (as on threads).
      if (error instanceof Error && error.name !== 'DataCloneError') Object.defineProperty(error, 'name', { value: 'DataCloneError' });
      throw error;
    }
    let payloadKey: string | undefined;
    if (payload.byteLength > this.#inlineLimit) {
      payloadKey = `${runPrefix(run.id)}/job-${run.seq}`;
      await writeValue(this.store, payloadKey, payload);
    }
    const single = readers.flatMap((n, j) => (n === 1 ? [j] : []));
    const data: JobData = {
      run: run.id,
      store: this.store.url,
      bytes,
      id: jobId,
      ...(single.length > 0 ? { single } : {}),
      ...(payloadKey ? { payloadKey } : { payload: toBase64(Buffer.concat(payload.parts, payload.byteLength)) }),
    };
    const refs = req.inputs.filter(isBlockRef);
    const { queue, holder } = await this.#route(run, refs, signal);
    this.routing[holder === undefined ? 'shared' : 'private']++;
    const ids = new Map([[jobId, queue]]);
    const answer = new Promise<BatchResponse>((resolve, reject) => {
      this.#pending.set(jobId, {
        run,
        resolve,
        reject,
        sent: Date.now(),
        payloadKey,
        missingSince: 0,
        data,
        lifo: next,
        jobId,
        queue,
        worker: holder,
        ids,
        refs,
        early: false,
        unwritten: [],
        moving: false,
      });
    });
    const onAbort = () => {
      const p = this.#pending.get(jobId);
      if (!p) return;
      this.#settle(p);
      for (const [id, q] of p.ids) void q.remove(id).catch(() => undefined);
      p.reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      try {
        await this.#redisBound(queue.add('batch', data, this.#jobOptions(jobId, next)), `submitting job ${jobId}`);
      } catch (error) {
        // The run fails with what went wrong with Redis, not as if a worker had died.
        this.#fail(
          run,
          error instanceof ClusterError
            ? error
            : new ClusterError(`job ${jobId} could not be submitted to Redis at ${this.#url}: ${(error as Error).message}`, {
                cause: error,
              }),
        );
      }
      return await answer;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Where a batch reading `refs` goes: the private queue of the live worker that holds most of its
   * input bytes (it keeps them), else the shared queue. An unwritten input must be read at its
   * holder: if that is not where the batch goes (or the holder is dead), it waits until the input
   * is written (a flush is asked of a live holder) or made again by a retry of its job elsewhere.
   */
  async #route(run: ClusterRun, refs: readonly BlockRef[], signal: AbortSignal): Promise<{ queue: Queue; holder: string | undefined }> {
    for (;;) {
      if (run.failure) throw run.failure;
      if (signal.aborted) throw signal.reason;
      // An unwritten input read elsewhere costs a write and a read, a written one a read: twice the weight.
      const held = new Map<string, number>();
      for (const v of refs) {
        const u = this.#unwritten.get(v.__tesseraBlock);
        const w = u?.holder ?? v.w;
        if (w !== undefined) held.set(w, (held.get(w) ?? 0) + (u ? 2 : 1) * v.bytes);
      }
      let holder: string | undefined;
      for (const [w, b] of held) if (this.#workerAlive(w) && (holder === undefined || b > held.get(holder)!)) holder = w;
      let queue = this.#queue!;
      if (holder !== undefined) {
        try {
          queue = (await this.#redisBound(this.#privateQueue(holder), `opening the queue of worker ${holder}`)).queue;
        } catch {
          holder = undefined; // the shared queue will do
        }
      }
      const blocked = refs.flatMap((v) => {
        const u = this.#unwritten.get(v.__tesseraBlock);
        return u !== undefined && (u.holder !== holder || !this.#workerAlive(u.holder)) ? [[v.__tesseraBlock, u] as const] : [];
      });
      if (blocked.length === 0) return { queue, holder };
      for (const [key, u] of blocked)
        if (!u.flushed && this.#workerAlive(u.holder)) {
          u.flushed = true;
          this.routing.flushed++;
          await this.#redisBound(this.#redis!.publish(flushChannel(this.queueName, u.holder), key), `asking for ${key}`);
        }
      // Look again when an unwritten result changes, and at least every 200 ms (a flush lost, a worker died).
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.#changed.promise, new Promise((r) => (timer = setTimeout(r, 200)))]);
      clearTimeout(timer);
    }
  }

  #jobOptions(jobId: string, lifo: boolean) {
    return {
      jobId,
      attempts: this.#attempts,
      backoff: { type: 'exponential' as const, delay: 200 },
      lifo,
      removeOnComplete: true,
      removeOnFail: true,
    };
  }

  /**
   * Moves the jobs waiting or running in the private queues of workers whose registration lapsed
   * (dead, or cut off) to the shared queue, then removes those queues. A moved job keeps its
   * result keys (`data.id`); if the first copy answers after all, the first answer is taken.
   */
  async #rescue(): Promise<void> {
    const dead = new Set<string>();
    for (const p of new Set(this.#pending.values())) {
      if (p.worker === undefined || p.moving || this.#workerAlive(p.worker) || !this.#pending.has(p.jobId)) continue;
      dead.add(p.worker);
      if (p.early && p.unwritten.every((key) => this.#unwritten.get(key)?.producer !== p)) {
        // Its unwritten results were read (and released): nothing needs it made again.
        this.#settle(p);
        continue;
      }
      p.moving = true;
      void this.#move(p).finally(() => (p.moving = false));
    }
    for (const id of this.#private.keys()) if (!this.#workerAlive(id)) dead.add(id);
    for (const id of dead) await this.#dropPrivate(id);
  }

  /** Sends a copy of `p` (its private queue's worker is dead) where its inputs now are: see {@link #rescue}. */
  async #move(p: Pending): Promise<void> {
    try {
      // The engine's signal is not at hand here: a settled batch stops waiting through the run's failure or its answer.
      const stop = new AbortController();
      const answered = setInterval(() => !this.#pending.has(p.jobId) && stop.abort(new Error('answered')), 200);
      let route: { queue: Queue; holder: string | undefined };
      try {
        route = await this.#route(p.run, p.refs, stop.signal);
      } finally {
        clearInterval(answered);
      }
      if (!this.#pending.has(p.jobId)) return;
      const jobId = `${p.data.id ?? p.jobId}-m${p.ids.size}`;
      await route.queue.add('batch', p.data, this.#jobOptions(jobId, true));
      if (!this.#pending.has(p.jobId)) {
        // Answered meanwhile: the copy is not needed.
        await route.queue.remove(jobId).catch(() => undefined);
        return;
      }
      p.ids.set(jobId, route.queue);
      this.#pending.set(jobId, p);
      p.jobId = jobId;
      p.queue = route.queue;
      p.worker = route.holder;
      p.sent = Date.now();
      p.missingSince = 0;
      this.routing.moved++;
    } catch (error) {
      if (this.#pending.has(p.jobId) && !p.run.failure)
        this.#fail(
          p.run,
          new ClusterError(`job ${p.jobId} of run ${p.run.id} could not be moved from a dead worker: ${(error as Error).message}`),
        );
    }
  }

  async #refreshWorkers(): Promise<number> {
    const all = await this.#redis!.hgetall(workersKey(this.queueName));
    const now = Date.now();
    let threads = 0;
    this.#workerExpiry.clear();
    for (const [id, text] of Object.entries(all)) {
      try {
        const w = JSON.parse(text) as WorkerRecord;
        this.#workerExpiry.set(id, w.expires);
        if (w.expires >= now) threads += w.threads;
        else if (w.expires < now - 60_000) void this.#redis!.hdel(workersKey(this.queueName), id);
      } catch {
        void this.#redis!.hdel(workersKey(this.queueName), id);
      }
    }
    this.#threads = threads;
    this.#notify(); // a reader waiting on a dead holder looks again
    return threads;
  }

  /** One watchdog tick of a run (see the file's header). */
  async #watch(run: ClusterRun, state: { redisDownSince: number; noWorkerSince: number }): Promise<void> {
    const redis = this.#redis!;
    const now = Date.now();
    if (redis.status !== 'ready') {
      state.redisDownSince ||= now;
      if (now - state.redisDownSince >= this.#redisTimeout)
        this.#fail(
          run,
          new ClusterError(
            `Redis at ${this.#url} has been unreachable for ${Math.round((now - state.redisDownSince) / 1000)} s; run ${run.id} stopped.`,
          ),
        );
      return;
    }
    state.redisDownSince = 0;
    await redis.set(runAliveKey(run.id), '1', 'PX', this.#heartbeatTtl);
    const threads = await this.#refreshWorkers();
    if (threads === 0) {
      state.noWorkerSince ||= now;
      if (now - state.noWorkerSince >= this.#workerTimeout) this.#fail(run, this.#noWorkers(now - state.noWorkerSince));
    } else state.noWorkerSince = 0;
    await this.#rescue();
    // A job Redis no longer knows, with no event for it since, was lost (a restart without persistence).
    for (const p of new Set(this.#pending.values())) {
      const jobId = p.jobId;
      if (p.run !== run || p.moving || now - p.sent < 1000) continue;
      const st = await p.queue.getJobState(jobId);
      if (!this.#pending.has(jobId)) continue;
      if (st !== 'unknown') p.missingSince = 0;
      else if (!p.missingSince) p.missingSince = now;
      else if (now - p.missingSince >= 2000) {
        this.#fail(
          run,
          new ClusterError(
            `job ${jobId} of run ${run.id} vanished from Redis at ${this.#url} (was Redis restarted without persistence, or flushed?); the run cannot resume.`,
          ),
        );
        return;
      }
    }
  }

  #noWorkers(ms: number): ClusterError {
    return new ClusterError(
      `No tessera worker has served the queue '${this.queueName}' at ${this.#url} for ${Math.round(ms / 1000)} s. Start workers with: tessera worker --redis ${this.#url} --store ${this.store.url}`,
    );
  }

  run(graph: Graph, keys: readonly string[], options: RunOptions = {}): Promise<Record<string, unknown>> {
    if (this.#closed) return Promise.reject(new Error('This DistributedScheduler is closed.'));
    return this.#run(graph, keys, options);
  }

  /** `promise`, or a ClusterError when Redis does not answer within `redisTimeout` (commands wait for a reconnection otherwise). */
  #redisBound<T>(promise: Promise<T>, doing: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new ClusterError(
              `Redis at ${this.#url} did not answer within ${this.#redisTimeout} ms (${doing}): is it running and reachable?`,
            ),
          ),
        this.#redisTimeout,
      );
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  async #run(graph: Graph, keys: readonly string[], options: RunOptions): Promise<Record<string, unknown>> {
    try {
      await this.#redisBound(this.#connect(), 'connecting');
    } catch (error) {
      // The next run tries again from scratch.
      const stale = this.#connections.splice(0);
      for (const c of stale) c.disconnect();
      this.#connected = undefined;
      throw error;
    }
    const redis = this.#redis!;
    const run: ClusterRun = { id: randomBytes(8).toString('hex'), failure: undefined, seq: 0 };
    const record: RunRecord = { store: this.store.url, queue: this.queueName, host: hostname(), pid: process.pid, started: Date.now() };
    await this.#redisBound(redis.set(runAliveKey(run.id), '1', 'PX', this.#heartbeatTtl), 'starting a run');
    await this.#redisBound(redis.hset(RUNS_KEY, run.id, JSON.stringify(record)), 'starting a run');
    const state = { redisDownSince: 0, noWorkerSince: 0 };
    let timer: NodeJS.Timeout | undefined;
    try {
      // What runs whose coordinator died left behind goes first.
      await this.#redisBound(cleanDeadRuns(redis, this.store, this.#queue), 'removing the leftovers of dead runs');
      await this.#awaitWorkers();
      let ticking = false;
      timer = setInterval(
        () => {
          if (ticking) return;
          ticking = true;
          this.#watch(run, state)
            .catch(() => undefined)
            .finally(() => (ticking = false));
        },
        Math.max(100, Math.floor(this.#heartbeatTtl / 5)),
      );
      let out: Record<string, unknown>;
      try {
        out = await runGraph(this.#backend(run), graph, keys, options);
      } catch (error) {
        throw run.failure ?? error;
      }
      // Only the requested results come back to the coordinator.
      for (const [k, v] of Object.entries(out)) if (isBlockRef(v)) out[k] = await readValue(this.store, v.__tesseraBlock);
      return out;
    } finally {
      clearInterval(timer);
      for (const p of new Set(this.#pending.values())) {
        if (p.run !== run || (p.early && !run.failure)) continue;
        this.#settle(p);
        for (const [id, q] of p.ids) await q.remove(id).catch(() => undefined);
      }
      // Jobs held for unwritten results (all read by now) end as their readers' jobs complete, a
      // moment later; their workers drop them when the run's heartbeat goes anyway. Waited for
      // off the run's path, and by close(): then nothing of the run is left in Redis.
      if (this.#heldJobs(run)) {
        const drained = this.#drain(run);
        this.#draining.add(drained);
        void drained.finally(() => this.#draining.delete(drained));
      }
      // Workers stop this run's batches when the heartbeat goes. (With Redis gone, the heartbeat
      // expires on its own and the next run or `tessera clean` removes the rest.)
      const up = redis.status === 'ready';
      if (up) await this.#redisBound(redis.del(runAliveKey(run.id)), 'ending the run').catch(() => undefined);
      await this.store.deletePrefix(runPrefix(run.id)).catch(() => undefined);
      if (up) await this.#redisBound(redis.hdel(RUNS_KEY, run.id), 'ending the run').catch(() => undefined);
    }
  }

  #heldJobs(run: ClusterRun): boolean {
    for (const p of this.#pending.values()) if (p.run === run && p.early) return true;
    return false;
  }

  /** Waits (at most 6 s: a held job ends when its result is read, or written after 5 s) for the held jobs of an ended run to complete; removes what is left. */
  async #drain(run: ClusterRun): Promise<void> {
    for (let waited = 0; waited < 6000 && this.#heldJobs(run); waited += 10) await new Promise((r) => setTimeout(r, 10));
    for (const p of new Set(this.#pending.values())) {
      if (p.run !== run) continue;
      this.#settle(p);
      for (const [id, q] of p.ids) await this.#redisBound(q.remove(id), `removing job ${id}`).catch(() => undefined);
    }
  }

  async #awaitWorkers(): Promise<void> {
    const start = Date.now();
    while ((await this.#redisBound(this.#refreshWorkers(), 'looking for workers')) === 0) {
      if (Date.now() - start >= this.#workerTimeout) throw this.#noWorkers(Date.now() - start);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Closes the scheduler's Redis connections. Runs in progress fail. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(this.#draining);
    for (const p of this.#pending.values()) this.#fail(p.run, new ClusterError('The DistributedScheduler was closed.'));
    if (!this.#connected) return;
    await this.#connected.catch(() => undefined);
    await this.#events?.close().catch(() => undefined);
    await this.#queue?.close().catch(() => undefined);
    for (const q of this.#private.values()) {
      const opened = await q.catch(() => undefined);
      await opened?.events.close().catch(() => undefined);
      await opened?.queue.close().catch(() => undefined);
    }
    for (const c of this.#connections) c.disconnect();
  }
}
