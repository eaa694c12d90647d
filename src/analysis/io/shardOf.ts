/**
 * Which model a single `.safetensors` file belongs to. A shard of a sharded checkpoint
 * (`model-00002-of-00004.safetensors`) opened on its own would show a fraction of the model and
 * let analyses run on it silently, so the folder's index is consulted and, when it lists the file,
 * every shard it names is opened. Names follow huggingface_hub: `split_state_dict_into_shards_factory`
 * (serialization/_base.py) formats `filename_pattern` (constants.py
 * `SAFETENSORS_WEIGHTS_FILE_PATTERN = "model{suffix}.safetensors"`) with
 * `suffix = f"-{idx+1:05d}-of-{nb_shards:05d}"`, and the index is `<prefix>.safetensors.index.json`
 * (`SAFETENSORS_INDEX_FILE`); six-digit counts occur too (DeepSeek-V3's `model-00001-of-000163`),
 * which huggingface.js's `RE_SAFETENSORS_SHARD_FILE` (parse-safetensors-metadata.ts) also accepts.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { INDEX_FILE, readShardIndex } from './shardIndex';

/** `<prefix>[-_]<shard>-of-<total>.safetensors`, as huggingface.js RE_SAFETENSORS_SHARD_FILE. */
const SHARD_NAME = /^(?<prefix>.*?)[_-](?<shard>\d{5,6})-of-(?<total>\d{5,6})\.safetensors$/;

export interface ShardName {
  /** `model` of `model-00002-of-00004.safetensors`. */
  prefix: string;
  shard: number;
  total: number;
  /** The index such a shard is listed in: `<prefix>.safetensors.index.json`. */
  indexName: string;
}

export function parseShardName(name: string): ShardName | null {
  const m = SHARD_NAME.exec(name);
  if (!m?.groups) return null;
  const { prefix, shard, total } = m.groups;
  return { prefix, shard: Number(shard), total: Number(total), indexName: `${prefix}.safetensors.index.json` };
}

export interface ShardOpen {
  /** The files to read: every shard of the index that lists the file, or the file alone. */
  files: string[];
  weightMap?: Map<string, string>;
  /** True when the index is the folder's own `model.safetensors.index.json`: the same model as opening the folder. */
  wholeFolder: boolean;
  /** The index read, when one was. */
  indexFile?: string;
  /** What the user should know about how the file was opened. */
  note?: string;
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/** The model `file` is part of (see the top comment); a file no index lists opens alone. */
export async function wholeModelOfShard(file: string): Promise<ShardOpen> {
  const folder = dirname(file);
  const name = basename(file);
  const parsed = parseShardName(name);
  const candidates = [...new Set([...(parsed ? [parsed.indexName] : []), INDEX_FILE])];
  for (const indexName of candidates) {
    const indexFile = join(folder, indexName);
    if (!(await isFile(indexFile))) continue;
    // For a shard, a damaged index is reported as it would be for the folder: opening part of the
    // model instead would be the silent half-model this module exists to prevent. A file not named
    // like a shard (`consolidated.safetensors` beside the shards) is its own model either way.
    let index;
    try {
      index = await readShardIndex(folder, indexName);
    } catch (e) {
      if (parsed) throw e;
      return { files: [file], wholeFolder: false, note: `${indexName} in this folder could not be read (${(e as Error).message}); ${name} is shown alone.` };
    }
    const position = index.shards.indexOf(file);
    if (position < 0) {
      // model.safetensors.index.json of another checkpoint in the same folder (e.g. consolidated.safetensors beside HF shards).
      if (parsed) continue;
      return { files: [file], wholeFolder: false };
    }
    const n = index.shards.length;
    const which = parsed && parsed.total === n ? parsed.shard : [...index.shards].sort().indexOf(file) + 1;
    return {
      files: index.shards,
      weightMap: index.weightMap,
      wholeFolder: indexName === INDEX_FILE,
      indexFile,
      note:
        n === 1
          ? `Opened ${name}, the only shard ${indexName} lists.`
          : `Opened ${name}, shard ${which} of ${n}: showing the whole model from ${indexName} (${n} files).`,
    };
  }
  if (parsed && parsed.total > 1) {
    const others = candidates.join(' or ');
    return {
      files: [file],
      wholeFolder: false,
      note: `${name} is shard ${parsed.shard} of ${parsed.total}, but its folder has no ${others} listing it: only this shard's tensors are shown, and analyses see only them.`,
    };
  }
  return { files: [file], wholeFolder: false };
}
