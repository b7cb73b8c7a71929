/**
 * The prepared-block memory pool across threads: a memory another thread pooled and released is
 * taken for the next block, not made anew (an 89 MB memory each time it went wrong) — whether this
 * thread opened the pool after that memory was announced (its maker answering, or busy), or has not
 * turned its event loop since.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { SGDClassifier } from '../src/index.js';

const WORKER = new URL('./fixtures/pool_worker.mjs', import.meta.url);
/** Rows of 2 features: enough values for a WebAssembly memory (prepared blocks recycle them). */
const N = 20_000;

function start(role: string, flag: Int32Array): Worker {
  return new Worker(WORKER, { workerData: { role, flag, n: N } });
}

function answer(w: Worker): Promise<number> {
  return new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
}

async function waitFor(flag: Int32Array, index: number): Promise<void> {
  for (let i = 0; i < 1000 && Atomics.load(flag, index) === 0; i++) await new Promise((r) => setTimeout(r, 10));
  expect(Atomics.load(flag, index)).toBe(1);
}

describe('the prepared-block memory pool across threads', () => {
  it('a thread that opens the pool after another pooled a memory learns of it, and takes it once it is released', async () => {
    const flag = new Int32Array(new SharedArrayBuffer(16));
    const maker = start('maker', flag);
    try {
      await waitFor(flag, 0);
      const late = start('taker-late', flag);
      try {
        expect(await answer(late)).toBe(Atomics.load(flag, 1));
      } finally {
        await late.terminate();
      }
    } finally {
      maker.postMessage('exit');
      await maker.terminate();
    }
  });

  it('a thread busy since another pooled and released a memory (its event loop not turned) takes that memory', async () => {
    const flag = new Int32Array(new SharedArrayBuffer(16));
    const taker = start('taker-blocked', flag);
    const taken = answer(taker);
    await waitFor(flag, 3);
    const maker = start('maker', flag);
    try {
      expect(await taken).toBe((await waitFor(flag, 0), Atomics.load(flag, 1)));
    } finally {
      maker.postMessage('exit');
      await Promise.all([maker.terminate(), taker.terminate()]);
    }
  });

  it('a memory released while its maker is busy (answering no one) reaches a thread that opened the pool after it was made', async () => {
    const flag = new Int32Array(new SharedArrayBuffer(16));
    const maker = start('busy-maker', flag);
    const hint = await answer(maker);
    const taker = start('taker-blocked', flag);
    try {
      const taken = answer(taker);
      await waitFor(flag, 3); // the taker opened the pool (its hello goes unanswered)
      new SGDClassifier().releaseBlock(hint as never); // released here, on a third thread
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
      expect(await taken).toBe(Atomics.load(flag, 1));
    } finally {
      Atomics.store(flag, 2, 1);
      Atomics.notify(flag, 2);
      await Promise.all([maker.terminate(), taker.terminate()]);
    }
  });
});
