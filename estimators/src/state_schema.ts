/**
 * Learned state declared as data, checked by one function — what `setState` (and so
 * `estimatorFromJSON` and `estimatorFromSnapshot`) runs before an estimator accepts a state, so
 * that a tampered or truncated model file fails naming the field instead of predicting nonsense.
 *
 * Every estimator class declares `static readonly stateSchema`: each field with its kind, and for
 * arrays their shape in named dimensions. The first field that fixes a dimension binds it; every
 * later use must agree, and a mismatch names both sides:
 *
 *     stateSchema = {
 *       fields: {
 *         nFeaturesIn_: count(1, 'd'),                           // binds d
 *         classes_: vector('nClasses', { sorted: true, minLength: 2 }),
 *         coef_: matrix('k', 'd'),                               // k derived from nClasses
 *       },
 *       derived: { k: { value: (d) => …, because: (d) => … } },
 *     };
 *
 *     SGDClassifier state field 'coef_' has shape (1, 19) but nFeaturesIn_ is 20
 *
 * Dimensions may also come from a hyperparameter (`params: { k: 'nClusters' }`) or be computed
 * from others (`derived`); in a list field (one array per layer) `{i}` and `{i+1}` stand for the
 * item's index, and `{L}` for the value of a bound dimension L ('u{L}': the last layer's width).
 * Values are checked too: 'finite' (no NaN/±Infinity), 'nonNegative', 'positive', or 'any'
 * double. Fields not in the schema are refused, as unknown hyperparameters are.
 */
import { isBlock } from '@tessera/array';
import { StateRangeError, StateTypeError, describeValue } from './errors.js';

/** An axis length: a fixed number, or a named dimension (bound by the first field that fixes it). */
export type Dim = number | string;

/** What an array's elements or a number may be. */
export type Values = 'finite' | 'nonNegative' | 'positive' | 'any';

interface FieldBase {
  /** The field may be absent (undefined). */
  readonly optional?: boolean;
  /** The field may be null. */
  readonly nullable?: boolean;
}

/** A number; `dims` are dimensions it binds or must equal (a fixed number, a name or a template). */
export interface NumberField extends FieldBase {
  readonly kind: 'number';
  readonly values: Values;
  readonly int?: boolean;
  readonly min?: number;
  readonly dims?: readonly Dim[];
}

/** A float64 array: a block (DenseArray) of the given shape, or with `typed` a bare Float64Array. */
export interface ArrayField extends FieldBase {
  readonly kind: 'array';
  readonly shape: readonly Dim[];
  readonly values: Values;
  /** A bare Float64Array (1-D) rather than a block. */
  readonly typed?: boolean;
  /** Strictly increasing (sorted labels without repeats, as label lookups assume). */
  readonly sorted?: boolean;
  /** Fewest elements along the first axis. */
  readonly minLength?: number;
}

/** A JavaScript array of arrays (one per layer); `{i}` / `{i+1}` in the item's dims is the index. */
export interface ListField extends FieldBase {
  readonly kind: 'list';
  readonly length: Dim;
  readonly item: ArrayField;
}

/** A string among `options`; `narrow` may restrict them given the dimensions (e.g. the output activation of a classifier). */
export interface OptionField extends FieldBase {
  readonly kind: 'option';
  readonly options: readonly string[];
  readonly narrow?: (dims: DimValues) => { readonly options: readonly string[]; readonly because: string } | null;
}

/** An estimator snapshot `{ estimator, params, state }` (a wrapper's fitted estimator), checked by rebuilding it. */
export interface EstimatorField extends FieldBase {
  readonly kind: 'estimator';
}

/** A JavaScript array of `length` strings (feature names, category labels). */
export interface StringsField extends FieldBase {
  readonly kind: 'strings';
  readonly length: Dim;
}

/** One field of a state schema. */
export type StateField = NumberField | ArrayField | ListField | OptionField | EstimatorField | StringsField;

/** Bound dimensions by name. */
export type DimValues = Readonly<Record<string, number>>;

/** A dimension computed from others, with the explanation a mismatch gives. */
export interface DerivedDim {
  /** The dimension's value, or undefined while the dimensions it needs are not bound yet. */
  readonly value: (dims: DimValues) => number | undefined;
  /** Why it has that value, e.g. "classes_ holds 3 classes: 3 rows expected (1 for two classes)". */
  readonly because: (dims: DimValues) => string;
}

/** The declared learned state of an estimator class (`static readonly stateSchema`). */
export interface StateSchema {
  /** Every field, in the order they are checked (a field binding a dimension comes before its users). */
  readonly fields: Readonly<Record<string, StateField>>;
  /** Dimensions fixed by hyperparameters: dimension name → parameter name. */
  readonly params?: Readonly<Record<string, string>>;
  /** Dimensions computed from others. */
  readonly derived?: Readonly<Record<string, DerivedDim>>;
  /** Optional fields present all together or not at all. */
  readonly together?: readonly (readonly string[])[];
}

