/**
 * numpy's legacy RandomState, bit for bit: every method against numpy 1.24's streams
 * (fixtures/make_random_state.py → fixtures/random_state.json: full heads, SHA-256 of millions of draws).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RandomState, checkRandomState } from '@tessera/array';

interface CallRecord {
  call: [string, (number | number[])[], Record<string, unknown>];
  scalar?: number;
  n?: number;
  head?: number[];
  sha256?: string;
  stride?: number;
  samples?: number[];
}
interface Case {
  seed: number | number[];
  calls: CallRecord[];
  state: { pos: number; has_gauss: number; gauss: number; key_sha256: string };
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/random_state.json', import.meta.url), 'utf8')) as {
  numpy: string;
  cases: Case[];
  state: {
    seed: number;
    normals_before: number;
    key_head: number[];
    key_sha256: string;
    pos: number;
    has_gauss: number;
    gauss: number;
    after: number[];
  };
};

function sha(values: ArrayLike<number>): string {
  const f = Float64Array.from(values as ArrayLike<number>);
  return createHash('sha256').update(new Uint8Array(f.buffer)).digest('hex');
}

/**
 * How far a normal deviate may be from numpy's: a few ulps of the deviate (the last bit of log()
 * carried through sqrt, the product and loc + scale·g).
 */
function near(want: number): number {
  return 4 * Number.EPSILON * (1 + Math.abs(want));
}

/** Runs one recorded numpy call on `rs`, the TypeScript way. */
function call(rs: RandomState, [name, args, kw]: CallRecord['call']): number | ArrayLike<number> {
  const a = args as number[];
  const size = kw['size'] as number | undefined;
  switch (name) {
    case 'raw':
      return rs.fillUint32(new Uint32Array(a[0]!));
    case 'random_sample':
      return a.length ? rs.randomSample(a[0]!) : rs.randomSample();
    case 'randint':
      if (size === undefined) return rs.randint(a[0]!, a[1]);
      return kw['dtype'] === 'int32' ? rs.randint(a[0]!, a[1], size, 'int32') : rs.randint(a[0]!, a[1], size);
    case 'uniform':
      return size === undefined ? rs.uniform(...(a as [number, number])) : rs.uniform(a[0]!, a[1]!, size);
    case 'standard_normal':
      return a.length ? rs.standardNormal(a[0]!) : rs.standardNormal();
    case 'normal':
      return size === undefined ? rs.normal(a[0]!, a[1]!) : rs.normal(a[0]!, a[1]!, size);
    case 'permutation':
      return rs.permutation(a[0]!);
    case 'shuffle': {
      const x = new Float64Array(a[0]!);
      for (let i = 0; i < x.length; i++) x[i] = i;
      return rs.shuffle(x);
    }
    case 'choice': {
      const p = kw['p'] as number[] | undefined;
      const replace = kw['replace'] as boolean | undefined;
      if (size === undefined) return rs.choice(a[0]!, { replace, p });
      return rs.choice(a[0]!, { size, replace, p });
    }
    default:
      throw new Error(`no such call ${name}`);
  }
}

