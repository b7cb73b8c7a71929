/**
 * Deterministic names for lazy arrays (dask's `tokenize`): a hash of the operation and its
 * inputs, so that equal work gets equal task keys, graphs built twice merge, and timelines are
 * reproducible across runs.
 */
import { createHash, type Hash } from 'node:crypto';

/** Something that carries its own token (lazy arrays: their name). */
export interface Tokenized {
  readonly name: string;
}

/**
 * A short hex hash of `parts`: numbers (NaN and -0 included), strings, booleans, null,
 * undefined, arrays, plain objects (keys sorted), typed arrays (by content) and objects with a
 * `name` token.
 *
 * @example
 * tokenize('sub', X.name, 3) === tokenize('sub', X.name, 3) // true
 */
export function tokenize(...parts: unknown[]): string {
  const h = createHash('sha1');
  feed(h, parts);
  return h.digest('hex').slice(0, 16);
}

function feed(h: Hash, v: unknown): void {
  if (v === null) h.update('N;');
  else if (v === undefined) h.update('U;');
  else if (typeof v === 'number') h.update(Object.is(v, -0) ? 'n-0;' : `n${v};`);
  else if (typeof v === 'string') h.update(`s${v.length}:${v};`);
  else if (typeof v === 'boolean') h.update(v ? 'T;' : 'F;');
  else if (typeof v === 'bigint') h.update(`b${v};`);
  else if (ArrayBuffer.isView(v)) {
    h.update(`t${v.constructor.name}${v.byteLength}:`);
    h.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  } else if (Array.isArray(v)) {
    h.update(`a${v.length}[`);
    for (const x of v) feed(h, x);
    h.update(']');
  } else if (v instanceof URL) h.update(`u${v.href};`);
  else if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const proto = Object.getPrototypeOf(o);
    if (proto !== Object.prototype && proto !== null && typeof o['name'] === 'string' && 'graph' in o) {
      h.update(`A${o['name']};`);
      return;
    }
    const keys = Object.keys(o).sort();
    h.update(`o${keys.length}{`);
    for (const k of keys) {
      h.update(`${k}=`);
      feed(h, o[k]);
    }
    h.update('}');
  } else h.update(`?${String(v)};`);
}
