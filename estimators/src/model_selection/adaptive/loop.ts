/**
 * The loop of every adaptive search (dask-ml's `_incremental._fit`): all models make one
 * partialFit call and are scored; then, round after round, a policy reads the scores and says how
 * many more calls each model gets (a model it leaves out is stopped for good), until no model is
 * given any.
 *
 * A round is one task graph run on the scheduler. Each model's calls are a chain of
 * `search.partialFit` tasks, then a `search.score` task on the held-out rows; the chains of
 * different models are independent, so they fill every worker. The training block a call uses is
 * one task whose result every chain of the round that needs it takes (the models of a round that
 * have made the same number of calls train on the same blocks, in dask-ml's seeded block order),
 * so it is read once, and released after its last link — the scheduler reads blocks ahead only
 * while the bytes it holds stay within the memory budget, whatever the number of models (models
 * are small, blocks are not). Task keys name the model (`partialFit-model12-call3-…`), so the
 * profiler and the HTML report show the concurrent chains apart.
 *
 * Every decision depends only on scores, and every score only on the model's params and its blocks
 * in a fixed order: the results do not depend on the thread count or the timing.
 */
import { checkRandomState, tokenize } from '@tessera/array';
import { Graph, compute, ref, type SchedulerCallbacks, type TaskEvent } from '@tessera/scheduler';
import type { BaseEstimator, EstimatorSnapshot, Params } from '../../base.js';
import type { LazyOptions, PartialFitOptions } from '../../contract.js';
import type { SearchData } from './data.js';
import { SearchKernel } from './kernel_names.js';
import type { AdaptPolicy, Info, Instructions, Meta } from './policies.js';

/** A model's identifier in the results: its number, or `'bracket=3-12'` in a Hyperband search. */
export type ModelId = number | string;

/** One model after one round: what dask-ml's `history_` records (keys in camelCase). */
export interface HistoryRecord {
  readonly modelId: ModelId;
  /** The model's hyperparameters (the candidate it was started with). */
  readonly params: Params;
  /** partialFit calls the model has made so far. */
  readonly partialFitCalls: number;
  /** Seconds spent in this round's partialFit calls of the model (on the workers). */
  readonly partialFitTime: number;
  /** Score on the held-out rows after those calls. */
  readonly score: number;
  /** Seconds spent scoring. */
  readonly scoreTime: number;
  /** Seconds since the search started when the round's scores came back. */
  readonly elapsedWallTime: number;
  /** The Hyperband bracket (Hyperband only). */
  readonly bracket?: number;
}

/** What the loop is given. */
export interface LoopSpec {
  /** Who is searching, for messages and run names (`'HyperbandSearchCV'`). */
  readonly caller: string;
  /** The models, in model-number order: each a fresh clone with its candidate's params set. */
  readonly models: readonly BaseEstimator[];
  readonly candidates: readonly Params[];
  readonly data: SearchData;
  readonly policy: AdaptPolicy;
  /** partialFit options (`classes`…). */
  readonly fitOptions: PartialFitOptions;
  readonly scoring: string | null;
  /** Seed of the block order. */
  readonly randomState: number | null;
  /** The model's tag in task keys (`'12'`, `'3.12'` in bracket 3 of a Hyperband search). */
  readonly tag: (model: number) => string;
  /** Bytes of {@link LoopSpec.memory} the loop's next run asks for. */
  readonly budget: () => number;
  /** The rounds' memory, shared with concurrent loops. */
  readonly memory: RoundMemory;
  readonly options: LazyOptions;
  /** performance.now() when the search started. */
  readonly startTime: number;
}

/** What the loop returns (dask-ml's `Results`). */
export interface LoopResults {
  /** Every model's records, by model number (every model, stopped ones included). */
  readonly info: Map<number, HistoryRecord[]>;
  /** The last state of the models still alive at the end. */
  readonly models: Map<number, EstimatorSnapshot>;
  readonly history: HistoryRecord[];
  /** The model with the best last score among those alive at the end (the first on ties). */
  readonly best: number;
}

/**
 * Most partialFit calls of one model in one run of the scheduler: a longer round is run in parts,
 * so the blocks it reads are kept for the rest of the search sooner.
 */
const CALLS_PER_RUN = 8;

/**
 * dask-ml's block order (`get_futures`): the blocks shuffled anew by numpy's RandomState seeded
 * with `randomState` each time all have been visited; call c (from 0) trains on block order[c].
 */
