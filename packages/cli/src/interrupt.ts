/**
 * Ctrl-C and SIGTERM. The first signal aborts the command's runs through an AbortSignal: the
 * scheduler cancels its batches, stores remove their temporaries, the command closes its worker
 * pool, and the process exits 130 (SIGINT) or 143 (SIGTERM) with the previous outputs intact.
 * A second signal, or a clean-up that takes longer than {@link GRACE_MS}, exits at once after
 * removing the temporaries synchronously — a stuck worker never keeps the terminal hostage.
 */
import { discardActiveTemporariesSync } from '@tessera/io';

/** How long the first signal's orderly stop may take before the process exits anyway. */
export const GRACE_MS = 5000;

/** The exit code of a process ended by `signal` (128 + its number, as shells report it). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 1;
}

/** The reason a run was aborted by a signal; the CLI prints it as one line. */
export class Interrupted extends Error {
  override readonly name = 'Interrupted';
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}; outputs of this run were not written (earlier outputs are intact).`);
  }
}

let controller: AbortController | undefined;

/**
 * Installs the SIGINT/SIGTERM handlers (once) and returns the signal every run of this process
 * should pass to the scheduler.
 */
export function interruptSignal(): AbortSignal {
  if (controller) return controller.signal;
  const c = new AbortController();
  controller = c;
  const onSignal = (signal: NodeJS.Signals) => {
    if (c.signal.aborted) {
      discardActiveTemporariesSync();
      process.exit(signalExitCode(signal));
    }
    process.exitCode = signalExitCode(signal);
    c.abort(new Interrupted(signal));
    setTimeout(() => {
      discardActiveTemporariesSync();
      process.exit(signalExitCode(signal));
    }, GRACE_MS).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return c.signal;
}

/** The signal that interrupted this process, if one did. */
export function interruptedBy(): NodeJS.Signals | undefined {
  const reason: unknown = controller?.signal.reason;
  return reason instanceof Interrupted ? reason.signal : undefined;
}
