/**
 * The BlockStore contract, on both stores: the directory store and the S3 store against a local
 * S3-compatible server (s3rver). Atomic writes, overwrite of a key with the same bytes (a retried
 * task), missing keys, prefixes, listing, and bad keys.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BlockMissingError, DirectoryStore, S3Store, openStore, type BlockStore } from '../src/index.js';
import { decode, encode } from '../src/codec.js';
import { S3_CREDENTIALS, TestS3 } from './s3.js';

let dir: string;
let s3: TestS3;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-store-'));
  s3 = await TestS3.start();
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await s3?.close();
});

const stores: [string, () => BlockStore][] = [
  ['DirectoryStore', () => new DirectoryStore(join(dir, 'store'))],
  ['S3Store (s3rver)', () => new S3Store('s3://blocks/tessera', { endpoint: s3.endpoint, credentials: S3_CREDENTIALS })],
];

describe.each(stores)('%s', (_name, make) => {
  test('put / get / overwrite / delete / deletePrefix / list', async () => {
    const store = make();
    await store.put('runs/r1/a-0', Uint8Array.of(1, 2, 3));
    await store.put('runs/r1/b-0', new Uint8Array(100_000).fill(7));
    await store.put('runs/r2/a-0', Uint8Array.of(9));
    expect([...(await store.get('runs/r1/a-0'))]).toEqual([1, 2, 3]);
    expect((await store.get('runs/r1/b-0')).byteLength).toBe(100_000);
    // A retried task writes the same key again: harmless.
    await store.put('runs/r1/a-0', Uint8Array.of(1, 2, 3));
    expect([...(await store.get('runs/r1/a-0'))]).toEqual([1, 2, 3]);
    expect(await store.list('runs')).toEqual(['r1', 'r2']);
    expect(await store.list('runs/r1')).toEqual(['a-0', 'b-0']);
    await store.delete('runs/r1/a-0');
    await store.delete('runs/r1/a-0'); // idempotent
    await expect(store.get('runs/r1/a-0')).rejects.toThrow(BlockMissingError);
    await expect(store.get('runs/r1/a-0')).rejects.toThrow(`Block 'runs/r1/a-0' is not in the store ${store.url}.`);
    await store.deletePrefix('runs/r1');
    expect(await store.list('runs')).toEqual(['r2']);
    await store.deletePrefix('runs/r2');
    expect(await store.list('runs')).toEqual([]);
    expect(await store.list('nothing/here')).toEqual([]);
  });

  test('bad keys are a TypeError naming the key', async () => {
    const store = make();
    for (const key of ['', '/abs', 'a/../b', 'a//b', './a']) {
      await expect(store.put(key, Uint8Array.of(1))).rejects.toThrow(TypeError);
    }
    await expect(store.get('a/../../etc/passwd')).rejects.toThrow(/"a\/..\/..\/etc\/passwd"/);
  });

  test('blocks round-trip through the codec: typed arrays over shared memory, Maps, bigints, errors', async () => {
    const store = make();
    const shared = new Float64Array(new SharedArrayBuffer(32)).fill(1.5);
    const value = { shared, raw: new SharedArrayBuffer(8), m: new Map([[1, 2n]]), e: new RangeError('x') };
    await store.put('runs/c/v', encode(value));
    const back = decode<typeof value>(await store.get('runs/c/v'));
    expect([...back.shared]).toEqual([1.5, 1.5, 1.5, 1.5]);
    expect(back.raw.byteLength).toBe(8);
    expect(back.m.get(1)).toBe(2n);
    expect(back.e).toBeInstanceOf(RangeError);
    await store.deletePrefix('runs/c');
  });
});

test('the directory store writes beside and renames: no temporary is left, and a reader never sees half a block', async () => {
  const store = new DirectoryStore(join(dir, 'atomic'));
  const big = new Uint8Array(8 << 20).fill(3);
  const reads: number[] = [];
  await store.put('runs/x/k', Uint8Array.of(1));
  await Promise.all([
    store.put('runs/x/k', big),
    (async () => {
      for (let i = 0; i < 20; i++) reads.push((await store.get('runs/x/k')).byteLength);
    })(),
  ]);
  expect(reads.every((n) => n === 1 || n === big.byteLength)).toBe(true);
  expect(readdirSync(join(dir, 'atomic', 'runs', 'x'))).toEqual(['k']);
});

test('a shared WebAssembly memory (a prepared block) crosses processes as its bytes', () => {
  const WA = (globalThis as unknown as { WebAssembly: { Memory: new (d: object) => { buffer: SharedArrayBuffer } } }).WebAssembly;
  const memory = new WA.Memory({ initial: 1, maximum: 1, shared: true });
  new Uint8Array(memory.buffer).set([5, 6, 7], 100);
  const back = decode<{ hint: { memory: { buffer: SharedArrayBuffer } } }>(encode({ hint: { memory } }));
  expect(back.hint.memory).toBeInstanceOf(WA.Memory);
  expect(back.hint.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
  expect([...new Uint8Array(back.hint.memory.buffer, 100, 3)]).toEqual([5, 6, 7]);
});

test('openStore: directories, s3:// URLs, and errors', () => {
  expect(openStore('/tmp/x')).toBeInstanceOf(DirectoryStore);
  expect(openStore('s3://b/p').url).toBe('s3://b/p');
  expect(() => openStore('http://x/y')).toThrow(/unsupported URL scheme/);
  expect(() => openStore('' as string)).toThrow(TypeError);
  expect(() => new S3Store('s3:///nobucket')).toThrow(TypeError);
});
