/**
 * Opens a `.safetensors` file or a model folder. Only headers and config.json are read (a few KB
 * to a few MB whatever the model size), so an 8B sharded checkpoint opens in milliseconds; tensor
 * values are read later, on demand, by readRole.ts and summary.ts.
 *
 * One shard of a sharded checkpoint opens the whole model through its folder's index (io/shardOf.ts),
 * so an analysis started from a shard never runs on part of the model. Inside a Hugging Face cache
 * snapshot every file read must resolve inside that repository's cache folder (hfCache.ts).
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { LfsPointerError } from '../io/lfsPointer';
import { readSafetensorsHeader, type SafetensorsHeader } from '../io/safetensors';
import { ModelFileError } from '../io/modelFileError';
import { readJsonFile } from '../io/readBytes';
import { INDEX_FILE, readShardIndex } from '../io/shardIndex';
import { parseShardName, wholeModelOfShard } from '../io/shardOf';
import { mapArchitecture } from './architectures/index';
import { openGgufModel } from './gguf/openGguf';
import { guardCachePaths } from './hfCache';
import { applyQuantizedStorage } from './quantized/index';
import type { ModelHandle, TensorEntry } from './types';
import { singleGgufSplitSet } from '../io/gguf/ggufSplitName';

const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** config.json of `folder` as an object, null when absent; a damaged one is an error, not silence. */
async function readConfig(folder: string): Promise<Record<string, unknown> | null> {
  const p = join(folder, 'config.json');
  let s;
  try {
    s = await stat(p);
  } catch {
    return null;
  }
  if (!s.isFile()) return null;
  const value = await readJsonFile(p, `config.json in ${folder}`, MAX_CONFIG_BYTES);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ModelFileError(`config.json in ${folder} must be a JSON object`, p);
  return value as Record<string, unknown>;
}

/** The weight files of a folder and, when sharded, which tensor the index puts in which shard. */
async function folderWeights(folder: string): Promise<{ files: string[]; weightMap?: Map<string, string> }> {
  if (await exists(join(folder, INDEX_FILE))) {
    const index = await readShardIndex(folder);
    return { files: index.shards, weightMap: index.weightMap };
  }
  const single = join(folder, 'model.safetensors');
  if (await exists(single)) return { files: [single] };
  const all = (await readdir(folder)).filter((n) => n.endsWith('.safetensors')).sort();
  const ggufs = (await readdir(folder)).filter((n) => /\.gguf$/i.test(n) && !n.startsWith('mmproj')).sort();
  if (all.length === 0 && ggufs.length === 1) return { files: [join(folder, ggufs[0])] };
  // The parts of one gguf-split model (`…-00001-of-00003.gguf`): any part opens them all (and names a missing one).
  if (all.length === 0 && singleGgufSplitSet(ggufs)) return { files: [join(folder, ggufs[0])] };
  if (all.length === 0 && ggufs.length > 1)
    throw new ModelFileError(
      `${folder} holds ${ggufs.length} GGUF files (${ggufs.slice(0, 3).join(', ')}${ggufs.length > 3 ? ', …' : ''}): each is a whole model, so open one of them`,
    );
  if (all.length === 0) {
    const others = (await readdir(folder)).filter((n) => /\.(bin|pt|pth|ckpt|gguf)$/.test(n));
    const hint = others.length ? ` It holds ${others.slice(0, 3).join(', ')}: Layer Lens reads safetensors and GGUF; convert the checkpoint first.` : '';
    throw new ModelFileError(`${folder} has no .safetensors weights.${hint}`);
  }
  return { files: all.map((n) => join(folder, n)) };
}

function collectTensors(headers: SafetensorsHeader[], weightMap?: Map<string, string>): Map<string, TensorEntry> {
  const tensors = new Map<string, TensorEntry>();
  for (const h of headers) {
    for (const t of h.tensors) {
      const seen = tensors.get(t.name);
      if (seen)
        throw new ModelFileError(`tensor '${t.name}' is stored twice, in ${basename(seen.file)} and ${basename(t.file)}; the folder mixes two checkpoints`);
      tensors.set(t.name, t);
    }
  }
  if (weightMap) {
    for (const [name, shard] of weightMap) {
      const t = tensors.get(name);
      if (!t || t.file !== shard) {
        throw new ModelFileError(
          `${INDEX_FILE} puts tensor '${name}' in ${basename(shard)}, but ${t ? `it is in ${basename(t.file)}` : 'no shard holds it'}; the index does not match the shards`,
        );
      }
    }
  }
  return tensors;
}

