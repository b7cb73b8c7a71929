/**
 * What travels between the coordinator and the workers. Batches (`BatchRequest`) and answers
 * (`BatchResponse`) are serialized with V8's serializer — the structured clone the thread
 * scheduler's messages use, so typed arrays, Maps, bigints and errors arrive as they would on a
 * thread — and carried as base64 in BullMQ job data and return values. A result that holds typed
 * arrays (a block, a model state) does not: it is written to the store and replaced by a
 * {@link BlockRef}, which is what the coordinator's engine holds and passes on as an input.
 *
 * **The frame.** Large raw bytes never go through V8's serializer (which copies them, and copies
 * a view over shared memory apart from its buffer): a value is encoded as a small header, the
 * serialized *skeleton* (the value with each large buffer replaced by a reference), then the raw
 * byte *sections*, each 64-byte aligned:
 *
 * ```text
 * 0   'TSBF' u8 version=1, 3 reserved bytes
 * 8   u32 skeleton bytes, u32 section count
 * 16  u64 total bytes (the whole frame: a shorter file is truncated)
 * 24  per section, 32 bytes: u64 offset, u64 bytes, u32 kind, u32 pages, u32 flags, u32 reserved
 * …   the skeleton (V8 serialization), zero padding to 64, then each section, padded to 64
 * ```
 *
 * A section is a WebAssembly memory (restored as a memory of the same pages, shared or not), a
 * SharedArrayBuffer reached in the value, or the bytes of one large typed array (≥ 64 KiB,
 * restored over a fresh ArrayBuffer). Views (typed arrays, DataView) over a memory's or a reached
 * SharedArrayBuffer's bytes are references into that one section, and decode rebuilds them as
 * views into the restored buffer: the same aliasing as structured clone between threads, and the
 * bytes written once (a prepared SGD block's X and y are views into its memory). Views over
 * shared memory that is not itself in the value are copied, as V8's serializer does.
 *
 * The parts are written as they are ({@link encodeParts}: the header, then the memories' and
 * arrays' own bytes, no concatenation) by a store that can (`BlockStore.putParts`), and read back
 * straight into the memory or buffer they end up in (`BlockStore.openRead`); {@link encode} and
 * {@link decode} are the one-buffer forms (Redis payloads, stores without those methods).
 */
import { DefaultDeserializer, DefaultSerializer } from 'node:v8';
import { BlockFormatError, ClusterError } from './errors.js';
import type { BlockReader, BlockStore } from './store.js';

/** A result kept in the store: its key and the bytes of typed arrays in it (for memory budgets). */
export interface BlockRef {
  readonly __tesseraBlock: string;
  readonly bytes: number;
  /**
   * The registration id of the worker process that wrote it (keys.ts): it keeps the result for a
   * moment, so the coordinator routes a batch that reads it to that worker's private queue.
   */
  readonly w?: string;
  /**
   * Set when the result was not written: it is only in the memory of worker `w`, kept for the one
   * batch that reads it (thread.ts, "unwritten results"); its job stays active until then.
   */
  readonly u?: 1;
}

export function isBlockRef(v: unknown): v is BlockRef {
  return v !== null && typeof v === 'object' && typeof (v as BlockRef).__tesseraBlock === 'string';
}

interface MemoryLike {
  readonly buffer: ArrayBufferLike;
}
interface MemoryCtor {
  new (d: { initial: number; maximum?: number; shared?: boolean }): MemoryLike;
}
const WasmMemory = (globalThis as unknown as { WebAssembly?: { Memory: MemoryCtor } }).WebAssembly?.Memory;
const PAGE = 65536;

const MAGIC = 0x46425354; // 'TSBF' little-endian
const VERSION = 1;
const HEAD = 24;
const ENTRY = 32;
const ALIGN = 64;
/** Views at least this large are written as sections of their own rather than inside the skeleton. */
export const RAW_MIN = 64 * 1024;

