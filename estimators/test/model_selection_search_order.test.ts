/**
 * The order an in-memory search's tasks run in (search.ts's searchOrder): fold by fold, the next
 * fold's pipeline prefix ready before the current fold's fits run out, and the refit's prefix
 * (fitted on every row) alongside the last fold's fits rather than alone after them. Observed
 * through the scheduler's own task and release events on one worker thread (where tasks run one
 * at a time in priority order).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DenseArray } from '@tessera/array';
import { ThreadScheduler, type ReleaseEvent, type TaskEvent } from '@tessera/scheduler';
import { GridSearchCV, Pipeline, SGDClassifier, StandardScaler } from '@tessera/estimators';
import { searchOrder } from '../src/model_selection/search.js';

const pool = new ThreadScheduler({ threads: 1 });
afterAll(async () => {
  await pool.close();
});

function problem(rows: number, cols: number): { X: DenseArray; y: DenseArray } {
  let s = 7;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) | 0;
    return (s >>> 0) / 4294967296 - 0.5;
  };
  const X = new Float64Array(rows * cols);
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let t = 0;
    for (let j = 0; j < cols; j++) t += (X[i * cols + j] = rnd()) * (j % 2 ? -1 : 1);
    y[i] = t + 0.3 * rnd() > 0 ? 1 : 0;
  }
  return { X: new DenseArray(X, [rows, cols]), y: new DenseArray(y, [rows]) };
}

describe('searchOrder', () => {
  it('lists fits fold by fold, the next fold one fit ahead, the refit prefix before the last fold, the refit last', () => {
    // 3 candidates × 2 folds, candidate-major; candidate 1 invalid.
    const keys = ['f-0-0', 'f-0-1', null, null, 'f-2-0', 'f-2-1'];
    expect(searchOrder(keys, 2, 'pre', 'refit')).toEqual(['f-0-0', 'f-0-1', 'f-2-0', 'pre', 'f-2-1', 'refit']);
    expect(searchOrder(['a', 'b', 'c'], 1, null, null)).toEqual(['a', 'b', 'c']);
    expect(searchOrder(['a', 'b'], 1, 'pre', 'refit')).toEqual(['a', 'pre', 'b', 'refit']);
  });
});

describe('GridSearchCV in memory: task order', () => {
  it('holds at most two folds of a prefix at once and fits the refit prefix before the last fold ends', async () => {
    const { X, y } = problem(30000, 8);
    const events: { kind: 'end' | 'release'; key: string }[] = [];
    const search = new GridSearchCV(
      new Pipeline([
        ['scaler', new StandardScaler()],
        ['sgd', new SGDClassifier({ shuffle: false, maxIter: 5, tol: null, randomState: 0 })],
      ]),
      { sgd__alpha: [1e-4, 1e-3, 1e-2, 1e-1] },
      { cv: 3, scoring: 'accuracy' },
    );
    await search.fit(X, y, {
      scheduler: pool,
      callbacks: [
        {
          onTaskEnd: (e: TaskEvent) => events.push({ kind: 'end', key: e.key }),
          onRelease: (e: ReleaseEvent) => events.push({ kind: 'release', key: e.key }),
        },
      ],
    });
    const isFoldPrefix = (k: string) => k.startsWith('ms-prefix-') && !k.startsWith('ms-prefix-refit-');
    let live = 0;
    let most = 0;
    for (const e of events) {
      if (!isFoldPrefix(e.key)) continue;
      live += e.kind === 'end' ? 1 : -1;
      most = Math.max(most, live);
    }
    expect(events.filter((e) => e.kind === 'end' && isFoldPrefix(e.key))).toHaveLength(3);
    // Candidate-major order held all three folds' transformed rows until the last candidate's fits.
    expect(most).toBe(2);
    const ends = events.filter((e) => e.kind === 'end').map((e) => e.key);
    const refitPrefix = ends.findIndex((k) => k.startsWith('ms-prefix-refit-'));
    const lastFit = ends.findLastIndex((k) => k.startsWith('ms-fit-'));
    expect(refitPrefix).toBeGreaterThanOrEqual(0);
    // Before: the refit prefix ran after every fit, alone.
    expect(refitPrefix).toBeLessThan(lastFit);
    expect(ends[ends.length - 1]).toBe('ms-refit');
    expect(search.bestParams_).toBeDefined();
  });
});
