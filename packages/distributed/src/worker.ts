/**
 * A `tessera worker`: a long-running process that takes batches from the BullMQ queue and runs
 * them on its own piscina pool (thread.ts), reading and writing blocks in the shared store.
 *
 * - **Pulls only when it has room.** Each job says how many bytes of blocks its batch reads; the
 *   worker reserves those plus the larger of them and the results it expects (a slowly decaying
 *   maximum of the result bytes its batches made) while the job runs, and while its reservations
 *   reach its memory budget it takes no new job (BullMQ's concurrency is lowered to the jobs
 *   already running). One job always runs, so work progresses. The threads also keep the results
 *   they wrote lately (a quarter of the budget over the threads, at most 512 MB each, for two
 *   seconds): a job of this process that needs one takes it rather than reading it back (the
 *   serial chain's link landing on the host where its block was prepared; see thread.ts).
 * - **Two queues, one budget.** Besides the shared queue, the worker serves a private queue of its
 *   own (`<queue>-w-<id>`, keys.ts): the coordinator sends there the batches whose largest inputs
 *   this process wrote, so that they are taken from its kept results. Both BullMQ workers run the
 *   same processor under one count of running batches: while it is at the process's capacity
 *   (threads, memory budget) both are paused, and a job one of them had already fetched is handed
 *   back at once (delayed by 0 ms: back in its queue for any worker) — never more batches at once
 *   than threads. Closing removes the private queue; if the process dies, the coordinator moves
 *   what waits there to the shared queue (scheduler.ts).
 * - **Locks and retries are BullMQ's.** The main thread only talks to Redis, so locks are renewed
 *   while a kernel runs; if the process dies, its lock expires and another worker's stalled-job
 *   check puts the job back on the queue (up to `maxStalledCount` times).
 * - **A dead coordinator's work is dropped.** Every second the worker checks the heartbeat of the
 *   runs it is working for; a run without one has its running batches aborted and its remaining
 *   jobs failed without retry.
 * - **Unwritten results stay with their job.** A batch whose large single-reader results its
 *   threads kept unwritten (thread.ts) answers early, through the job's progress, and its job
 *   stays active — its lock renewed — until each such result was taken by a batch of this process
 *   whose job then completed, or was written after all (the thread tells; a flush asked on
 *   `tessera:flush:<queue>:<id>` writes it at once). If the process dies first, BullMQ retries the
 *   job elsewhere and the result is made again. Held jobs take no thread.
 * - **Kernel errors are answers, not failures.** A batch whose kernel throws completes its job
 *   with the error inside, so BullMQ does not retry a deterministic failure; the coordinator
 *   fails the run with the same `TaskError` as a local run.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Piscina } from 'piscina';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { defaultMemoryLimit, parseMemoryLimit } from '@tessera/scheduler';
import { fromBase64, toBase64, type JobData, type JobResult } from './codec.js';
import { ClusterError } from './errors.js';
import { CONTROL_CHANNEL, DEFAULT_QUEUE, flushChannel, privateQueueName, runAliveKey, workersKey, type WorkerRecord } from './keys.js';
import { dropPrivateQueue } from './clean.js';
import { openStore, runPrefix, type BlockStore } from './store.js';
import type { ControlMessage, SpilledMessage, ThreadAnswer, ThreadJob } from './thread.js';

/** Options of {@link ClusterWorker.start}. */
export interface ClusterWorkerOptions {
  /** Redis URL (`redis://host:6379`). */
  connection: string;
  /** The shared store: a directory every worker and coordinator mounts at the same path, or `s3://bucket/prefix`. */
  store: string;
  /** BullMQ queue name (default `'tessera'`). */
  queue?: string;
  /** Worker threads, i.e. batches run at once (default 1). */
  threads?: number;
  /** This worker's budget for blocks of running batches (bytes or `'2GB'`; default a quarter of free memory). */
  memoryLimit?: number | string;
  /** BullMQ lock duration in ms: how long after this process dies its jobs are taken by others (default 30000). */
  lockDuration?: number;
  /** How often this worker looks for stalled jobs of dead workers, ms (default `lockDuration / 2`). */
  stalledInterval?: number;
  /** How often a job may be put back after its worker died before it fails (default 2). */
  maxStalledCount?: number;
  /** Results without typed arrays travel inline in Redis when their serialized form is at most this (bytes, default 64 KiB). */
  inlineLimit?: number;
  /**
   * A result that one later batch reads is kept unwritten, for that batch, when it is at least
   * this large (bytes, default 64 KiB; `Infinity`: write every result). See the file's header.
   */
  unwrittenMin?: number;
  /** Called with one line per notable event (start, a run dropped, errors). */
  log?: (line: string) => void;
}