const enum Kind {
  Memory = 1,
  Shared = 2,
  Bytes = 3,
}
const enum Tag {
  /** A small view, serialized by Node's default serializer. */
  Inline = 0,
  /** A WebAssembly memory: section. */
  Memory = 1,
  /** A SharedArrayBuffer: section. */
  Shared = 2,
  /** A view into a memory or SharedArrayBuffer section: section, type, byte offset, length. */
  View = 3,
  /** A view whose bytes are a section of their own: section, type. */
  Bytes = 4,
}

/** View types a section's reference can rebuild ('Buffer' is Node's). */
const VIEW_TYPES = [
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'DataView',
  'BigInt64Array',
  'BigUint64Array',
  'Buffer',
  'Float16Array',
] as const;
type ViewCtor = new (buffer: ArrayBufferLike, byteOffset?: number, length?: number) => ArrayBufferView;
const VIEW_INDEX = new Map<string, number>(VIEW_TYPES.map((n, i) => [n, i]));

function viewType(view: ArrayBufferView): number | undefined {
  if (Buffer.isBuffer(view)) return VIEW_INDEX.get('Buffer');
  const i = VIEW_INDEX.get(Object.prototype.toString.call(view).slice(8, -1));
  // Only the built-in types (a subclass would come back as its base, as Node's serializer does).
  return i !== undefined && (globalThis as Record<string, unknown>)[VIEW_TYPES[i]!] !== undefined ? i : undefined;
}

function makeView(type: number, buffer: ArrayBufferLike, byteOffset: number, length: number): ArrayBufferView {
  const name = VIEW_TYPES[type];
  if (name === 'Buffer') return Buffer.from(buffer, byteOffset, length);
  const Ctor = name === undefined ? undefined : ((globalThis as Record<string, unknown>)[name] as ViewCtor | undefined);
  if (Ctor === undefined) throw new FrameError(`a view of unknown type ${type}`);
  return new Ctor(buffer, byteOffset, length);
}

const elementsOf = (view: ArrayBufferView): number =>
  view instanceof DataView ? view.byteLength : (view as unknown as { length: number }).length;

interface Section {
  readonly kind: Kind;
  readonly bytes: Uint8Array;
  readonly pages: number;
  readonly shared: boolean;
}

/** A value encoded as a frame: `parts` written one after the other are its bytes. */
export interface Encoded {
  /** The header (with the skeleton), then each section's bytes and padding: views of the value's own memory. */
  readonly parts: readonly Uint8Array[];
  readonly byteLength: number;
  /**
   * Every large buffer in the value is shared memory (a shared WebAssembly memory, a
   * SharedArrayBuffer): another thread of this process gets it by structured clone without a copy.
   */
  readonly shared: boolean;
}

class NeedsWalk extends Error {}

// Node's hooks for host objects (typed arrays, DataView), which @types/node does not declare: the
// default ones serialize a view's own bytes.
const defaultWriteHost = (DefaultSerializer.prototype as unknown as { _writeHostObject(this: DefaultSerializer, o: object): void })
  ._writeHostObject;
const defaultReadHost = (DefaultDeserializer.prototype as unknown as { _readHostObject(this: DefaultDeserializer): unknown })
  ._readHostObject;

/** A memory or a SharedArrayBuffer replaced by a stand-in: its section, and which of the two it was. */
interface StandIn {
  readonly section: number;
  readonly tag: Tag.Memory | Tag.Shared;
}

class FrameSerializer extends DefaultSerializer {
  readonly sections: Section[];
  /** Buffers (memories', reached SharedArrayBuffers) already sections, for the views into them. */
  readonly #sectionOf: Map<ArrayBufferLike, number>;
  /** Stand-ins for memories and SharedArrayBuffers: host objects the hook below writes as references. */
  readonly #standIns: Map<object, StandIn>;
  readonly #strict: boolean;

  constructor(sections: Section[], sectionOf: Map<ArrayBufferLike, number>, standIns: Map<object, StandIn>, strict: boolean) {
    super();
    this.sections = sections;
    this.#sectionOf = sectionOf;
    this.#standIns = standIns;
    this.#strict = strict;
  }

