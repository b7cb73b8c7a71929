// The kernel gc_probe.mjs runs on each worker: retiring a pooled buffer asks for a full collection.
import { createBufferPool } from '@tessera/scheduler';

const pool = createBufferPool({ name: 'gc-probe', isPooled: () => false });

export async function gcState() {
  let collected = false;
  const registry = new FinalizationRegistry(() => {
    collected = true;
  });
  (() => registry.register({ payload: new Array(1000).fill(0) }, 0))();
  pool.retired(1);
  for (let i = 0; i < 50 && !collected; i++) await new Promise((r) => setTimeout(r, 5));
  return { collected };
}
