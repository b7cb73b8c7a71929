/**
 * A worker thread's jobs (thread.ts, run here in-process): results go to the store as frames, and
 * a later job of the same thread takes a result it kept instead of reading it back — once; other
 * readers read the store, and a result a task of its own batch consumed is never kept.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, expect, test } from 'vitest';
import type { BatchRequest, BatchResponse } from '@tessera/scheduler';
import { BlockMissingError, DirectoryStore } from '../src/index.js';
import { decode, encode, type BlockRef } from '../src/codec.js';
import runJob, { type ThreadJob } from '../src/thread.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-thread-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const store = new DirectoryStore(dir);

const MODULE =
  'data:text/javascript,export function make(n){return new Float64Array(n).fill(2)}' +
  'export function sum(a){let s=0;for(let i=0;i<a.length;i++)s+=a[i];a[0]=-1;return s}';
const make = (n: number) => ({ m: 0, k: 'make', v: 1 as const, a: [n], r: [] });
const sum = (slot: number) => ({ m: 0, k: 'sum', v: 1 as const, a: [{ __tref: 0 }], r: [slot] });

/** A job of the test worker 'w-test' running `req`, its results under `prefix`. */
function jobOf(req: BatchRequest, prefix: string, more: Partial<ThreadJob> = {}): ThreadJob {
  return {
    store: store.url,
    request: encode(req),
    resultPrefix: prefix,
    inlineLimit: 1024,
    keepBytes: 64 << 20,
    worker: 'w-test',
    ...more,
  };
}

async function run(req: BatchRequest, prefix: string): Promise<BatchResponse> {
  return decode<BatchResponse>((await runJob(jobOf(req, prefix))).payload);
}

test('a result kept by its thread is taken once by a later job there; the store serves the others', async () => {
  const made = await run({ modules: [MODULE], tasks: [make(100_000)], inputs: [], returns: [0] }, 'runs/t/job-1');
  const ref = made.results[0] as BlockRef;
  expect(ref.__tesseraBlock).toBe('runs/t/job-1-0');
  // It names its producer, for the coordinator's routing.
  expect(ref.w).toBe('w-test');
  // What is in the store is the result, as a frame.
  expect((await store.get(ref.__tesseraBlock)).byteLength).toBeGreaterThan(800_000);
  // With the file gone, a job of this thread still has the block: it takes the kept one.
  await store.delete(ref.__tesseraBlock);
  const first = await run({ modules: [MODULE], tasks: [sum(0)], inputs: [ref], returns: [0] }, 'runs/t/job-2');
  expect(first.results[0]).toBe(200_000);
  // Taken once (the first consumer owns it, and wrote into it): the next reader goes to the store.
  await expect(run({ modules: [MODULE], tasks: [sum(0)], inputs: [ref], returns: [0] }, 'runs/t/job-3')).rejects.toThrow(BlockMissingError);
});

test('a result one later batch reads is kept unwritten (no store write), marked so, and taken by its reader, which says so', async () => {
  const job = (req: BatchRequest, prefix: string, single?: number[]): ThreadJob =>
    jobOf(req, prefix, { unwrittenMin: 64 * 1024, threads: 1, ...(single ? { single } : {}) });
  const made = await runJob(job({ modules: [MODULE], tasks: [make(100_000)], inputs: [], returns: [0] }, 'runs/t/job-u1', [0]));
  expect(made.unwritten).toEqual(['runs/t/job-u1-0']);
  expect(made.keys).toEqual([]);
  const ref = decode<BatchResponse>(made.payload).results[0] as BlockRef;
  expect(ref).toMatchObject({ __tesseraBlock: 'runs/t/job-u1-0', u: 1, w: 'w-test' });
  await expect(store.get(ref.__tesseraBlock)).rejects.toThrow(BlockMissingError);
  const read = await runJob(job({ modules: [MODULE], tasks: [sum(0)], inputs: [ref], returns: [0] }, 'runs/t/job-u2'));
  expect(decode<BatchResponse>(read.payload).results[0]).toBe(200_000);
  expect(read.took).toEqual(['runs/t/job-u1-0']);
  // Below the threshold, or read by more than one batch (not in `single`), results are written as before.
  const small = await runJob(job({ modules: [MODULE], tasks: [make(1000)], inputs: [], returns: [0] }, 'runs/t/job-u3', [0]));
  const shared = await runJob(job({ modules: [MODULE], tasks: [make(100_000)], inputs: [], returns: [0] }, 'runs/t/job-u4'));
  expect([small.unwritten, shared.unwritten]).toEqual([[], []]);
  expect([small.keys, shared.keys]).toEqual([['runs/t/job-u3-0'], ['runs/t/job-u4-0']]);
});