describe('RandomState (numpy 1.24 legacy), against numpy', () => {
  it(`the fixtures come from numpy 1.24 (${fixture.numpy})`, () => {
    expect(fixture.numpy.startsWith('1.24')).toBe(true);
  });

  for (const c of fixture.cases) {
    it(`seed ${JSON.stringify(c.seed).slice(0, 20)}: every method, millions of draws, bit for bit (normals to the last bit)`, () => {
      const rs = new RandomState(c.seed);
      for (const rec of c.calls) {
        const label = JSON.stringify(rec.call);
        const got = call(rs, rec.call);
        if (rec.scalar !== undefined) {
          expect(typeof got, label).toBe('number');
          if (rec.call[0] === 'normal' || rec.call[0] === 'standard_normal') {
            expect(Math.abs((got as number) - rec.scalar), label).toBeLessThanOrEqual(near(rec.scalar));
          } else expect(got, label).toBe(rec.scalar);
        } else if (rec.samples) {
          // Normal deviates: the C library's log() vs V8's Math.log may differ in the last bit.
          const arr = got as ArrayLike<number>;
          expect(arr.length, label).toBe(rec.n);
          const want = [...rec.head!, ...rec.samples];
          const have = [...Array.from(arr).slice(0, rec.head!.length), ...rec.samples.map((_, i) => arr[i * rec.stride!]!)];
          let exact = 0;
          for (let i = 0; i < want.length; i++) {
            expect(Math.abs(have[i]! - want[i]!), `${label} value ${i}`).toBeLessThanOrEqual(near(want[i]!));
            if (have[i] === want[i]) exact++;
          }
          expect(exact / want.length, label).toBeGreaterThan(0.9);
        } else {
          const arr = got as ArrayLike<number>;
          expect(arr.length, label).toBe(rec.n);
          expect(Array.from(arr).slice(0, rec.head!.length), label).toEqual(rec.head);
          expect(sha(arr), label).toBe(rec.sha256);
        }
      }
      const [name, key, pos, hasGauss, gauss] = rs.getState();
      expect(name).toBe('MT19937');
      expect({ pos, hasGauss, key: sha(key) }).toEqual({ pos: c.state.pos, hasGauss: c.state.has_gauss, key: c.state.key_sha256 });
      expect(Math.abs(gauss - c.state.gauss)).toBeLessThanOrEqual(near(c.state.gauss));
    });
  }

  it("scikit-learn's seed draws: randint(int32 max) and randint(1, int32 max)", () => {
    // np.random.RandomState(0).randint(np.iinfo(np.int32).max) == 209652396, then randint(1, …) == 398764592
    const rs = new RandomState(0);
    expect(rs.randint(2147483647)).toBe(209652396);
    expect(rs.randint(1, 2147483647)).toBe(398764592);
  });

  it('getState is numpy’s tuple mid-stream, with a cached gaussian; setState replays the stream', () => {
    const s = fixture.state;
    const rs = new RandomState(s.seed);
    rs.standardNormal(s.normals_before);
    const st = rs.getState();
    expect(Array.from(st[1].subarray(0, 8))).toEqual(s.key_head);
    expect([sha(st[1]), st[2], st[3]]).toEqual([s.key_sha256, s.pos, s.has_gauss]);
    expect(Math.abs(st[4] - s.gauss)).toBeLessThanOrEqual(near(s.gauss));
    expect(Array.from(rs.randomSample(5))).toEqual(s.after);
    // Round trip: the restored generator repeats the stream, the cached gaussian included.
    const other = new RandomState(123);
    other.setState(st);
    expect(Array.from(other.randomSample(5))).toEqual(s.after);
    const a = new RandomState(9);
    a.standardNormal();
    const saved = a.getState();
    const next = [a.standardNormal(), a.standardNormal(), a.randint(0, 1000)];
    a.setState(saved);
    expect([a.standardNormal(), a.standardNormal(), a.randint(0, 1000)]).toEqual(next);
    // getState copies the key: later draws do not change a saved state.
    a.randomSample(10_000);
    expect(saved[1]).not.toBe(a.getState()[1]);
  });

  it('seed(…) re-seeds and drops the cached gaussian; null draws fresh entropy', () => {
    const a = new RandomState(5);
    a.standardNormal();
    a.seed(5);
    expect(a.standardNormal()).toBe(new RandomState(5).standardNormal());
    const x = new RandomState(null).randomSample(4);
    const y = new RandomState().randomSample(4);
    expect(Array.from(x)).not.toEqual(Array.from(y));
    expect(new RandomState(null).getState()[1][0]).toBe(0x80000000);
  });

  it('checkRandomState mirrors sklearn.utils.check_random_state', () => {
    const rs = new RandomState(1);
    expect(checkRandomState(rs)).toBe(rs);
    expect(checkRandomState(3).randomSample()).toBe(new RandomState(3).randomSample());
    expect(checkRandomState(null)).toBe(checkRandomState(undefined));
    expect(() => checkRandomState(1.5)).toThrow(TypeError);
    expect(() => checkRandomState('x' as unknown as number)).toThrow(TypeError);
  });

  it('choice and permutation of arrays pick the elements at numpy’s indices', () => {
    const letters = ['a', 'b', 'c', 'd', 'e'];
    const idx = new RandomState(3).choice(5, { size: 3, replace: false });
    expect(new RandomState(3).choice(letters, { size: 3, replace: false })).toEqual(idx.map((i) => letters[i]));
    const perm = new RandomState(4).permutation(5);
    expect(new RandomState(4).permutation(letters)).toEqual(Array.from(perm, (i) => letters[i]));
    const f = Float32Array.from([1, 2, 3, 4, 5]);
    const pf = new RandomState(4).permutation(f);
    expect(Array.from(pf)).toEqual(Array.from(perm, (i) => i + 1));
    expect(Array.from(f)).toEqual([1, 2, 3, 4, 5]);
    expect(new RandomState(0).choice(letters, { p: [0, 0, 1, 0, 0] })).toBe('c');
  });

  it('refuses bad input with clear errors', () => {
    const rs = new RandomState(0);
    expect(() => new RandomState(-1)).toThrow(RangeError);
    expect(() => new RandomState(2 ** 32)).toThrow(RangeError);
    expect(() => new RandomState(1.5)).toThrow(TypeError);
    expect(() => new RandomState([])).toThrow(RangeError);
    expect(() => new RandomState([1, -2])).toThrow(/seed\[1\]/);
    expect(() => rs.randint(5, 5)).toThrow(RangeError);
    expect(() => rs.randint(0)).toThrow(/low >= high/);
    expect(() => rs.randint(0.5, 3)).toThrow(TypeError);
    expect(() => rs.randint(0, 2 ** 31 + 1, 3, 'int32')).toThrow(RangeError);
    expect(() => rs.randint(0, 2 ** 60)).toThrow(RangeError);
    expect(() => rs.randomSample(-1)).toThrow(RangeError);
    expect(() => rs.uniform(0, Infinity)).toThrow(RangeError);
    expect(() => rs.normal(0, -1)).toThrow(RangeError);
    expect(() => rs.choice(3, { size: 4, replace: false })).toThrow(/larger sample/);
    expect(() => rs.choice(3, { p: [0.5, 0.5] })).toThrow(/same size/);
    expect(() => rs.choice(3, { p: [0.5, 0.6, -0.1] })).toThrow(/non-negative/);
    expect(() => rs.choice(3, { p: [0.5, 0.4, 0] })).toThrow(/sum to 1/);
    expect(() => rs.choice(3, { size: 2, replace: false, p: [1, 0, 0] })).toThrow(/non-zero/);
    expect(() => rs.choice(0)).toThrow(RangeError);
    expect(() => rs.setState(['PCG64', new Uint32Array(624), 0])).toThrow(RangeError);
    expect(() => rs.setState(['MT19937', new Uint32Array(3), 0])).toThrow(RangeError);
  });

  it('draws 10M doubles in well under a second', () => {
    const rs = new RandomState(0);
    const out = new Float64Array(10_000_000);
    rs.fillDoubles(out.subarray(0, 1000)); // warm up
    const t = performance.now();
    rs.fillDoubles(out);
    expect(performance.now() - t).toBeLessThan(1000);
  });
});
