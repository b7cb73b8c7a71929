/**
 * How many more partialFit calls each model gets after a round of scores — dask-ml's
 * `_additional_calls` (`IncrementalSearchCV`: patience and `max_iter` on top of an `_adapt`
 * rule), with the `_adapt` rules of `IncrementalSearchCV` (every model, `fits_per_score` calls),
 * `InverseDecaySearchCV` (keep `1 / (k + 1) ** decay_rate` of the models) and
 * `SuccessiveHalvingSearchCV` (keep `1 / aggressiveness`, train `aggressiveness` times longer).
 * A model missing from the returned instructions is stopped for good.
 */
import type { HistoryRecord } from './loop.js';
import { power, roundHalfEven } from './schedule.js';

/** A history record with the bookkeeping of patience (dask-ml's `_adapt` key). */
export interface Meta extends HistoryRecord {
  adapt?: number;
}

/** Each live model's records so far, by model number (insertion order: model number). */
export type Info = Map<number, Meta[]>;

/** More partialFit calls per model, in the order models will be trained and scored. */
export type Instructions = Map<number, number>;

/** The rules every adaptive search shares. */
export interface StopRules {
  /** Stop a model whose score has not improved by more than `tol` in its last `patience` calls (false: never). */
  readonly patience: number | false;
  /** null (or NaN): never stop on a plateau. */
  readonly tol: number | null;
  /** No model is trained past this many calls (null: no limit). */
  readonly maxIter: number | null;
}

const last = (records: readonly Meta[]): Meta => records[records.length - 1]!;

/** toolz.topk(n, info, key=score): the n best models, best first; ties keep model order. */
function topk(n: number, info: Info): number[] {
  return [...info.keys()].sort((a, b) => last(info.get(b)!).score - last(info.get(a)!).score).slice(0, Math.max(0, n));
}

/** dask-ml's `IncrementalSearchCV._additional_calls`, with `_adapt` left to the subclass. */
export abstract class AdaptPolicy {
  constructor(readonly rules: StopRules) {}

  /** How many more calls each model gets (the models to keep, by score), before stopping rules. */
  protected abstract adapt(info: Info): Instructions;

  /** The instructions after a round, given every live model's records. */
  additionalCalls(info: Info): Instructions {
    const { patience } = this.rules;
    const calls = [...info.values()].map((v) => last(v).partialFitCalls);
    if (patience !== false && Math.max(...calls) > 1) {
      // Between decisions, patience trains in steps of at most `patience` calls up to the target
      // set when the models were last compared.
      const toMake: Instructions = new Map();
      let sum = 0;
      for (const [k, v] of info) {
        const withAdapt = v.filter((r) => r.adapt !== undefined);
        const target = withAdapt.length
          ? withAdapt[withAdapt.length - 1]!.partialFitCalls + withAdapt[withAdapt.length - 1]!.adapt!
          : last(v).partialFitCalls;
        const n = target - last(v).partialFitCalls;
        toMake.set(k, n);
        sum += n;
      }
      if (sum > 0) return capped(this.stopOnPlateau(toMake, info), patience);
    }
    const instructions = this.adapt(info);
    if (patience !== false) for (const [k, n] of instructions) last(info.get(k)!).adapt = n;
    const out = this.stopOnPlateau(instructions, info);
    return patience !== false ? capped(out, patience) : out;
  }

  /** dask-ml's `_stop_on_plateau`: no more calls past maxIter, nor on a plateau of `patience` calls. */
  protected stopOnPlateau(instructions: Instructions, info: Info): Instructions {
    const { patience, tol, maxIter } = this.rules;
    const out: Instructions = new Map();
    for (const [k, steps] of instructions) {
      const records = info.get(k)!;
      const current = last(records).partialFitCalls;
      if (maxIter !== null && maxIter !== 0 && current >= maxIter) out.set(k, 0);
      else if (patience !== false && current >= patience) {
        const plateau = records.filter((h) => current - h.partialFitCalls <= patience).map((h) => h.score);
        // dask-ml fails on a plateau of one score (the max of no differences); one score is no plateau.
        const best = plateau.length > 1 ? Math.max(...plateau.slice(1).map((s) => s - plateau[0]!)) : Infinity;
        out.set(k, tol !== null && best <= tol ? 0 : steps);
      } else out.set(k, steps);
    }
    return out;
  }
}

function capped(out: Instructions, patience: number): Instructions {
  return new Map([...out].map(([k, v]) => [k, Math.min(v, patience)]));
}

/** IncrementalSearchCV: every model gets `fitsPerScore` more calls. */
export class FixedPolicy extends AdaptPolicy {
  constructor(
    rules: StopRules,
    readonly fitsPerScore: number,
  ) {
    super(rules);
  }

  protected adapt(info: Info): Instructions {
    return new Map([...info.keys()].map((k) => [k, this.fitsPerScore]));
  }
}

/** InverseDecaySearchCV: after time step t, keep `start / (1 + t) ** decayRate` models. */
export class InverseDecayPolicy extends AdaptPolicy {
  constructor(
    rules: StopRules,
    readonly start: number,
    readonly decayRate: number,
    readonly fitsPerScore: number,
  ) {
    super(rules);
  }

  protected adapt(info: Info): Instructions {
    const inverse = (time: number) => Math.trunc(this.start / (1 + time) ** this.decayRate);
    const timeStep = last(info.values().next().value!).partialFitCalls;
    const current = timeStep + 1;
    let next = current;
    if (inverse(current) === 0) next = 1;
    const keepGoing = () => (this.decayRate !== 0 && this.rules.patience === false) || next - current < this.fitsPerScore;
    // dask-ml loops forever when both counts are already 0 (a single starting model); stop there.
    while (inverse(current) === inverse(next) && keepGoing() && !(inverse(next) === 0 && next > current)) next += 1;
    const target = Math.max(1, inverse(next));
    const best = topk(target, info);
    if (best.length === 1) return new Map([[best[0]!, 0]]);
    const steps = next - current;
    return new Map(best.map((b) => [b, steps]));
  }
}

/** SuccessiveHalvingSearchCV: keep the best `n · eta^-k` models, train them to `r · eta^k` calls. */
export class HalvingPolicy extends AdaptPolicy {
  #steps = 0;

  constructor(
    rules: StopRules,
    readonly nInitialParameters: number,
    readonly nInitialIter: number,
    readonly aggressiveness: number,
  ) {
    super(rules);
  }

  protected adapt(info: Info, firstStepCompleted = false): Instructions {
    if ([...info.values()].every((v) => last(v).partialFitCalls === 1)) this.#steps = 0;
    // The first call of every model is made before any decision: with r_0 = 1 that is step 0 done.
    if (firstStepCompleted) this.#steps = 1;
    const eta = this.aggressiveness;
    const nI = Math.floor(this.nInitialParameters * power(eta, -this.#steps));
    const rI = roundHalfEven(this.nInitialIter * power(eta, this.#steps));
    if (rI === 1 && !firstStepCompleted) return this.adapt(info, true);
    const best = topk(nI, info);
    this.#steps += 1;
    if (best.length === 0) return new Map([...info.keys()].map((k) => [k, 0]));
    return new Map(best.map((k) => [k, rI - last(info.get(k)!).partialFitCalls]));
  }
}
