/**
 * Dictionary indices of Parquet data pages: the RLE / bit-packed hybrid
 * (https://parquet.apache.org/docs/file-format/data-pages/encodings/), decoded into a reused
 * Int32Array.
 *
 * Written here because hyparquet's decoder (`readRleBitPackedHybrid`) reads one byte per step of
 * a state machine through a DataView and wants an array of its own per page: on the `parquet`
 * benchmark's two dictionary-encoded integer columns (10- and 3-bit indices in runs of 256) it
 * was the largest cost of reading them. CPU time per index, Node 20, the same 9.8M indices of 80
 * pages, on the shared 2-core machine: hyparquet's 4.3 ns, this one 3.2 ns (each value from the
 * 32 bits at its first byte, no branches), into a reused array; decoded then looked up in the
 * dictionary 5.3 ns, looked up as they are decoded (readDictionaryValues) 4.0 ns. It also reads
 * widths of 25–32 bits right, where hyparquet 1.33's decoder loses bits (a byte shifted past bit
 * 31): in 26 bits, the sixth of [29785766, 8302823, 25289876, 1, 2, 3, 4, 5] reads as 0.
 */
/**
 * Decodes `out.length` values of bit width `width` from `bytes[pos, end)` into `out`; returns the
 * position after the last run read. Throws on runs that need bytes past `end`.
 */
export function readIndices(bytes: Uint8Array, pos: number, end: number, width: number, out: Int32Array): number {
  const mask = width >= 32 ? -1 : (1 << width) - 1;
  return walkRuns(
    bytes,
    pos,
    end,
    width,
    out.length,
    (value, seen, n) => out.fill(value, seen, seen + n),
    (p, seen, n) => (width <= 24 ? unpack(bytes, p, width, mask, out, seen, n) : unpackWide(bytes, p, width, out, seen, n)),
  );
}

/**
 * Decodes `count` indices as {@link readIndices} does and writes their dictionary values:
 * `out[at + i * stride] = dict[index i]`, with no array of indices in between (the values of a
 * dictionary-encoded page without nulls, placed). Throws on an index beyond the dictionary.
 */
export function readDictionaryValues(
  bytes: Uint8Array,
  pos: number,
  end: number,
  width: number,
  count: number,
  dict: Float64Array,
  out: { [i: number]: number },
  at: number,
  stride: number,
): number {
  const mask = width >= 32 ? -1 : (1 << width) - 1;
  const nd = dict.length;
  const beyond = (x: number): never => {
    throw new RangeError(`dictionary index ${x} is beyond the dictionary's ${nd} values (corrupt file)`);
  };
  if (width > 24) {
    // Dictionaries of more than 16M entries: through an array of indices.
    const idx = new Int32Array(count);
    const p = readIndices(bytes, pos, end, width, idx);
    for (let i = 0; i < count; i++) {
      const x = idx[i]! >>> 0;
      if (x >= nd) beyond(x);
      out[at + i * stride] = dict[x]!;
    }
    return p;
  }
  return walkRuns(
    bytes,
    pos,
    end,
    width,
    count,
    (value, seen, n) => {
      if (value >>> 0 >= nd) beyond(value >>> 0);
      const v = dict[value]!;
      for (let i = seen, o = at + seen * stride; i < seen + n; i++, o += stride) out[o] = v;
    },
    (p, seen, n) => unpackValues(bytes, p, width, mask, dict, out, at + seen * stride, stride, n),
  );
}

/**
 * Walks the runs of `count` values: `rle(value, seen, n)` for a run of one value, `packed(p,
 * seen, n)` for `n` bit-packed values at byte `p`. Returns the position after the last run.
 */
