// A user's TypeScript program over the public API of every @tessera package, as the consumer test
// (test/consumer/) compiles it outside the repository against the packed packages: typechecked
// with tsc (module nodenext + strict; `tsc --init`'s defaults; moduleResolution bundler — all with
// skipLibCheck false), then bundled with esbuild and run. It uses no Node API, so it compiles
// without @types/node (tsc --init sets "types": []), as Tessera's own declarations must.
import { Graph, SyncScheduler, ThreadScheduler, compute, ref, type Scheduler } from '@tessera/scheduler';
import { FormatError, readNpySync, writeNpySync, type NpyHeader } from '@tessera/io';
import { fromNpyDir, makeClassification, type NDArray } from '@tessera/array';
import { Incremental, SGDClassifier, StandardScaler, accuracyScore, makePipeline } from '@tessera/estimators';
import { Profiler, ResourceProfiler, diagnose, summarize, writeReport, writeTrace } from '@tessera/diagnostics';
import { commands } from '@tessera/cli';

// Task graphs: a built-in kernel and a user kernel (a module the workers import by URL).
const graph = new Graph()
  .add('a', 'math.add', [1, 2])
  .add('b', { module: new URL('./kernels.mjs', import.meta.url), export: 'double' }, [ref('a')]);
const threads: Scheduler = new ThreadScheduler({ threads: 2 });
const { b } = await compute(graph, ['b'], { scheduler: threads });
const { a } = await compute(graph, ['a'], { scheduler: new SyncScheduler() });
await threads.close();
if (a !== 3 || b !== 6) throw new Error(`graph: expected a = 3 and b = 6, got ${String(a)} and ${String(b)}`);

// .npy files.
writeNpySync('small.npy', 'float64', [2, 2], Float64Array.of(1, 2, 3, 4));
const small: { header: NpyHeader; data: ArrayLike<number> } = readNpySync('small.npy');
const shape: readonly number[] = small.header.shape;

// Arrays, estimators and diagnostics: the README workflow, profiled.
const made = makeClassification({ nSamples: 40_000, nFeatures: 10, chunks: 10_000, randomState: 0 });
await made.X.toNpyDir('ts-data', { y: made.y });
const { X, y } = await fromNpyDir('ts-data');
if (!X || !y) throw new Error('ts-data must hold X and y');
const rows: number = X.shape[0] ?? 0;
const pipe = makePipeline(
  new StandardScaler(),
  new Incremental(new SGDClassifier({ loss: 'hinge', randomState: 2 }), { classes: [0, 1], randomState: 0 }),
);
const prof = new Profiler();
const res = new ResourceProfiler();
await diagnose([prof, res], () => pipe.fit(X.slice([0, 30_000]), y.slice([0, 30_000])));
const predicted: NDArray = pipe.predict(X);
await predicted.toNpyDir('ts-pred');
const heldOut: number = await pipe.score(X.slice([30_000, 40_000]), y.slice([30_000, 40_000]));
await writeTrace('fit.trace.json', [prof, res]);
await writeReport([prof, res], 'fit.html', { title: 'consumer fit' });
const summary = summarize([prof, res]);

// In-memory metrics on dense arrays, and the CLI's command list.
const same = accuracyScore(await y.slice([0, 1000]).compute(), await y.slice([0, 1000]).compute());

console.log(JSON.stringify({ a, b, shape, rows, heldOut, same, tasks: summary.tasks, commands: commands.length }));

/**
 * Never called: each line must fail to typecheck. If the packages' types degraded to `any` (a
 * declaration that does not resolve), these directives would be unused, and tsc reports that.
 */
export function typeErrors(err: FormatError): void {
  // @ts-expect-error 'loss' takes scikit-learn's loss names only
  new SGDClassifier({ loss: 'not-a-loss' });
  // @ts-expect-error writeNpySync's data is a typed array
  writeNpySync('x.npy', 'float64', [1], [1]);
  // @ts-expect-error a task's key is a string
  new Graph().add(1, 'math.add', [1, 2]);
  // @ts-expect-error makeClassification's nSamples is a number
  makeClassification({ nSamples: '10' });
  // @ts-expect-error FormatError is an Error, not a number
  const n: number = err;
  void n;
}
