/**
 * `model.safetensors.index.json`: `{metadata?: {...}, weight_map: {tensor name: shard file name}}`.
 * The shard names come from a downloaded file, so each must stay inside the model folder: a name
 * like `../../etc/passwd` or an absolute path is rejected before anything is opened. Symlinks are
 * followed on purpose: a Hugging Face cache snapshot folder is made of symlinks into `../../blobs`,
 * and the user chose that folder; only the name written in the index is untrusted. Inside a cache
 * snapshot, openModel also refuses any link that leaves the repository's folder (model/hfCache.ts).
 */
import { stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { ModelFileError } from './modelFileError';
import { readJsonFile } from './readBytes';

export const INDEX_FILE = 'model.safetensors.index.json';

/** Index files are a few MB at most even for the largest models; anything far larger is not one. */
const MAX_INDEX_BYTES = 256 * 1024 * 1024;

export interface ShardIndex {
  /** Absolute shard paths, in first-appearance order of the weight map. */
  shards: string[];
  /** Tensor name → absolute shard path. */
  weightMap: Map<string, string>;
  metadata: Record<string, unknown>;
}

function isInside(folder: string, target: string): boolean {
  const rel = relative(folder, target);
  return rel !== '' && !isAbsolute(rel) && rel !== '..' && !rel.startsWith('..' + sep);
}

/** Resolves a shard name against `folder`, refusing anything that lands outside it. */
export async function resolveShard(folder: string, indexName: string, shard: string): Promise<string> {
  const fail = (problem: string) => new ModelFileError(`${indexName}: shard ${JSON.stringify(shard)} ${problem}`);
  if (shard.length === 0 || shard.includes('\0')) throw new ModelFileError(`${indexName}: shard name ${JSON.stringify(shard)} is not a file name`);
  if (isAbsolute(shard)) throw fail('is an absolute path; shards must be files inside the model folder');
  const full = resolve(folder, shard);
  if (!isInside(folder, full)) throw fail('resolves outside the model folder; refusing to read it');
  let s;
  try {
    s = await stat(full);
  } catch {
    throw fail('is listed but missing from the model folder');
  }
  // A folder or pipe under a shard's name is reported here; the reader re-checks with fstat on open.
  if (!s.isFile()) throw fail(`is ${s.isDirectory() ? 'a folder' : 'not a regular file'}, not a safetensors file`);
  return full;
}

export async function readShardIndex(folder: string, indexName = INDEX_FILE): Promise<ShardIndex> {
  const indexPath = resolve(folder, indexName);
  const json = await readJsonFile(indexPath, indexName, MAX_INDEX_BYTES);
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new ModelFileError(`${indexName} must be a JSON object with a "weight_map"`, indexPath);
  const { weight_map: map, metadata } = json as Record<string, unknown>;
  if (map === null || typeof map !== 'object' || Array.isArray(map))
    throw new ModelFileError(`${indexName} has no "weight_map" object mapping tensor names to shard files`, indexPath);
  const byName = new Map<string, string>();
  const resolved = new Map<string, string>();
  const entries = map as Record<string, unknown>;
  // for…in, not Object.entries: a DeepSeek-V3 index has ~92k entries, and the pairs cost half the time.
  for (const tensor in entries) {
    if (!Object.hasOwn(entries, tensor)) continue;
    const shard = entries[tensor];
    if (typeof shard !== 'string') throw new ModelFileError(`${indexName}: the shard of tensor '${tensor}' must be a file name, got ${JSON.stringify(shard)}`);
    let full = resolved.get(shard);
    if (full === undefined) {
      full = await resolveShard(folder, indexName, shard);
      resolved.set(shard, full);
    }
    byName.set(tensor, full);
  }
  if (byName.size === 0) throw new ModelFileError(`${indexName} lists no tensors`, indexPath);
  const meta = metadata !== null && typeof metadata === 'object' && !Array.isArray(metadata) ? (metadata as Record<string, unknown>) : {};
  return { shards: [...new Set(resolved.values())], weightMap: byName, metadata: meta };
}