  _getSharedArrayBufferId(): number {
    // A memory or a SharedArrayBuffer the walk did not replace: the value needs the walk (first
    // attempt), or holds one where the walk does not reach (inside an Error's fields).
    if (!this.#strict) throw new NeedsWalk();
    throw new TypeError('A SharedArrayBuffer or WebAssembly memory inside this value could not be sent to a worker process.');
  }

  _writeHostObject(object: object): void {
    const standIn = this.#standIns.get(object);
    if (standIn !== undefined) {
      this.writeUint32(standIn.tag);
      this.writeUint32(standIn.section);
      return;
    }
    const view = object as ArrayBufferView;
    const type = ArrayBuffer.isView(view) ? viewType(view) : undefined;
    if (type !== undefined) {
      const into = this.#sectionOf.get(view.buffer);
      if (into !== undefined) {
        this.writeUint32(Tag.View);
        this.writeUint32(into);
        this.writeUint32(type);
        this.writeDouble(view.byteOffset);
        this.writeDouble(elementsOf(view));
        return;
      }
      if (view.byteLength >= RAW_MIN) {
        this.writeUint32(Tag.Bytes);
        this.writeUint32(this.sections.length);
        this.writeUint32(type);
        this.sections.push({
          kind: Kind.Bytes,
          bytes: new Uint8Array(view.buffer, view.byteOffset, view.byteLength),
          pages: 0,
          shared: false,
        });
        return;
      }
    }
    this.writeUint32(Tag.Inline);
    defaultWriteHost.call(this, view);
  }
}

/**
 * `value` with every WebAssembly memory and SharedArrayBuffer replaced by a stand-in (an empty
 * Uint8Array the serializer's hook writes as a section reference), containers copied on the way.
 * A memory and its buffer reached as a SharedArrayBuffer are one section.
 */
function replaceShared(
  value: unknown,
  memo: Map<object, unknown>,
  sections: Section[],
  sectionOf: Map<ArrayBufferLike, number>,
  standIns: Map<object, StandIn>,
): unknown {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value;
  if (memo.has(value)) return memo.get(value);
  const standInFor = (tag: Tag.Memory | Tag.Shared, buffer: ArrayBufferLike): unknown => {
    const memory = tag === Tag.Memory;
    const section: Section = {
      kind: memory ? Kind.Memory : Kind.Shared,
      bytes: new Uint8Array(buffer),
      pages: memory ? buffer.byteLength / PAGE : 0,
      shared: buffer instanceof SharedArrayBuffer,
    };
    let i = sectionOf.get(buffer);
    if (i === undefined) {
      i = sections.length;
      sections.push(section);
      sectionOf.set(buffer, i);
    } else if (memory) sections[i] = section; // its buffer came first, as a bare SharedArrayBuffer
    const standIn = new Uint8Array(0);
    standIns.set(standIn, { section: i, tag });
    memo.set(value, standIn);
    return standIn;
  };
  if (WasmMemory !== undefined && value instanceof WasmMemory) return standInFor(Tag.Memory, (value as MemoryLike).buffer);
  if (value instanceof SharedArrayBuffer) return standInFor(Tag.Shared, value);
  if (value instanceof Date || value instanceof RegExp || value instanceof Error || value instanceof ArrayBuffer) return value;
  const walk = (v: unknown) => replaceShared(v, memo, sections, sectionOf, standIns);
  // The copy is memoized before its contents are walked, so cycles come back to the copy.
  if (Array.isArray(value)) {
    const out: unknown[] = new Array(value.length);
    memo.set(value, out);
    value.forEach((v, i) => (out[i] = walk(v)));
    return out;
  }
  if (value instanceof Map) {
    const out = new Map();
    memo.set(value, out);
    for (const [k, v] of value) out.set(walk(k), walk(v));
    return out;
  }
  if (value instanceof Set) {
    const out = new Set();
    memo.set(value, out);
    for (const v of value) out.add(walk(v));
    return out;
  }
  // Any other object is serialized as its own enumerable properties (as structured clone does).
  const out: Record<string, unknown> = {};
  memo.set(value, out);
  for (const [k, v] of Object.entries(value)) out[k] = walk(v);
  return out;
}

const align = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;
const ZEROS = new Uint8Array(ALIGN);

/**
 * Encodes `value` as a frame (see the file's header), without copying its large buffers: the
 * returned parts are the header and views of the value's own memories and arrays, to be written
 * before anything changes them.
 */
export function encodeParts(value: unknown): Encoded {
  let ser = new FrameSerializer([], new Map(), new Map(), false);
  let skeleton: Buffer;
  try {
    ser.writeHeader();
    ser.writeValue(value);
    skeleton = ser.releaseBuffer();
  } catch (error) {
    // A WebAssembly memory or SharedArrayBuffer somewhere in the value (V8 asks for the shared
    // buffer's id, or refuses a non-shared memory): replace them by stand-ins, then again.
    if (!(error instanceof NeedsWalk) && !/Memory|SharedArrayBuffer/.test((error as Error)?.message ?? '')) throw error;
    const sections: Section[] = [];
    const sectionOf = new Map<ArrayBufferLike, number>();
    const standIns = new Map<object, StandIn>();
    const plain = replaceShared(value, new Map(), sections, sectionOf, standIns);
    if (sections.length === 0 && !(error instanceof NeedsWalk)) throw error;
    ser = new FrameSerializer(sections, sectionOf, standIns, true);
    ser.writeHeader();
    ser.writeValue(plain);
    skeleton = ser.releaseBuffer();
  }
  const sections = ser.sections;
  const tableEnd = HEAD + ENTRY * sections.length;
  let at = align(tableEnd + skeleton.byteLength);
  const head = Buffer.alloc(at);
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  dv.setUint32(0, MAGIC, true);
  head[4] = VERSION;
  dv.setUint32(8, skeleton.byteLength, true);
  dv.setUint32(12, sections.length, true);
  const parts: Uint8Array[] = [head];
  sections.forEach((s, i) => {
    const e = HEAD + ENTRY * i;
    dv.setBigUint64(e, BigInt(at), true);
    dv.setBigUint64(e + 8, BigInt(s.bytes.byteLength), true);
    dv.setUint32(e + 16, s.kind, true);
    dv.setUint32(e + 20, s.pages, true);
    dv.setUint32(e + 24, s.shared ? 1 : 0, true);
    if (s.bytes.byteLength > 0) parts.push(s.bytes);
    const pad = align(s.bytes.byteLength) - s.bytes.byteLength;
    if (pad > 0) parts.push(ZEROS.subarray(0, pad));
    at += align(s.bytes.byteLength);
  });
  dv.setBigUint64(16, BigInt(at), true);
  head.set(skeleton, tableEnd);
  const shared = sections.every((s) => s.bytes.buffer instanceof SharedArrayBuffer);
  return { parts, byteLength: at, shared };
}

/** Serializes a value as structured clone would send it to a thread, as one frame (see the file's header). */
export function encode(value: unknown): Buffer {
  const { parts, byteLength } = encodeParts(value);
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, byteLength);
}

