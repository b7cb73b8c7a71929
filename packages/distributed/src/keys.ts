/**
 * The few Redis keys Tessera keeps beside BullMQ's own (all small):
 *
 * - `tessera:run:<runId>` — a run's heartbeat, set by its coordinator with a short expiry and
 *   renewed while the run lives. Workers drop the jobs of a run whose heartbeat is gone; the next
 *   run and `tessera clean` remove its store prefix.
 * - `tessera:runs` — hash runId → `{ store, queue, host, pid, started }` of runs not yet cleaned up.
 * - `tessera:workers:<queue>` — hash workerId → `{ host, pid, threads, expires }`: the workers
 *   serving a queue (the coordinator sizes its parallelism from it and fails a run no worker serves).
 * - `bull:<queue>-w-<workerId>:*` — a worker's private BullMQ queue ({@link privateQueueName}):
 *   batches whose largest inputs that worker produced (it takes them from the results it keeps).
 *   Removed when the worker closes, or, if it died, by a coordinator or `tessera clean`.
 * - `tessera:flush:<queue>:<workerId>` — a pub/sub channel (no key): a coordinator publishes the
 *   store key of a result that worker keeps unwritten when its reader must run elsewhere; the
 *   worker writes it now ({@link flushChannel}).
 */
export const runAliveKey = (runId: string): string => `tessera:run:${runId}`;
export const RUNS_KEY = 'tessera:runs';
export const workersKey = (queue: string): string => `tessera:workers:${queue}`;
/** The private BullMQ queue of worker `workerId` serving `queue` (BullMQ names may not contain ':'). */
export const privateQueueName = (queue: string, workerId: string): string => `${queue}-w-${workerId}`;
/** The pub/sub channel on which worker `workerId` of `queue` is asked to write an unwritten result. */
export const flushChannel = (queue: string, workerId: string): string => `tessera:flush:${queue}:${workerId}`;
/** The BroadcastChannel between a worker process's main thread and its threads (thread.ts). */
export const CONTROL_CHANNEL = 'tessera:distributed-control';
/** Pattern of the Redis keys of every private queue of `queue`'s workers (BullMQ's default prefix). */
export const privateQueuesPattern = (queue: string): string => `bull:${queue}-w-*`;

/** A registered worker, as kept in {@link workersKey}. */
export interface WorkerRecord {
  readonly host: string;
  readonly pid: number;
  readonly threads: number;
  /** ms since the epoch after which the record is stale (the worker stopped renewing it). */
  readonly expires: number;
}

/** A run, as kept in {@link RUNS_KEY} until it is cleaned up. */
export interface RunRecord {
  readonly store: string;
  readonly queue: string;
  readonly host: string;
  readonly pid: number;
  readonly started: number;
}

/** Default BullMQ queue name of coordinators and workers. */
export const DEFAULT_QUEUE = 'tessera';