// ---------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------

/** A finite integer ≥ `min` that binds (or must equal) `dims`. */
export function count(min = 0, ...dims: Dim[]): NumberField {
  return { kind: 'number', values: 'finite', int: true, min, dims };
}

/** A number (finite unless `values` says otherwise), ≥ `min` when given. */
export function real(values: Values = 'finite', min?: number): NumberField {
  return min === undefined ? { kind: 'number', values } : { kind: 'number', values, min };
}

/** A 1-D float64 block of length `length`. */
export function vector(length: Dim, opts: { values?: Values; sorted?: boolean; minLength?: number } = {}): ArrayField {
  return {
    kind: 'array',
    shape: [length],
    values: opts.values ?? 'finite',
    ...(opts.sorted ? { sorted: true } : {}),
    ...(opts.minLength ? { minLength: opts.minLength } : {}),
  };
}

/** A 2-D float64 block of shape (rows, cols). */
export function matrix(rows: Dim, cols: Dim, values: Values = 'finite'): ArrayField {
  return { kind: 'array', shape: [rows, cols], values };
}

/** A bare Float64Array of length `length`. */
export function typed(length: Dim, values: Values = 'finite'): ArrayField {
  return { kind: 'array', shape: [length], values, typed: true };
}

/** A list of `length` arrays (one per layer). */
export function list(length: Dim, item: ArrayField): ListField {
  return { kind: 'list', length, item };
}

/** A string among `options`. */
export function oneOf(options: readonly string[], narrow?: OptionField['narrow']): OptionField {
  return narrow === undefined ? { kind: 'option', options } : { kind: 'option', options, narrow };
}

/** An estimator snapshot (a wrapper's fitted estimator). */
export function snapshotField(): EstimatorField {
  return { kind: 'estimator' };
}

/** An array of `length` strings. */
export function strings(length: Dim): StringsField {
  return { kind: 'strings', length };
}

/** The field, or null. */
export function nullable<F extends StateField>(f: F): F {
  return { ...f, nullable: true };
}

/** The field, or absent. */
export function optional<F extends StateField>(f: F): F {
  return { ...f, optional: true };
}

// ---------------------------------------------------------------------------------------------
// The check
// ---------------------------------------------------------------------------------------------

/** "1 layer", "3 layers". */
function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Python's tuple notation, as scikit-learn's messages print shapes: (1, 19), (3,). */
function shapeText(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

function valuesText(values: Values): string {
  switch (values) {
    case 'finite':
      return 'finite';
    case 'nonNegative':
      return 'finite and ≥ 0';
    case 'positive':
      return 'finite and > 0';
    case 'any':
      return 'numbers';
  }
}

function valueOk(values: Values, x: number): boolean {
  switch (values) {
    case 'finite':
      return x - x === 0;
    case 'nonNegative':
      return x - x === 0 && x >= 0;
    case 'positive':
      return x - x === 0 && x > 0;
    case 'any':
      return true;
  }
}

/** The dimensions bound so far, with the sentence that explains each. */
class Dims {
  readonly values: Record<string, number> = {};
  readonly why: Record<string, string> = {};
  constructor(private readonly derived: Readonly<Record<string, DerivedDim>>) {}

  /**
   * A dimension by its spec: its value and explanation, or only its (template-expanded) name when
   * it is still free. Null when a template names a dimension not bound yet (nothing to check).
   */
  resolve(spec: Dim, index: number): { name: string; value?: number; because?: string } | null {
    if (typeof spec === 'number') return { name: String(spec), value: spec, because: `it must be ${spec}` };
    let unresolved = false;
    const name = spec.replace(/\{([^}]+)\}/g, (_, expr: string) => {
      if (expr === 'i') return String(index);
      if (expr === 'i+1') return String(index + 1);
      const v = this.values[expr];
      if (v === undefined) unresolved = true;
      return String(v);
    });
    if (unresolved) return null;
    const bound = this.values[name];
    if (bound !== undefined) return { name, value: bound, because: this.why[name]! };
    const d = this.derived[name];
    if (d !== undefined) {
      const v = d.value(this.values);
      if (v !== undefined) return { name, value: v, because: d.because(this.values) };
    }
    return { name };
  }

  bind(name: string, value: number, why: string): void {
    this.values[name] = value;
    this.why[name] = why;
  }
}

