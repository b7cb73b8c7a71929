/**
 * The snappy decoder of Parquet pages (kernels/snappy.ts) against hyparquet-writer's compressor
 * and hyparquet's own decoder: random bytes of every kind (incompressible, runs, repeats at short
 * and long distances, literals longer than 60 and 65536 bytes), and corrupt input.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { snappyCompress } from 'hyparquet-writer/src/snappy.js';
import { snappyUncompress as hyparquetUncompress } from 'hyparquet/src/snappy.js';
import { snappyHead, snappyUncompress, snappyUncompressInto } from '../src/kernels/snappy.js';

/** Bytes made of pieces: random, a run of one byte, or a repeat of earlier bytes (overlapping or not). */
const bytesArb = fc
  .array(
    fc.oneof(
      fc.record({ kind: fc.constant('random' as const), n: fc.integer({ min: 1, max: 300 }), seed: fc.integer() }),
      fc.record({ kind: fc.constant('run' as const), n: fc.integer({ min: 1, max: 200 }), seed: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('repeat' as const), n: fc.integer({ min: 1, max: 300 }), seed: fc.integer({ min: 1, max: 70_000 }) }),
    ),
    { maxLength: 40 },
  )
  .map((pieces) => {
    const out: number[] = [];
    for (const p of pieces) {
      if (p.kind === 'random') {
        let x = p.seed | 1;
        for (let i = 0; i < p.n; i++) out.push((x = (x * 1103515245 + 12345) >>> 0) >>> 24);
      } else if (p.kind === 'run') for (let i = 0; i < p.n; i++) out.push(p.seed);
      else if (out.length > 0) {
        const from = out.length - 1 - (p.seed % out.length);
        for (let i = 0; i < p.n; i++) out.push(out[from + i]!);
      }
    }
    return Uint8Array.from(out);
  });

describe('snappy', () => {
  it('decompresses what hyparquet-writer compresses, as hyparquet does', () => {
    fc.assert(
      fc.property(bytesArb, (bytes) => {
        const packed = snappyCompress(bytes);
        const got = snappyUncompress(packed, bytes.length);
        // Into a reused buffer holding other bytes (the reader's page buffer): the same page.
        const dirty = new Uint8Array(bytes.length + 5).fill(0xab).subarray(0, bytes.length);
        expect(Buffer.from(snappyUncompressInto(packed, dirty)).equals(Buffer.from(bytes))).toBe(true);
        expect(Buffer.from(got).equals(Buffer.from(bytes))).toBe(true);
        const ref = new Uint8Array(bytes.length);
        hyparquetUncompress(packed, ref);
        expect(Buffer.from(got).equals(Buffer.from(ref))).toBe(true);
      }),
      { numRuns: 400, seed: 42 },
    );
  });

  it("skipping the first bytes (a page's levels) gives the rest, whatever copies read from them; snappyHead gives the first", () => {
    fc.assert(
      fc.property(bytesArb, fc.integer({ min: 0, max: 40 }), (bytes, k) => {
        const skip = Math.min(k, bytes.length);
        const packed = snappyCompress(bytes);
        const rest = new Uint8Array(bytes.length - skip + 3).fill(0xcd).subarray(0, bytes.length - skip);
        expect(Buffer.from(snappyUncompressInto(packed, rest, skip)).equals(Buffer.from(bytes.subarray(skip)))).toBe(true);
        const head = snappyHead(packed, 16);
        if (bytes.length > 0) expect(head !== null && Buffer.from(head).equals(Buffer.from(bytes.subarray(0, head.length)))).toBe(true);
      }),
      { numRuns: 400, seed: 7 },
    );
    // Copies reading the skipped bytes: 'abcd' then a copy of it three times over, skipping 2 and 6.
    const abcd = Uint8Array.from([...'abcdabcdabcdabcd'].map((ch) => ch.charCodeAt(0)));
    const packed = Uint8Array.from([16, 3 << 2, 97, 98, 99, 100, (11 << 2) | 2, 4, 0]); // a literal, then a 12-byte copy at offset 4
    expect(Buffer.from(snappyUncompress(packed, 16)).equals(Buffer.from(abcd))).toBe(true);
    for (const skip of [2, 6])
      expect(Buffer.from(snappyUncompressInto(packed, new Uint8Array(16 - skip), skip)).equals(Buffer.from(abcd.subarray(skip)))).toBe(
        true,
      );
    expect(() => snappyUncompressInto(packed, new Uint8Array(16), 2)).toThrow(/does not match/);
  });

  it('long literals (beyond 60 and 65536 bytes) and long overlapping runs', () => {
    let x = 7;
    const noise = Uint8Array.from({ length: 200_000 }, () => (x = (x * 1103515245 + 12345) >>> 0) >>> 24);
    const run = new Uint8Array(100_000).fill(9);
    for (const bytes of [noise, run, Uint8Array.from([...noise.subarray(0, 70_000), ...run, ...noise.subarray(0, 70_000)])]) {
      expect(Buffer.from(snappyUncompress(snappyCompress(bytes), bytes.length)).equals(Buffer.from(bytes))).toBe(true);
    }
  });

  it('corrupt input is an error, never a short or wrong page', () => {
    const bytes = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) % 251);
    const packed = snappyCompress(bytes);
    expect(() => snappyUncompress(packed, bytes.length + 1)).toThrow(/does not match/);
    expect(() => snappyUncompress(packed.subarray(0, packed.length - 3), bytes.length)).toThrow(/snappy/);
    expect(() => snappyUncompress(Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80]), 0)).toThrow(/length header/);
    // A copy before the start of the output: length 4, then a 1-byte-offset copy of offset 9.
    expect(() => snappyUncompress(Uint8Array.from([4, 0b0000_0001, 9]), 4)).toThrow(/before the start/);
  });
});
