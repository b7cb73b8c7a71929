// Generated from docs/cluster.md (program cluster-01) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromNpyDir } from '@tessera/array';
import { Incremental, SGDClassifier, StandardScaler, makePipeline } from '@tessera/estimators';
import { ThreadScheduler } from '@tessera/scheduler';
import { ClusterWorker, DistributedScheduler } from '@tessera/distributed';

// A free port, and a Redis of this example's own there (no persistence, nothing kept).
const port = await new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = (s.address() as { port: number }).port;
    s.close(() => resolve(p));
  });
});
const redisDir = mkdtempSync(join(tmpdir(), 'redis-'));
const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir]);
const started = await new Promise<boolean>((resolve) => {
  redis.once('error', () => resolve(false)); // not installed
  redis.once('exit', () => resolve(false));
  redis.stdout.on('data', (d: Buffer) => d.toString().includes('Ready to accept connections') && resolve(true));
});
if (!started) {
  console.log('redis-server is not installed here (apt-get install redis-server): nothing to show.');
} else {
  const connection = `redis://127.0.0.1:${port}`;
  // On a cluster: `tessera worker --redis … --store …` on every host instead.
  const worker = await ClusterWorker.start({ connection, store: 'blocks', threads: 2 });
  const cluster = new DistributedScheduler({ connection, store: 'blocks' });

  const { X, y } = await fromNpyDir('data/');
  const model = () =>
    makePipeline(
      new StandardScaler(),
      // Seeded block order: the same model on any scheduler, any number of workers.
      new Incremental(new SGDClassifier({ loss: 'hinge', randomState: 2 }), { classes: [0, 1], randomState: 0 }),
    );
  const onCluster = model();
  await onCluster.fit(X, y!, { scheduler: cluster });
  await onCluster.predict(X).toNpyDir('pred/', { scheduler: cluster });

  const threads = new ThreadScheduler({ threads: 2 });
  const onThreads = model();
  await onThreads.fit(X, y!, { scheduler: threads });
  const coef = (p: typeof onCluster) => [...((p.step(1) as Incremental).estimator_ as SGDClassifier).coef_.data];
  console.log('same coefficients as on threads:', coef(onCluster).every((c, i) => Object.is(c, coef(onThreads)[i])));
  console.log('tasks ran on', [...cluster.workerNames.values()].join(', '));

  await threads.close();
  await cluster.close();
  await worker.close();
  redis.kill();
}
