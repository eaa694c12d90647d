/** The compute engine: provider choice, graph building, cached sessions, kernels and autodiff. */
export { getEngine, DEFAULT_MEMORY_BUDGET_MB, type Engine, type EngineOptions, type Feeds, type Fetches } from './engine';
export { describeEngine, type EngineInfo, type ProviderAttempt } from './info';
export { DEFAULT_PROVIDER_ORDER, DEFAULT_CPU_MEM_ARENA } from './providers';
export { GraphBuilder, float, floats, onnxType, type DType, type Dim, type AttrValue } from './graph';
export { weightInput, weightTensor, opsetFor, type WeightData, type WeightDType } from './session';
export * from './kernels';
export { Tape, type Value as TapeValue, type Operand } from './autodiff';
