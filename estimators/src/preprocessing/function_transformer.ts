/**
 * FunctionTransformer (scikit-learn's): a transform that is a function of the user's — here a
 * function exported by an ES module, named `{ module, export }` as a user kernel is, because a
 * function cannot cross threads nor be saved with a model, and a module reference can.
 *
 * The design, in one place:
 * - **Loading.** Importing a module is asynchronous, and `fit` / `transform` on in-memory data are
 *   synchronous, so the function is loaded first: `await transformer.load()` imports `func` and
 *   `inverseFunc` on this thread (once per thread: every transformer naming the same function then
 *   finds it). A synchronous method whose function is not loaded says so. A lazy `fit` loads it
 *   itself.
 * - **Out-of-core.** A lazy `transform` is one task per row block running this module's kernel
 *   (`est.functionTransform`), which imports the function on the worker as the scheduler imports a
 *   user kernel, checks the block and calls it. The function must therefore map rows to rows: a
 *   block of n rows in, n rows out, the same width for every block.
 * - **Width.** scikit-learn does not know the output's width before `transform`; a lazy transform
 *   must declare its chunks first, so `fit` calls the function once on X's first row and keeps
 *   the width (`nOutputFeatures_`); every block is checked against it.
 * - **Identity.** `func: null` (the default) passes X through as float64 — lazily, an expression
 *   fused into its consumer.
 */
import { DenseArray, allocate, isBlock, mapBlocks, type Block, type NDArray } from '@tessera/array';
import { resolveKernel } from '@tessera/scheduler';
import { BaseEstimator, type State } from '../base.js';
import type { ApplyMethod, LazyFitter, LazyOptions, LazyTransformer } from '../contract.js';
import { InvalidInputError, ParameterTypeError, describeValue } from '../errors.js';
import { checkLazyInput, isLazy, rejecting, rowBlocks } from '../ooc/lazy.js';
import { registerEstimator } from '../registry.js';
import { type StateSchema, count } from '../state_schema.js';
import { BOOLEAN, type MatrixLike, checkArray, checkFeatureCount } from '../validation.js';

/**
 * A function exported by an ES module: `module` is a URL string (`new URL('./fns.js',
 * import.meta.url).href`) or an absolute path, `export` the name of the exported function.
 */
export interface FunctionRef {
  readonly module: string;
  readonly export: string;
}

/**
 * What `func` and `inverseFunc` must be: a synchronous function of a float64 block `[n, d]` (a
 * copy: it may be changed in place) and the keyword arguments, returning `n` rows (a DenseArray,
 * a block `{ dtype, shape, data }` or `number[][]`).
 */
export type TransformFunction = (X: DenseArray<'float64'>, kwArgs: Readonly<Record<string, unknown>>) => unknown;

export interface FunctionTransformerParams {
  /** The function of transform; null (the default) is the identity. */
  func: FunctionRef | null;
  /** The function of inverseTransform; null (the default) is the identity. */
  inverseFunc: FunctionRef | null;
  /** Reject NaN and ±Infinity in X, naming the row and column (default false, as scikit-learn). */
  validate: boolean;
  /** The second argument of func (plain data: it travels to the workers and is saved with the model); null means {}. */
  kwArgs: Record<string, unknown> | null;
  /** The second argument of inverseFunc; null means {}. */
  invKwArgs: Record<string, unknown> | null;
}

export interface FunctionTransformerState extends State {
  nFeaturesIn_: number;
  /** Columns of transform's output (learned by calling func on X's first row). */
  nOutputFeatures_: number;
}

export interface FunctionTransformer extends FunctionTransformerParams {}

/** The kernel of a lazy transform with a function (one task per row block). */
export const FunctionTransformerKernel = { apply: 'est.functionTransform' } as const;

/** Functions loaded on this thread, by `module#export`. */
const loaded = new Map<string, TransformFunction>();

function refId(ref: FunctionRef): string {
  const entry = resolveKernel({ module: ref.module, export: ref.export })!;
  return `${entry.module}#${entry.lookup}`;
}

