/**
 * Layer Lens as a library: what the CLI and the worker use, for scripts and notebooks that want
 * the same analyses without VS Code. Every export here is pure Node (no `vscode`). Methods add
 * their entry points below, one line each.
 */
export * from './jobs';
export * from './linalg/matrix';
export type * from './model/types';
export { MATRIX_ROLES } from './model/types';
export { openModel } from './model/openModel';
export { readRoleMatrix, readTensorF32, headSlice, matrixRef, readMatrix, readMatrixKind } from './model/readRole';
export { summarize, tensorStats } from './model/summary';
export type { ModelSummary, TensorStats } from './model/summary';
export { modelOverview } from './model/overview';
export type { ModelOverview, TensorGroup, TensorRow, CountRow } from './model/overview';
export { getEngine } from './engine/engine';
export type { Engine, EngineOptions } from './engine/engine';
export { describeEngine } from './engine/info';
export type { EngineInfo } from './engine/info';
export { eigh } from './linalg/eigh';
export { singularValues, svd } from './linalg/svd';
export { pinv } from './linalg/pinv';
export type { WorkerRequests, WorkerMethod, ParamsOf, ResultOf, WorkerErrorData } from '../protocol/worker';
export { runSpectra } from './methods/spectra/spectra';
export type { SpectraOptions, SpectraResult, MatrixSpectra, HeadSpectrum } from './methods/spectra/spectra';
export { analyzeSpectrum } from './methods/spectra/spectrum';
export type { Spectrum, SpectralMetrics, VectorRandomness, MarchenkoPasturFit } from './methods/spectra/spectrum';
export { kstest, kolmogorovLimitSf } from './stats/ks';
export { kolmogorovN } from './stats/kolmogorovN';
export { marchenkoPastur, mpDensity, mpCdf } from './stats/marchenkoPastur';
export { fitPowerLaw, fitPowerLawWW, fitPowerLawAt } from './stats/powerLaw';
export { wwMpFit } from './stats/weightWatcher';
export { jensenShannonDistance } from './stats/jensenShannon';
export { executorFor, DecoderExecutor, decoderConfig, memoryWeightSource, fileWeightSource } from './model/executor/index';
export type {
  ExecutorOptions,
  OutputRequest,
  BackwardRequest,
  RunResult,
  LayerGradients,
  Objective,
  DecoderConfig,
  WeightSource,
} from './model/executor/index';
export { forwardReport } from './model/executor/forwardReport';
export type { ForwardParams, ForwardReport } from './model/executor/forwardReport';
export { loadTokenizer, parseTokenIds } from './model/tokenizer';
export type { PromptTokenizer } from './model/tokenizer';
export { builtinPrompts, BUILTIN_DOMAINS } from './prompts/index';
export { loadPromptFile } from './prompts/loadPromptFile';
export { activationAnalysis } from './methods/activation/activation';
export type { ActivationResult, ActivationOptions, TokenizedPrompt, Threshold } from './methods/activation/activation';
export { runActivationJob } from './methods/activation/job';
export type { ActivationJobParams, ActivationJobResult, PromptSource } from './methods/activation/job';
export { zigzagBarcode, barLayers } from './tda/zigzag';
export type { ZigzagBar, ZigzagResult } from './tda/zigzag';
export { filtrationBarcode } from './tda/filtration';
export { cliqueComplex, graphFromEdges } from './tda/cliques';
export { knnGraph } from './tda/knn';
export { persistenceAnalysis } from './methods/persistence/persistence';
export type { PersistenceOptions, PersistenceResult } from './methods/persistence/persistence';
export { runPersistenceJob, runPruneJob } from './methods/persistence/job';
export type { PersistenceJobParams, PersistenceJobResult, PruneJobParams, PruneJobResult } from './methods/persistence/job';
export { writePrunedModel } from './methods/persistence/prune';
export { perplexity } from './methods/persistence/perplexity';
export { runCorrelations } from './methods/correlations/correlations';
export type { CorrelationsOptions, CorrelationsResult, LayerCorrelations } from './methods/correlations/correlations';
export { headValues } from './methods/correlations/values';
export { expertSimilarity } from './methods/experts/experts';
export type { ExpertPair, ExpertsResult } from './methods/experts/experts';
export { docsChanceLevel } from './methods/similarity/chanceLevel';
export { quantScheme } from './model/quantScheme';
export type { QuantScheme } from './model/quantScheme';
export type { QuantizedStorage } from './model/types';
export { openGgufModel } from './model/gguf/openGguf';
export { readGgufHeader, parseGgufHeader, GgufError } from './io/gguf/ggufHeader';
export type { GgufHeader } from './io/gguf/ggufHeader';
export { runAdapter } from './methods/adapter/adapter';
export type { AdapterModule, AdapterResult } from './methods/adapter/adapter';
export { openModelWithAdapter, mergeAdapter } from './model/adapter/merged';
export { runTimeline } from './methods/timeline/timeline';
export type { TimelineOptions } from './methods/timeline/timeline';
export type { TimelineResult } from './methods/timeline/names';
export { discoverCheckpoints } from './methods/timeline/discover';
export type { CheckpointInfo } from './methods/timeline/discover';
export { snapshotCheckpoint, CompletenessTracker } from './methods/timeline/completeness';
