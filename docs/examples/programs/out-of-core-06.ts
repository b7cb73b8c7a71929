// Generated from docs/out-of-core.md (program out-of-core-06) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import { fromNpyDir } from '@tessera/array';
import { SGDClassifier, StandardScaler, makePipeline } from '@tessera/estimators';

const { X, y } = await fromNpyDir('data/');
if (!X || !y) throw new Error('data/ must hold X and y chunks');
try {
  await makePipeline(new StandardScaler(), new SGDClassifier()).fit(X, y);
} catch (error) {
  console.log((error as Error).message);
  // SGDClassifier cannot be fitted on a lazy array directly. Wrap it in Incremental (partialFit
  // block by block) or ParallelPostFit (fit in memory, predict in parallel).
}
