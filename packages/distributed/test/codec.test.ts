/**
 * The codec's frames: values holding shared WebAssembly memories with views aliasing them (a
 * prepared SGD block), bare SharedArrayBuffers, large typed arrays, nesting and cycles, through
 * the one-buffer form (Redis, S3) and the directory store's parts / ranges; and clear errors for
 * frames that are truncated or not frames.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BlockFormatError, ClusterError, DirectoryStore, S3Store, type BlockStore } from '../src/index.js';
import { RAW_MIN, decode, encode, encodeParts, makeMemoriesAhead, readValue, writeValue } from '../src/codec.js';
import { S3_CREDENTIALS, TestS3 } from './s3.js';

interface WasmMemory {
  readonly buffer: ArrayBufferLike;
}
const WA = (globalThis as unknown as { WebAssembly: { Memory: new (d: object) => WasmMemory } }).WebAssembly;

let dir: string;
let s3: TestS3;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-codec-'));
  s3 = await TestS3.start();
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await s3?.close();
});

/** A prepared block as the SGD chain makes one: X and y are views into a shared memory, the hint holds the memory. */
function preparedBlock(pages = 3) {
  const memory = new WA.Memory({ initial: pages, maximum: pages, shared: true });
  const rows = 1000;
  const X = new Float64Array(memory.buffer, 128, rows * 20);
  for (let i = 0; i < X.length; i++) X[i] = i * 0.5 - 7;
  const y = new Float64Array(memory.buffer, 128 + X.byteLength, rows);
  for (let i = 0; i < rows; i++) y[i] = i % 2;
  new Int32Array(memory.buffer, 0, 32).set([1, 2, 3], 24); // header words ride along
  return {
    X: { dtype: 'float64', shape: [rows, 20], data: X },
    y: { dtype: 'float64', shape: [rows], data: y },
    sampleWeight: null,
    hint: { kind: 'sgd-rows', seed: 3, nSamples: rows, nFeatures: 20, weighted: false, memory },
  };
}
type Prepared = ReturnType<typeof preparedBlock>;

function checkPrepared(back: Prepared, original: Prepared): void {
  const memory = back.hint.memory;
  expect(memory).toBeInstanceOf(WA.Memory);
  expect(memory).not.toBe(original.hint.memory);
  expect(memory.buffer).toBeInstanceOf(SharedArrayBuffer);
  expect(memory.buffer.byteLength).toBe(original.hint.memory.buffer.byteLength);
  // The views alias the restored memory, at the same offsets, as structured clone would give them.
  expect(back.X.data.buffer).toBe(memory.buffer);
  expect(back.y.data.buffer).toBe(memory.buffer);
  expect(back.X.data.byteOffset).toBe(128);
  expect(back.y.data.byteOffset).toBe(original.y.data.byteOffset);
  expect(Buffer.from(memory.buffer as SharedArrayBuffer).equals(Buffer.from(original.hint.memory.buffer as SharedArrayBuffer))).toBe(true);
  back.X.data[0] = 99;
  expect(new Float64Array(memory.buffer, 128, 1)[0]).toBe(99);
  expect(original.X.data[0]).toBe(-7);
}

test('a prepared block (views into a shared WebAssembly memory) is written once, and decodes with the same aliasing', () => {
  const block = preparedBlock();
  const { parts, byteLength } = encodeParts(block);
  // The memory's own bytes are a part (no copy), and the views are not written again.
  expect(parts.some((p) => p.buffer === block.hint.memory.buffer && p.byteLength === block.hint.memory.buffer.byteLength)).toBe(true);
  expect(byteLength).toBeLessThan(block.hint.memory.buffer.byteLength + 4096);
  checkPrepared(decode<Prepared>(encode(block)), block);
});

test('views met before their memory, a memory reached twice, and its buffer reached bare are one section', () => {
  const a = preparedBlock(3);
  const value = { first: [a.X.data, a.y.data], again: { m: a.hint.memory }, m: a.hint.memory, raw: a.hint.memory.buffer };
  const enc = encode(value);
  expect(enc.byteLength).toBeLessThan(3 * 65536 + 4096);
  const back = decode<typeof value>(enc);
  expect(back.m).toBe(back.again.m);
  expect(back.raw).toBe(back.m.buffer);
  expect(back.first[0]!.buffer).toBe(back.m.buffer);
  expect(back.first[1]![3]).toBe(1);
});

