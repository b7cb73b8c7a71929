/**
 * @tessera/distributed — Tessera's task graphs on a cluster. A {@link DistributedScheduler} runs
 * the same engine as the thread scheduler and sends ready batches as BullMQ jobs through Redis to
 * `tessera worker` processes ({@link ClusterWorker}), which read and write blocks in a shared
 * {@link BlockStore} (a directory every host mounts, or S3). Redis carries only small messages.
 *
 * @example
 * // on each worker host:  tessera worker --redis redis://10.0.0.5:6379 --store /mnt/shared/tessera --threads 8
 * const cluster = new DistributedScheduler({ connection: 'redis://10.0.0.5:6379', store: '/mnt/shared/tessera' });
 * const { total } = await compute(graph, ['total'], { scheduler: cluster });
 * await cluster.close();
 *
 * @module @tessera/distributed
 */
export { DistributedScheduler, type DistributedSchedulerOptions } from './scheduler.js';
export { ClusterWorker, type ClusterWorkerOptions } from './worker.js';
export { DirectoryStore, S3Store, openStore, type BlockReader, type BlockStore, type S3StoreOptions } from './store.js';
export { cleanCluster, type CleanOptions, type CleanReport } from './clean.js';
export { ClusterError, BlockFormatError, BlockMissingError } from './errors.js';
