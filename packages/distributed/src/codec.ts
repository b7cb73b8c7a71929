/**
 * What travels between the coordinator and the workers. Batches (`BatchRequest`) and answers
 * (`BatchResponse`) are serialized with V8's serializer — the structured clone the thread
 * scheduler's messages use, so typed arrays, Maps, bigints and errors arrive as they would on a
 * thread — and carried as base64 in BullMQ job data and return values. A result that holds typed
 * arrays (a block, a model state) does not: it is written to the store and replaced by a
 * {@link BlockRef}, which is what the coordinator's engine holds and passes on as an input.
 */
import { deserialize, serialize } from 'node:v8';

/** A result kept in the store: its key and the bytes of typed arrays in it (for memory budgets). */
export interface BlockRef {
  readonly __tesseraBlock: string;
  readonly bytes: number;
}

export function isBlockRef(v: unknown): v is BlockRef {
  return v !== null && typeof v === 'object' && typeof (v as BlockRef).__tesseraBlock === 'string';
}

/**
 * Serializes a value as structured clone would send it to a thread. V8's serializer copies typed
 * arrays over shared memory, but refuses a bare SharedArrayBuffer (a block pool's buffer kept in a
 * result): those are copied into ArrayBuffers first, once each.
 */
export function encode(value: unknown): Buffer {
  try {
    return serialize(value);
  } catch (error) {
    if (!/SharedArrayBuffer/.test((error as Error)?.message ?? '')) throw error;
    const found = { memories: 0 };
    const plain = unshare(value, new Map(), found);
    return serialize(found.memories > 0 ? { [WRAPPED]: plain } : plain);
  }
}

const WRAPPED = '__tesseraWithMemories';
const MEMORY = '__tesseraWasmMemory';

interface MemoryCtor {
  new (d: { initial: number; maximum?: number; shared?: boolean }): { readonly buffer: ArrayBufferLike };
}
const WasmMemory = (globalThis as unknown as { WebAssembly?: { Memory: MemoryCtor } }).WebAssembly?.Memory;
const PAGE = 65536;

/** `value` with every bare SharedArrayBuffer replaced by an ArrayBuffer copy; containers copied only on the way to one. */
function unshare(value: unknown, memo: Map<object, unknown>, found: { memories: number }): unknown {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value;
  if (memo.has(value)) return memo.get(value);
  // A shared WebAssembly memory (a prepared block lives in one) crosses threads, not processes:
  // its bytes go instead, and decode() makes a memory of the same size around them.
  if (WasmMemory !== undefined && value instanceof WasmMemory) {
    const buffer = (value as { buffer: ArrayBufferLike }).buffer;
    const out = { [MEMORY]: new Uint8Array(buffer.slice(0)), shared: buffer instanceof SharedArrayBuffer };
    found.memories++;
    memo.set(value, out);
    return out;
  }
  if (value instanceof SharedArrayBuffer) {
    const copy = new ArrayBuffer(value.byteLength);
    new Uint8Array(copy).set(new Uint8Array(value));
    memo.set(value, copy);
    return copy;
  }
  memo.set(value, value); // cycles: a container refers to itself unchanged
  let out: unknown = value;
  if (Array.isArray(value)) {
    const mapped = value.map((v) => unshare(v, memo, found));
    if (mapped.some((v, i) => v !== value[i])) out = mapped;
  } else if (value instanceof Map) {
    const mapped = new Map([...value].map(([k, v]) => [unshare(k, memo, found), unshare(v, memo, found)]));
    if ([...mapped].some(([k, v]) => !value.has(k) || value.get(k) !== v)) out = mapped;
  } else if (value instanceof Set) {
    const mapped = new Set([...value].map((v) => unshare(v, memo, found)));
    if ([...mapped].some((v) => !value.has(v))) out = mapped;
  } else if (
    Object.getPrototypeOf(value) === Object.prototype ||
    Object.getPrototypeOf(value) === null ||
    !(value instanceof Date || value instanceof RegExp || value instanceof Error)
  ) {
    const entries = Object.entries(value).map(([k, v]) => [k, unshare(v, memo, found)] as const);
    if (entries.some(([k, v]) => v !== (value as Record<string, unknown>)[k])) out = Object.fromEntries(entries);
  }
  memo.set(value, out);
  return out;
}

export function decode<T>(bytes: Uint8Array): T {
  const value = deserialize(bytes) as unknown;
  if (value !== null && typeof value === 'object' && WRAPPED in value)
    return restore((value as Record<string, unknown>)[WRAPPED], new Set()) as T;
  return value as T;
}

/** Rebuilds the WebAssembly memories {@link encode} replaced by their bytes (in place). */
function restore(value: unknown, seen: Set<object>): unknown {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || seen.has(value)) return value;
  seen.add(value);
  const bytes = (value as Record<string, unknown>)[MEMORY];
  if (bytes instanceof Uint8Array) {
    if (WasmMemory === undefined)
      throw new TypeError('This process has no WebAssembly: it cannot take a block kept in WebAssembly memory.');
    const pages = Math.max(1, Math.ceil(bytes.byteLength / PAGE));
    const shared = (value as { shared?: boolean }).shared === true;
    const memory = new WasmMemory({ initial: pages, maximum: pages, shared });
    new Uint8Array(memory.buffer).set(bytes);
    return memory;
  }
  if (Array.isArray(value)) for (let i = 0; i < value.length; i++) value[i] = restore(value[i], seen);
  else if (value instanceof Map) for (const [k, v] of value) value.set(k, restore(v, seen));
  else for (const k of Object.keys(value)) (value as Record<string, unknown>)[k] = restore((value as Record<string, unknown>)[k], seen);
  return value;
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
}

/** Job return value: the serialized answer, with the worker's identity. */
export interface JobResult {
  /** Serialized BatchResponse (base64), results possibly {@link BlockRef}s. */
  readonly payload: string;
  readonly host: string;
  readonly pid: number;
}
