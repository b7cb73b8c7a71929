/**
 * Built-in kernels, registered under `math.*` and `core.*`. Workers import this module the first
 * time a task names one of them. Small arithmetic for hand-built graphs, demos and tests.
 */
import type { KernelDef } from './kernels.js';

function sum(...values: unknown[]): number {
  let total = 0;
  for (const v of values) {
    if (Array.isArray(v)) for (const x of v) total += x as number;
    else total += v as number;
  }
  return total;
}

export const kernels = {
  'math.add': { fn: (a: number, b: number) => a + b, cheap: true },
  'math.sub': { fn: (a: number, b: number) => a - b, cheap: true },
  'math.mul': { fn: (a: number, b: number) => a * b, cheap: true },
  'math.div': { fn: (a: number, b: number) => a / b, cheap: true },
  'math.neg': { fn: (a: number) => -a, cheap: true },
  'math.inc': { fn: (a: number) => a + 1, cheap: true },
  /** Sum of numbers and arrays of numbers, flattened one level. */
  'math.sum': { fn: sum, cheap: true },
  /** Returns its argument (a placeholder task, or a way to name a literal). */
  'core.identity': { fn: <T>(x: T) => x, cheap: true },
  /** Collects its arguments into an array. */
  'core.list': { fn: (...xs: unknown[]) => xs, cheap: true },
  /** `obj[key]`, for picking one part out of a composite result. */
  'core.getitem': { fn: (obj: Record<string | number, unknown>, key: string | number) => obj[key], cheap: true },
} satisfies Record<string, KernelDef>;
