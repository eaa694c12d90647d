/**
 * `model.safetensors.index.json`: `{metadata?: {...}, weight_map: {tensor name: shard file name}}`.
 * The shard names come from a downloaded file, so each must stay inside the model folder: a name
 * like `../../etc/passwd` or an absolute path is rejected before anything is opened. Symlinks are
 * followed on purpose: a Hugging Face cache snapshot folder is made of symlinks into `../../blobs`,
 * and the user chose that folder; only the name written in the index is untrusted.
 */
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';

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
  if (shard.length === 0 || shard.includes('\0')) throw new Error(`${indexName}: shard name ${JSON.stringify(shard)} is not a file name`);
  if (isAbsolute(shard)) throw new Error(`${indexName}: shard ${JSON.stringify(shard)} is an absolute path; shards must be files inside the model folder`);
  const full = resolve(folder, shard);
  if (!isInside(folder, full)) throw new Error(`${indexName}: shard ${JSON.stringify(shard)} resolves outside the model folder; refusing to read it`);
  try {
    await stat(full);
  } catch {
    throw new Error(`${indexName}: shard ${JSON.stringify(shard)} is listed but missing from the model folder`);
  }
  return full;
}

export async function readShardIndex(folder: string, indexName = INDEX_FILE): Promise<ShardIndex> {
  const indexPath = resolve(folder, indexName);
  const size = (await stat(indexPath)).size;
  if (size > MAX_INDEX_BYTES) throw new Error(`${indexName} is ${size} bytes, too large for a shard index`);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(indexPath, 'utf8'));
  } catch (e) {
    throw new Error(`${indexName} is not valid JSON (${(e as Error).message})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error(`${indexName} must be a JSON object with a "weight_map"`);
  const { weight_map: map, metadata } = json as Record<string, unknown>;
  if (map === null || typeof map !== 'object' || Array.isArray(map)) throw new Error(`${indexName} has no "weight_map" object mapping tensor names to shard files`);
  const byName = new Map<string, string>();
  const resolved = new Map<string, string>();
  for (const [tensor, shard] of Object.entries(map as Record<string, unknown>)) {
    if (typeof shard !== 'string') throw new Error(`${indexName}: the shard of tensor '${tensor}' must be a file name, got ${JSON.stringify(shard)}`);
    let full = resolved.get(shard);
    if (full === undefined) {
      full = await resolveShard(folder, indexName, shard);
      resolved.set(shard, full);
    }
    byName.set(tensor, full);
  }
  if (byName.size === 0) throw new Error(`${indexName} lists no tensors`);
  const meta = metadata !== null && typeof metadata === 'object' && !Array.isArray(metadata) ? (metadata as Record<string, unknown>) : {};
  return { shards: [...new Set(resolved.values())], weightMap: byName, metadata: meta };
}
