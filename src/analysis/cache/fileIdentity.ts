/**
 * What "the same file" means for every cache keyed by a model (open models, similarity, spectra,
 * correlations results): device, inode, size, modification and status-change time of each file the
 * model was read from, plus the folder's config.json and shard index. A checkpoint rewritten in place,
 * truncated, replaced by rename, or copied over with its old mtime kept (`cp -p`, `rsync -t`) changes
 * at least the inode or ctime, which no user tool can set back; a config edit changes the roles.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { stampOf } from '../io/readBytes';
import { INDEX_FILE } from '../io/shardIndex';
import type { ModelHandle } from '../model/types';

/** `dev:ino:size:mtime:ctime` per path, `-` for a path that does not exist (so its appearance counts too). */
export async function filesIdentity(paths: readonly string[]): Promise<string> {
  const parts = await Promise.all(
    paths.map(async (p) => {
      try {
        return stampOf(await stat(p, { bigint: true }));
      } catch {
        return '-';
      }
    }),
  );
  return parts.join('|');
}

/** Every file whose change makes results computed from `model` stale. */
export function modelSourceFiles(model: Pick<ModelHandle, 'kind' | 'path' | 'files'>): string[] {
  // adapter_config.json: a LoRA adapter's rank, alpha and targets change every ΔW it decodes.
  const extra = model.kind === 'folder' ? [join(model.path, 'config.json'), join(model.path, INDEX_FILE), join(model.path, 'adapter_config.json')] : [];
  return [...model.files, ...extra];
}

export function modelFilesIdentity(model: Pick<ModelHandle, 'kind' | 'path' | 'files'>): Promise<string> {
  return filesIdentity(modelSourceFiles(model));
}

/** The model path and the identity of every file it was read from: the start of every result-cache key. */
export async function modelIdentity(model: Pick<ModelHandle, 'kind' | 'path' | 'files'>): Promise<string> {
  return `${model.path}|${model.files.join('|')}|${await modelFilesIdentity(model)}`;
}
