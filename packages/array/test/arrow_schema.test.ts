/**
 * Arrow IPC files that are not what they claim (issue 14 §2): a record batch laid out for other
 * columns or types than the file's schema is an error naming the batch and the column — never its
 * bytes read as something else — and a corrupt footer or a truncated file is a FormatError naming
 * the file, never apache-arrow's own TypeError or RangeError.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Float64, Int32, Table, tableToIPC, vectorFromArray } from 'apache-arrow';
import { arrowFileFooter, arrowFileHeader, writeArrowBatch, writeFully, type ArrowField, type NumericArray } from '@tessera/io';
import { FormatError, fromArrow, random } from '@tessera/array';
import { SyncScheduler } from '@tessera/scheduler';

const root = mkdtempSync(join(tmpdir(), 'tessera-arrow-schema-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const sync = new SyncScheduler();
let n = 0;
const fresh = (name: string) => join(root, `${n++}-${name}`);

/** One batch: the fields it is laid out for and its row-major values (all columns). */
interface Batch {
  readonly fields: readonly ArrowField[];
  readonly rows: number;
  readonly data: NumericArray;
}

/**
 * An Arrow file written message by message: the schema message for `lead` (default `schema`), each
 * batch laid out for its own fields, and a footer that says `schema` — what a writer that does not
 * check batches against the schema produces.
 */
async function handMade(
  name: string,
  schema: readonly ArrowField[],
  batches: readonly Batch[],
  lead: readonly ArrowField[] = schema,
): Promise<string> {
  const file = fresh(name);
  const fd = openSync(file, 'w');
  try {
    const header = await arrowFileHeader(lead);
    writeFully(fd, header, 0);
    let at = header.length;
    const placed = [];
    for (const b of batches) {
      const p = await writeArrowBatch(fd, file, at, b.fields, b.rows, [{ data: b.data, cols: b.fields.length }]);
      placed.push(p);
      at += p.metaLength + p.bodyLength;
    }
    writeFully(fd, await arrowFileFooter(schema, placed), at);
  } finally {
    closeSync(fd);
  }
  return file;
}

const f64 = (name: string): ArrowField => ({ name, dtype: 'float64' });
const f32 = (name: string): ArrowField => ({ name, dtype: 'float32' });
const i32 = (name: string): ArrowField => ({ name, dtype: 'int32' });
const rowsOf = <T extends NumericArray>(C: { from(a: number[]): T }, rows: number, cols: number) =>
  C.from(Array.from({ length: rows * cols }, (_, k) => k + 0.5));

describe('a record batch whose layout differs from the file schema', () => {
  const good = (fields: readonly ArrowField[], rows = 40): Batch => ({
    fields,
    rows,
    data:
      fields[0]!.dtype === 'float64'
        ? rowsOf(Float64Array, rows, fields.length)
        : fields[0]!.dtype === 'float32'
          ? rowsOf(Float32Array, rows, fields.length)
          : rowsOf(Int32Array, rows, fields.length),
  });

  it('a float64 batch in a float32 file (bytes that would read as other numbers) names the batch and column', async () => {
    const file = await handMade('wide.arrow', [f32('a'), f32('b')], [good([f32('a'), f32('b')]), good([f64('a'), f64('b')])]);
    await expect(fromArrow(file)).rejects.toThrow(FormatError);
    await expect(fromArrow(file)).rejects.toThrow(
      /wide\.arrow \(block 1\): the batch does not have the file's schema \(2 columns: a Float32, b Float32\): column 'a' has a 320-byte values buffer where 40 Float32 values take 160 bytes/,
    );
  });

  it('an int32 batch in a float64 file', async () => {
    const file = await handMade(
      'narrow.arrow',
      [f64('x'), f64('y')],
      [good([f64('x'), f64('y')]), good([f64('x'), f64('y')]), good([i32('x'), i32('y')])],
    );
    await expect(fromArrow(file)).rejects.toThrow(
      /narrow\.arrow \(block 2\): the batch does not have the file's schema .*column 'x' has a 160-byte values buffer where 40 Float64 values take 320 bytes/,
    );
  });

  it('a batch with fewer or more columns than the schema', async () => {
    const fewer = await handMade(
      'fewer.arrow',
      [f64('a'), f64('b'), f64('c')],
      [good([f64('a'), f64('b'), f64('c')]), good([f64('a'), f64('b')])],
    );
    await expect(fromArrow(fewer)).rejects.toThrow(
      /fewer\.arrow \(block 1\): the batch does not have the file's schema .*: it has 2 field nodes and 4 buffers where the schema calls for 3 and 6 \(column 'c' is the first that does not fit\)/,
    );
    const more = await handMade('more.arrow', [f64('a'), f64('b')], [good([f64('a'), f64('b'), f64('c')])]);
    await expect(fromArrow(more, { columns: ['a'] })).rejects.toThrow(
      /more\.arrow \(block 0\): the batch does not have the file's schema .*it has 3 field nodes and 6 buffers where the schema calls for 2 and 4/,
    );
  });

  it('a schema message at the start that differs from the footer', async () => {
    const file = await handMade('lead.arrow', [f64('a'), f64('b')], [good([f64('a'), f64('b')])], [f64('a'), i32('b')]);
    await expect(fromArrow(file)).rejects.toThrow(
      /lead\.arrow: the schema message at the start of the file \(a Float64, b Int32\) differs from the footer's \(a Float64, b Float64\) at column 'b'/,
    );
  });

  it('batches laid out as the schema says read fine (the checks accept what the writers here and apache-arrow write)', async () => {
    const file = await handMade('ok.arrow', [f32('a'), f32('b')], [good([f32('a'), f32('b')]), good([f32('a'), f32('b')], 3)]);
    const { X } = await fromArrow(file);
    expect(X.chunks[0]).toEqual([40, 3]);
    const x = await X.compute({ scheduler: sync });
    expect(x.data[81]).toBe(1.5);
  });
});

