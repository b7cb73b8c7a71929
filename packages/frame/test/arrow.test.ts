/**
 * readArrow: an Arrow IPC file apache-arrow wrote (numbers, a nullable int, a dictionary-encoded
 * string column) as a frame — columns, types, categories from the file's dictionary — and its
 * arrays against the values written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dictionary, Int32, Utf8, makeVector, tableToIPC, vectorFromArray, Table } from 'apache-arrow';
import { ThreadScheduler } from '@tessera/scheduler';
import { readArrow } from '@tessera/frame';

let threads: ThreadScheduler;
let work: string;
beforeAll(() => {
  threads = new ThreadScheduler({ threads: 2 });
  work = mkdtempSync(join(tmpdir(), 'frame-arrow-'));
});
afterAll(async () => {
  await threads.close();
  rmSync(work, { recursive: true, force: true });
});

describe('readArrow', () => {
  it('numbers, a nullable integer and a dictionary-encoded string column', async () => {
    const n = 50;
    const x = Float64Array.from({ length: n }, (_, i) => i / 4 - 3);
    const small = Int16Array.from({ length: n }, (_, i) => ((i * 37) % 200) - 100);
    const withNull = Array.from({ length: n }, (_, i) => (i % 9 === 0 ? null : i * 3));
    const words = ['red', 'green', 'blue'];
    const color = vectorFromArray(
      Array.from({ length: n }, (_, i) => words[i % 3]!),
      new Dictionary(new Utf8(), new Int32()),
    );
    const table = new Table({
      x: makeVector(x),
      small: makeVector(small),
      maybe: vectorFromArray(withNull, new Int32()),
      color,
      note: vectorFromArray(
        Array.from({ length: n }, () => 'plain'),
        new Utf8(),
      ),
    });
    const file = join(work, 't.arrow');
    writeFileSync(file, tableToIPC(table, 'file'));
    const df = await readArrow(file);
    expect(df.columns).toEqual(['x', 'small', 'maybe', 'color']); // plain Utf8 is left out
    expect(df.dtypes).toEqual({ x: 'float64', small: 'int16', maybe: 'int32', color: 'category' });
    expect(df.schema.find((c) => c.name === 'color')?.categories).toEqual(words);
    expect(df.schema.map((c) => c.dtype)).toEqual(['float64', 'int32', 'float64', 'int32']);
    const X = await df.toArray().compute({ scheduler: threads });
    for (let i = 0; i < n; i++) {
      expect([X.data[i * 4], X.data[i * 4 + 1], X.data[i * 4 + 2], X.data[i * 4 + 3]]).toEqual([x[i], small[i], withNull[i] ?? NaN, i % 3]);
    }
    expect(Array.from((await df.col('small').compute({ scheduler: threads })).data)).toEqual(Array.from(small));
    expect((await df.head(2)).data['color']).toEqual(['red', 'green']);
    await expect(readArrow(file, { columns: ['note'] })).rejects.toThrow(/column 'note' has type Utf8, which Tessera does not read/);
    await expect(readArrow(file, { columns: ['nope'] })).rejects.toThrow(RangeError);
  });
});