/** What is wrong with a frame (the caller says which frame: a key in a store, a job's payload). */
class FrameError extends Error {}

interface Layout {
  readonly skeleton: [offset: number, bytes: number];
  readonly sections: {
    readonly offset: number;
    readonly bytes: number;
    readonly kind: Kind;
    readonly pages: number;
    readonly shared: boolean;
  }[];
  readonly total: number;
}

/** The frame's layout from its first bytes (`head`: at least the header and section table), checked against `size`. */
function layoutOf(head: Uint8Array, size: number): Layout | number {
  if (head.byteLength < HEAD) {
    if (size < HEAD) throw new FrameError(`it has ${size} bytes, fewer than a frame's header`);
    return HEAD;
  }
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (dv.getUint32(0, true) !== MAGIC) throw new FrameError('it does not start with a Tessera frame header (TSBF)');
  if (head[4] !== VERSION) throw new FrameError(`its frame version is ${head[4]}, this Tessera reads version ${VERSION}`);
  const skeletonBytes = dv.getUint32(8, true);
  const count = dv.getUint32(12, true);
  const total = Number(dv.getBigUint64(16, true));
  if (total !== size) throw new FrameError(`it is truncated or padded: ${size} bytes where its header says ${total}`);
  const tableEnd = HEAD + ENTRY * count;
  if (tableEnd + skeletonBytes > total)
    throw new FrameError(`its header (${count} sections, a ${skeletonBytes}-byte skeleton) runs past its end`);
  if (head.byteLength < tableEnd) return tableEnd;
  const sections: Layout['sections'] = [];
  let end = align(tableEnd + skeletonBytes);
  for (let i = 0; i < count; i++) {
    const e = HEAD + ENTRY * i;
    const offset = Number(dv.getBigUint64(e, true));
    const bytes = Number(dv.getBigUint64(e + 8, true));
    const kind = dv.getUint32(e + 16, true) as Kind;
    const pages = dv.getUint32(e + 20, true);
    const shared = dv.getUint32(e + 24, true) === 1;
    if (offset < end || offset % ALIGN !== 0 || offset + bytes > total)
      throw new FrameError(`its section ${i} (${bytes} bytes at ${offset}) lies outside the frame or overlaps another`);
    if (kind !== Kind.Memory && kind !== Kind.Shared && kind !== Kind.Bytes)
      throw new FrameError(`its section ${i} has an unknown kind ${kind}`);
    if (kind === Kind.Memory && (pages < 1 || pages * PAGE !== bytes))
      throw new FrameError(`its section ${i} is a WebAssembly memory of ${pages} pages but holds ${bytes} bytes`);
    sections.push({ offset, bytes, kind, pages, shared });
    end = offset + align(bytes);
  }
  return { skeleton: [tableEnd, skeletonBytes], sections, total };
}

