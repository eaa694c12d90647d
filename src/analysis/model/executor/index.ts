/**
 * The executor's public entry: a DecoderExecutor over a model opened from disk, streaming its
 * weights layer by layer. See decoder.ts for what a run returns.
 */
import type { ModelHandle } from '../types';
import { decoderConfig } from './config';
import { DecoderExecutor, type ExecutorOptions } from './decoder';
import { fileWeightSource } from './weights';

export function executorFor(model: ModelHandle, opts: ExecutorOptions = {}): DecoderExecutor {
  return new DecoderExecutor(decoderConfig(model), fileWeightSource(model), opts);
}

export { DecoderExecutor } from './decoder';
export type { ExecutorOptions, OutputRequest, BackwardRequest, RunResult, LayerGradients } from './decoder';
export type { Objective } from './head';
export { decoderConfig, decoderConfigFromJson, type DecoderConfig } from './config';
export { memoryWeightSource, fileWeightSource, type WeightSource, type HostWeight } from './weights';
