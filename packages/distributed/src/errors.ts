/**
 * Errors of the distributed scheduler. Each names what went wrong where: the Redis URL, the
 * store, the block key, the job, so that a failed cluster run can be diagnosed from its message.
 */

/**
 * The cluster could not carry a run: Redis unreachable or restarted (jobs lost), no worker serving
 * the queue, a job that failed outside any kernel (its worker died more often than allowed, a
 * block could not be read from the store). A kernel's own error is a `TaskError`, as locally.
 */
export class ClusterError extends Error {
  override readonly name = 'ClusterError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A block key that is not in the store (deleted, never written, or the store is another one). */
export class BlockMissingError extends Error {
  override readonly name = 'BlockMissingError';
  constructor(
    /** The store, as given (`/shared/tessera` or `s3://bucket/prefix`). */
    readonly store: string,
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(`Block '${key}' is not in the store ${store}.`, options);
  }
}

/**
 * The bytes under a block key are not a block this Tessera can read: truncated (a store that
 * lost part of a file), overwritten by something else, or written by an incompatible version.
 * Retrying does not help; the message names the store, the key and what is wrong.
 */
export class BlockFormatError extends Error {
  override readonly name = 'BlockFormatError';
  constructor(
    /** The store, as given (`/shared/tessera` or `s3://bucket/prefix`). */
    readonly store: string,
    readonly key: string,
    /** What is wrong with it. */
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`Block '${key}' in the store ${store} cannot be read: ${detail}.`, options);
  }
}
