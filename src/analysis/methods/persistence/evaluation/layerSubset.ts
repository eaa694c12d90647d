/**
 * Running a model with some decoder layers removed, without writing a pruned copy: a DecoderConfig
 * of the kept layers (layer k of the subset is original layer kept[k]) and a weight source that
 * reads that layer's tensors under its original name. The result is the model a pruned folder
 * (prune.ts) would load as: each kept layer keeps its own attention window (gpt-oss `layer_types`)
 * and its own dense or mixture-of-experts MLP, and the layers after a removed one see the residual
 * stream of the layer before it, exactly as when the removed layers' entries are dropped from
 * `model.layers` (short-transformers' `remove_layers`, PruneMe's mergekit slices).
 */
import type { ModelHandle } from '../../../model/types';
import { decoderConfig, DecoderExecutor, fileWeightSource, type DecoderConfig, type ExecutorOptions, type WeightSource } from '../../../model/executor/index';

/** The kept layers, ascending, given the layers removed from an L-layer model; refuses an impossible removal. */
export function keptLayers(numLayers: number, removed: readonly number[]): number[] {
  for (const l of removed) {
    if (!Number.isInteger(l) || l < 0 || l >= numLayers) throw new Error(`layer ${l} does not exist: the model has layers 0..${numLayers - 1}`);
  }
  const gone = new Set(removed);
  if (gone.size >= numLayers) throw new Error(`removing ${gone.size} of ${numLayers} layers leaves no decoder layer to run`);
  return Array.from({ length: numLayers }, (_, l) => l).filter((l) => !gone.has(l));
}

/** The configuration of the model made of the layers `kept` (ascending original indices). */
export function keptLayersConfig(cfg: DecoderConfig, kept: readonly number[]): DecoderConfig {
  if (kept.length === 0) throw new Error('at least one decoder layer must be kept');
  kept.forEach((l, k) => {
    if (!Number.isInteger(l) || l < 0 || l >= cfg.numLayers || (k > 0 && l <= kept[k - 1]))
      throw new Error(`kept layers must be ascending indices in 0..${cfg.numLayers - 1}, got ${kept.join(', ')}`);
  });
  const slidingLayers = cfg.slidingLayers;
  const moe = cfg.moe;
  return {
    ...cfg,
    numLayers: kept.length,
    slidingLayers: slidingLayers ? kept.map((l) => slidingLayers[l]) : null,
    moe: moe ? { ...moe, moeLayers: kept.map((l) => moe.moeLayers[l]) } : null,
    names: { ...cfg.names, layer: (k: number) => cfg.names.layer(kept[k]) },
  };
}

/** A weight source whose mixture-of-experts reads of subset layer k go to original layer kept[k] (tensor names are mapped by the config). */
export function keptLayersSource(source: WeightSource, kept: readonly number[]): WeightSource {
  const moeMatrix = source.moeMatrix;
  return {
    has: (name) => source.has(name),
    shape: (name) => source.shape(name),
    read: (name) => source.read(name),
    readRows: (name, r0, r1) => source.readRows(name, r0, r1),
    moeMatrix: moeMatrix ? (layer, which) => moeMatrix.call(source, kept[layer], which) : undefined,
  };
}

/** An executor of `model` without the layers `removed`; no file is written. */
export function executorWithout(model: ModelHandle, removed: readonly number[], opts: ExecutorOptions = {}): DecoderExecutor {
  const cfg = decoderConfig(model);
  const kept = keptLayers(cfg.numLayers, removed);
  return new DecoderExecutor(keptLayersConfig(cfg, kept), keptLayersSource(fileWeightSource(model), kept), opts);
}
