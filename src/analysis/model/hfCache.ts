/**
 * The Hugging Face hub cache: where it is, which models it holds, and the rule for reading a
 * snapshot. Layout and location as huggingface_hub writes them:
 *  - constants.py: `HF_HUB_CACHE`, else the legacy `HUGGINGFACE_HUB_CACHE`, else `$HF_HOME/hub`,
 *    where HF_HOME defaults to `$XDG_CACHE_HOME/huggingface`, else `~/.cache/huggingface`; each value
 *    goes through `expanduser` and `expandvars`.
 *  - file_download.py: `repo_folder_name` is `"--".join([f"{repo_type}s", *repo_id.split("/")])`,
 *    so a model is `models--org--name/`; `hf_hub_download` stores the bytes as
 *    `blobs/<etag>` and points `snapshots/<commit>/<relative filename>` (`_get_pointer_path`) at
 *    them with a relative symlink (`_create_symlink`), and `refs/<branch or tag>` holds the commit
 *    hash (`_cache_commit_hash_for_specific_revision`). Without symlink support the snapshot
 *    holds plain copies.
 * A snapshot's files are followed into `blobs/` but never out of their repository's folder: a
 * symlink that leaves `models--org--name/` is refused, whatever it points at.
 */
import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ModelFileError } from '../io/modelFileError';
import { INDEX_FILE } from '../io/shardIndex';

/** huggingface_hub REPO_ID_SEPARATOR and the folder prefix of a model repository. */
const REPO_SEPARATOR = '--';
const MODEL_PREFIX = 'models' + REPO_SEPARATOR;
/** Enough for any real cache; a folder with more entries is listed in part. */
const MAX_REPOS = 5000;

/** Python's os.path.expandvars: `$NAME` and `${NAME}` of set variables are replaced, others kept. */
function expandVars(p: string, env: NodeJS.ProcessEnv): string {
  return p.replace(/\$(\w+)|\$\{([^}]*)\}/g, (all, a: string | undefined, b: string | undefined) => env[a ?? b ?? ''] ?? all);
}

/** Python's os.path.expanduser for the current user (`~` and `~/…`). */
function expandUser(p: string, home: string): string {
  return p === '~' ? home : p.startsWith('~/') || p.startsWith('~' + sep) ? join(home, p.slice(2)) : p;
}

/** The hub cache folder as huggingface_hub's constants.py computes it (`HF_HUB_CACHE`). */
export function hubCacheDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const clean = (p: string) => resolve(expandVars(expandUser(p, home), env));
  const fromEnv = (name: string) => (env[name] !== undefined && env[name] !== '' ? env[name] : undefined);
  const hfHome = clean(fromEnv('HF_HOME') ?? join(fromEnv('XDG_CACHE_HOME') ?? join(home, '.cache'), 'huggingface'));
  return clean(fromEnv('HF_HUB_CACHE') ?? fromEnv('HUGGINGFACE_HUB_CACHE') ?? join(hfHome, 'hub'));
}

/** `org/name` of a `models--org--name` folder, or null for any other name. */
export function repoIdOfFolder(name: string): string | null {
  if (!name.startsWith(MODEL_PREFIX)) return null;
  const parts = name.slice(MODEL_PREFIX.length).split(REPO_SEPARATOR);
  return parts.every((p) => p.length > 0) ? parts.join('/') : null;
}

export interface CacheLocation {
  /** `…/models--org--name`, as the path was written (symlinks not resolved). */
  repoFolder: string;
  repoId: string;
  /** `…/snapshots/<revision>`. */
  snapshot: string;
  revision: string;
}

/** Where `path` (a file or folder, absolute) sits in a hub cache, by its path alone; null outside one. */
export function cacheLocationOf(path: string): CacheLocation | null {
  for (let d = resolve(path); dirname(d) !== d; d = dirname(d)) {
    const snapshots = dirname(d);
    const repoFolder = dirname(snapshots);
    const repoId = repoIdOfFolder(basename(repoFolder));
    if (basename(snapshots) === 'snapshots' && repoId) return { repoFolder, repoId, snapshot: d, revision: basename(d) };
  }
  return null;
}

function isInsideOrSame(folder: string, target: string): boolean {
  const rel = relative(folder, target);
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith('..' + sep));
}

/**
 * Refuses any of `paths` (files of a snapshot) whose symlinks lead out of the repository folder.
 * Paths that do not exist are left to the reader, which reports them in its own words.
 */
