// Generated from docs/dask-sklearn.md (program dask-sklearn-02) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import { DenseArray } from '@tessera/array';
import { SGDClassifier, StandardScaler, makePipeline } from '@tessera/estimators';

// scikit-learn: make_pipeline(StandardScaler(), SGDClassifier(random_state=0)).fit(X, y).predict(X)
const X = DenseArray.from([[0, 1], [1, 0], [2, 1], [3, 0], [4, 1], [5, 0]]);
const y = [0, 0, 0, 1, 1, 1];
const pipe = makePipeline(new StandardScaler(), new SGDClassifier({ randomState: 0 }));
pipe.setParams({ sgdclassifier__alpha: 1e-3 });     // set_params(sgdclassifier__alpha=1e-3)
pipe.fit(X, y);
console.log(pipe.predict(X).data, (pipe.step(-1) as SGDClassifier).alpha); // Float64Array [0, 0, 0, 1, 1, 1] 0.001
