/**
 * The dictionary-index decoder of Parquet pages (kernels/rle.ts) against hyparquet-writer's
 * encoder and hyparquet's own decoder (up to 24 bits, where it is right): every bit width, runs and bit-packed groups mixed, counts
 * that end inside a group, hand-made runs of the largest varint headers, and corrupt input.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ByteWriter } from 'hyparquet-writer/src/bytewriter.js';
import { writeRleBitPackedHybrid } from 'hyparquet-writer/src/encoding.js';
import { readRleBitPackedHybrid } from 'hyparquet/src/encoding.js';
import { readDictionaryValues, readIndices } from '../src/kernels/rle.js';

/**
 * hyparquet-writer's encoding up to 24 bits; beyond (where its 0.17 encoder loses bits too) one
 * bit-packed run written here bit by bit, as the format describes.
 */
function encode(values: Int32Array, width: number): Uint8Array {
  if (width <= 24) {
    const w = new ByteWriter();
    writeRleBitPackedHybrid(w, values, width);
    return new Uint8Array(w.buffer, 0, w.offset).slice();
  }
  const groups = Math.ceil(values.length / 8);
  const header: number[] = [];
  for (let h = groups * 2 + 1; ; h >>>= 7) {
    if (h < 0x80) {
      header.push(h);
      break;
    }
    header.push((h & 0x7f) | 0x80);
  }
  const body = new Uint8Array(groups * width);
  values.forEach((v, i) => {
    for (let b = 0; b < width; b++) if ((v >>> b) & 1) body[(i * width + b) >> 3]! |= 1 << ((i * width + b) & 7);
  });
  return Uint8Array.from([...header, ...body]);
}

/** Values of `width` bits: pieces of runs (RLE) and of random values (bit-packed). */
const caseArb = fc.integer({ min: 1, max: 32 }).chain((width) =>
  fc.record({
    width: fc.constant(width),
    pieces: fc.array(fc.record({ run: fc.boolean(), n: fc.integer({ min: 1, max: 90 }), seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }) }), {
      minLength: 1,
      maxLength: 20,
    }),
  }),
);

function valuesOf(width: number, pieces: readonly { run: boolean; n: number; seed: number }[]): Int32Array {
  const out: number[] = [];
  const mask = width === 32 ? -1 : 2 ** width - 1;
  for (const p of pieces) {
    let x = p.seed | 1;
    for (let i = 0; i < p.n; i++) {
      if (!p.run || i === 0) x = (Math.imul(x, 1103515245) + 12345) | 0;
      out.push(width === 32 ? x : x & mask);
    }
  }
  return Int32Array.from(out);
}

describe('readIndices', () => {
  it('equals hyparquet on what hyparquet-writer encodes (every width, any mix of runs and groups)', () => {
    fc.assert(
      fc.property(caseArb, ({ width, pieces }) => {
        const values = valuesOf(width, pieces);
        const bytes = encode(values, width);
        // Framed as in a page: bytes before and after the indices.
        const page = new Uint8Array(bytes.length + 10);
        page.set(bytes, 3);
        const ours = new Int32Array(values.length);
        readIndices(page, 3, 3 + bytes.length, width, ours);
        expect(Array.from(ours)).toEqual(Array.from(values));
        // hyparquet 1.33 agrees up to 24 bits (beyond, it loses bits: see below).
        if (width <= 24) {
          const theirs = new Int32Array(values.length);
          readRleBitPackedHybrid({ view: new DataView(page.buffer, 3, bytes.length), offset: 0 }, width, theirs, bytes.length);
          expect(Array.from(ours)).toEqual(Array.from(theirs));
        }
      }),
      { numRuns: 400 },
    );
  });

  it('readDictionaryValues writes the dictionary values of the same indices (strided), and refuses an index beyond the dictionary', () => {
    fc.assert(
      fc.property(caseArb, fc.integer({ min: 1, max: 3 }), ({ width, pieces }, stride) => {
        const values = valuesOf(Math.min(width, 12), pieces);
        const bytes = encode(values, width);
        let size = 1;
        for (const v of values) size = Math.max(size, v + 1);
        const dict = Float64Array.from({ length: size }, (_, i) => i * 0.5 - 3);
        const out = new Float64Array(2 + values.length * stride).fill(-99);
        readDictionaryValues(bytes, 0, bytes.length, width, values.length, dict, out, 2, stride);
        const want = new Float64Array(out.length).fill(-99);
        values.forEach((v, i) => (want[2 + i * stride] = dict[v]!));
        expect(Array.from(out)).toEqual(Array.from(want));
        // One entry short of the largest index: an error naming it.
        const short = dict.subarray(0, size - 1);
        expect(() => readDictionaryValues(bytes, 0, bytes.length, width, values.length, short, out, 2, stride)).toThrow(
          new RegExp(`dictionary index ${size - 1} is beyond the dictionary's ${size - 1} values`),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('26-bit indices, where hyparquet 1.33 reads the sixth value, 3, as 0', () => {
    const values = Int32Array.of(29785766, 8302823, 25289876, 1, 2, 3, 4, 5);
    const bytes = encode(values, 26);
    const theirs = new Int32Array(8);
    readRleBitPackedHybrid({ view: new DataView(bytes.buffer), offset: 0 }, 26, theirs, bytes.length);
    expect(theirs[5]).toBe(0);
    const ours = new Int32Array(8);
    readIndices(bytes, 0, bytes.length, 26, ours);
    expect(Array.from(ours)).toEqual(Array.from(values));
  });

  it('a run longer than the values asked for, several-byte headers and values, a count ending inside a group', () => {
    // RLE run of 300 (header 600: two varint bytes) of value 0x1234 in 13 bits (two bytes), then
    // one bit-packed group of 3-bit values 0..7 of which only 5 are asked for.
    const page = Uint8Array.of(0xd8, 0x04, 0x34, 0x12);
    const out = new Int32Array(250);
    expect(readIndices(page, 0, page.length, 13, out)).toBe(4);
    expect(out.every((v) => v === 0x1234)).toBe(true);
    // 0..7 in 3 bits, LSB first: 0b10001000 0b11000110 0b11111010
    const packed = Uint8Array.of(0x03, 0x88, 0xc6, 0xfa);
    const five = new Int32Array(5);
    readIndices(packed, 0, packed.length, 3, five);
    expect(Array.from(five)).toEqual([0, 1, 2, 3, 4]);
  });

  it('corrupt input fails with a RangeError naming what ran past the end', () => {
    const values = Int32Array.from({ length: 64 }, (_, i) => (i * 37) % 1000);
    const bytes = encode(values, 10);
    expect(() => readIndices(bytes, 0, bytes.length - 3, 10, new Int32Array(64))).toThrow(/bit-packed run .* past the end/);
    expect(() => readIndices(Uint8Array.of(0x10), 0, 1, 10, new Int32Array(8))).toThrow(/RLE run .* past the end/);
    expect(() => readIndices(Uint8Array.of(0x80, 0x80), 0, 2, 10, new Int32Array(8))).toThrow(/end after 0 of 8/);
    expect(() => readIndices(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01), 0, 7, 10, new Int32Array(8))).toThrow(
      /longer than 5 bytes/,
    );
  });
});
