/**
 * Where blocks live while a cluster run needs them: never in Redis, always in a `BlockStore`
 * that every worker reaches — a shared directory (NFS, a cluster file system; a local directory
 * when all workers are on one machine) or an S3 bucket.
 *
 * Keys are `runs/<runId>/<name>`: deterministic per run and task, so a task that runs twice (its
 * worker died after writing) writes the same key with the same bytes, and a write is atomic —
 * a temporary sibling renamed into place, or a single PUT — so a reader never sees half a block.
 * A run deletes a block once its last dependent is done, and its whole prefix when it ends; the
 * prefixes of runs whose coordinator died are removed by the next run or by `tessera clean`.
 */
import { mkdir, open, readFile, readdir, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { discard, temporarySibling } from '@tessera/io';
import { BlockMissingError } from './errors.js';

/** Storage for the blocks of cluster runs. Keys are `/`-separated relative paths. */
export interface BlockStore {
  /** How workers open the same store (`/shared/dir` or `s3://bucket/prefix`). */
  readonly url: string;
  /** Writes `data` under `key`, atomically: readers see the old value or the whole new one. */
  put(key: string, data: Uint8Array): Promise<void>;
  /** The bytes under `key`; rejects with {@link BlockMissingError} when there are none. */
  get(key: string): Promise<Uint8Array>;
  /** Deletes `key`; nothing happens when it is not there. */
  delete(key: string): Promise<void>;
  /** Deletes every key that starts with `prefix/` (a run's blocks). */
  deletePrefix(prefix: string): Promise<void>;
  /** The names directly under `prefix/` (the run ids under `runs`). */
  list(prefix: string): Promise<string[]>;
  /**
   * Optional: writes `parts`, one after the other, as the value under `key`, atomically, straight
   * from their memory (a block's WebAssembly memories and large arrays are parts: joining them
   * would copy them). Without it, the parts are joined and given to `put`.
   */
  putParts?(key: string, parts: readonly Uint8Array[]): Promise<void>;
  /**
   * Optional: opens the value under `key` for reading byte ranges, so that a block is read
   * straight into the memory it is restored into. Rejects with {@link BlockMissingError} when
   * there is none. Without it, `get` is used.
   */
  openRead?(key: string): Promise<BlockReader>;
}

/** A value of a {@link BlockStore} open for reading ranges (`BlockStore.openRead`). */
export interface BlockReader {
  /** Its bytes. */
  readonly size: number;
  /** Fills `into` with the bytes from `position`; rejects when the value ends before. */
  read(into: Uint8Array, position: number): Promise<void>;
  close(): Promise<void>;
}

/** Linux writes at most this much per call (MAX_RW_COUNT), and takes at most 1024 buffers. */
const MAX_IO = 0x7ffff000;
const MAX_IOV = 1024;

/** Writes every byte of `parts` from the file's start: writev, continued after partial writes. */
async function writeAll(handle: FileHandle, parts: readonly Uint8Array[]): Promise<void> {
  let position = 0;
  let i = 0;
  let skip = 0; // bytes of parts[i] already written
  while (i < parts.length) {
    if (parts[i]!.byteLength === skip) {
      i++;
      skip = 0;
      continue;
    }
    const batch: Uint8Array[] = [];
    let bytes = 0;
    for (let j = i; j < parts.length && batch.length < MAX_IOV && bytes < MAX_IO; j++) {
      const p = j === i ? parts[j]!.subarray(skip) : parts[j]!;
      const take = p.subarray(0, Math.min(p.byteLength, MAX_IO - bytes));
      if (take.byteLength > 0) batch.push(take);
      bytes += take.byteLength;
    }
    let { bytesWritten: written } = await handle.writev(batch, position);
    if (written === 0) throw new Error(`writev wrote nothing at byte ${position}`);
    position += written;
    while (written > 0) {
      const left = parts[i]!.byteLength - skip;
      if (written >= left) {
        written -= left;
        i++;
        skip = 0;
      } else {
        skip += written;
        written = 0;
      }
    }
  }
}

/** A file open for reading ranges. */
class FileReader implements BlockReader {
  constructor(
    readonly handle: FileHandle,
    readonly size: number,
    readonly file: string,
  ) {}

  async read(into: Uint8Array, position: number): Promise<void> {
    let done = 0;
    while (done < into.byteLength) {
      const n = Math.min(into.byteLength - done, MAX_IO);
      const { bytesRead } = await this.handle.read(into, done, n, position + done);
      if (bytesRead === 0)
        throw new RangeError(`${this.file} ends at byte ${position + done}, before the ${into.byteLength} bytes read from ${position}`);
      done += bytesRead;
    }
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

function checkKey(key: unknown, what: string): string {
  if (typeof key !== 'string' || key === '' || key.startsWith('/') || key.split('/').some((p) => p === '' || p === '.' || p === '..'))
    throw new TypeError(
      `A block store ${what} must be a relative '/'-separated path without '.' or '..' parts. Got ${JSON.stringify(key)} instead.`,
    );
  return key;
}

/**
 * A {@link BlockStore} in a directory every worker mounts at the same path. Writes go to a hidden
 * temporary sibling (io's atomic store discipline) and are renamed into place.
 *
 * @example
 * const store = new DirectoryStore('/mnt/shared/tessera');
 */
export class DirectoryStore implements BlockStore {
  readonly url: string;
  constructor(dir: string) {
    if (typeof dir !== 'string' || dir === '') throw new TypeError(`DirectoryStore needs a directory path. Got ${String(dir)} instead.`);
    this.url = resolve(dir);
  }

  #path(key: string): string {
    return join(this.url, ...checkKey(key, 'key').split('/'));
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const file = this.#path(key);
    await mkdir(dirname(file), { recursive: true });
    const temp = temporarySibling(file);
    try {
      await writeFile(temp, data);
      await rename(temp, file);
    } catch (error) {
      await discard(temp);
      throw error;
    }
  }

  /** Writes the parts to the temporary sibling with writev (no joined copy), then renames it into place. */
  async putParts(key: string, parts: readonly Uint8Array[]): Promise<void> {
    const file = this.#path(key);
    await mkdir(dirname(file), { recursive: true });
    const temp = temporarySibling(file);
    try {
      const handle = await open(temp, 'w');
      try {
        await writeAll(handle, parts);
      } finally {
        await handle.close();
      }
      await rename(temp, file);
    } catch (error) {
      await discard(temp);
      throw error;
    }
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      return await readFile(this.#path(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new BlockMissingError(this.url, key, { cause: error });
      throw error;
    }
  }

  async openRead(key: string): Promise<BlockReader> {
    const file = this.#path(key);
    let handle: FileHandle;
    try {
      handle = await open(file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new BlockMissingError(this.url, key, { cause: error });
      throw error;
    }
    try {
      return new FileReader(handle, (await handle.stat()).size, file);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.#path(key), { force: true });
  }

  async deletePrefix(prefix: string): Promise<void> {
    await rm(this.#path(prefix), { recursive: true, force: true });
  }

  async list(prefix: string): Promise<string[]> {
    try {
      return (await readdir(this.#path(prefix))).filter((n) => !n.startsWith('.')).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }
}

/** Options of an {@link S3Store}: what `@aws-sdk/client-s3`'s `S3Client` takes. */
export interface S3StoreOptions {
  /** An S3-compatible endpoint (`http://127.0.0.1:9000`); default: AWS (or `AWS_ENDPOINT_URL`). */
  endpoint?: string;
  /** Default: `AWS_REGION`, else `us-east-1`. */
  region?: string;
  /** Path-style addressing (most S3-compatible servers want it); default true when `endpoint` is set. */
  forcePathStyle?: boolean;
  /** Default: the SDK's credential chain (environment, profile, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * A {@link BlockStore} in an S3 bucket (`s3://bucket/prefix`), through `@aws-sdk/client-s3`. Each
 * block is one PUT (atomic in S3: a reader gets the old object or the whole new one), deletes are
 * batched `DeleteObjects` of up to 1000 keys. Credentials and region come from the SDK's usual
 * chain unless given; `TESSERA_S3_ENDPOINT` names an S3-compatible server for workers started by
 * the command line.
 *
 * @example
 * const store = new S3Store('s3://my-bucket/tessera', { endpoint: 'http://minio:9000' });
 */
export class S3Store implements BlockStore {
  readonly url: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly #options: S3StoreOptions;
  #client: Promise<S3Like> | undefined;

  constructor(url: string, options: S3StoreOptions = {}) {
    const m = typeof url === 'string' ? /^s3:\/\/([^/]+)\/?(.*)$/.exec(url) : null;
    if (!m) throw new TypeError(`S3Store needs a URL of the form s3://bucket/prefix. Got ${JSON.stringify(url)} instead.`);
    this.bucket = m[1]!;
    this.prefix = m[2]!.replace(/\/+$/, '');
    this.url = `s3://${this.bucket}${this.prefix ? `/${this.prefix}` : ''}`;
    this.#options = options;
  }

  #key(key: string): string {
    checkKey(key, 'key');
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  /** The SDK is loaded on first use: directory-store users never pay for it. */
  #s3(): Promise<S3Like> {
    this.#client ??= import('@aws-sdk/client-s3').then((sdk) => {
      const o = this.#options;
      const endpoint = o.endpoint ?? process.env['TESSERA_S3_ENDPOINT'];
      const client = new sdk.S3Client({
        region: o.region ?? process.env['AWS_REGION'] ?? 'us-east-1',
        ...(endpoint ? { endpoint } : {}),
        forcePathStyle: o.forcePathStyle ?? endpoint !== undefined,
        ...(o.credentials ? { credentials: o.credentials } : {}),
      });
      return { sdk, client };
    });
    return this.#client;
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const { sdk, client } = await this.#s3();
    await client.send(new sdk.PutObjectCommand({ Bucket: this.bucket, Key: this.#key(key), Body: data }));
  }

  async get(key: string): Promise<Uint8Array> {
    const { sdk, client } = await this.#s3();
    try {
      const out = await client.send(new sdk.GetObjectCommand({ Bucket: this.bucket, Key: this.#key(key) }));
      return await out.Body!.transformToByteArray();
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'NoSuchKey' || name === 'NotFound') throw new BlockMissingError(this.url, key, { cause: error });
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    const { sdk, client } = await this.#s3();
    await client.send(new sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: this.#key(key) }));
  }

  async #keysUnder(prefix: string, delimiter?: string): Promise<{ keys: string[]; dirs: string[] }> {
    const { sdk, client } = await this.#s3();
    const full = `${this.#key(prefix)}/`;
    const keys: string[] = [];
    const dirs: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new sdk.ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: full,
          ContinuationToken: token,
          ...(delimiter ? { Delimiter: delimiter } : {}),
        }),
      );
      for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix) dirs.push(p.Prefix.slice(full.length).replace(/\/$/, ''));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return { keys, dirs };
  }

  async deletePrefix(prefix: string): Promise<void> {
    const { sdk, client } = await this.#s3();
    const { keys } = await this.#keysUnder(prefix);
    for (let i = 0; i < keys.length; i += 1000) {
      const Objects = keys.slice(i, i + 1000).map((Key) => ({ Key }));
      await client.send(new sdk.DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects, Quiet: true } }));
    }
  }

  async list(prefix: string): Promise<string[]> {
    const { keys, dirs } = await this.#keysUnder(prefix, '/');
    const full = `${this.#key(prefix)}/`;
    return [...new Set([...dirs, ...keys.map((k) => k.slice(full.length))])].sort();
  }
}

interface S3Like {
  readonly sdk: typeof import('@aws-sdk/client-s3');
  readonly client: import('@aws-sdk/client-s3').S3Client;
}

/**
 * The store a spec names: an `s3://bucket/prefix` URL, or a directory (absolute, or relative to
 * the current directory). A {@link BlockStore} is returned as it is.
 */
export function openStore(spec: string | BlockStore, s3?: S3StoreOptions): BlockStore {
  if (typeof spec === 'object' && spec !== null && typeof (spec as BlockStore).put === 'function') return spec;
  if (typeof spec !== 'string' || spec === '')
    throw new TypeError(`The 'store' option must be a directory, an s3://bucket/prefix URL or a BlockStore. Got ${String(spec)} instead.`);
  if (spec.startsWith('s3://')) return new S3Store(spec, s3);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec))
    throw new TypeError(`The 'store' option: unsupported URL scheme in '${spec}' (use a directory or s3://).`);
  return new DirectoryStore(isAbsolute(spec) ? spec : resolve(spec));
}

export const RUNS = 'runs';
/** The prefix of a run's blocks. */
export function runPrefix(runId: string): string {
  return `${RUNS}/${runId}`;
}
