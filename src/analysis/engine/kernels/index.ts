/** Kernels: each a graph (or, for O(n) work, plain float64 JS) blocked under the engine's memory budget. */
export { matmul, productShape, type MatmulOptions } from './matmul';
export { columnNormalize, inverseColumnNorms } from './columnNormalize';
export { maxAbsCosine, planBlocks, type MaxAbsCosineOptions, type MaxAbsCosineResult } from './maxAbsCosine';
export { pearson } from './pearson';
export { gram, type GramSide } from './gram';
export { traceProducts, type TraceProducts, type TraceProductOptions } from './traceProducts';
