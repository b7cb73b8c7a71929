/**
 * Memory-pressure hints (memory.ts): which collections dead and pooled bytes request, what a
 * buffer pool's reports (createBufferPool: dropped, retired) request, and how the byte counts used
 * for them treat buffers a pool reuses. `gc` is stubbed: this file never starts a ThreadScheduler,
 * so the hints call the global one. The internals (requestGc, isRecycledBuffer) come from the
 * source modules, and so does everything else here: one module instance, one set of counters.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GC_HINT_BYTES, createBufferPool, isRecycledBuffer, noteDeadBytes, requestGc } from '../src/memory.js';
import { byteSize } from '../src/batch.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

afterEach(() => {
  vi.unstubAllGlobals();
});

function stubGc(): { type: string }[] {
  const calls: { type: string }[] = [];
  vi.stubGlobal('gc', (options?: { type: 'minor' | 'major' }) => calls.push({ type: options?.type ?? 'major' }));
  return calls;
}

describe('collections requested for dead and pooled bytes', () => {
  it('dead bytes past the hint ask for scavenges, one in four a full collection; pooled bytes only for scavenges', async () => {
    const calls = stubGc();
    // Pooled bytes alone: scavenges, however many, and they do not advance the count of four.
    for (let i = 0; i < 6; i++) {
      noteDeadBytes(0, GC_HINT_BYTES);
      await tick();
    }
    expect(calls.map((c) => c.type)).toEqual(new Array(6).fill('minor'));
    calls.length = 0;
    // Dead bytes: the fourth request is a full collection, wherever the count stood before.
    const types: string[] = [];
    for (let i = 0; i < 8; i++) {
      noteDeadBytes(GC_HINT_BYTES);
      await tick();
      types.push(calls[calls.length - 1]!.type);
    }
    expect(types.filter((t) => t === 'major')).toHaveLength(2);
    expect(types.indexOf('major')).toBeGreaterThanOrEqual(0);
    expect(types[types.indexOf('major') + 4]).toBe('major');
    // Small amounts accumulate: nothing until the hint is reached.
    calls.length = 0;
    noteDeadBytes(GC_HINT_BYTES / 2, GC_HINT_BYTES / 2);
    await tick();
    expect(calls).toHaveLength(0);
    noteDeadBytes(GC_HINT_BYTES / 2);
    await tick();
    expect(calls).toHaveLength(1);
  });

  it('coalesces requests made before the collection runs; a full one wins', async () => {
    const calls = stubGc();
    requestGc(false, true);
    requestGc(true);
    requestGc(false, true);
    await tick();
    expect(calls).toEqual([{ type: 'major' }]);
  });
});

describe('createBufferPool', () => {
  it('leaves pooled buffers out of garbage counts, not out of the bytes a value holds', () => {
    const pooled = new SharedArrayBuffer(1024);
    new Int32Array(pooled)[0] = 0x7e57;
    const pool = createBufferPool({
      name: 'test-pool',
      isPooled: (b) => b instanceof SharedArrayBuffer && b.byteLength === 1024 && new Int32Array(b)[0] === 0x7e57,
    });
    expect(pool.name).toBe('test-pool');
    const other = new SharedArrayBuffer(1024);
    expect(isRecycledBuffer(pooled)).toBe(true);
    expect(isRecycledBuffer(other)).toBe(false);
    const value = { X: { data: new Float64Array(pooled, 64, 32) }, y: new Float64Array(other, 0, 16), rest: [new Int32Array(8)] };
    expect(byteSize(value)).toBe(32 * 8 + 16 * 8 + 8 * 4);
    expect(byteSize(value, true)).toBe(16 * 8 + 8 * 4);
    // The pool lets the buffer go (here: its mark is cleared): it counts as garbage again.
    new Int32Array(pooled)[0] = 0;
    expect(byteSize(value, true)).toBe(32 * 8 + 16 * 8 + 8 * 4);
  });

  it('dropped bytes count as dead bytes: a collection at the hint, one in four full', async () => {
    const calls = stubGc();
    const pool = createBufferPool({ name: 'dropping', isPooled: () => false });
    pool.dropped(GC_HINT_BYTES / 2);
    await tick();
    expect(calls).toHaveLength(0);
    const types: string[] = [];
    for (let i = 0; i < 8; i++) {
      pool.dropped(i === 0 ? GC_HINT_BYTES / 2 : GC_HINT_BYTES);
      await tick();
      types.push(calls[calls.length - 1]!.type);
    }
    expect(calls).toHaveLength(8);
    expect(types.filter((t) => t === 'major')).toHaveLength(2);
    expect(types[types.indexOf('major') + 4]).toBe('major');
  });

  it('retired bytes ask for a full collection at once, however few; retiring nothing asks for none', async () => {
    const calls = stubGc();
    const pool = createBufferPool({ name: 'retiring', isPooled: () => false });
    pool.retired(0);
    await tick();
    expect(calls).toHaveLength(0);
    for (let i = 0; i < 3; i++) {
      pool.retired(4096);
      await tick();
    }
    expect(calls).toEqual([{ type: 'major' }, { type: 'major' }, { type: 'major' }]);
  });

  it('refuses bad options and byte counts, naming the pool', () => {
    expect(() => createBufferPool(null as never)).toThrow(TypeError);
    expect(() => createBufferPool({ name: '', isPooled: () => false })).toThrow(/'name' option must be a non-empty string/);
    expect(() => createBufferPool({ name: 'p', isPooled: 'yes' as never })).toThrow(/'isPooled' option of pool 'p' must be a function/);
    const pool = createBufferPool({ name: 'strict', isPooled: () => false });
    expect(() => pool.dropped('10' as never)).toThrow(TypeError);
    expect(() => pool.dropped(-1)).toThrow(RangeError);
    expect(() => pool.retired(Number.NaN)).toThrow(/BufferPool 'strict'\.retired: bytes must be a non-negative finite number\. Got NaN/);
    expect(() => pool.retired(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});