/**
 * A memory made ahead for the next block of the same shape, on threads that read blocks in a
 * stream (a worker's: {@link makeMemoriesAhead}). A fresh 89 MB memory costs ~30 ms of page
 * faults when a block is read into it — on the serial chain's critical path when a link reads
 * its block; the spare is made and its pages touched in slices while the thread waits, and
 * handed out once. Only memories nobody else has seen are reused, so reuse is safe: a restored
 * memory, once given to a task, is never taken back (its consumer, or an estimator's pool, may
 * still hold it). Dropped after two idle seconds.
 */
interface Spare {
  readonly memory: MemoryLike;
  readonly pages: number;
  readonly shared: boolean;
  /** Bytes whose pages are touched so far (the whole memory: ready). */
  touched: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}
let spare: Spare | undefined;
let ahead = false;
const SPARE_IDLE_MS = 2000;
const TOUCH_SLICE = 8 << 20;

/** Has this thread make one WebAssembly memory ahead for the blocks it reads (see {@link Spare}). */
export function makeMemoriesAhead(on: boolean): void {
  ahead = on;
  if (!on) dropSpare();
}

function dropSpare(): void {
  if (spare?.timer !== undefined) clearTimeout(spare.timer);
  spare = undefined;
}

/** Starts making a spare memory of this shape (if there is none), touching its pages a slice per turn. */
function makeSpare(pages: number, shared: boolean): void {
  if (!ahead || WasmMemory === undefined || (spare && spare.pages === pages && spare.shared === shared)) return;
  dropSpare();
  const s: Spare = { memory: new WasmMemory({ initial: pages, maximum: pages, shared }), pages, shared, touched: 0, timer: undefined };
  spare = s;
  const bytes = new Uint8Array(s.memory.buffer);
  const slice = () => {
    if (spare !== s) return; // taken, or dropped
    const end = Math.min(bytes.byteLength, s.touched + TOUCH_SLICE);
    for (let i = s.touched; i < end; i += 4096) bytes[i] = 0;
    s.touched = end;
    if (end < bytes.byteLength) setImmediate(slice);
    else s.timer = setTimeout(() => spare === s && dropSpare(), SPARE_IDLE_MS).unref();
  };
  setImmediate(slice);
}

