/**
 * The report colours the tasks of models apart (adaptive searches name the model in their task
 * keys: `partialFit-model12-call3-…`), and every other task by its kernel as before.
 */
import { describe, expect, it } from 'vitest';
import type { TaskEvent } from '@tessera/scheduler';
import { buildReport, kernelColors, modelColors, modelOfKey, type ProfileData } from '@tessera/diagnostics';

function data(keys: readonly [string, string][]): ProfileData {
  const t0 = 1_700_000_000_000;
  const tasks: TaskEvent[] = keys.map(([key, kernel], i) => ({
    runId: 1,
    key,
    kernel,
    worker: 1 + (i % 2),
    start: t0 + i * 10,
    end: t0 + i * 10 + 8,
    bytes: 0,
  }));
  return {
    tasks,
    runs: [
      {
        id: 1,
        scheduler: 'threads',
        tasks: tasks.length,
        workers: 2,
        start: t0,
        end: t0 + keys.length * 10,
        memoryLimit: 1e8,
        peakHeldBytes: 1e6,
      },
    ],
    samples: [],
    interval: 100,
    cpus: 2,
  } as unknown as ProfileData;
}

const fillOf = (html: string, key: string) =>
  new RegExp(`fill="([^"]+)" data-kernel="[^"]*" data-worker="\\d+" data-key="${key}"`).exec(html)?.[1];

describe('report: models coloured apart', () => {
  it('finds the model a key names, and only whole model tags', () => {
    expect(modelOfKey('partialFit-model12-call3-abcd')).toBe('model12');
    expect(modelOfKey('score-model3.12-call9-abcd')).toBe('model3.12');
    expect(modelOfKey('model7')).toBe('model7');
    expect(modelOfKey('array.add-model-3')).toBeNull();
    expect(modelOfKey('remodel12-x')).toBeNull();
    expect(modelOfKey('read-npy-4f2a-0')).toBeNull();
  });

  it('gives each model its own colour, the same for its partialFit and score tasks; other tasks keep their kernel colour', () => {
    const keys: [string, string][] = [
      ['partialFit-model0-call1-t', 'search.partialFit'],
      ['partialFit-model1-call1-t', 'search.partialFit'],
      ['partialFit-model2-call1-t', 'search.partialFit'],
      ['score-model1-call1-t', 'search.score'],
      ['split-x-train-0', 'search.splitBlock'],
    ];
    const html = buildReport([data(keys)]);
    const fills = ['model0', 'model1', 'model2'].map((m) => fillOf(html, `partialFit-${m}-call1-t`));
    expect(new Set(fills).size).toBe(3);
    expect(fillOf(html, 'score-model1-call1-t')).toBe(fills[1]);
    expect(fillOf(html, 'split-x-train-0')).toBe(kernelColors(keys.map(([, k]) => k)).get('search.splitBlock'));
    expect(/id="models" data-models="3"/.test(html)).toBe(true);
    // No model in the keys: no note, kernel colours only.
    expect(buildReport([data([['a-1', 'k1']])])).not.toContain('id="models"');
  });

  it('spreads many models over distinct hues', () => {
    const c = modelColors(Array.from({ length: 60 }, (_, i) => `model${i}`));
    expect(new Set(c.values()).size).toBe(60);
    expect(c.get('model2')).toBe(modelColors(['model2', 'model10', 'model1', 'model0']).get('model2'));
  });
});
