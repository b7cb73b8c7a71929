// transforms.js: functions for FunctionTransformer (estimators.md).
export function log1p(X) {
  return { dtype: 'float64', shape: X.shape, data: X.data.map(Math.log1p) };
}
export function expm1(X) {
  return { dtype: 'float64', shape: X.shape, data: X.data.map(Math.expm1) };
}
// X with its squares (times `scale`) appended.
export function appendSquares(X, { scale }) {
  const [n, d] = X.shape;
  const rows = [];
  for (let i = 0; i < n; i++) {
    const row = Array.from(X.data.subarray(i * d, (i + 1) * d));
    rows.push([...row, ...row.map((v) => v * v * scale)]);
  }
  return rows;
}
