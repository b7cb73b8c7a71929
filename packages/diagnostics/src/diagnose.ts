/**
 * The scope: dask's `with Profiler(), ResourceProfiler():` as a function, built on the
 * scheduler's `withCallbacks` (AsyncLocalStorage), so every run started inside — however deep in
 * async calls — reports to the listeners, and runs started elsewhere at the same time do not.
 */
import { activeCallbacks, withCallbacks, type SchedulerCallbacks } from '@tessera/scheduler';

/**
 * A scheduler listener that also wants to know when a {@link diagnose} scope opens and closes
 * (the {@link ResourceProfiler} samples for the whole scope, not only while runs are going).
 */
export interface DiagnosticListener extends SchedulerCallbacks {
  onScopeStart?(): void;
  onScopeEnd?(): void;
}

/**
 * Runs `work` with `listeners` registered for every scheduler run it starts, and resolves with
 * what `work` returns. Scopes nest: a run inside two scopes reports to the listeners of both (a
 * listener registered by both scopes hears each event once). With no listeners this is just
 * `await work()`: the scheduler builds no events at all.
 *
 * @example
 * const prof = new Profiler(), res = new ResourceProfiler({ interval: 50 });
 * const model = await diagnose([prof, res, new ProgressBar()], () => pipe.fit(X, y));
 * await writeReport([prof, res], 'fit.html', { title: 'fit' });
 */
export async function diagnose<T>(listeners: readonly DiagnosticListener[], work: () => T | Promise<T>): Promise<T> {
  if (!Array.isArray(listeners)) throw new TypeError(`The 'listeners' argument of diagnose must be an array; got ${typeof listeners}.`);
  if (typeof work !== 'function') throw new TypeError(`The 'work' argument of diagnose must be a function; got ${typeof work}.`);
  const outer = activeCallbacks();
  const added: DiagnosticListener[] = [];
  for (const [i, l] of listeners.entries()) {
    if (l === null || typeof l !== 'object') throw new TypeError(`diagnose: listener ${i} is not an object; got ${String(l)}.`);
    if (!outer.includes(l) && !added.includes(l)) added.push(l);
  }
  if (added.length === 0) return await work();
  for (const l of added) l.onScopeStart?.();
  try {
    return await withCallbacks(added, work);
  } finally {
    for (const l of added) l.onScopeEnd?.();
  }
}
