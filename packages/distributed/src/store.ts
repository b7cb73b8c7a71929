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
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
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

  async get(key: string): Promise<Uint8Array> {
    try {
      return await readFile(this.#path(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new BlockMissingError(this.url, key, { cause: error });
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
