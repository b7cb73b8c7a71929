/**
 * Exact JSON encoding of estimator params and state.
 *
 * JSON has no typed arrays, NaN, ±Infinity or -0, and `JSON.stringify` turns all of them into
 * something else. Numbers that JSON can hold exactly (every other double: JavaScript prints the
 * shortest string that parses back to the same double) stay numbers; the rest are tagged:
 *
 *     { "$num": "NaN" | "Infinity" | "-Infinity" | "-0" }
 *     { "$array": "float64", "shape": [2, 3], "data": [...] }      // a Block / DenseArray
 *     { "$typed": "float64", "data": [...] }                       // a bare typed array
 *     { "$estimator": { estimator, params, state } }               // a nested estimator (param)
 */
import { DenseArray, type DType, type TypedArray, TYPED_ARRAYS, dtypeOf, isBlock } from '@tessera/array';

/** Any JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function encodeNumber(x: number): Json {
  if (Number.isNaN(x)) return { $num: 'NaN' };
  if (x === Number.POSITIVE_INFINITY) return { $num: 'Infinity' };
  if (x === Number.NEGATIVE_INFINITY) return { $num: '-Infinity' };
  if (Object.is(x, -0)) return { $num: '-0' };
  return x;
}

function decodeNumber(v: Json, where: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && typeof v.$num === 'string') {
    switch (v.$num) {
      case 'NaN':
        return Number.NaN;
      case 'Infinity':
        return Number.POSITIVE_INFINITY;
      case '-Infinity':
        return Number.NEGATIVE_INFINITY;
      case '-0':
        return -0;
    }
  }
  throw new TypeError(`${where}: expected a number, got ${JSON.stringify(v)}.`);
}

function encodeTyped(data: TypedArray): Json[] {
  const out: Json[] = new Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = encodeNumber(data[i]!);
  return out;
}

function decodeTyped(dtype: unknown, data: Json | undefined, where: string): TypedArray {
  if (typeof dtype !== 'string' || !Object.hasOwn(TYPED_ARRAYS, dtype)) {
    throw new TypeError(`${where}: unknown dtype ${JSON.stringify(dtype)}; known dtypes: ${Object.keys(TYPED_ARRAYS).join(', ')}.`);
  }
  if (!Array.isArray(data))
    throw new TypeError(`${where}: the array's data must be a JSON array. Got ${JSON.stringify(data) ?? 'nothing'}.`);
  const out = new TYPED_ARRAYS[dtype as DType](data.length);
  for (let i = 0; i < data.length; i++) out[i] = decodeNumber(data[i]!, `${where}, element ${i}`);
  return out;
}

/**
 * Encodes a value for JSON. `encodeEstimator` handles estimator-valued params (passed in by the
 * base class, which knows how to recognise them) so this module stays free of estimator imports.
 */
export function encodeJson(value: unknown, encodeEstimator?: (v: unknown) => Json | undefined): Json {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return encodeNumber(value);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  const est = encodeEstimator?.(value);
  if (est !== undefined) return { $estimator: est };
  if (isBlock(value)) {
    return { $array: value.dtype, shape: [...value.shape], data: encodeTyped(value.data) };
  }
  if (ArrayBuffer.isView(value)) {
    const dtype = dtypeOf(value);
    if (dtype === undefined) throw new TypeError(`toJSON: unsupported typed array ${value.constructor.name}.`);
    return { $typed: dtype, data: encodeTyped(value as TypedArray) };
  }
  if (Array.isArray(value)) return value.map((v) => encodeJson(v, encodeEstimator));
  if (typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) out[k] = encodeJson(v, encodeEstimator);
    }
    return out;
  }
  throw new TypeError(`toJSON: cannot encode a ${typeof value}.`);
}

/**
 * Inverse of {@link encodeJson}. Blocks come back as DenseArray. Malformed input (an unknown
 * dtype, a shape that does not hold the data, a non-number where a number belongs) throws a
 * TypeError or RangeError whose message starts with `where` and the path inside the value
 * (`SGDClassifier state field 'coef_', element 3: expected a number…`).
 */
export function decodeJson(value: Json, decodeEstimator?: (v: Json, where: string) => unknown, where = 'fromJSON'): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v, i) => decodeJson(v, decodeEstimator, `${where}[${i}]`));
  if (typeof value.$num === 'string') return decodeNumber(value, where);
  if ('$array' in value) {
    const shape = value.shape;
    if (!Array.isArray(shape) || !shape.every((s) => typeof s === 'number' && Number.isInteger(s) && s >= 0)) {
      throw new TypeError(`${where}: an array's shape must be a list of non-negative integers. Got ${JSON.stringify(shape) ?? 'nothing'}.`);
    }
    const data = decodeTyped(value.$array, value.data, where);
    let size = 1;
    for (const s of shape as number[]) size *= s;
    if (size !== data.length)
      throw new RangeError(
        `${where}: shape [${shape.join(', ')}] holds ${size} value${size === 1 ? '' : 's'} but the data has ${data.length}.`,
      );
    return new DenseArray(data, shape as number[]);
  }
  if ('$typed' in value) return decodeTyped(value.$typed, value.data, where);
  if ('$estimator' in value) {
    if (decodeEstimator === undefined) throw new TypeError(`${where}: nested estimators need a decoder.`);
    return decodeEstimator(value.$estimator!, where);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = decodeJson(v, decodeEstimator, `${where}.${k}`);
  return out;
}