test('bare SharedArrayBuffers and views into them keep their aliasing; views into unreached shared memory are copied', () => {
  const sab = new SharedArrayBuffer(1 << 20);
  const a = new Uint8Array(sab, 10, 100).fill(7);
  const d = new DataView(sab, 5, 50);
  const other = new Float64Array(new SharedArrayBuffer(64)).fill(1.5);
  const back = decode<{ sab: SharedArrayBuffer; a: Uint8Array; d: DataView; other: Float64Array }>(encode({ a, d, sab, other }));
  expect(back.sab).toBeInstanceOf(SharedArrayBuffer);
  expect(back.a.buffer).toBe(back.sab);
  expect(back.d).toBeInstanceOf(DataView);
  expect(back.d.buffer).toBe(back.sab);
  expect(back.d.getUint8(5)).toBe(7);
  expect([...back.other]).toEqual([1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5]);
});

test('large typed arrays go as raw sections: types, offsets, Buffer and DataView kept; small ones and other values as before', () => {
  const base = new ArrayBuffer(RAW_MIN * 4);
  const f64 = new Float64Array(base, 8, RAW_MIN / 4);
  for (let i = 0; i < f64.length; i++) f64[i] = i + 0.25;
  const value = {
    f64,
    same: f64,
    i32: new Int32Array(RAW_MIN).fill(-3),
    u8c: new Uint8ClampedArray(RAW_MIN).fill(200),
    big: new BigInt64Array(RAW_MIN / 8).fill(-5n),
    dv: new DataView(new ArrayBuffer(RAW_MIN + 3)),
    buf: Buffer.alloc(RAW_MIN, 9),
    small: new Float32Array([1, 2, 3]),
    nested: new Map<string, unknown>([['deep', [{ s: new Set([1, 'x']) }, new Uint16Array(RAW_MIN).fill(4)]]]),
    n: 12n,
    e: new RangeError('bad'),
    d: new Date(0),
  };
  value.dv.setUint8(RAW_MIN + 2, 77);
  const { parts } = encodeParts(value);
  expect(parts.some((p) => p.buffer === base)).toBe(true); // written from the array's own memory
  const back = decode<typeof value>(encode(value));
  expect(back.f64).toBeInstanceOf(Float64Array);
  expect(back.f64.length).toBe(f64.length);
  expect(back.f64[10]).toBe(10.25);
  expect(back.same).toBe(back.f64);
  expect(back.i32[RAW_MIN - 1]).toBe(-3);
  expect(back.u8c).toBeInstanceOf(Uint8ClampedArray);
  expect(back.big[0]).toBe(-5n);
  expect(back.dv).toBeInstanceOf(DataView);
  expect(back.dv.getUint8(RAW_MIN + 2)).toBe(77);
  expect(Buffer.isBuffer(back.buf)).toBe(true);
  expect(back.buf[RAW_MIN - 1]).toBe(9);
  expect([...back.small]).toEqual([1, 2, 3]);
  const deep = back.nested.get('deep') as [{ s: Set<unknown> }, Uint16Array];
  expect([...deep[0].s]).toEqual([1, 'x']);
  expect(deep[1][5]).toBe(4);
  expect(back.n).toBe(12n);
  expect(back.e).toBeInstanceOf(RangeError);
  expect(back.d.getTime()).toBe(0);
});

test('a cycle through a container that holds a memory comes back as a cycle', () => {
  const block = preparedBlock();
  const holder: Record<string, unknown> = { block };
  holder['self'] = holder;
  const back = decode<typeof holder>(encode(holder));
  expect(back['self']).toBe(back);
  expect((back['block'] as Prepared).X.data.buffer).toBe((back['block'] as Prepared).hint.memory.buffer);
});

test('a non-shared WebAssembly memory crosses as a non-shared memory with its views', () => {
  const memory = new WA.Memory({ initial: 1, maximum: 1 });
  const v = new Int32Array(memory.buffer, 16, 4).fill(11);
  const back = decode<{ memory: WasmMemory; v: Int32Array }>(encode({ v, memory }));
  expect(back.memory).toBeInstanceOf(WA.Memory);
  expect(back.memory.buffer).toBeInstanceOf(ArrayBuffer);
  expect(back.v.buffer).toBe(back.memory.buffer);
  expect([...back.v]).toEqual([11, 11, 11, 11]);
});

const stores: [string, () => BlockStore][] = [
  ['DirectoryStore (parts written with writev, read into place)', () => new DirectoryStore(join(dir, 'store'))],
  ['S3Store (one PUT of the frame)', () => new S3Store('s3://blocks/codec', { endpoint: s3.endpoint, credentials: S3_CREDENTIALS })],
];