function blockOrder(nBlocks: number, randomState: number | null): (call: number) => number {
  const rng = checkRandomState(randomState);
  const order: number[] = [];
  return (call) => {
    while (call >= order.length) order.push(...rng.shuffle(Array.from({ length: nBlocks }, (_, i) => i)));
    return order[call]!;
  };
}

/**
 * The memory the rounds may hold — the blocks they read and train on — shared by the runs of
 * concurrent loops (Hyperband's brackets): a run takes a share before it starts and gives it back
 * when it ends; a run whose share does not fit waits (first come, first served). Each engine run
 * keeps within its own limit, but it always lets one read start, so without this the brackets
 * held a block or two each however small their part of the budget, and more than the budget
 * together.
 */
export class RoundMemory {
  #used = 0;
  readonly #waiting: { bytes: number; go: () => void }[] = [];

  /** `capacity`: bytes of the budget the rounds have. */
  constructor(readonly capacity: number) {}

  /** Takes `bytes` (at most the capacity) once they are free; call `release` when the run ends. */
  async acquire(bytes: number): Promise<{ bytes: number; release: () => void }> {
    const n = Math.max(1, Math.min(Math.floor(bytes), this.capacity));
    if (this.#waiting.length === 0 && this.#used + n <= this.capacity) this.#used += n;
    else await new Promise<void>((go) => this.#waiting.push({ bytes: n, go }));
    let released = false;
    return {
      bytes: n,
      release: () => {
        if (released) return;
        released = true;
        this.#used -= n;
        while (this.#waiting.length > 0 && this.#used + this.#waiting[0]!.bytes <= this.capacity) {
          const next = this.#waiting.shift()!;
          this.#used += next.bytes;
          next.go();
        }
      },
    };
  }
}

/** Runs the search loop; resolves once no model is given more calls. */
export async function adaptiveLoop(spec: LoopSpec): Promise<LoopResults> {
  const { data, policy } = spec;
  const blockOf = blockOrder(data.nBlocks, spec.randomState);
  const token = tokenize(spec.caller, spec.candidates as unknown[], spec.randomState, data.nBlocks).slice(-8);
  const states = new Map<number, EstimatorSnapshot>(spec.models.map((m, i) => [i, m.snapshot()]));
  const calls = new Map<number, number>(spec.models.map((_, i) => [i, 0]));
  const info: Info = new Map(spec.models.map((_, i) => [i, []]));
  const scores = new Map<number, Meta>();
  const history: Meta[] = [];
  let round = 0;

  /**
   * One run: `steps` more calls for each model; those in `scored` are scored after theirs.
   * Returns the score of each scored model and every task's duration.
   */
  const runOnce = async (steps: Instructions, scored: ReadonlySet<number>, ms: Map<string, number>): Promise<Map<number, number>> => {
    const g = new Graph();
    const lastOf = new Map<number, string>();
    const scoreOf = new Map<number, string>();
    /** The run's links by call (every model's first call of the run, then every second…). */
    const linkAt: string[][] = [];
    for (const [model, k] of steps) {
      const tag = `model${spec.tag(model)}`;
      let prev: unknown = states.get(model)!;
      const start = calls.get(model)!;
      for (let c = start; c < start + k; c++) {
        const [Xa, ya] = data.trainBlock(g, blockOf(c));
        const key = `partialFit-${tag}-call${c + 1}-${token}`;
        g.add(key, SearchKernel.partialFit, [prev, Xa, ya, spec.fitOptions]);
        linksOf.get(model)!.push(key);
        (linkAt[c - start] ??= []).push(key);
        lastOf.set(model, key);
        prev = ref(key);
      }
      if (scored.has(model)) {
        const score = `score-${tag}-call${start + k}-${token}`;
        g.add(score, SearchKernel.score, [prev, data.test.X, data.test.y, spec.scoring]);
        scoreOf.set(model, score);
      }
    }
    const timer: SchedulerCallbacks = { onTaskEnd: (e: TaskEvent) => void ms.set(e.key, e.end - e.start) };
    // The run's share of the rounds' memory, held until it ends: concurrent loops (Hyperband's
    // brackets) wait for theirs, so together they never hold more than the rounds may.
    const share = await spec.memory.acquire(spec.budget());
    // Training blocks kept for later rounds are requested too; the room set aside for them is
    // added to the run's budget, which they would otherwise fill.
    const retained = data.retain(g);
    let out: Record<string, unknown>;
    try {
      // Every link is requested, call by call: the scheduler's priorities follow the request
      // order, so each block is trained on by every model that needs it — and released — before
      // the next block is preferred. Requested by model (the last link only), each model's whole
      // chain came first: every block of the run was read for the first model and held until the
      // last model had passed it (8 blocks at once, whatever the budget). Model states are small.
      out = await compute(g, [...linkAt.flat(), ...scoreOf.values(), ...retained.keys], {
        ...spec.options,
        // A read starts while the bytes held are within the limit, so a run may hold one block
        // beyond it: the limit leaves room for that block inside the share.
        memoryLimit: Math.max(1, share.bytes - data.maxBlockBytes) + retained.bytes,
        callbacks: [...(spec.options.callbacks ?? []), timer],
        name: `${spec.caller} round ${round}`,
      });
    } catch (e) {
      data.keep(retained, null);
      throw e;
    } finally {
      share.release();
    }
    data.keep(retained, out);
    for (const [model, key] of lastOf) {
      states.set(model, out[key] as EstimatorSnapshot);
      calls.set(model, calls.get(model)! + steps.get(model)!);
    }
    return new Map([...scoreOf].map(([model, key]) => [model, out[key] as number]));
  };
  const linksOf = new Map<number, string[]>();

  /**
   * A round: each model's calls, then its score. Runs of at most {@link CALLS_PER_RUN} calls per
   * model: the blocks a run reads are kept (as the budget allows) when it ends, so a long round —
   * and the brackets running beside it — do not read them again (the results are the same).
   */
  const runRound = async (jobs: Instructions): Promise<Meta[]> => {
    round++;
    const ms = new Map<string, number>();
    const left = new Map(jobs);
    const scored = new Map<number, number>();
    const doneAt = new Map<number, number>();
    for (const model of jobs.keys()) linksOf.set(model, []);
    while (left.size > 0) {
      const steps: Instructions = new Map([...left].map(([m, k]) => [m, Math.min(k, CALLS_PER_RUN)]));
      const last = new Set([...left].filter(([, k]) => k <= CALLS_PER_RUN).map(([m]) => m));
      const got = await runOnce(steps, last, ms);
      const now = (performance.now() - spec.startTime) / 1000;
      for (const [m, v] of got) {
        scored.set(m, v);
        doneAt.set(m, now);
      }
      for (const [m, k] of steps) {
        if (left.get(m)! === k) left.delete(m);
        else left.set(m, left.get(m)! - k);
      }
    }
    return [...jobs.keys()].map((model) => {
      const score = `score-model${spec.tag(model)}-call${calls.get(model)!}-${token}`;
      return {
        modelId: model,
        params: spec.candidates[model]!,
        partialFitCalls: calls.get(model)!,
        partialFitTime: linksOf.get(model)!.reduce((s, k) => s + (ms.get(k) ?? 0), 0) / 1000,
        score: scored.get(model)!,
        scoreTime: (ms.get(score) ?? 0) / 1000,
        elapsedWallTime: doneAt.get(model)!,
      };
    });
  };

  let metas = await runRound(new Map(spec.models.map((_, i) => [i, 1])));
  for (;;) {
    for (const meta of metas) {
      info.get(meta.modelId as number)!.push(meta);
      history.push(meta);
      scores.set(meta.modelId as number, meta);
    }
    const instructions = policy.additionalCalls(info);
    for (const model of [...states.keys()]) {
      if (!instructions.has(model)) {
        states.delete(model);
        scores.delete(model);
        info.delete(model);
      }
    }
    const jobs: Instructions = new Map([...instructions].filter(([, k]) => k > 0));
    if (jobs.size === 0) break;
    metas = await runRound(jobs);
  }
  let best = -1;
  for (const [model, meta] of scores) if (best < 0 || meta.score > scores.get(best)!.score) best = model;
  const byModel = new Map<number, HistoryRecord[]>();
  const clean: HistoryRecord[] = history.map(({ adapt: _adapt, ...h }) => h);
  for (const h of clean) {
    const list = byModel.get(h.modelId as number);
    if (list === undefined) byModel.set(h.modelId as number, [h]);
    else list.push(h);
  }
  return { info: byModel, models: states, history: clean, best };
}