const HEARTBEAT_MS = 1000;

interface BroadcastLike {
  postMessage(m: unknown): void;
  onmessage: ((e: { data: unknown }) => void) | null;
  close(): void;
}
const Channel = (globalThis as unknown as { BroadcastChannel: new (name: string) => BroadcastLike }).BroadcastChannel;

/** The compute part of a job done: its answer, and what it keeps unwritten or took. */
interface Computed {
  readonly result: JobResult;
  readonly run: string;
  readonly unwritten: readonly string[];
}

/** A job held active for its unwritten results: settled per result ('taken' or 'written'), or failed. */
interface Hold {
  readonly resolve: (how: 'taken' | 'written') => void;
  readonly reject: (error: Error) => void;
}

/** A worker process's connection to the cluster. Start with {@link ClusterWorker.start}. */
export class ClusterWorker {
  readonly id = randomBytes(6).toString('hex');
  readonly host = hostname();
  readonly threads: number;
  readonly queue: string;
  readonly memoryLimit: number;
  readonly store: BlockStore;
  readonly #pool: Piscina<ThreadJob, ThreadAnswer>;
  readonly #redis: Redis;
  /** The BullMQ workers of the shared queue and of this process's private queue. */
  readonly #workers: readonly [Worker<JobData, JobResult>, Worker<JobData, JobResult>];
  /** Its own connection per BullMQ worker. */
  readonly #bullRedis: Redis[] = [];
  /** Batches running (both queues), and per BullMQ worker. */
  #running = 0;
  readonly #runningOn = [0, 0];
  #paused = false;
  readonly #active = new Map<string, { run: string; reserve: number; abort: AbortController }>();
  /** Jobs held for their unwritten results (not running: they take no thread), per BullMQ worker too. */
  readonly #held = new Map<string, { run: string; abort: AbortController }>();
  readonly #heldOn = [0, 0];
  /** Unwritten results of held jobs, by store key. */
  readonly #holds = new Map<string, Hold>();
  /** Spills heard of before their hold was made (the thread's message overtook its answer). */
  readonly #spilledEarly = new Map<string, string | undefined>();
  /** Unwritten results a running or finished job took, by job id: their producers settle when it completes. */
  readonly #took = new Map<string, readonly string[]>();
  readonly #control: BroadcastLike;
  readonly #subscriber: Redis;
  readonly #unwrittenMin: number;
  readonly #lockDuration: number;
  /** When each run's heartbeat was last seen (ms since the epoch). */
  readonly #aliveAt = new Map<string, number>();
  readonly #log: (line: string) => void;
  readonly #inlineLimit: number;
  /** Per thread: results kept after writing them, for the thread's own later jobs (thread.ts). */
  readonly #keepBytes: number;
  #reserved = 0;
  /** Expected bytes of a batch's results: a slowly decaying maximum of those seen (as the engine learns). */
  #outEstimate = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  /** Jobs finished by this worker (completed or answered with a kernel error). */
  jobsDone = 0;
  /** Of those, jobs taken from this worker's private queue. */
  privateJobsDone = 0;
  /** Jobs handed back because the process was at capacity when BullMQ fetched them. */
  handedBack = 0;
  /** Most batches this process ran at once (both queues): never more than its threads. */
  mostRunning = 0;

  /** This worker's private queue: batches routed to it because it holds their inputs. */
  get privateQueue(): string {
    return privateQueueName(this.queue, this.id);
  }