describe.each(stores)('%s', (_name, make) => {
  test('a prepared block and nested large arrays round-trip through the store', async () => {
    const store = make();
    const block = preparedBlock();
    const value = { block, extra: [new Float64Array(RAW_MIN).fill(3)], note: 'x' };
    const written = await writeValue(store, 'runs/codec/block-0', encodeParts(value));
    const back = await readValue<typeof value>(store, 'runs/codec/block-0');
    checkPrepared(back.block, block);
    expect(back.extra[0]![RAW_MIN - 1]).toBe(3);
    expect(back.note).toBe('x');
    expect((await store.get('runs/codec/block-0')).byteLength).toBe(written);
    await store.deletePrefix('runs/codec');
  });
});

describe('unreadable frames are a BlockFormatError naming the key', () => {
  test('truncated', async () => {
    const store = new DirectoryStore(join(dir, 'bad'));
    await writeValue(store, 'runs/r/trunc', encodeParts(preparedBlock()));
    const file = join(dir, 'bad', 'runs', 'r', 'trunc');
    truncateSync(file, readFileSync(file).byteLength - 1000);
    const read = readValue(store, 'runs/r/trunc');
    await expect(read).rejects.toThrow(BlockFormatError);
    await expect(readValue(store, 'runs/r/trunc')).rejects.toThrow(
      /Block 'runs\/r\/trunc' in the store .*bad cannot be read: it is truncated/,
    );
    // The same through the one-buffer path (S3, or a store without ranges).
    expect(() => decode(readFileSync(file), { store: store.url, key: 'runs/r/trunc' })).toThrow(/'runs\/r\/trunc'.*truncated/);
    truncateSync(file, 10);
    await expect(readValue(store, 'runs/r/trunc')).rejects.toThrow(/fewer than a frame's header/);
  });

  test('not a frame, or a corrupt skeleton or section table', async () => {
    const store = new DirectoryStore(join(dir, 'bad'));
    const file = join(dir, 'bad', 'runs', 'r', 'junk');
    await store.put('runs/r/junk', Buffer.from('{"not":"a block"} and some more bytes to be long enough'));
    await expect(readValue(store, 'runs/r/junk')).rejects.toThrow(/Block 'runs\/r\/junk' .* does not start with a Tessera frame header/);
    const frame = encode({ a: [1, 2, 3], b: 'text' });
    frame.fill(0xee, 40, frame.byteLength); // the skeleton
    writeFileSync(file, frame);
    await expect(readValue(store, 'runs/r/junk')).rejects.toThrow(BlockFormatError);
    await expect(readValue(store, 'runs/r/junk')).rejects.toThrow(/runs\/r\/junk.*skeleton could not be deserialized/);
    const withSection = encode({ t: new Float64Array(RAW_MIN) });
    withSection.writeUInt32LE(7, 24 + 16); // section 0's kind
    writeFileSync(file, withSection);
    await expect(readValue(store, 'runs/r/junk')).rejects.toThrow(/unknown kind 7/);
    expect(readdirSync(join(dir, 'bad', 'runs', 'r')).sort()).toEqual(['junk', 'trunc']);
  });

  test('an inline message that is not a frame is a ClusterError', () => {
    expect(() => decode(Buffer.from('hello, this is not a frame at all'))).toThrow(ClusterError);
  });
});

test('memories made ahead: each read gets a memory nobody has seen, and earlier blocks are left as they were', async () => {
  const store = new DirectoryStore(join(dir, 'ahead'));
  const blocks = [preparedBlock(), preparedBlock(), preparedBlock()];
  blocks.forEach((b, i) => (b.X.data[1] = 1000 + i));
  for (let i = 0; i < blocks.length; i++) await writeValue(store, `runs/a/b-${i}`, encodeParts(blocks[i]));
  makeMemoriesAhead(true);
  try {
    const read: Prepared[] = [];
    for (let i = 0; i < blocks.length; i++) {
      read.push(await readValue<Prepared>(store, `runs/a/b-${i}`));
      await new Promise((r) => setTimeout(r, 20)); // the spare is made meanwhile
    }
    expect(new Set(read.map((b) => b.hint.memory)).size).toBe(3);
    read.forEach((b, i) => {
      checkPrepared(b, blocks[i]!);
      expect(b.X.data[1]).toBe(1000 + i);
    });
  } finally {
    makeMemoriesAhead(false);
  }
});
