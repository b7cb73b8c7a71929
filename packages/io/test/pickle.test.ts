/**
 * The pickle reader behind dask's `to_npy_stack` info: values only, nothing run; the info dask
 * writes parses to its chunks, dtype and axis; what it cannot read is an error naming the opcode.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FormatError, parseNpyStackInfo, readPickle } from '@tessera/io';

const PY = '/usr/bin/python3';
const python = existsSync(PY) && spawnSync(PY, ['-c', 'import pickle'], { stdio: 'ignore' }).status === 0;
const numpy = python && spawnSync(PY, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
if (!numpy) console.log('skipping pickles written by Python/numpy: /usr/bin/python3 with numpy is not available');

/** The bytes of `pickle.dumps(<expr>, protocol=<p>)`. */
function dumps(expr: string, protocol: number): Uint8Array {
  const r = spawnSync(PY, ['-c', `import sys, pickle, numpy as np; sys.stdout.buffer.write(pickle.dumps(${expr}, protocol=${protocol}))`]);
  if (r.status !== 0) throw new Error(String(r.stderr));
  return new Uint8Array(r.stdout);
}

describe.skipIf(!numpy)('pickles Python writes', () => {
  it.each([2, 3, 4, 5])('plain values, protocol %i', (protocol) => {
    const v = readPickle(
      dumps("{'a': (1, 300, 70000, -5, 2**40, -(2**70)), 'b': [1.5, None, True, False], 'c': 'héllo', 'd': b'xy', 'e': ()}", protocol),
    ) as Map<unknown, unknown>;
    expect(v).toBeInstanceOf(Map);
    expect(v.get('a')).toEqual([1, 300, 70000, -5, 2 ** 40, -(2n ** 70n)]);
    expect(v.get('b')).toEqual([1.5, null, true, false]);
    expect(v.get('c')).toBe('héllo');
    // bytes: protocol 2 spells them as a call of _codecs.encode, 3 and later as bytes
    expect(v.get('d')).toEqual(protocol === 2 ? { global: '_codecs.encode', args: ['xy', 'latin1'] } : Uint8Array.of(120, 121));
    expect(v.get('e')).toEqual([]);
  });

  it.each([2, 4, 5])("dask's to_npy_stack info (numpy dtype inside), protocol %i", (protocol) => {
    const bytes = dumps("{'chunks': ((2,) * 13, (3,)), 'dtype': np.dtype('>f4'), 'axis': 0}", protocol);
    const info = parseNpyStackInfo(bytes, '/s/info');
    expect(info).toEqual({ chunks: [Array(13).fill(2), [3]], axis: 0, dtype: '>f4' });
    const le = parseNpyStackInfo(dumps("{'chunks': ((5, 5),), 'dtype': np.dtype('int64'), 'axis': 0}", protocol), '/s/info');
    expect(le.dtype).toBe('<i8');
  });

  it("Python 2 byte strings (SHORT_BINSTRING, BINSTRING) read as Python's encoding='latin1' does, bytes 0x80–0x9f included", () => {
    // Hand-made protocol 2 pickles (Python 3 writes no BINSTRING); the expected strings are what
    // /usr/bin/python3 gives for pickle.loads(b, encoding='latin1').
    const short = Uint8Array.of(0x80, 2, 0x55, 3, 0x93, 0xe9, 0x80, 0x2e);
    const long = Uint8Array.of(0x80, 2, 0x54, 2, 0, 0, 0, 0x9f, 0xff, 0x2e);
    const py = (b: Uint8Array) => {
      const r = spawnSync(PY, [
        '-c',
        `import pickle, sys; print(ascii(pickle.loads(bytes.fromhex('${Buffer.from(b).toString('hex')}'), encoding='latin1')))`,
      ]);
      return String(r.stdout).trim();
    };
    expect(py(short)).toBe("'\\x93\\xe9\\x80'");
    expect(py(long)).toBe("'\\x9f\\xff'");
    expect(readPickle(short)).toBe('\u0093\u00e9\u0080');
    expect(readPickle(long)).toBe('\u009f\u00ff');
  });

  it('objects read as the call that would build them', () => {
    const v = readPickle(dumps("__import__('collections').OrderedDict([('k', 1)])", 4));
    expect(v).toEqual({ global: 'collections.OrderedDict', args: [], items: new Map([['k', 1]]) });
  });
});
describe('errors', () => {
  it('a reference to a callable is recorded, never called', () => {
    // GLOBAL 'os system', MARK, BINUNICODE 'touch …', TUPLE, REDUCE, STOP — by hand, protocol 2.
    const marker = `/tmp/tessera-pickle-${process.pid}`;
    const cmd = new TextEncoder().encode(`touch ${marker}`);
    const bytes = Uint8Array.from([
      0x80,
      2,
      0x63,
      ...new TextEncoder().encode('os\nsystem\n'),
      0x28,
      0x58,
      cmd.length,
      0,
      0,
      0,
      ...cmd,
      0x74,
      0x52,
      0x2e,
    ]);
    expect(readPickle(bytes)).toEqual({ global: 'os.system', args: [`touch ${marker}`] });
    expect(existsSync(marker)).toBe(false);
  });

  it('an opcode it does not read, a truncated pickle, and a non-info value are FormatErrors naming the file', () => {
    expect(() => parseNpyStackInfo(Uint8Array.of(0x80, 4, 0x01), '/s/info')).toThrow(FormatError);
    expect(() => parseNpyStackInfo(Uint8Array.of(0x80, 4, 0x01), '/s/info')).toThrow(
      /^\/s\/info: cannot read this pickle .*unsupported pickle opcode 0x01 at byte 2/,
    );
    expect(() => parseNpyStackInfo(Uint8Array.of(0x80, 4, 0x8c, 10, 0x61), '/s/info')).toThrow(/truncated at byte 4/);
    // {'axis': 0} — no chunks
    expect(() =>
      parseNpyStackInfo(Uint8Array.of(0x80, 2, 0x7d, 0x58, 4, 0, 0, 0, 0x61, 0x78, 0x69, 0x73, 0x4b, 0, 0x73, 0x2e), '/s/info'),
    ).toThrow(/not a to_npy_stack info: 'chunks' must be a tuple of tuples/);
  });
});
