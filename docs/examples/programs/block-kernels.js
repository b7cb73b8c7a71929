// block-kernels.js: user kernels over blocks, for the examples of arrays.md.
import { allocate, streamOf } from '@tessera/array';

// x·w + b per row of a plain block { dtype, shape, data }: what a linear model's predict does.
export function linearScore(block, w, b) {
  const [rows, cols] = block.shape;
  const out = allocate('float64', rows);
  for (let i = 0; i < rows; i++) {
    let s = b;
    for (let j = 0; j < cols; j++) s += block.data[i * cols + j] * w[j];
    out[i] = s;
  }
  return { dtype: 'float64', shape: [rows], data: out };
}

// The same over a block argument taken tile by tile (mapBlocks' streaming option): a read or an
// expression is evaluated one cache-sized tile at a time, and only the output is allocated.
export function linearScoreStreaming(arg, w, b) {
  const s = streamOf(arg);
  try {
    const out = allocate('float64', s.rows);
    for (let a = 0; a < s.rows; a += 4096) {
      const end = Math.min(s.rows, a + 4096);
      const tile = s.read(a, end);
      for (let i = a; i < end; i++) {
        let v = b;
        for (let j = 0; j < s.cols; j++) v += tile[(i - a) * s.cols + j] * w[j];
        out[i] = v;
      }
    }
    return { dtype: 'float64', shape: [s.rows], data: out };
  } finally {
    s.close();
  }
}

// One link of a sequential chain: running column sums (state in, new state out; plain data).
export function sumLink(state, block) {
  const [rows, cols] = block.shape;
  const sums = state.sums.slice();
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) sums[j] += block.data[i * cols + j];
  return { sums, rows: state.rows + rows };
}