/** Context of one check: the estimator's name, for messages and errors. */
class Checker {
  constructor(
    readonly estimator: string,
    readonly dims: Dims,
    readonly rebuild: ((snapshot: unknown) => unknown) | undefined,
  ) {}

  where(field: string): string {
    return `${this.estimator} state field '${field}'`;
  }

  typeError(field: string, what: string): StateTypeError {
    return new StateTypeError(`${this.where(field)} ${what}`, this.estimator, field);
  }

  rangeError(field: string, what: string): StateRangeError {
    return new StateRangeError(`${this.where(field)} ${what}`, this.estimator, field);
  }

  number(field: string, f: NumberField, v: unknown): void {
    const want = `${f.int ? 'an integer' : 'a number'}${f.values === 'any' ? '' : ` (${valuesText(f.values)}${f.min === undefined ? '' : `, ≥ ${f.min}`})`}`;
    if (typeof v !== 'number') throw this.typeError(field, `must be ${want}. Got ${describeValue(v)}.`);
    if (!valueOk(f.values, v) || (f.int && !Number.isInteger(v)) || (f.min !== undefined && !(v >= f.min))) {
      throw this.rangeError(field, `must be ${want}. Got ${describeValue(v)}.`);
    }
    for (const spec of f.dims ?? []) {
      const r = this.dims.resolve(spec, 0);
      if (r === null) continue;
      if (r.value === undefined) this.dims.bind(r.name, v, `${field} is ${v}`);
      else if (r.value !== v) throw this.rangeError(field, `is ${v} but ${r.because}.`);
    }
  }

  array(field: string, f: ArrayField, v: unknown, index: number): void {
    let shape: readonly number[];
    let data: ArrayLike<number>;
    const want = f.typed ? 'a Float64Array' : `a float64 array of ${f.shape.length} dimension${f.shape.length === 1 ? '' : 's'}`;
    if (f.typed) {
      if (!(v instanceof Float64Array)) throw this.typeError(field, `must be ${want}. Got ${describeValue(v)}.`);
      shape = [v.length];
      data = v;
    } else {
      if (!isBlock(v)) throw this.typeError(field, `must be ${want}. Got ${describeValue(v)}.`);
      if (v.dtype !== 'float64') throw this.typeError(field, `has dtype ${v.dtype} but must be float64.`);
      shape = v.shape;
      data = v.data;
      if (!(data instanceof Float64Array)) throw this.typeError(field, `has dtype float64 but its data is ${describeValue(data)}.`);
    }
    if (shape.length !== f.shape.length) {
      throw this.rangeError(
        field,
        `has shape ${shapeText(shape)} but must have ${f.shape.length} dimension${f.shape.length === 1 ? '' : 's'}.`,
      );
    }
    let size = 1;
    for (const s of shape) size *= s;
    if (size !== data.length) throw this.rangeError(field, `has shape ${shapeText(shape)} but ${data.length} values.`);
    for (let a = 0; a < shape.length; a++) {
      const r = this.dims.resolve(f.shape[a]!, index);
      if (r === null) continue;
      if (r.value === undefined)
        this.dims.bind(
          r.name,
          shape[a]!,
          shape.length === 1 ? `${field} holds ${plural(shape[a]!, 'value')}` : `${field} has shape ${shapeText(shape)}`,
        );
      else if (r.value !== shape[a]) throw this.rangeError(field, `has shape ${shapeText(shape)} but ${r.because}.`);
    }
    if (f.minLength !== undefined && shape[0]! < f.minLength) {
      throw this.rangeError(field, `holds ${plural(shape[0]!, 'value')} but needs at least ${f.minLength}.`);
    }
    if (f.values !== 'any') {
      for (let q = 0; q < data.length; q++) {
        const x = data[q]!;
        if (!valueOk(f.values, x)) {
          const at = shape.length === 1 ? `index ${q}` : `[${Math.floor(q / shape[1]!)}, ${q % shape[1]!}]`;
          throw this.rangeError(field, `holds ${describeValue(x)} at ${at}; its values must be ${valuesText(f.values)}.`);
        }
      }
    }
    if (f.sorted) {
      for (let q = 1; q < data.length; q++) {
        if (!(data[q]! > data[q - 1]!))
          throw this.rangeError(field, `must be sorted in increasing order without repeats. Got ${describeValue(Array.from(data))}.`);
      }
    }
  }

