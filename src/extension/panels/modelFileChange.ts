/**
 * Which file-system events concern an open analysis panel (vscode-free, so it is unit-tested
 * without VS Code): a panel analysing a `.safetensors` file cares about that file only; a panel
 * analysing a model folder cares about its own weight files, its config.json and shard index (they
 * decide the role map) and its tokenizer files (prompt-running analyses tokenize with them).
 * Anything else a training run or a download writes there (logs, optimizer state, the
 * `checkpoint-N/` subfolders of a Trainer output folder, `.incomplete` partial downloads) is ignored.
 */
import * as path from 'node:path';
import { isModelFile, MODEL_FILE_GLOB } from '../../analysis/io/modelFileKinds';

/** Top-level files of a model folder whose change makes a result stale, besides the weights. */
export const MODEL_META_FILES = ['config.json', 'model.safetensors.index.json', 'tokenizer.json', 'tokenizer.model', 'tokenizer_config.json'] as const;

export interface WatchSpec {
  /** Folder the watcher is rooted at. */
  base: string;
  /** Glob relative to `base` (VS Code's RelativePattern syntax). */
  glob: string;
}

/** What to watch for one model path (a `.safetensors` file or a model folder). */
export function watchSpecFor(modelPath: string): WatchSpec {
  const p = path.resolve(modelPath);
  if (isWeightFile(p)) return { base: path.dirname(p), glob: path.basename(p) };
  return { base: p, glob: `{${MODEL_FILE_GLOB.slice(1, -1)},${MODEL_META_FILES.join(',')}}` };
}

function isWeightFile(p: string): boolean {
  return isModelFile(p);
}

/** True when a change of `changedPath` can make results computed from `modelPath` stale. */
export function concernsModel(modelPath: string, changedPath: string): boolean {
  const model = path.resolve(modelPath);
  const changed = path.resolve(changedPath);
  if (isWeightFile(model)) return changed === model;
  const rel = path.relative(model, changed);
  // Only files directly in the folder: openModel reads shards from the folder itself.
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel) || rel.includes(path.sep)) return false;
  return isWeightFile(rel) || (MODEL_META_FILES as readonly string[]).includes(rel);
}

/** The first of `modelPaths` (a panel may analyse two models, e.g. a diff) that a change concerns. */
export function changedModel(modelPaths: readonly string[], changedPath: string): string | undefined {
  return modelPaths.find((m) => concernsModel(m, changedPath));
}

/** The banner text of a panel whose model changed. */
export function filesChangedMessage(modelPath: string, changedPath: string): string {
  const rel = path.relative(path.resolve(modelPath), path.resolve(changedPath));
  const which = rel === '' ? path.basename(changedPath) : rel;
  return `The model's files changed on disk (${which}); the results shown are from the old contents`;
}