/** Imports `ref` on this thread (once) and returns its function. */
async function loadFunction(ref: FunctionRef, caller: string): Promise<TransformFunction> {
  const id = refId(ref);
  const hit = loaded.get(id);
  if (hit !== undefined) return hit;
  const href = id.slice(0, id.lastIndexOf('#'));
  let mod: Record<string, unknown>;
  try {
    mod = (await import(href)) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`${caller}: cannot import ${href}: ${(error as Error).message}`, { cause: error });
  }
  const fn = mod[ref.export];
  if (typeof fn !== 'function') {
    const fns = Object.keys(mod).filter((k) => typeof mod[k] === 'function');
    throw new TypeError(
      `${caller}: ${href} has no exported function '${ref.export}'${fns.length > 0 ? ` (its functions: ${fns.join(', ')})` : ''}.`,
    );
  }
  loaded.set(id, fn as TransformFunction);
  return fn as TransformFunction;
}

/** What {@link applyFunction} needs besides the function: all plain data, so it travels to the workers. */
interface ApplySpec {
  readonly label: string;
  readonly kwArgs: Readonly<Record<string, unknown>>;
  readonly validate: boolean;
  /** Width X must have. */
  readonly nFeatures: number;
  /** Width the output must have; null: any (learned by fit). */
  readonly width: number | null;
  readonly caller: string;
}

/** Checks X, calls `fn` on a copy (null: the identity), checks its output; float64 over shared memory. */
function applyFunction(fn: TransformFunction | null, X: unknown, spec: ApplySpec, estimator: string): DenseArray<'float64'> {
  const m = checkArray(X, { caller: spec.caller, skipFiniteCheck: !spec.validate });
  checkFeatureCount(estimator, spec.nFeatures, m.nFeatures);
  const n = m.nSamples;
  const input = allocate('float64', m.data.length);
  input.set(m.data);
  const result = fn === null ? new DenseArray(input, [n, m.nFeatures]) : fn(new DenseArray(input, [n, m.nFeatures]), spec.kwArgs);
  if (typeof (result as { then?: unknown } | null)?.then === 'function') {
    throw new TypeError(`${spec.caller}: ${spec.label} returned a promise; it must be synchronous (it runs inside a block's task).`);
  }
  // Rows first: a function that drops every row would otherwise be "an array with 0 samples".
  const rows = isBlock(result) ? result.shape[0] : Array.isArray(result) ? result.length : undefined;
  if (rows !== undefined && rows !== n) {
    throw new InvalidInputError(
      `${spec.caller}: ${spec.label} returned ${rows} rows for ${n}; it must map rows to rows (it runs block by block).`,
    );
  }
  const r = checkArray(result, { caller: `${spec.caller}: the output of ${spec.label}`, name: 'the output', skipFiniteCheck: true });
  if (spec.width !== null && r.nFeatures !== spec.width) {
    throw new InvalidInputError(
      `${spec.caller}: ${spec.label} returned ${r.nFeatures} columns where ${spec.width} are expected (the widths learned at fit); every block must give the same width.`,
    );
  }
  if (fn === null) return result as DenseArray<'float64'>;
  const out = allocate('float64', r.data.length);
  out.set(r.data);
  return new DenseArray(out, [n, r.nFeatures]);
}

/** `est.functionTransform`: loads the function on this worker, then {@link applyFunction} on the block. */
async function functionTransformKernel(X: Block, ref: FunctionRef, spec: ApplySpec): Promise<DenseArray<'float64'>> {
  return applyFunction(await loadFunction(ref, spec.caller), X, spec, 'FunctionTransformer');
}

/** This module's worker kernels (registered by the package's index.ts). */
export const kernels = { [FunctionTransformerKernel.apply]: functionTransformKernel };

function checkRef(est: string, param: string, v: unknown): void {
  if (v === null) return;
  const msg = `The '${param}' parameter of ${est} must be null or { module, export }: a module's URL string (or absolute path) and the name of its exported function. Got ${describeValue(v)} instead.`;
  const o = v as Partial<FunctionRef>;
  if (typeof v !== 'object' || Array.isArray(v) || typeof o.module !== 'string' || typeof o.export !== 'string' || o.export === '') {
    throw new ParameterTypeError(msg, est, param, v);
  }
  const extra = Object.keys(v).filter((k) => k !== 'module' && k !== 'export');
  if (extra.length > 0) throw new ParameterTypeError(`${msg} (unknown key '${extra[0]}')`, est, param, v);
  try {
    resolveKernel({ module: o.module, export: o.export });
  } catch (e) {
    throw new ParameterTypeError(`${msg} ${(e as Error).message}`, est, param, v);
  }
}