/** fromArrow and a read of everything: resolves, or rejects with a FormatError naming the file. */
async function outcome(file: string): Promise<'ok' | 'format-error'> {
  try {
    const { X } = await fromArrow(file);
    await X.sum().compute({ scheduler: sync });
    return 'ok';
  } catch (error) {
    const e = error as Error;
    // A failed read arrives wrapped in the scheduler's TaskError; the cause is what the reader threw.
    const cause = e.name === 'TaskError' ? (e.cause as Error) : e;
    if (!(cause instanceof FormatError) || !cause.message.startsWith(file)) {
      throw new Error(`${file}: expected a FormatError naming the file, got ${cause?.name}: ${cause?.message}`, { cause: e });
    }
    return 'format-error';
  }
}

describe('corrupt and truncated files', () => {
  const sources: [string, () => Promise<Uint8Array>][] = [
    [
      'written by toArrow',
      async () => {
        const f = fresh('src.arrow');
        await random([30, 3], { seed: 4, chunks: [10, -1] }).toArrow(f, { scheduler: sync });
        return new Uint8Array(readFileSync(f));
      },
    ],
    [
      'written by apache-arrow JS',
      async () =>
        tableToIPC(
          new Table({
            a: vectorFromArray([1.5, null, 3.5, 4, 5], new Float64()),
            b: vectorFromArray([1, 2, 3, 4, null], new Int32()),
            c: vectorFromArray([7, 8, 9, 10, 11], new Int32()),
          }),
          'file',
        ),
    ],
  ];

  it.each(sources)(
    'every byte of the footer and batch metadata overwritten, file %s: a FormatError naming the file, or a good read',
    async (_what, make) => {
      const bytes = await make();
      const footerLength = new DataView(bytes.buffer, bytes.byteOffset).getInt32(bytes.length - 10, true);
      const footerStart = bytes.length - 10 - footerLength;
      const file = fresh('corrupt.arrow');
      const seen = { ok: 0, 'format-error': 0 };
      // The footer (all of it) and the first batch's metadata message, each byte set to a few values.
      const positions = [...Array.from({ length: footerLength + 4 }, (_, k) => footerStart + k)];
      for (let p = 8; p < Math.min(footerStart, 8 + 400); p++) positions.push(p);
      for (const p of positions) {
        for (const v of [0x00, 0xff, bytes[p]! ^ 0x10, 0x7f]) {
          if (v === bytes[p]) continue;
          const b = bytes.slice();
          b[p] = v;
          writeFileSync(file, b);
          seen[await outcome(file)]++;
        }
      }
      expect(seen['format-error']).toBeGreaterThan(0);
    },
    120_000,
  );

  it.each(sources)(
    'truncated at (nearly) every length, file %s: a FormatError naming the file',
    async (_what, make) => {
      const bytes = await make();
      const file = fresh('cut.arrow');
      // Every length near the ends (magic, schema, footer); every 7th in the batches between.
      const lengths = Array.from({ length: bytes.length }, (_, len) => len).filter(
        (len) => len < 300 || len > bytes.length - 400 || len % 7 === 0,
      );
      for (const len of lengths) {
        writeFileSync(file, bytes.subarray(0, len));
        expect([len, await outcome(file)]).toEqual([len, 'format-error']);
      }
    },
    120_000,
  );
});
