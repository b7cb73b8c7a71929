// Kernels of the diagnostics demo (scripts/docs-screenshot.mjs): a miniature of the reference
// workflow — read a block, scale it, fold it into a model (a chain), predict per block. The work
// is simulated (a busy loop of a given length) but the blocks are real shared-memory arrays.

function spin(ms) {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

function block(n, seed) {
  const out = new Float64Array(new SharedArrayBuffer(n * 8));
  for (let i = 0; i < n; i++) out[i] = ((seed * 7919 + i * 31) % 1000) / 1000;
  return out;
}

export const kernels = {
  'demo.read': (ms, n, i) => (spin(ms), block(n, i)),
  'demo.scale': (ms, x) => {
    spin(ms);
    const out = new Float64Array(new SharedArrayBuffer(x.byteLength));
    for (let i = 0; i < x.length; i++) out[i] = (x[i] - 0.5) * 2;
    return out;
  },
  'demo.partialFit': (ms, state, x) => {
    spin(ms);
    let s = 0;
    for (let i = 0; i < x.length; i += 97) s += x[i];
    return { seen: state.seen + x.length, w: state.w + s / x.length };
  },
  'demo.predict': (ms, model, x) => {
    spin(ms);
    const out = new Uint8Array(new SharedArrayBuffer(x.length));
    for (let i = 0; i < x.length; i++) out[i] = x[i] * model.w > 0 ? 1 : 0;
    return out;
  },
  'demo.count': { fn: (...parts) => parts.reduce((a, p) => a + p.length, 0), cheap: true },
};
