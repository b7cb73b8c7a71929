/**
 * Chunk files of a directory without a manifest: ordered by the number in their names (never by
 * string order), one way of writing the numbers, no gaps, X and y paired by number, hidden files
 * never chunks (issue 14 §2).
 */
import { describe, expect, it } from 'vitest';
import { DatasetError, datasetFiles, orderNumbered, stackFiles } from '@tessera/io';

const names = (prefix: string, ns: readonly number[], width = 0) => ns.map((n) => `${prefix}-${String(n).padStart(width, '0')}.npy`);
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => i + from);

describe('datasetFiles', () => {
  it('orders X-0 … X-11 by number, not as strings (0, 1, 10, 11, 2…)', () => {
    const x = names('X', range(12));
    const y = names('y', range(12));
    const shuffled = [...x, ...y, 'manifest.txt'].sort(); // string order, as readdir tends to give
    const got = datasetFiles(shuffled, '/d');
    expect(got.x).toEqual(x);
    expect(got.y).toEqual(y);
  });

  it('accepts zero-padded names, and numbers wider than the padding', () => {
    const padded = names('X', range(12), 5);
    expect(datasetFiles([...padded].reverse(), '/d').x).toEqual(padded);
    // '%05d' overflows to six digits past 99999: still one way of writing the numbers.
    expect(
      orderNumbered(['X-100000.npy', 'X-00000.npy', 'X-99999.npy'], /^X-.*\.npy$/, /^X-(\d+)\.npy$/, 'X', '/d').map((f) => f.name),
    ).toEqual(['X-00000.npy', 'X-99999.npy', 'X-100000.npy']);
    // …which must then run without gaps: 0, 1, 2, 100000 does not.
    expect(() => datasetFiles([...names('X', range(3), 5), 'X-100000.npy'], '/d')).toThrow(
      /X chunks are missing between X-00002\.npy and X-100000\.npy/,
    );
  });

  it('refuses names that mix widths: X-1 and X-01 are both chunk 1', () => {
    const err = (() => {
      try {
        datasetFiles(['X-0.npy', 'X-1.npy', 'X-01.npy', 'X-2.npy'], '/data');
      } catch (e) {
        return e as Error;
      }
      throw new Error('no error');
    })();
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.message).toMatch(/^\/data: X chunk names mix number widths \(X-01\.npy and X-1\.npy: both are chunk 1\)/);
    expect(err.message).toMatch(/write a manifest\.json/);
  });

  it('refuses padding to two different widths, and unpadded names shorter than the padding', () => {
    expect(() => datasetFiles(['X-000.npy', 'X-001.npy', 'X-02.npy'], '/d')).toThrow(
      /mix number widths \(X-000\.npy and X-02\.npy: X-000\.npy pads chunk numbers to 3 digits but X-02\.npy has 2\)/,
    );
    expect(() => datasetFiles(['X-00.npy', 'X-01.npy', 'X-2.npy'], '/d')).toThrow(/mix number widths .*X-2\.npy has 1/);
    expect(() => datasetFiles(['X-0.npy', 'X-00001.npy'], '/d')).toThrow(/mix number widths/);
  });

  it('refuses X chunks without a number, naming the file', () => {
    expect(() => datasetFiles(['X-0.npy', 'X-final.npy'], '/d')).toThrow(DatasetError);
    expect(() => datasetFiles(['X-0.npy', 'X-final.npy'], '/d')).toThrow(/X-final\.npy looks like a X chunk but has no chunk number/);
  });

  it('pairs X and y by number: X-00001 with y-00002 is an error naming both', () => {
    const entries = ['X-00000.npy', 'X-00001.npy', 'y-00000.npy', 'y-00002.npy'];
    expect(() => datasetFiles(entries, '/d')).toThrow(DatasetError);
    expect(() => datasetFiles(entries, '/d')).toThrow(
      /X and y chunks pair by the number in their names: X-00001\.npy has no y chunk numbered 1, and y-00002\.npy has no X chunk numbered 2/,
    );
    // y named with another width still pairs by number.
    expect(datasetFiles(['X-00000.npy', 'X-00001.npy', 'y-0.npy', 'y-1.npy'], '/d')).toEqual({
      x: ['X-00000.npy', 'X-00001.npy'],
      y: ['y-0.npy', 'y-1.npy'],
    });
    // One side longer than the other: the extra one is named.
    expect(() => datasetFiles(names('X', range(3)).concat(names('y', range(2))), '/d')).toThrow(/X-2\.npy has no y chunk numbered 2/);
  });

  it('refuses gaps and late starts in a series (a missing chunk), naming the files around it', () => {
    expect(() => datasetFiles(['X-0.npy', 'X-1.npy', 'X-3.npy'], '/d')).toThrow(
      /X chunks are missing between X-1\.npy and X-3\.npy \(numbers 2\)/,
    );
    expect(() => datasetFiles(['X-0.npy', 'X-4.npy'], '/d')).toThrow(/numbers 1–3/);
    expect(() => datasetFiles(['X-2.npy', 'X-3.npy'], '/d')).toThrow(
      /the first X chunk is X-2\.npy \(number 2\); numbering starts at 0 or 1/,
    );
    expect(datasetFiles(['X-1.npy', 'X-2.npy'], '/d').x).toEqual(['X-1.npy', 'X-2.npy']);
  });

  it('never takes hidden files (temporaries of an interrupted store) for chunks', () => {
    const entries = ['X-00000.npy', '.X-00000.npy.tmp-123-ab', '.X-00001.npy', 'y-00000.npy', '.y-00001.npy', '.X-final.npy'];
    expect(datasetFiles(entries, '/d')).toEqual({ x: ['X-00000.npy'], y: ['y-00000.npy'] });
  });
});

describe('stackFiles (dask to_npy_stack)', () => {
  it('orders 0.npy … 12.npy by number; starts at 0; no gaps', () => {
    const files = range(13).map((i) => `${i}.npy`);
    expect(stackFiles([...files, 'info'].sort(), '/s')).toEqual(files);
    expect(() => stackFiles(['1.npy', '2.npy'], '/s')).toThrow(/numbering starts at 0/);
    expect(() => stackFiles(['0.npy', '2.npy'], '/s')).toThrow(/missing between 0\.npy and 2\.npy/);
    expect(() => stackFiles(['0.npy', '1.npy', '01.npy'], '/s')).toThrow(/mix number widths/);
    expect(stackFiles(['0.npy', '.1.npy.tmp', 'notes.txt'], '/s')).toEqual(['0.npy']);
  });
});