  field(field: string, f: StateField, v: unknown): void {
    switch (f.kind) {
      case 'number':
        return this.number(field, f, v);
      case 'array':
        return this.array(field, f, v, 0);
      case 'list': {
        if (!Array.isArray(v)) throw this.typeError(field, `must be an array with one float64 array per layer. Got ${describeValue(v)}.`);
        const r = this.dims.resolve(f.length, 0);
        if (r !== null) {
          if (r.value === undefined) this.dims.bind(r.name, v.length, `${field} holds ${plural(v.length, 'layer')}`);
          else if (r.value !== v.length) throw this.rangeError(field, `holds ${plural(v.length, 'layer')} but ${r.because}.`);
        }
        v.forEach((item, i) => this.array(`${field}[${i}]`, f.item, item, i));
        return;
      }
      case 'strings': {
        if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
          throw this.typeError(field, `must be an array of strings. Got ${describeValue(v)}.`);
        const r = this.dims.resolve(f.length, 0);
        if (r !== null) {
          if (r.value === undefined) this.dims.bind(r.name, v.length, `${field} holds ${plural(v.length, 'string')}`);
          else if (r.value !== v.length) throw this.rangeError(field, `holds ${plural(v.length, 'string')} but ${r.because}.`);
        }
        return;
      }
      case 'option': {
        if (typeof v !== 'string')
          throw this.typeError(field, `must be a string among {${f.options.map((o) => `'${o}'`).join(', ')}}. Got ${describeValue(v)}.`);
        if (!f.options.includes(v))
          throw this.rangeError(field, `must be a string among {${f.options.map((o) => `'${o}'`).join(', ')}}. Got ${describeValue(v)}.`);
        const narrowed = f.narrow?.(this.dims.values) ?? null;
        if (narrowed !== null && !narrowed.options.includes(v)) {
          throw this.rangeError(field, `is ${describeValue(v)} but ${narrowed.because}.`);
        }
        return;
      }
      case 'estimator': {
        const snap = v as { estimator?: unknown; params?: unknown; state?: unknown };
        if (
          typeof v !== 'object' ||
          v === null ||
          typeof snap.estimator !== 'string' ||
          typeof snap.params !== 'object' ||
          snap.params === null ||
          typeof snap.state !== 'object'
        ) {
          throw this.typeError(field, `must be an estimator snapshot { estimator, params, state }. Got ${describeValue(v)}.`);
        }
        if (snap.state === null) throw this.rangeError(field, `must be the snapshot of a fitted ${snap.estimator}; its state is null.`);
        try {
          this.rebuild?.(v);
        } catch (e) {
          // The nested estimator's own error, said to be inside this field.
          if (e instanceof Error) e.message = `${this.where(field)}: ${e.message}`;
          throw e;
        }
        return;
      }
    }
  }
}

/**
 * Checks a learned state against its schema: no unknown fields, every required field present,
 * each of the declared kind, dtype, shape and values, dimensions consistent across fields (and
 * with the hyperparameters named in `schema.params`). Throws {@link StateTypeError} for a missing,
 * unknown or wrongly typed field and {@link StateRangeError} for a wrong shape or value, naming
 * the estimator and the field. `rebuild` checks a nested estimator snapshot (a wrapper's).
 *
 * @example
 * checkState('SGDClassifier', SGDClassifier.stateSchema, state, clf);
 * // StateRangeError: SGDClassifier state field 'coef_' has shape (1, 19) but nFeaturesIn_ is 20.
 */
export function checkState(
  estimator: string,
  schema: StateSchema,
  state: Readonly<Record<string, unknown>>,
  params: Readonly<Record<string, unknown>>,
  rebuild?: (snapshot: unknown) => unknown,
): void {
  const names = Object.keys(schema.fields);
  for (const key of Object.keys(state)) {
    if (!Object.hasOwn(schema.fields, key)) {
      throw new StateTypeError(`${estimator} state has an unknown field '${key}'. Its fields are: ${names.join(', ')}.`, estimator, key);
    }
  }
  const dims = new Dims(schema.derived ?? {});
  for (const [dim, param] of Object.entries(schema.params ?? {})) {
    const v = params[param];
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) dims.bind(dim, v, `the ${param} parameter is ${v}`);
  }
  const c = new Checker(estimator, dims, rebuild);
  for (const [key, f] of Object.entries(schema.fields)) {
    const v = state[key];
    if (v === undefined) {
      if (f.optional) continue;
      throw c.typeError(key, 'is missing.');
    }
    if (v === null) {
      if (f.nullable) continue;
      throw c.typeError(key, 'must not be null.');
    }
    c.field(key, f, v);
  }
  for (const group of schema.together ?? []) {
    const present = group.filter((k) => state[k] !== undefined && state[k] !== null);
    if (present.length > 0 && present.length < group.length) {
      const missing = group.find((k) => !present.includes(k))!;
      throw c.typeError(
        missing,
        `is missing: ${group.join(', ')} come together, and ${present.join(', ')} ${present.length === 1 ? 'is' : 'are'} present.`,
      );
    }
  }
}
