// Generated from docs/tables.md (program tables-02) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { readCsv, readParquet } from '@tessera/frame';
import {
  Incremental,
  OneHotEncoder,
  SGDClassifier,
  SimpleImputer,
  StandardScaler,
  accuracyScore,
  makeColumnTransformer,
  makePipeline,
  type ColumnTransformer,
} from '@tessera/estimators';

const cities = ['Lisbon', 'Oslo', 'São Paulo'];
const lines = ['city,age,income,label'];
for (let i = 0; i < 30_000; i++) {
  const age = 18 + ((i * 7919) % 60);
  const income = 20_000 + ((i * 104_729) % 90_000);
  const city = cities[(i * 31) % 3]!;
  const label = age / 60 + income / 110_000 + (city === 'Oslo' ? 0.4 : 0) > 1.2 ? 1 : 0;
  lines.push(`${city},${age},${i % 89 === 0 ? '' : income},${label}`);
}
writeFileSync('shop.csv', `${lines.join('\n')}\n`);

const model = () =>
  makePipeline(
    makeColumnTransformer(
      [new OneHotEncoder(), ['city']],
      // Missing incomes filled with the median, then scaled: a pipeline as one part.
      [makePipeline(new SimpleImputer({ strategy: 'median' }), new StandardScaler()), ['age', 'income']],
    ),
    new Incremental(new SGDClassifier({ loss: 'hinge', randomState: 2 }), { classes: [0, 1], randomState: 0 }),
  );

// From the CSV: a lazy Frame, its string column categorized, straight into the pipeline.
const df = await (await readCsv('shop.csv', { blocksize: '256kB' })).categorize();
const pipe = model();
await pipe.fit(df, df.col('label'));
const ct = pipe.step(0) as ColumnTransformer;
console.log(ct.getFeatureNamesOut());
// [ 'onehotencoder__city_Lisbon', 'onehotencoder__city_Oslo', 'onehotencoder__city_São Paulo',
//   'pipeline__age', 'pipeline__income' ]
console.log(ct.outputIndices_); // { onehotencoder: [ 0, 3 ], pipeline: [ 3, 5 ], remainder: [ 0, 0 ] }
const fromCsv = accuracyScore(await df.col('label').compute(), await pipe.predict(df).compute());

// From Parquet, with the city as a dictionary-encoded string column: the same model.
await df.toParquet('shop.parquet/');
const pq = await (await readParquet('shop.parquet/')).categorize();
const pipeP = model();
await pipeP.fit(pq, pq.col('label'));
const fromParquet = accuracyScore(await pq.col('label').compute(), await pipeP.predict(pq).compute());
console.log(fromCsv, fromParquet);
assert.equal(fromCsv, fromParquet);
assert.ok(fromCsv > 0.8);
