/**
 * Names of the GLMs' worker kernels, as typed constants (see ooc/kernel_names.ts): graph builders
 * name `GlmKernel.lossGrad`, never a string.
 */
export const GlmKernel = {
  /** Σ s_i loss_i and its gradient over one row block, at given coefficients (one L-BFGS evaluation). */
  lossGrad: 'glm.lossGrad',
  sumLossGrad: 'glm.sumLossGrad',
  /** The same with the Hessian (the Newton solver's pass). */
  lossGradHess: 'glm.lossGradHess',
  /** The sums of the Poisson deviance score (D²) over one row block. */
  deviance: 'glm.deviance',
  sumDeviance: 'glm.sumDeviance',
  /** Weighted centered cross-products of [X | y] over one row block (LinearRegression, Ridge). */
  cross: 'glm.cross',
  mergeCross: 'glm.mergeCross',
  /** The same as a triangular factor (tall-skinny QR), for ill-conditioned X. */
  qr: 'glm.qr',
  mergeQr: 'glm.mergeQr',
} as const;

/** The name of one of the GLM kernels. */
export type GlmKernelName = (typeof GlmKernel)[keyof typeof GlmKernel];
