/**
 * The kernel table of `@tessera/estimators`: every `est.*` kernel of the package in one module,
 * which a worker imports the first time it meets one of them (index.ts registers it). It imports
 * the catalog, so a worker that runs any estimator kernel knows every built-in estimator by name.
 *
 * One module rather than one per family: the package is built as a few files (scripts/build.mjs),
 * and a worker loading the whole package once costs less than resolving a module per estimator.
 */
import type { KernelDef } from '@tessera/scheduler';
import './catalog.js';
import { kernels as oocKernels } from './ooc/kernels.js';
import { kernels as functionTransformerKernels } from './preprocessing/function_transformer.js';
import { kernels as modelSelectionKernels } from './model_selection/kernels.js';
import { kernels as searchKernels } from './model_selection/adaptive/kernels.js';
import { kernels as kmeansKernels } from './cluster/kmeans_tasks.js';
import { kernels as tsqrKernels } from './decomposition/tsqr.js';
import { kernels as quantileSketchKernels } from './preprocessing/quantile_sketch.js';
import { kernels as composeKernels } from './compose/kernels.js';
import { kernels as glmKernels } from './linear_model/glm/kernels.js';

export const kernels: Readonly<Record<string, KernelDef>> = {
  ...oocKernels,
  ...functionTransformerKernels,
  ...modelSelectionKernels,
  ...searchKernels,
  ...kmeansKernels,
  ...tsqrKernels,
  ...quantileSketchKernels,
  ...composeKernels,
  ...glmKernels,
};