test('a second consumer reads the bytes the producer wrote, not the first consumer’s changes', async () => {
  const made = await run({ modules: [MODULE], tasks: [make(100_000)], inputs: [], returns: [0] }, 'runs/t/job-4');
  const ref = made.results[0] as BlockRef;
  const a = await run({ modules: [MODULE], tasks: [sum(0)], inputs: [ref], returns: [0] }, 'runs/t/job-5');
  const b = await run({ modules: [MODULE], tasks: [sum(0)], inputs: [ref], returns: [0] }, 'runs/t/job-6');
  expect([a.results[0], b.results[0]]).toEqual([200_000, 200_000]);
});

test('a result a task of its own batch consumed too is not kept (it may have been changed)', async () => {
  // make → sum in one batch, make's result also returned: sum wrote into it.
  const made = await run({ modules: [MODULE], tasks: [make(100_000), sum(-1)], inputs: [], returns: [0, 1] }, 'runs/t/job-7');
  expect(made.results[1]).toBe(200_000);
  const ref = made.results[0] as BlockRef;
  await store.delete(ref.__tesseraBlock);
  await expect(run({ modules: [MODULE], tasks: [sum(0)], inputs: [ref], returns: [0] }, 'runs/t/job-8')).rejects.toThrow(BlockMissingError);
});

/** A worker thread running thread.ts's jobs, as a `tessera worker`'s pool does (the built module, loaded at start as piscina does). */
async function jobThread(): Promise<{ run(job: ThreadJob): Promise<BatchResponse>; close(): Promise<number> }> {
  const url = new URL('../dist/thread.js', import.meta.url).href;
  const w = new Worker(
    `const { parentPort } = require('node:worker_threads');
     import(${JSON.stringify(url)}).then((mod) => {
       parentPort.on('message', async (job) => {
         try { parentPort.postMessage({ ok: (await mod.default(job)).payload }); }
         catch (e) { parentPort.postMessage({ error: e.name + ': ' + e.message }); }
       });
       parentPort.postMessage({ ready: true });
     });`,
    { eval: true, workerData: { keepBytes: 64 << 20 } },
  );
  await new Promise((resolve) => w.once('message', resolve));
  // Answers come in the order of the jobs.
  const waiting: { resolve: (r: BatchResponse) => void; reject: (e: Error) => void }[] = [];
  w.on('message', (m: { ok?: Uint8Array; error?: string }) => {
    const p = waiting.shift()!;
    if (m.error !== undefined) p.reject(new Error(m.error));
    else p.resolve(decode<BatchResponse>(m.ok!));
  });
  return {
    run: (job) =>
      new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        w.postMessage(job);
      }),
    close: () => w.terminate(),
  };
}

const SHARED =
  'data:text/javascript,export function make(n){const memory=new WebAssembly.Memory({initial:2,maximum:2,shared:true});' +
  'const X=new Float64Array(memory.buffer,64,n).fill(2);return {X,memory}}' +
  'export function plain(n){return {X:new Float64Array(n).fill(2)}}' +
  'export function wait(ms){Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0,ms);return 0}' +
  'export function sum(a){if(a.memory&&a.X.buffer!==a.memory.buffer)return -1;let s=0;for(let i=0;i<a.X.length;i++)s+=a.X[i];return s}';
const job = (tasks: BatchRequest['tasks'], inputs: unknown[], prefix: string): ThreadJob => ({
  store: store.url,
  request: encode({ modules: [SHARED], tasks, inputs, returns: [0] } satisfies BatchRequest),
  resultPrefix: prefix,
  inlineLimit: 1024,
  keepBytes: 64 << 20,
  worker: 'w-test',
});

test('a result in shared memory is offered to the other threads of the process: one of them takes it (aliasing kept), once', async () => {
  const [a, b] = await Promise.all([jobThread(), jobThread()]);
  try {
    // Thread b is busy while a makes the block; the job that needs it is queued before b is free,
    // so it may reach b before a's post does (b takes the posts in first).
    const busy = b.run(job([{ m: 0, k: 'wait', v: 1, a: [300], r: [] }], [], 'runs/x/job-0'));
    const made = await a.run(job([{ m: 0, k: 'make', v: 1, a: [10_000], r: [] }], [], 'runs/x/job-1'));
    const ref = made.results[0] as BlockRef;
    await store.delete(ref.__tesseraBlock);
    const taken = await b.run(job([sum(0)], [ref], 'runs/x/job-2'));
    await busy;
    expect(taken.results[0]).toBe(20_000); // views into the memory, as made
    // Thread a kept it too, but b claimed it: a reads the store, where it is gone.
    await expect(a.run(job([sum(0)], [ref], 'runs/x/job-3'))).rejects.toThrow(/BlockMissingError/);
    // A result with large non-shared arrays is not offered (a clone would copy it): b reads the store.
    const plain = await a.run(job([{ m: 0, k: 'plain', v: 1, a: [100_000], r: [] }], [], 'runs/x/job-4'));
    await store.delete((plain.results[0] as BlockRef).__tesseraBlock);
    await new Promise((r) => setTimeout(r, 100));
    await expect(b.run(job([sum(0)], [plain.results[0]], 'runs/x/job-5'))).rejects.toThrow(/BlockMissingError/);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});