/** Small files read beside the weights (here or by the tokenizer), checked like the weights in a cache snapshot. */
const SIDE_FILES = ['config.json', INDEX_FILE, 'tokenizer.json', 'tokenizer_config.json', 'tokenizer.model'];

/**
 * Every header, read in parallel. When several shards fail because they are Git LFS pointers, one
 * message says how many, instead of naming whichever failed first.
 */
async function readHeaders(files: string[]): Promise<SafetensorsHeader[]> {
  const settled = await Promise.allSettled(files.map((f) => readSafetensorsHeader(f)));
  const failed = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failed.length === 0) return settled.map((r) => (r as PromiseFulfilledResult<SafetensorsHeader>).value);
  const pointers = failed.filter((e): e is LfsPointerError => e instanceof LfsPointerError);
  if (pointers.length > 1) {
    const named = pointers.slice(0, 2).map((e) => basename(e.file ?? ''));
    if (pointers.length > 2) named.push('…');
    throw new ModelFileError(
      `${pointers.length} of the ${files.length} weight files (${named.join(', ')}) are Git LFS pointers, not the weights: run \`git lfs pull\` in the model's repository to download them`,
      pointers[0].file,
    );
  }
  throw failed[0];
}

export async function openModel(path: string): Promise<ModelHandle> {
  const full = resolve(path);
  let s;
  try {
    s = await stat(full);
  } catch {
    throw new ModelFileError(`No such file or folder: ${path}`);
  }
  const opened: 'file' | 'folder' = s.isDirectory() ? 'folder' : 'file';
  const folder = opened === 'folder' ? full : dirname(full);
  const shardIndexName = opened === 'file' ? parseShardName(basename(full))?.indexName : undefined;
  const sideFiles = [...SIDE_FILES, ...(shardIndexName ? [shardIndexName] : [])].map((n) => join(folder, n));
  await guardCachePaths(folder, [...(opened === 'file' ? [full] : []), ...sideFiles]);
  if (opened === 'file' && /\.gguf$/i.test(full)) return openGgufModel(full);
  let kind = opened;
  let modelPath = full;
  let files: string[];
  let weightMap: Map<string, string> | undefined;
  const openNotes: string[] = [];
  if (opened === 'folder') {
    ({ files, weightMap } = await folderWeights(full));
  } else {
    const shard = await wholeModelOfShard(full);
    files = shard.files;
    weightMap = shard.weightMap;
    if (shard.note) openNotes.push(shard.note);
    if (shard.wholeFolder) {
      // The folder's own index: the same model as opening the folder, with the same cache identity.
      kind = 'folder';
      modelPath = folder;
    }
  }
  await guardCachePaths(folder, files);
  if (files.length === 1 && /\.gguf$/i.test(files[0])) return openGgufModel(files[0]);
  // A file opened from inside a model folder still gets that folder's architecture map.
  const stored = await readConfig(folder);
  const headers = await readHeaders(files);
  const tensors = collectTensors(headers, weightMap);
  if (tensors.size === 0) throw new ModelFileError(`${basename(full)} holds no tensors`);
  const { notes: quantNotes, config } = await applyQuantizedStorage(folder, stored, tensors);
  const mapped = mapArchitecture({ config, tensors });
  return {
    path: modelPath,
    kind,
    files,
    config,
    architecture: mapped.architecture,
    architectureLabel: mapped.architectureLabel,
    hiddenSize: mapped.hiddenSize,
    intermediateSize: mapped.intermediateSize,
    vocabSize: mapped.vocabSize,
    attention: mapped.attention,
    tensors,
    layers: mapped.layers,
    otherRoles: mapped.otherRoles,
    metadata: mergedMetadata(headers),
    notes: [...openNotes, ...quantNotes, ...mapped.notes],
  };
}

/**
 * `__metadata__` of every file, the first file's value winning where two disagree. A tied weight's
 * alias (`{"model.embed_tokens.weight": "lm_head.weight"}`, recorded by safetensors' `save_model` and
 * huggingface_hub's `_clean_state_dict_for_safetensors` for each name they drop) is in the header of
 * whichever save dropped it, which need not be the first shard's.
 */
function mergedMetadata(headers: SafetensorsHeader[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of headers) for (const [k, v] of Object.entries(h.metadata)) if (!Object.hasOwn(out, k)) out[k] = v;
  return out;
}