function walkRuns(
  bytes: Uint8Array,
  pos: number,
  end: number,
  width: number,
  count: number,
  rle: (value: number, seen: number, n: number) => void,
  packed: (p: number, seen: number, n: number) => void,
): number {
  if (width > 32) throw new RangeError(`dictionary indices of ${width} bits (at most 32; corrupt page)`);
  const valueBytes = (width + 7) >> 3;
  let seen = 0;
  while (seen < count) {
    // The run's header: a ULEB128 varint.
    let header = 0;
    for (let shift = 0; ; shift += 7) {
      if (pos >= end) throw new RangeError(`dictionary indices end after ${seen} of ${count} values (corrupt page)`);
      const c = bytes[pos++]!;
      header += (c & 0x7f) * 2 ** shift;
      if (c < 0x80) break;
      if (shift > 28) throw new RangeError('a dictionary index run header longer than 5 bytes (corrupt page)');
    }
    if (header & 1) {
      // Bit-packed: (header >> 1) groups of 8 values, `width` bytes per group; values past `count` are padding.
      const groups = Math.floor(header / 2);
      const bytesIn = groups * width;
      if (pos + bytesIn > end)
        throw new RangeError(`a bit-packed run of ${groups * 8} indices runs past the end of the page (corrupt page)`);
      const n = Math.min(groups * 8, count - seen);
      if (width === 0) rle(0, seen, n);
      else packed(pos, seen, n);
      seen += n;
      pos += bytesIn;
    } else {
      // RLE: one value repeated (header >> 1) times, in ceil(width / 8) little-endian bytes.
      const run = Math.floor(header / 2);
      if (pos + valueBytes > end) throw new RangeError('an RLE run of dictionary indices runs past the end of the page (corrupt page)');
      let value = 0;
      for (let i = 0; i < valueBytes; i++) value |= bytes[pos + i]! << (8 * i);
      pos += valueBytes;
      const n = Math.min(run, count - seen);
      rle(value, seen, n);
      seen += n;
    }
  }
  return pos;
}

/** Values whose 32 bits from their first byte lie inside a run of `n` values of `width` bits. */
function safeCount(n: number, width: number): number {
  const runBytes = (n * width + 7) >> 3;
  let safe = n;
  while (safe > 0 && (((safe - 1) * width) >> 3) + 4 > runBytes) safe--;
  return safe;
}

/** The value of `width` bits at bit `bit` of `bytes` from byte `p`, byte by byte (a run's last values). */
function slowValue(bytes: Uint8Array, p: number, bit: number, width: number): number {
  let v = 0;
  for (let b = 0; b < width; b++) {
    const k = bit + b;
    v |= ((bytes[p + (k >> 3)]! >> (k & 7)) & 1) << b;
  }
  return v;
}

/** {@link unpack} with each index looked up in `dict` and written at `o`, `o + stride`… */
function unpackValues(
  bytes: Uint8Array,
  p: number,
  width: number,
  mask: number,
  dict: Float64Array,
  out: { [i: number]: number },
  o: number,
  stride: number,
  n: number,
): void {
  const safe = safeCount(n, width);
  const nd = dict.length;
  let bit = 0;
  for (let i = 0; i < n; i++, bit += width, o += stride) {
    let x: number;
    if (i < safe) {
      const q = p + (bit >> 3);
      x = ((bytes[q]! | (bytes[q + 1]! << 8) | (bytes[q + 2]! << 16) | (bytes[q + 3]! << 24)) >>> (bit & 7)) & mask;
    } else x = slowValue(bytes, p, bit, width);
    if (x >= nd) throw new RangeError(`dictionary index ${x} is beyond the dictionary's ${nd} values (corrupt file)`);
    out[o] = dict[x]!;
  }
}

/**
 * `n` values of `width` ≤ 24 bits from `bytes` at `p`: each from the 32 bits starting at its
 * first byte (its bits plus at most 7 before them fit), without branches; the last values of a
 * run, whose 32 bits would reach past the run, byte by byte.
 */
function unpack(bytes: Uint8Array, p: number, width: number, mask: number, out: Int32Array, at: number, n: number): void {
  const safe = safeCount(n, width);
  let bit = 0;
  for (let i = 0; i < safe; i++, bit += width) {
    const q = p + (bit >> 3);
    const word = bytes[q]! | (bytes[q + 1]! << 8) | (bytes[q + 2]! << 16) | (bytes[q + 3]! << 24);
    out[at + i] = (word >>> (bit & 7)) & mask;
  }
  for (let i = safe; i < n; i++, bit += width) out[at + i] = slowValue(bytes, p, bit, width);
}

/** `n` values of 25–32 bits: up to 39 bits in the buffer, exact in a double. */
function unpackWide(bytes: Uint8Array, p: number, width: number, out: Int32Array, at: number, n: number): void {
  const unit = 2 ** width;
  let buf = 0;
  let bits = 0;
  for (let i = at, e = at + n; i < e; i++) {
    while (bits < width) {
      buf += bytes[p++]! * 2 ** bits;
      bits += 8;
    }
    const v = buf % unit;
    out[i] = v;
    buf = (buf - v) / unit;
    bits -= width;
  }
}
