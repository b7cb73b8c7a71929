/** Graphs for the diagnostics tests, on the kernels of fixtures/kernels.mjs. */
import { Graph, ref, type UserKernel } from '@tessera/scheduler';

const MODULE = new URL('./fixtures/kernels.mjs', import.meta.url);
export const k = (name: 'load' | 'scale' | 'link' | 'fail'): UserKernel => ({ module: MODULE, export: name });

/**
 * A miniature of the reference workflow: `blocks` block reads and scalings that can run in
 * parallel, a chain of links through them (one after another), then `fanout` cheap tasks and a
 * sum — so a timeline shows parallel work, a chain, and tasks too small to draw.
 */
export function pipelineGraph(blocks = 8, fanout = 200, ms = 2, blockLength = 4096): { graph: Graph; keys: string[]; tasks: number } {
  const g = new Graph();
  for (let i = 0; i < blocks; i++) {
    g.add(`load-${i}`, k('load'), [ms, blockLength, i]);
    g.add(`scale-${i}`, k('scale'), [ms / 2, ref(`load-${i}`)]);
    g.add(`link-${i}`, k('link'), [ms, i ? ref(`link-${i - 1}`) : 0, ref(`scale-${i}`)]);
  }
  const last = ref(`link-${blocks - 1}`);
  for (let i = 0; i < fanout; i++) g.add(`add-${i}`, 'math.add', [i, last]);
  g.add('total', 'math.sum', [[last, ...Array.from({ length: fanout }, (_, i) => ref(`add-${i}`))]]);
  return { graph: g, keys: ['total'], tasks: 3 * blocks + fanout + 1 };
}