function checkKwArgs(est: string, param: string, v: unknown): void {
  if (v === null) return;
  if (typeof v !== 'object' || Array.isArray(v) || Object.getPrototypeOf(v) !== Object.prototype) {
    throw new ParameterTypeError(
      `The '${param}' parameter of ${est} must be null or a plain object (the function's keyword arguments). Got ${describeValue(v)} instead.`,
      est,
      param,
      v,
    );
  }
}

/**
 * Applies a function of yours, exported by an ES module, as a transform (scikit-learn's
 * `FunctionTransformer`); the identity without one. Load it with {@link load} before using it on
 * in-memory data; lazy arrays load it on every worker themselves.
 *
 * @example
 * // fns.js: export function log1p(X) { return { ...X, data: X.data.map(Math.log1p) }; }
 * const ft = await new FunctionTransformer({ func: { module: new URL('./fns.js', import.meta.url).href, export: 'log1p' } }).load();
 * ft.fit(X).transform(X);            // in memory
 * await ft.transform(lazyX).compute(); // one task per block, on the workers
 */
export class FunctionTransformer
  extends BaseEstimator<FunctionTransformerParams, FunctionTransformerState>
  implements LazyFitter, LazyTransformer
{
  static readonly estimatorName = 'FunctionTransformer';
  static readonly estimatorType = 'transformer';
  static readonly defaults: Readonly<FunctionTransformerParams> = Object.freeze({
    func: null,
    inverseFunc: null,
    validate: false,
    kwArgs: null,
    invKwArgs: null,
  });
  // func, inverseFunc, kwArgs and invKwArgs are checked in checkMoreParams (objects of a given form: no constraint kind says so).
  static readonly constraints = { validate: [BOOLEAN] };
  static readonly stateSchema: StateSchema = { fields: { nFeaturesIn_: count(1), nOutputFeatures_: count(1) } };

  constructor(options: Partial<FunctionTransformerParams> = {}) {
    super(options);
  }

  get nFeaturesIn_(): number {
    return this.fitted.nFeaturesIn_;
  }
  get nOutputFeatures_(): number {
    return this.fitted.nOutputFeatures_;
  }

  protected override checkMoreParams(): void {
    const name = this.estimatorName;
    checkRef(name, 'func', this.func);
    checkRef(name, 'inverseFunc', this.inverseFunc);
    checkKwArgs(name, 'kwArgs', this.kwArgs);
    checkKwArgs(name, 'invKwArgs', this.invKwArgs);
  }

  /**
   * Imports `func` and `inverseFunc` on this thread (once per thread and function), so that the
   * synchronous in-memory methods can call them. Resolves with the transformer; rejects naming the
   * module when it cannot be imported or has no such exported function.
   */
  async load(): Promise<this> {
    this.checkParams();
    const caller = `${this.estimatorName}.load`;
    if (this.func !== null) await loadFunction(this.func, caller);
    if (this.inverseFunc !== null) await loadFunction(this.inverseFunc, caller);
    return this;
  }

  /** The loaded function of `param` (null: the identity), or an error saying to load it. */
  private fn(param: 'func' | 'inverseFunc', caller: string): TransformFunction | null {
    const ref = this[param];
    if (ref === null) return null;
    const f = loaded.get(refId(ref));
    if (f === undefined) {
      throw new Error(
        `${caller}: ${param} ${ref.module}#${ref.export} is not loaded on this thread; \`await transformer.load()\` first ` +
          `(a module is imported asynchronously; lazy arrays load it themselves).`,
      );
    }
    return f;
  }

  private spec(param: 'func' | 'inverseFunc', caller: string, nFeatures: number, width: number | null): ApplySpec {
    const ref = this[param];
    return {
      label: ref === null ? 'the identity' : `${param} '${ref.export}'`,
      kwArgs: (param === 'func' ? this.kwArgs : this.invKwArgs) ?? {},
      validate: this.validate,
      nFeatures,
      width,
      caller,
    };
  }

  /**
   * Learns the input width, and the output width by calling func once on X's first row. A lazy X:
   * loads func, computes X's first row only; the promise resolves with the fitted transformer.
   */
  fit(X: NDArray, options?: LazyOptions): Promise<this>;
  fit(X: MatrixLike): this;
  fit(X: MatrixLike | NDArray, options: LazyOptions = {}): this | Promise<this> {
    if (isLazy(X)) return rejecting(true, () => this.fitLazy(X, undefined, options));
    this.checkParams();
    const caller = `${this.estimatorName}.fit`;
    const fn = this.fn('func', caller);
    const m = checkArray(X, { caller, skipFiniteCheck: !this.validate });
    const first = new DenseArray(m.data.slice(0, m.nFeatures), [1, m.nFeatures]);
    return this.fitWidth(m.nFeatures, fn, first, caller);
  }

  /** Fits on a lazy X (see {@link fit}). */
  async fitLazy(X: NDArray, _y: NDArray | undefined, options: LazyOptions): Promise<this> {
    const caller = `${this.estimatorName}.fit`;
    await this.load();
    if (X.ndim !== 2) throw new RangeError(`${caller}: X must be a 2-D array of samples × features; got shape [${X.shape.join(', ')}].`);
    if (X.shape[0] === 0) throw new InvalidInputError(`${caller}: found array X with 0 samples, while a minimum of 1 is required.`);
    const d = X.shape[1]!;
    const fn = this.fn('func', caller);
    // The identity needs no data; a function, its output on the first row.
    const first = fn === null ? null : await X.slice([0, 1]).compute(options);
    return this.fitWidth(d, fn, first, caller);
  }

  private fitWidth(d: number, fn: TransformFunction | null, first: MatrixLike | null, caller: string): this {
    if (d === 0) throw new InvalidInputError(`${caller}: found array X with 0 features, while a minimum of 1 is required.`);
    const width = fn === null ? d : applyFunction(fn, first, this.spec('func', caller, d, null), this.estimatorName).shape[1]!;
    if (width === 0) throw new InvalidInputError(`${caller}: func '${this.func!.export}' returned no column.`);
    this.resetState();
    this.learned = { nFeaturesIn_: d, nOutputFeatures_: width };
    return this;
  }

  /** Columns of transform's output ({@link nOutputFeatures_}); inverseTransform gives back {@link nFeaturesIn_}. */
  override outputWidth(method: ApplyMethod): number | null {
    if (method === 'transform') return this.fitted.nOutputFeatures_;
    return super.outputWidth(method);
  }

  /** func(X, kwArgs), checked: the same rows, the width learned at fit; lazy (one task per block) for a lazy X. */
  transform(X: NDArray): NDArray;
  transform(X: MatrixLike): DenseArray<'float64'>;
  transform(X: MatrixLike | NDArray): DenseArray<'float64'> | NDArray {
    if (isLazy(X)) return this.transformLazy(X);
    const s = this.fitted;
    const caller = `${this.estimatorName}.transform`;
    return applyFunction(this.fn('func', caller), X, this.spec('func', caller, s.nFeaturesIn_, s.nOutputFeatures_), this.estimatorName);
  }

  /**
   * The lazy transform: without func (and without validate) `X` as float64, fused into its
   * consumer; otherwise one `est.functionTransform` task per row block.
   */
  transformLazy(X: NDArray): NDArray {
    const s = this.fitted;
    checkLazyInput(this, X);
    if (this.func === null && !this.validate) return X.astype('float64');
    const Xr = rowBlocks(X, `${this.estimatorName}.transform`);
    const spec = this.spec('func', `${this.estimatorName}.transform`, s.nFeaturesIn_, s.nOutputFeatures_);
    return mapBlocks(FunctionTransformerKernel.apply, [Xr], {
      dtype: 'float64',
      chunks: [Xr.chunks[0]!, [s.nOutputFeatures_]],
      args: [this.func ?? { module: import.meta.url, export: 'identity' }, spec],
      name: `${this.estimatorName}-transform`,
    });
  }

  /** inverseFunc(X, invKwArgs): X as wide as transform's output, the result as wide as fit's input. */
  inverseTransform(X: MatrixLike): DenseArray<'float64'> {
    const s = this.fitted;
    const caller = `${this.estimatorName}.inverseTransform`;
    const fn = this.fn('inverseFunc', caller);
    return applyFunction(fn, X, this.spec('inverseFunc', caller, s.nOutputFeatures_, s.nFeaturesIn_), this.estimatorName);
  }

  /** fit then transform (in memory). */
  fitTransform(X: MatrixLike): DenseArray<'float64'> {
    return this.fit(X).transform(X);
  }
}

/**
 * The identity as a {@link TransformFunction}: what a lazy transform with `validate` and no func
 * runs on each block (so the block is checked on the worker).
 */
export function identity(X: DenseArray<'float64'>): DenseArray<'float64'> {
  return X;
}

registerEstimator(FunctionTransformer);