/** A memory for a section: the spare when it has the shape (then another is started), else a new one. */
function memoryFor(pages: number, shared: boolean, useSpare: boolean): MemoryLike {
  if (WasmMemory === undefined) throw new TypeError('This process has no WebAssembly: it cannot take a block kept in WebAssembly memory.');
  let memory: MemoryLike;
  if (useSpare && spare && spare.pages === pages && spare.shared === shared) {
    memory = spare.memory;
    dropSpare();
  } else memory = new WasmMemory({ initial: pages, maximum: pages, shared });
  if (useSpare) makeSpare(pages, shared);
  return memory;
}

/** The buffer each section is read into (a memory's is the memory's own). */
function destinations(layout: Layout, useSpare = false): { holders: unknown[]; buffers: ArrayBufferLike[] } {
  const holders: unknown[] = [];
  const buffers: ArrayBufferLike[] = [];
  for (const s of layout.sections) {
    if (s.kind === Kind.Memory) {
      const memory = memoryFor(s.pages, s.shared, useSpare);
      holders.push(memory);
      buffers.push(memory.buffer);
    } else {
      const buffer = s.kind === Kind.Shared ? new SharedArrayBuffer(s.bytes) : new ArrayBuffer(s.bytes);
      holders.push(buffer);
      buffers.push(buffer);
    }
  }
  return { holders, buffers };
}

class FrameDeserializer extends DefaultDeserializer {
  constructor(
    skeleton: Uint8Array,
    readonly holders: unknown[],
    readonly buffers: ArrayBufferLike[],
  ) {
    super(skeleton as Buffer);
  }

  _readHostObject(): unknown {
    const tag = this.readUint32() as Tag;
    if (tag === Tag.Inline) return defaultReadHost.call(this);
    const i = this.readUint32();
    if (i >= this.holders.length) throw new FrameError(`its skeleton refers to section ${i} of ${this.holders.length}`);
    if (tag === Tag.Memory) {
      if (!(WasmMemory !== undefined && this.holders[i] instanceof WasmMemory))
        throw new FrameError(`its skeleton takes section ${i} for a WebAssembly memory, which it is not`);
      return this.holders[i];
    }
    if (tag === Tag.Shared) return this.buffers[i];
    const type = this.readUint32();
    if (tag === Tag.Bytes) {
      const buffer = this.buffers[i]!;
      const size = type === VIEW_INDEX.get('DataView') || type === VIEW_INDEX.get('Buffer') ? 1 : bytesPer(type);
      return makeView(type, buffer, 0, buffer.byteLength / size);
    }
    if (tag !== Tag.View) throw new FrameError(`its skeleton has an unknown reference tag ${tag as number}`);
    const byteOffset = this.readDouble();
    const length = this.readDouble();
    return makeView(type, this.buffers[i]!, byteOffset, length);
  }
}

function bytesPer(type: number): number {
  const Ctor = (globalThis as Record<string, unknown>)[VIEW_TYPES[type] ?? ''] as { BYTES_PER_ELEMENT?: number } | undefined;
  if (Ctor?.BYTES_PER_ELEMENT === undefined) throw new FrameError(`a view of unknown type ${type}`);
  return Ctor.BYTES_PER_ELEMENT;
}

function readSkeleton<T>(skeleton: Uint8Array, holders: unknown[], buffers: ArrayBufferLike[]): T {
  const des = new FrameDeserializer(skeleton, holders, buffers);
  try {
    des.readHeader();
    return des.readValue() as T;
  } catch (error) {
    if (error instanceof FrameError) throw error;
    throw new FrameError(`its skeleton could not be deserialized (${(error as Error)?.message ?? String(error)})`);
  }
}

/** Where a frame came from, for error messages. */
export interface FrameSource {
  readonly store: string;
  readonly key: string;
}

function frameError(error: unknown, source: FrameSource | undefined): unknown {
  if (!(error instanceof FrameError)) return error;
  return source
    ? new BlockFormatError(source.store, source.key, error.message)
    : new ClusterError(`A message from the cluster cannot be read: ${error.message}.`);
}

