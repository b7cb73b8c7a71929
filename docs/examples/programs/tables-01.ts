// Generated from docs/tables.md (program tables-01) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import { writeFileSync } from 'node:fs';
import { where } from '@tessera/array';
import { readCsv, readParquet } from '@tessera/frame';
import { Incremental, SGDClassifier, StandardScaler, accuracyScore, makePipeline } from '@tessera/estimators';

// A table as people have it: a header, a string column, a missing value now and then.
const cities = ['Lisbon', 'Oslo', 'São Paulo', 'Zurich, CH'];
const lines = ['age,income,city,label'];
for (let i = 0; i < 40_000; i++) {
  const age = 18 + ((i * 7919) % 60);
  const income = 20_000 + ((i * 104_729) % 90_000);
  const city = cities[(i * 31) % 4]!;
  const label = age / 60 + income / 110_000 + (city === 'Oslo' ? 0.4 : 0) > 1.2 ? 1 : 0;
  lines.push(`${age},${i % 97 === 0 ? '' : income},${city.includes(',') ? `"${city}"` : city},${label}`);
}
writeFileSync('people.csv', `${lines.join('\n')}\n`);

// Opening reads the header and a sample (types), and counts every block's rows in one parallel
// pass; categorize() learns the string column's categories in another.
const df = await (await readCsv('people.csv', { blocksize: '256kB' })).categorize();
console.log(df.dtypes); // { age: 'int64', income: 'int64', city: 'category', label: 'int64' }
console.log(df.nRows, df.blockRows); // 40000 [ 12763, 12763, 12763, 1711 ]
console.log(df.schema.find((c) => c.name === 'city')?.categories); // [ 'Lisbon', 'Oslo', 'São Paulo', 'Zurich, CH' ]
console.log((await df.head(2)).data['city']); // [ 'Lisbon', 'Zurich, CH' ]

// The reference pipeline from the CSV. Missing incomes read as NaN (an int64 column with missing
// values reads as float64): fill them before scaling.
const raw = df.toArray(['age', 'income', 'city']); // lazy [40000, 3] float64; city as its code
const X = where(raw.isnan(), 0, raw);
const y = df.col('label'); // lazy [40000] float64
const pipe = makePipeline(
  new StandardScaler(),
  new Incremental(new SGDClassifier({ loss: 'hinge', randomState: 2 }), { classes: [0, 1], randomState: 0 }),
);
await pipe.fit(X, y);
await pipe.predict(X).toNpyDir('pred-csv/');
const fromCsv = accuracyScore(await y.compute(), await pipe.predict(X).compute());

// The same from Parquet: the frame written as a directory of Parquet files (one per block), read back.
await df.toParquet('people.parquet/', { codec: 'gzip' });
const pq = await (await readParquet('people.parquet/')).categorize();
const rawP = pq.toArray(['age', 'income', 'city']);
const XP = where(rawP.isnan(), 0, rawP);
await pipe.fit(XP, pq.col('label'));
await pipe.predict(XP).toNpyDir('pred-parquet/');
const fromParquet = accuracyScore(await pq.col('label').compute(), await pipe.predict(XP).compute());
console.log(fromCsv, fromParquet); // the same model from the same rows in the same blocks
if (fromCsv !== fromParquet || fromCsv < 0.8) throw new Error(`accuracy ${fromCsv} (CSV) vs ${fromParquet} (Parquet)`);
