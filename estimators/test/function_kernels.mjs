// Functions for FunctionTransformer's tests (function_transformer.test.ts), imported by module URL
// on the main thread and on the workers. The first three mirror the numpy functions of
// scripts/make_fixtures_transformers.py operation for operation.

/** X · a + b. */
export function affine(X, { a, b }) {
  return { dtype: 'float64', shape: X.shape, data: X.data.map((v) => v * a + b) };
}

/** (X − b) / a. */
export function affineInverse(X, { a, b }) {
  return { dtype: 'float64', shape: X.shape, data: X.data.map((v) => (v - b) / a) };
}

/** X with its squares (times `scale`) appended: twice as wide. Returned as number[][]. */
export function appendSquares(X, { scale }) {
  const [n, d] = X.shape;
  const rows = [];
  for (let i = 0; i < n; i++) {
    const row = Array.from(X.data.subarray(i * d, (i + 1) * d));
    rows.push([...row, ...row.map((v) => v * v * scale)]);
  }
  return rows;
}

/** Changes its input in place and returns it (the caller's data must not change). */
export function negateInPlace(X) {
  for (let i = 0; i < X.data.length; i++) X.data[i] = -X.data[i];
  return X;
}

/** One row fewer than given. */
export function dropLastRow(X) {
  const [n, d] = X.shape;
  return { dtype: 'float64', shape: [n - 1, d], data: X.data.slice(0, (n - 1) * d) };
}

/** As wide as there are rows: a width that changes from block to block. */
export function widthOfRows(X) {
  const n = X.shape[0];
  return { dtype: 'float64', shape: [n, n], data: new Float64Array(n * n) };
}

/** A 1-D output. */
export function rowMeans(X) {
  const [n, d] = X.shape;
  return Array.from({ length: n }, (_, i) => X.data.subarray(i * d, (i + 1) * d).reduce((s, v) => s + v, 0) / d);
}

/** Asynchronous: not allowed. */
export async function later(X) {
  return X;
}

/** Fails on a row whose first value is 13. */
export function failsOn13(X) {
  const d = X.shape[1];
  for (let i = 0; i < X.shape[0]; i++) if (X.data[i * d] === 13) throw new RangeError(`unlucky row ${i}`);
  return X;
}

export const notAFunction = 42;