/** Decodes a frame made by {@link encode} (one buffer: a Redis payload, or a store's `get`). */
export function decode<T>(bytes: Uint8Array, source?: FrameSource): T {
  try {
    let layout = layoutOf(bytes, bytes.byteLength);
    if (typeof layout === 'number') layout = layoutOf(bytes.subarray(0, layout), bytes.byteLength) as Layout;
    if (typeof layout === 'number') throw new FrameError('its header could not be read');
    const { holders, buffers } = destinations(layout);
    layout.sections.forEach((s, i) => new Uint8Array(buffers[i]!).set(bytes.subarray(s.offset, s.offset + s.bytes)));
    const [at, n] = layout.skeleton;
    return readSkeleton<T>(bytes.subarray(at, at + n), holders, buffers);
  } catch (error) {
    throw frameError(error, source);
  }
}

/**
 * Reads the value under `key`: straight into the memories and buffers it is restored into when
 * the store can read ranges (`openRead`), else from one `get`. A frame that is truncated or not a
 * frame rejects with a {@link BlockFormatError} naming the key.
 */
export async function readValue<T>(store: BlockStore, key: string): Promise<T> {
  const source = { store: store.url, key };
  if (typeof store.openRead !== 'function') return decode<T>(await store.get(key), source);
  const reader: BlockReader = await store.openRead(key);
  try {
    // One read of the first 64 KiB holds the header and, nearly always, the skeleton.
    const first = new Uint8Array(Math.min(reader.size, RAW_MIN));
    await reader.read(first, 0);
    let layout = layoutOf(first, reader.size);
    if (typeof layout === 'number') {
      const more = new Uint8Array(layout);
      await reader.read(more, 0);
      layout = layoutOf(more, reader.size) as Layout;
    }
    const [at, n] = layout.skeleton;
    let skeleton = first.subarray(at, at + n);
    if (at + n > first.byteLength) {
      skeleton = new Uint8Array(n);
      await reader.read(skeleton, at);
    }
    const { holders, buffers } = destinations(layout, true);
    for (let i = 0; i < layout.sections.length; i++) {
      const s = layout.sections[i]!;
      if (s.bytes > 0) await reader.read(new Uint8Array(buffers[i]!, 0, s.bytes), s.offset);
    }
    return readSkeleton<T>(skeleton, holders, buffers);
  } catch (error) {
    throw frameError(error, source);
  } finally {
    await reader.close();
  }
}

/**
 * Writes `value` (or its {@link encodeParts}) under `key`: the parts straight from their memory
 * when the store can (`putParts`), else joined into one `put`. Returns the bytes written.
 */
export async function writeValue(store: BlockStore, key: string, value: Encoded): Promise<number> {
  if (typeof store.putParts === 'function') await store.putParts(key, value.parts);
  else await store.put(key, value.parts.length === 1 ? value.parts[0]! : Buffer.concat(value.parts, value.byteLength));
  return value.byteLength;
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export function fromBase64(text: string): Buffer {
  return Buffer.from(text, 'base64');
}

/** Job data: a batch of one run, inline or (when large) in the store. */
export interface JobData {
  /** Run id (`tessera:run:<id>` is its heartbeat; `runs/<id>` its prefix in the store). */
  readonly run: string;
  /** Store URL the coordinator uses (workers check it is theirs). */
  readonly store: string;
  /** The serialized BatchRequest (base64), or undefined when in the store under `payloadKey`. */
  readonly payload?: string;
  readonly payloadKey?: string;
  /** Bytes of the batch's inputs kept in the store: what the worker will hold while it runs. */
  readonly bytes: number;
  /** Indices of the returned results that exactly one later batch reads (they may be kept unwritten: thread.ts). */
  readonly single?: readonly number[];
  /**
   * The job's own id, the stem of its result keys: a job moved from a dead worker's private queue
   * to the shared one gets a new BullMQ id but writes the same keys (the same bytes).
   */
  readonly id?: string;
}

/** Job return value: the serialized answer, with the worker's identity. */
export interface JobResult {
  /** Serialized BatchResponse (base64), results possibly {@link BlockRef}s. */
  readonly payload: string;
  readonly host: string;
  readonly pid: number;
}
