/**
 * Snappy decompression of Parquet pages (the raw format: a varint length, then literals and
 * back-references; https://github.com/google/snappy/blob/main/format_description.txt).
 *
 * Written here because it is measurably faster than the libraries at hand on the pages Parquet
 * holds: columns of doubles barely compress, so a page is mostly long literals, which this copies
 * with one native `set` each (and back-references that do not overlap with `copyWithin`).
 * Measured on the 2M-row benchmark table (8 row groups × 18 columns, 160 pages, 127 MB, Node 20,
 * CPU time, same pages): this one 33–37 ms; hysnappy (WebAssembly, hyparquet-compressors' choice)
 * 73–77 ms — it copies each page into and out of its memory —; hyparquet's JavaScript decoder
 * 263–288 ms (a byte loop). Every other codec stays hyparquet-compressors'.
 */

/**
 * Decompresses `input` into a new array of `outputLength` bytes (the page header's uncompressed
 * size). Throws on corrupt input (lengths past either end, an offset before the start, a length
 * that disagrees with the header).
 */
export function snappyUncompress(input: Uint8Array, outputLength: number): Uint8Array {
  return snappyUncompressInto(input, new Uint8Array(outputLength));
}

/**
 * {@link snappyUncompress} into `output`. With `skip`, the first `skip` bytes of the page are
 * decoded aside (kept for the back-references that read them) and `output` receives the rest: its
 * length is the uncompressed size less `skip`. That puts a data page's values, behind their
 * definition levels, straight where they belong (kernels/parquet.ts). Returns `output`.
 */
export function snappyUncompressInto(input: Uint8Array, output: Uint8Array, skip = 0): Uint8Array {
  const outputLength = output.length + skip;
  const n = input.length;
  const head = new Uint8Array(skip);
  let pos = 0;
  // The preamble: the uncompressed length as a varint.
  let declared = 0;
  for (let shift = 0; ; shift += 7) {
    if (pos >= n || shift > 28) throw new Error('invalid snappy length header');
    const c = input[pos++]!;
    declared += (c & 0x7f) * 2 ** shift;
    if (c < 0x80) break;
  }
  if (declared !== outputLength) throw new Error(`snappy length ${declared} does not match the page's ${outputLength}`);
  // `out` counts the page's bytes; byte `i` goes to head[i] (i < skip) or output[i - skip].
  let out = 0;
  while (pos < n) {
    const c = input[pos++]!;
    const tag = c & 3;
    if (tag === 0) {
      let len = (c >>> 2) + 1;
      if (len > 60) {
        const bytes = len - 60;
        if (pos + bytes > n) throw new Error('snappy: a literal length runs past the end of the input');
        len = 0;
        for (let i = bytes - 1; i >= 0; i--) len = len * 256 + input[pos + i]!;
        len += 1;
        pos += bytes;
      }
      if (pos + len > n || out + len > outputLength) throw new Error('snappy: a literal runs past the end of the input or output');
      if (out < skip) {
        // The skipped head (only the page's first bytes).
        const h = Math.min(len, skip - out);
        head.set(input.subarray(pos, pos + h), out);
        pos += h;
        out += h;
        len -= h;
      }
      const at = out - skip;
      if (len > 16) output.set(input.subarray(pos, pos + len), at);
      else for (let i = 0; i < len; i++) output[at + i] = input[pos + i]!;
      pos += len;
      out += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (tag === 1) {
      if (pos >= n) throw new Error('snappy: a copy runs past the end of the input');
      len = ((c >>> 2) & 7) + 4;
      offset = ((c >>> 5) << 8) | input[pos++]!;
    } else if (tag === 2) {
      if (pos + 1 >= n) throw new Error('snappy: a copy runs past the end of the input');
      len = (c >>> 2) + 1;
      offset = input[pos]! | (input[pos + 1]! << 8);
      pos += 2;
    } else {
      if (pos + 3 >= n) throw new Error('snappy: a copy runs past the end of the input');
      len = (c >>> 2) + 1;
      offset = (input[pos]! | (input[pos + 1]! << 8) | (input[pos + 2]! << 16)) + input[pos + 3]! * 2 ** 24;
      pos += 4;
    }
    if (offset === 0 || offset > out) throw new Error(`snappy: a copy from offset ${offset} before the start of the output`);
    if (out + len > outputLength) throw new Error('snappy: a copy runs past the end of the output');
    if (out - offset < skip) {
      // A copy touching the skipped head: byte by byte from wherever each byte is.
      for (let i = 0; i < len; i++, out++) {
        const from = out - offset;
        const v = from < skip ? head[from]! : output[from - skip]!;
        if (out < skip) head[out] = v;
        else output[out - skip] = v;
      }
      continue;
    }
    const at = out - skip;
    if (offset >= len && len > 16) output.copyWithin(at, at - offset, at - offset + len);
    // Overlapping (a run repeating the last `offset` bytes) or short: byte by byte, in order.
    else for (let i = 0; i < len; i++) output[at + i] = output[at - offset + i]!;
    out += len;
  }
  if (out !== outputLength) throw new Error(`snappy: ${out} bytes decompressed where the page holds ${outputLength}`);
  return output;
}

/**
 * The first bytes of the page `input` decompresses to, when its first literal holds them (a
 * stream always starts with a literal): up to `max` bytes, without decompressing the page. Null
 * when the input does not start so (corrupt, or an empty page).
 */
export function snappyHead(input: Uint8Array, max: number): Uint8Array | null {
  const n = input.length;
  let pos = 0;
  for (let shift = 0; ; shift += 7) {
    if (pos >= n || shift > 28) return null;
    if (input[pos++]! < 0x80) break;
  }
  if (pos >= n) return null;
  const c = input[pos++]!;
  if ((c & 3) !== 0) return null;
  let len = (c >>> 2) + 1;
  if (len > 60) {
    const bytes = len - 60;
    if (pos + bytes > n) return null;
    len = 0;
    for (let i = bytes - 1; i >= 0; i--) len = len * 256 + input[pos + i]!;
    len += 1;
    pos += bytes;
  }
  return input.subarray(pos, Math.min(n, pos + len, pos + max));
}
