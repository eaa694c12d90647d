/**
 * Git LFS pointer files: what a clone made without `git lfs pull` holds in place of the weights.
 * The format is git-lfs's (docs/spec.md, and the decoder in lfs/pointer.go): UTF-8 text lines
 * `key value`, `version <spec url>` first, then `oid sha256:<hex>` and `size <bytes>`; git-lfs treats
 * nothing larger than 1024 bytes as a pointer (`blobSizeCutoff`) and accepts three spellings of
 * the v1 spec url (`v1Aliases`). A pointer's first 8 bytes, "version ", read as a safetensors header
 * length claim about 2.3e18 bytes, which is what users saw before this check.
 */
import { basename } from 'node:path';
import { ModelFileError } from './modelFileError';

/** git-lfs lfs/pointer.go `blobSizeCutoff`: a pointer file is never larger. */
export const LFS_POINTER_MAX_BYTES = 1024;

/** git-lfs lfs/pointer.go `v1Aliases`: alpha, pre-release and public-launch spec urls. */
const V1_ALIASES = ['http://git-media.io/v/2', 'https://hawser.github.com/spec/v1', 'https://git-lfs.github.com/spec/v1'];

const VERSION_PREFIX = 'version ';

export interface LfsPointer {
  /** `sha256:<hex>` as written. */
  oid?: string;
  /** Size in bytes of the real file the pointer stands for, when the pointer states it. */
  size?: number;
}

/** Whether `bytes` begin like a pointer ("version "), the cheap test before reading more. */
export function startsLikeLfsPointer(bytes: Uint8Array): boolean {
  if (bytes.byteLength < VERSION_PREFIX.length) return false;
  for (let i = 0; i < VERSION_PREFIX.length; i++) if (bytes[i] !== VERSION_PREFIX.charCodeAt(i)) return false;
  return true;
}

/** The pointer `bytes` hold (the whole file, at most LFS_POINTER_MAX_BYTES), or null if they are not one. */
export function parseLfsPointer(bytes: Uint8Array): LfsPointer | null {
  if (bytes.byteLength > LFS_POINTER_MAX_BYTES || !startsLikeLfsPointer(bytes)) return null;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const version = lines[0].slice(VERSION_PREFIX.length).trim();
  if (!V1_ALIASES.includes(version)) return null;
  const pointer: LfsPointer = {};
  for (const line of lines.slice(1)) {
    const space = line.indexOf(' ');
    if (space <= 0) continue;
    const key = line.slice(0, space);
    const value = line.slice(space + 1).trim();
    if (key === 'oid') pointer.oid = value;
    else if (key === 'size' && /^\d+$/.test(value)) pointer.size = Number(value);
  }
  return pointer;
}

function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} bytes`;
}

/** A file that is a Git LFS pointer where model data (weights, an index, a config) was expected. */
export class LfsPointerError extends ModelFileError {
  constructor(
    file: string,
    readonly pointer: LfsPointer,
    /** What the file should have held: "the weights" for a safetensors file, "the file" otherwise. */
    what = 'the weights',
  ) {
    const real = pointer.size !== undefined ? ` (the real file is ${formatBytes(pointer.size)})` : '';
    super(`${basename(file)} is a Git LFS pointer, not ${what}${real}: run \`git lfs pull\` in the model's repository to download it`, file);
    this.name = 'LfsPointerError';
  }
}
