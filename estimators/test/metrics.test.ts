import { describe, expect, it } from 'vitest';
import { accuracyScore, confusionMatrix, logLoss, meanSquaredError, r2Score, rocAucScore } from '../src/index.js';
import { expectClose, fixture } from './helpers.js';

const fx = fixture<{
  yb: number[];
  scores: number[];
  pb: number[];
  ym: number[];
  pm: number[][];
  ypredM: number[];
  yr: number[];
  yrPred: number[];
  w: number[];
  results: Record<string, number | number[]>;
}>('metrics.json');
const r = fx.results;
const close = (a: number, e: number) => expect(Math.abs(a - e)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(e)));

describe('metrics match scikit-learn 1.2', () => {
  it('accuracyScore', () => {
    close(accuracyScore(fx.ym, fx.ypredM), r['accuracy'] as number);
    close(accuracyScore(fx.ym, fx.ypredM, { sampleWeight: fx.w }), r['accuracyWeighted'] as number);
    close(accuracyScore(fx.ym, fx.ypredM, { normalize: false }), r['accuracyCount'] as number);
  });

  it('logLoss', () => {
    close(logLoss(fx.yb, fx.pb), r['logLossBinary'] as number);
    close(logLoss(fx.yb, fx.pb, { sampleWeight: fx.w }), r['logLossBinaryWeighted'] as number);
    close(logLoss(fx.ym, fx.pm), r['logLossMulti'] as number);
    expect(() => logLoss([1, 1], [0.5, 0.5])).toThrow(/only one label/);
  });

  it('meanSquaredError and r2Score', () => {
    close(meanSquaredError(fx.yr, fx.yrPred), r['mse'] as number);
    close(meanSquaredError(fx.yr, fx.yrPred, { sampleWeight: fx.w }), r['mseWeighted'] as number);
    close(meanSquaredError(fx.yr, fx.yrPred, { squared: false }), r['rmse'] as number);
    close(r2Score(fx.yr, fx.yrPred), r['r2'] as number);
    close(r2Score(fx.yr, fx.yrPred, { sampleWeight: fx.w }), r['r2Weighted'] as number);
    expect(r2Score([1], [1])).toBeNaN();
    expect(r2Score([2, 2], [2, 2])).toBe(1);
    expect(r2Score([2, 2], [2, 3])).toBe(0);
  });

  it('confusionMatrix', () => {
    expectClose(confusionMatrix(fx.ym, fx.ypredM).data as Float64Array, r['confusion'] as number[], 'plain');
    expectClose(
      confusionMatrix(fx.ym, fx.ypredM, { sampleWeight: fx.w }).data as Float64Array,
      r['confusionWeighted'] as number[],
      'weighted',
    );
    expectClose(confusionMatrix(fx.ym, fx.ypredM, { normalize: 'true' }).data as Float64Array, r['confusionNormTrue'] as number[], 'true');
    expectClose(confusionMatrix(fx.ym, fx.ypredM, { normalize: 'pred' }).data as Float64Array, r['confusionNormPred'] as number[], 'pred');
    expectClose(confusionMatrix(fx.ym, fx.ypredM, { normalize: 'all' }).data as Float64Array, r['confusionNormAll'] as number[], 'all');
    expectClose(confusionMatrix(fx.ym, fx.ypredM, { labels: [2, 0] }).data as Float64Array, r['confusionLabels'] as number[], 'labels');
  });

  it('rocAucScore, ties and weights included', () => {
    close(rocAucScore(fx.yb, fx.scores), r['rocAuc'] as number);
    close(rocAucScore(fx.yb, fx.scores, { sampleWeight: fx.w }), r['rocAucWeighted'] as number);
    close(rocAucScore(fx.ym, fx.pm, { multiClass: 'ovr' }), r['rocAucOvr'] as number);
    expect(() => rocAucScore(fx.ym, fx.pm)).toThrow(/multiClass: 'ovr'/);
    expect(() => rocAucScore([1, 1], [0.2, 0.4])).toThrow(/only one class/);
  });
});