  private constructor(options: ClusterWorkerOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError('ClusterWorker.start needs an options object.');
    const { connection, queue = DEFAULT_QUEUE, threads = 1 } = options;
    if (typeof connection !== 'string' || !/^rediss?:\/\//.test(connection))
      throw new TypeError(`The 'connection' option must be a Redis URL (redis://host:port). Got ${JSON.stringify(connection)} instead.`);
    if (typeof options.store !== 'string') throw new TypeError(`The 'store' option of a worker must be a directory or an s3:// URL.`);
    if (!Number.isInteger(threads) || threads < 1)
      throw new RangeError(`The 'threads' option of a worker must be a positive integer. Got ${threads} instead.`);
    const lockDuration = options.lockDuration ?? 30_000;
    if (!(lockDuration >= 100)) throw new RangeError(`The 'lockDuration' option must be at least 100 ms. Got ${lockDuration} instead.`);
    this.threads = threads;
    this.#lockDuration = lockDuration;
    this.queue = queue;
    this.memoryLimit = options.memoryLimit === undefined ? defaultMemoryLimit() : parseMemoryLimit(options.memoryLimit, 'memoryLimit');
    this.store = openStore(options.store);
    this.#inlineLimit = options.inlineLimit ?? 64 * 1024;
    this.#unwrittenMin = options.unwrittenMin ?? 64 * 1024;
    if (!(this.#unwrittenMin >= 0))
      throw new RangeError(
        `The 'unwrittenMin' option must be a number of bytes (or Infinity). Got ${String(options.unwrittenMin)} instead.`,
      );
    this.#keepBytes = Math.min(Math.floor(this.memoryLimit / 4 / threads), 512 * 2 ** 20);
    this.#log = options.log ?? (() => undefined);
    // The threads ask for collections as block bytes die (thread.ts): V8 does not count the
    // memory of restored blocks (WebAssembly memories) when deciding to collect. Each thread takes
    // its own gc() at its first request (the scheduler's requestGc): V8's --expose-gc is not left
    // set here, which would make every thread compile Node's own modules afresh at its start.
    this.#pool = new Piscina({
      filename: new URL('./thread.js', import.meta.url).href,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: 2 ** 31 - 1,
      // An idle thread keeps running its event loop (piscina's default blocks it in Atomics.wait):
      // it writes the results it keeps unwritten when asked or when their time is up, takes the
      // results other threads post, and touches the memory of its next block meanwhile.
      atomics: 'disabled',
      workerData: { keepBytes: this.#keepBytes },
    });
    this.#redis = new Redis(connection, { maxRetriesPerRequest: null });
    // ioredis reconnects on its own: say once that Redis is unreachable, and once that it is back.
    let down = false;
    this.#redis.on('error', (error: Error) => {
      if (!down) this.#log(`Redis at ${connection} unreachable (${error.message}); retrying`);
      down = true;
    });
    this.#redis.on('ready', () => {
      if (down) this.#log(`Redis at ${connection} reachable again`);
      down = false;
    });
    this.#control = new Channel(CONTROL_CHANNEL);
    this.#control.onmessage = (event) => this.#spilled(event.data as SpilledMessage);
    this.#subscriber = new Redis(connection, { maxRetriesPerRequest: null });
    this.#subscriber.on('error', () => undefined);
    this.#subscriber.on('message', (_channel: string, key: string) => this.#control.postMessage({ flush: key } satisfies ControlMessage));
    const bullWorker = (name: string, which: 0 | 1) => {
      const c = new Redis(connection, { maxRetriesPerRequest: null });
      c.on('error', () => undefined);
      this.#bullRedis.push(c);
      const w = new Worker<JobData, JobResult>(name, (job, token, signal) => this.#process(job, which, token, signal), {
        connection: c,
        concurrency: threads,
        lockDuration,
        stalledInterval: options.stalledInterval ?? Math.max(50, Math.floor(lockDuration / 2)),
        maxStalledCount: options.maxStalledCount ?? 2,
        drainDelay: 1,
        autorun: false,
      });
      w.on('error', (error) => this.#log(`worker error (${name}): ${error.message}`));
      // A job that took unwritten results is over (its completion is in Redis): their producers may end.
      const over = (job: Job<JobData, JobResult> | undefined) => job?.id !== undefined && this.#over(job.id);
      w.on('completed', over);
      w.on('failed', over);
      return w;
    };
    this.#workers = [bullWorker(queue, 0), bullWorker(privateQueueName(queue, this.id), 1)];
  }

  /**
   * Connects to Redis, registers the worker and starts taking jobs.
   *
   * @example
   * const worker = await ClusterWorker.start({ connection: 'redis://127.0.0.1:6379', store: '/mnt/shared/tessera', threads: 4 });
   * // … later
   * await worker.close();
   */
  static async start(options: ClusterWorkerOptions): Promise<ClusterWorker> {
    const w = new ClusterWorker(options);
    await w.#subscriber.subscribe(flushChannel(w.queue, w.id));
    await w.#register();
    w.#timer = setInterval(() => void w.#tick(), HEARTBEAT_MS);
    for (const bw of w.#workers) void bw.run().catch((error: unknown) => w.#log(`worker stopped: ${(error as Error).message}`));
    w.#log(
      `tessera worker ${w.id} on ${w.host} (pid ${process.pid}): ${w.threads} thread${w.threads === 1 ? '' : 's'}, queue '${w.queue}', store ${w.store.url}, memory limit ${w.memoryLimit} bytes`,
    );
    return w;
  }

  async #register(): Promise<void> {
    const rec: WorkerRecord = { host: this.host, pid: process.pid, threads: this.threads, expires: Date.now() + 3 * HEARTBEAT_MS };
    await this.#redis.hset(workersKey(this.queue), this.id, JSON.stringify(rec));
  }

  /** Renews the registration and drops the work of runs whose coordinator is gone. */
  async #tick(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.#register();
      const runs = [...new Set([...this.#active.values(), ...this.#held.values()].map((a) => a.run))];
      for (const run of runs) {
        const alive = (await this.#redis.exists(runAliveKey(run))) !== 0;
        this.#noteRun(run, alive);
        if (!alive) {
          this.#log(`run ${run}: its coordinator is gone; aborting its batches`);
          for (const a of [...this.#active.values(), ...this.#held.values()])
            if (a.run === run) a.abort.abort(new UnrecoverableError(`run ${run} was abandoned by its coordinator`));
        }
      }
    } catch (error) {
      this.#log(`heartbeat: ${(error as Error).message}`);
    }
  }

  async #process(job: Job<JobData, JobResult>, which: 0 | 1, token: string | undefined, signal?: AbortSignal): Promise<JobResult> {
    // At capacity (the other queue's worker, or a fetch already under way when both were paused,
    // took it): hand the job back at once, for this process later or any other worker now.
    if (this.#running > 0 && this.#running >= this.#capacity()) {
      this.handedBack++;
      await job.moveToDelayed(Date.now(), token);
      throw new DelayedError();
    }
    this.#running++;
    this.#runningOn[which]!++;
    this.mostRunning = Math.max(this.mostRunning, this.#running);
    this.#adjustConcurrency();
    // If it took unwritten results, their producers end when its completion is heard of — or, if
    // it never is (its lock lost, the job moved on), a lock's time after it answered.
    const id = job.id!;
    try {
      let computed: Computed;
      try {
        computed = await this.#processOne(job, signal);
        if (which === 1) this.privateJobsDone++;
        if (computed.unwritten.length === 0) return computed.result;
      } finally {
        this.#running--;
        this.#runningOn[which]!--;
        this.#adjustConcurrency();
      }
      // Its thread is free; the job stays active (a BullMQ slot) until its unwritten results are settled.
      this.#heldOn[which]!++;
      this.#adjustConcurrency();
      try {
        return await this.#hold(job, computed, signal);
      } finally {
        this.#heldOn[which]!--;
        this.#adjustConcurrency();
      }
    } finally {
      if (this.#took.has(id)) setTimeout(() => this.#over(id), this.#lockDuration).unref();
    }
  }

  /** Job `id`, which took unwritten results, is over: their producers' jobs may end. */
  #over(id: string): void {
    const took = this.#took.get(id);
    if (took === undefined) return;
    this.#took.delete(id);
    for (const key of took) this.#holds.get(key)?.resolve('taken');
  }

  /** A thread wrote an unwritten result (or failed to). */
  #spilled(m: SpilledMessage): void {
    if (typeof m?.spilled !== 'string') return;
    const hold = this.#holds.get(m.spilled);
    if (hold === undefined) {
      this.#spilledEarly.set(m.spilled, m.error);
      // No job waits for it (yet): a hold about to be made takes it; else its job was dropped with
      // its run, and what was written must not outlive the run.
      setTimeout(() => {
        if (!this.#spilledEarly.delete(m.spilled)) return;
        const run = /^runs\/([^/]+)\//.exec(m.spilled)?.[1];
        if (run !== undefined)
          void this.#redis
            .exists(runAliveKey(run))
            .then((alive) => (alive === 0 ? this.store.delete(m.spilled) : undefined))
            .catch(() => undefined);
      }, 500).unref();
    } else if (m.error === undefined) hold.resolve('written');
    else hold.reject(new ClusterError(`writing ${m.spilled} to ${this.store.url} failed: ${m.error}`));
  }

  /**
   * Answers early (the job's progress), then keeps the job active until each unwritten result is
   * taken by a job of this process that completed, or written. A run that ends meanwhile (its
   * coordinator gone) drops them: nothing of it may be written after its prefix was removed.
   */
  async #hold(job: Job<JobData, JobResult>, computed: Computed, signal?: AbortSignal): Promise<JobResult> {
    const abort = new AbortController();
    signal?.addEventListener('abort', () => abort.abort(signal.reason), { once: true });
    const settled = computed.unwritten.map(
      (key) =>
        new Promise<'taken' | 'written'>((resolve, reject) => {
          if (this.#spilledEarly.has(key)) {
            const error = this.#spilledEarly.get(key);
            this.#spilledEarly.delete(key);
            if (error === undefined) resolve('written');
            else reject(new ClusterError(`writing ${key} to ${this.store.url} failed: ${error}`));
          } else this.#holds.set(key, { resolve, reject });
        }),
    );
    this.#held.set(job.id!, { run: computed.run, abort });
    const stopped = new Promise<never>((_, reject) => {
      abort.signal.addEventListener('abort', () => reject(abort.signal.reason), { once: true });
    });
    try {
      await Promise.race([job.updateProgress({ early: computed.result }), stopped]);
      const how = await Promise.race([Promise.all(settled), stopped]);
      if (how.includes('written') && (await this.#redis.exists(runAliveKey(computed.run))) === 0) {
        await this.store.deletePrefix(runPrefix(computed.run)).catch(() => undefined);
        throw new UnrecoverableError(`run ${computed.run} was abandoned by its coordinator`);
      }
      return computed.result;
    } catch (error) {
      // Nobody will take or write them now: a retry makes them again.
      this.#control.postMessage({ drop: `${runPrefix(computed.run)}/${job.data.id ?? job.id}-` } satisfies ControlMessage);
      throw error instanceof Error ? error : new UnrecoverableError(String(error));
    } finally {
      this.#held.delete(job.id!);
      for (const key of computed.unwritten) this.#holds.delete(key);
    }
  }

  async #processOne(job: Job<JobData, JobResult>, signal?: AbortSignal): Promise<Computed> {
    const data = job.data;
    if (!(await this.#runAlive(data.run))) throw new UnrecoverableError(`run ${data.run} was abandoned by its coordinator`);
    if (data.store !== this.store.url)
      throw new UnrecoverableError(
        `job ${job.id} of run ${data.run} uses the store ${data.store}, but worker ${this.id} on ${this.host} serves ${this.store.url}: start workers with the coordinator's store`,
      );
    const abort = new AbortController();
    signal?.addEventListener('abort', () => abort.abort(signal.reason), { once: true });
    const inputs = Number(data.bytes) || 0;
    const reserve = inputs + Math.max(inputs, this.#outEstimate);
    this.#active.set(job.id!, { run: data.run, reserve, abort });
    this.#reserved += reserve;
    this.#adjustConcurrency();
    try {
      const request: ThreadJob['request'] = data.payload !== undefined ? fromBase64(data.payload) : { key: data.payloadKey! };
      const out = await this.#pool.run(
        {
          store: this.store.url,
          request,
          resultPrefix: `${runPrefix(data.run)}/${data.id ?? job.id}`,
          inlineLimit: this.#inlineLimit,
          keepBytes: this.#keepBytes,
          worker: this.id,
          ...(data.single ? { single: data.single } : {}),
          unwrittenMin: this.#unwrittenMin,
          threads: this.threads,
        } satisfies ThreadJob,
        { signal: abort.signal },
      );
      if (out.took.length > 0) this.#took.set(job.id!, out.took);
      // A late answer (this worker was cut off, or frozen, past its lock; the run may be over and
      // its prefix removed): what it wrote must not outlive the run. Checked after answering, off
      // the run's path (an answer to a run that is over is ignored by everyone).
      if (out.keys.length > 0) void this.#dropIfOver(data.run, String(job.id));
      this.jobsDone++;
      this.#outEstimate = Math.max(this.#outEstimate * 0.9, out.bytes);
      return { result: { payload: toBase64(out.payload), host: this.host, pid: process.pid }, run: data.run, unwritten: out.unwritten };
    } catch (error) {
      if (abort.signal.aborted)
        throw abort.signal.reason instanceof Error ? abort.signal.reason : new UnrecoverableError(String(abort.signal.reason));
      // A block that is not in the store, or not readable, will not become so by retrying.
      const name = (error as Error)?.name;
      if (name === 'BlockMissingError' || name === 'BlockFormatError') throw new UnrecoverableError((error as Error).message);
      throw error;
    } finally {
      this.#active.delete(job.id!);
      this.#reserved -= reserve;
      this.#adjustConcurrency();
    }
  }

  /** Whether run `run`'s coordinator is alive: its heartbeat, read again when last seen over a second ago. */
  async #runAlive(run: string): Promise<boolean> {
    const seen = this.#aliveAt.get(run);
    if (seen !== undefined && Date.now() - seen < HEARTBEAT_MS) return true;
    const alive = (await this.#redis.exists(runAliveKey(run))) !== 0;
    this.#noteRun(run, alive);
    return alive;
  }

  #noteRun(run: string, alive: boolean): void {
    this.#aliveAt.delete(run); // (oldest first: the map stays short)
    if (alive) this.#aliveAt.set(run, Date.now());
    if (this.#aliveAt.size > 1000) this.#aliveAt.delete(this.#aliveAt.keys().next().value!);
  }

  /** After a job of `run` wrote to the store: when the run is over, removes its prefix (a late answer). */
  async #dropIfOver(run: string, jobId: string): Promise<void> {
    try {
      if ((await this.#redis.exists(runAliveKey(run))) !== 0) return;
      this.#noteRun(run, false);
      // The run is over: its whole prefix is garbage (the directory store's run directory too).
      await this.store.deletePrefix(runPrefix(run)).catch(() => undefined);
      this.#log(`run ${run}: the late answer of job ${jobId} was dropped (the run is over)`);
    } catch {
      // Redis unreachable: the next run or `tessera clean` removes the prefix.
    }
  }

  /** Batches this process may run at once now: its threads, fewer while the memory budget is short. */
  #capacity(): number {
    // How many more batches of the expected size fit beside those running (a new job's inputs are
    // unknown until it is taken, so its results' expected size stands for it).
    const per = this.#outEstimate;
    const room = this.memoryLimit - this.#reserved;
    const more = per > 0 ? Math.max(0, Math.floor(room / per)) : this.threads;
    return Math.min(this.threads, Math.max(1, this.#running + more));
  }

  /**
   * Takes new jobs only while the running ones' reservations are within the memory budget and
   * threads are free: the two BullMQ workers share the free slots (each may fetch at most as many
   * as are free), and both pause while none is.
   */
  #adjustConcurrency(): void {
    if (this.#closed) return;
    const free = this.#capacity() - this.#running;
    if (free <= 0) {
      if (!this.#paused) {
        this.#paused = true;
        for (const w of this.#workers) void w.pause(true).catch(() => undefined);
      }
      return;
    }
    this.#workers.forEach((w, i) => {
      const want = this.#runningOn[i]! + this.#heldOn[i]! + free;
      if (w.concurrency !== want) w.concurrency = want;
    });
    if (this.#paused) {
      this.#paused = false;
      for (const w of this.#workers) void w.resume();
    }
  }

  /** Stops taking jobs, waits for the running ones (or aborts them with `force`), unregisters. */
  async close(force = false): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    if (force)
      for (const a of [...this.#active.values(), ...this.#held.values()]) a.abort.abort(new ClusterError('the worker is shutting down'));
    await Promise.all(this.#workers.map((w) => w.close(force).catch(() => undefined)));
    await this.#redis.hdel(workersKey(this.queue), this.id).catch(() => undefined);
    // What still waits in the private queue is moved to the shared one by its coordinator (it sees
    // this registration gone); the queue's keys go now.
    await dropPrivateQueue(this.#redis, this.queue, this.id).catch(() => undefined);
    this.#log(
      `tessera worker ${this.id} closed: ${this.jobsDone} jobs, ${this.privateJobsDone} from its private queue, ${this.handedBack} handed back, at most ${this.mostRunning} at once`,
    );
    this.#redis.disconnect();
    this.#subscriber.disconnect();
    this.#control.close();
    for (const c of this.#bullRedis) c.disconnect();
    await this.#pool.destroy();
  }
}
