// Generated from docs/scheduler.md (program scheduler-04) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import { Graph, ref, ThreadScheduler } from '@tessera/scheduler';

const g = new Graph().add('a', 'math.add', [1, 2]).add('b', 'math.mul', [ref('a'), 10]);
const scheduler = new ThreadScheduler();
const stop = new AbortController();
const onSigint = () => stop.abort(new Error('interrupted (SIGINT)'));
process.once('SIGINT', onSigint);
try {
  const { b } = await scheduler.run(g, ['b'], { signal: stop.signal, name: 'example' });
  console.log(b); // 30
} catch (error) {
  if (!stop.signal.aborted) throw error;
  console.error((error as Error).message); // The run was aborted: interrupted (SIGINT)
  process.exitCode = 130;
} finally {
  process.off('SIGINT', onSigint);
  await scheduler.close();
}
