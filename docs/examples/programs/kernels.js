// kernels.js: user kernels for the examples of scheduler.md and README.md.
import { allocate } from '@tessera/array';

export function double(x) {
  return 2 * x;
}

// Blocks are { dtype, shape, data }; allocate results over shared memory so they cross threads
// without a copy.
export function rowSums(block) {
  const [rows, cols] = block.shape;
  const out = allocate('float64', rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += block.data[i * cols + j];
    out[i] = s;
  }
  return { dtype: 'float64', shape: [rows], data: out };
}

export async function slowSquare(x) {
  await new Promise((resolve) => setTimeout(resolve, 5));
  return x * x;
}

export function fails(message) {
  throw new RangeError(message);
}

// A table for registerKernels: the names a package (or a program) registers.
export const kernels = {
  'demo.double': double,
  'demo.inc': { fn: (x) => x + 1, cheap: true },
};