export async function checkInsideCacheRepo(location: CacheLocation, paths: readonly string[]): Promise<void> {
  const root = await realpath(location.repoFolder);
  for (const p of paths) {
    let real: string;
    try {
      real = await realpath(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    if (!isInsideOrSame(root, real)) {
      throw new ModelFileError(
        `${relative(location.snapshot, p) || basename(p)} in the Hugging Face cache snapshot of ${location.repoId} links to ${real}, outside the repository's cache folder ${basename(location.repoFolder)}; refusing to read it`,
        p,
      );
    }
  }
}

/** Checks `paths` when `folder` is inside a hub cache snapshot; outside the cache it does nothing. */
export async function guardCachePaths(folder: string, paths: readonly string[]): Promise<void> {
  const location = cacheLocationOf(folder);
  if (location) await checkInsideCacheRepo(location, paths);
}

/** A folder Layer Lens opens as a model: config.json plus safetensors weights or a shard index. */
export function isModelListing(names: readonly string[]): boolean {
  return names.includes('config.json') && names.some((n) => n.endsWith('.safetensors') || n === INDEX_FILE);
}

/** A PEFT adapter folder's files: adapter_config.json and safetensors weights (it opens as its updates ΔW). */
export function isAdapterListing(names: readonly string[]): boolean {
  return names.includes('adapter_config.json') && names.some((n) => n.endsWith('.safetensors'));
}

export interface CachedSnapshot {
  /** The commit hash the folder is named after. */
  revision: string;
  /** Absolute path of `snapshots/<revision>`. */
  path: string;
  /** Branches and tags (`refs/…`) that point at this revision, e.g. `main`. */
  refs: string[];
  /** Number of `.safetensors` files in the snapshot. */
  weightFiles: number;
  /** Modification time of the snapshot folder, for ordering. */
  modifiedMs: number;
}

export interface CachedModel {
  /** `org/name`. */
  repoId: string;
  /** Absolute path of `models--org--name`. */
  folder: string;
  /** Snapshots that are model folders, those named by a ref first, newest first. */
  snapshots: CachedSnapshot[];
}

/** `refs/<name>` files (nested, as in `refs/pr/1`) → the commit each holds. */
async function readRefs(refsDir: string, prefix = '', depth = 0): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (depth > 3) return out;
  let entries;
  try {
    entries = await readdir(refsDir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(refsDir, e.name);
    if (e.isDirectory()) for (const [k, v] of await readRefs(p, `${prefix}${e.name}/`, depth + 1)) out.set(k, v);
    else if (e.isFile()) {
      const commit = (await readFile(p, 'utf8').catch(() => '')).trim();
      if (/^[0-9a-f]{5,64}$/i.test(commit)) out.set(prefix + e.name, commit);
    }
  }
  return out;
}

async function readSnapshot(path: string, refs: Map<string, string>): Promise<CachedSnapshot | null> {
  let names: string[];
  let s;
  try {
    names = await readdir(path);
    s = await stat(path);
  } catch {
    return null;
  }
  if (!s.isDirectory() || !isModelListing(names)) return null;
  const revision = basename(path);
  return {
    revision,
    path,
    refs: [...refs].filter(([, commit]) => commit === revision).map(([ref]) => ref),
    weightFiles: names.filter((n) => n.endsWith('.safetensors')).length,
    modifiedMs: s.mtimeMs,
  };
}

/** The model repositories of a hub cache folder whose snapshots Layer Lens can open; [] when there is no cache. */
export async function listCachedModels(cacheDir: string): Promise<CachedModel[]> {
  let names: string[];
  try {
    names = await readdir(cacheDir);
  } catch {
    return [];
  }
  const repos = names.filter((n) => repoIdOfFolder(n) !== null).sort();
  const out: CachedModel[] = [];
  for (const name of repos.slice(0, MAX_REPOS)) {
    const folder = join(cacheDir, name);
    let revisions: string[];
    try {
      revisions = await readdir(join(folder, 'snapshots'));
    } catch {
      continue;
    }
    const refs = await readRefs(join(folder, 'refs'));
    const snapshots = (await Promise.all(revisions.map((r) => readSnapshot(join(folder, 'snapshots', r), refs)))).filter(
      (s): s is CachedSnapshot => s !== null,
    );
    if (snapshots.length === 0) continue;
    snapshots.sort((a, b) => Number(b.refs.includes('main')) - Number(a.refs.includes('main')) || b.refs.length - a.refs.length || b.modifiedMs - a.modifiedMs);
    out.push({ repoId: repoIdOfFolder(name)!, folder, snapshots });
  }
  return out;
}
