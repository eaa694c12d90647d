/**
 * Opening and reading model files defensively. A path from a model folder may name a folder, a
 * named pipe (whose open or read would block forever) or a device; it is opened without blocking and
 * checked with fstat before a byte is read. Positional reads always fill their target: `fs.read`
 * may return fewer bytes than asked and refuses more than ~2 GiB per call, so every read loops in
 * pieces of at most MAX_READ_BYTES, and a file that ends early (truncated, or shrunk while open) is
 * an error, never a buffer silently left half zero.
 */
import { constants } from 'node:fs';
import { open, readlink, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { LfsPointerError, parseLfsPointer } from './lfsPointer';
import { ModelFileError } from './modelFileError';

/** Largest single `read` call: keeps each call well under Node's 2 GiB limit and memory bounded. */
export const MAX_READ_BYTES = 64 * 1024 * 1024;

/** Fills `target` with the bytes at `position…`; a short file is reported as truncated. */
export async function readExactly(fh: FileHandle, target: Uint8Array, position: number, file: string): Promise<void> {
  let done = 0;
  while (done < target.byteLength) {
    const want = Math.min(MAX_READ_BYTES, target.byteLength - done);
    const { bytesRead } = await fh.read(target, done, want, position + done);
    if (bytesRead === 0) {
      throw new ModelFileError(
        `${basename(file)}: the file ended at byte ${position + done} while ${target.byteLength} bytes from byte ${position} were needed; it is truncated or was changed while open`,
        file,
      );
    }
    done += bytesRead;
  }
}

function kindOf(s: import('node:fs').Stats | import('node:fs').BigIntStats): string {
  if (s.isDirectory()) return 'a folder';
  if (s.isFIFO()) return 'a named pipe';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/**
 * What identifies one version of a file, `dev:ino:size:mtime:ctime` (nanoseconds): a rewrite, even
 * to the same size, changes the modification time; a copy that keeps the old mtime (`cp -p`)
 * changes the status-change time; a replacement by rename changes the inode. The one definition
 * behind the caches' keys (fileIdentity.ts) and the reads' rewrite check (tensorReader.ts).
 */
export type FileStamp = string;

export function stampOf(s: import('node:fs').BigIntStats): FileStamp {
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
}

/**
 * Opens `file` for reading only if it is a regular file (symlinks to one are fine). O_NONBLOCK makes
 * opening a FIFO return at once instead of waiting for a writer; on regular files it changes nothing.
 */
export async function openRegularFile(file: string): Promise<{ fh: FileHandle; size: number; stamp: FileStamp }> {
  let fh: FileHandle;
  try {
    fh = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    // A socket cannot be opened at all (ENXIO); say what it is rather than quoting errno.
    if ((e as NodeJS.ErrnoException).code === 'ENXIO') throw new ModelFileError(`${basename(file)} is a socket or device, not a model file`, file);
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      // A Hugging Face cache snapshot copied or moved without its blobs is made of broken links.
      const target = await readlink(file).catch(() => null);
      throw new ModelFileError(
        target === null ? `${basename(file)} does not exist` : `${basename(file)} is a symbolic link to ${target}, which does not exist`,
        file,
      );
    }
    throw e;
  }
  try {
    const s = await fh.stat({ bigint: true });
    if (!s.isFile()) throw new ModelFileError(`${basename(file)} is ${kindOf(s)}, not a file; Layer Lens reads model data only from regular files`, file);
    return { fh, size: Number(s.size), stamp: stampOf(s) };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/**
 * A small JSON file (config, index, tokenizer) read through openRegularFile with a size bound, so a
 * huge or endless file is refused before it is buffered; a Git LFS pointer in its place is named as
 * one. `what` names the file in messages.
 */
export async function readJsonFile(file: string, what: string, maxBytes: number): Promise<unknown> {
  const { fh, size } = await openRegularFile(file);
  let text: string;
  try {
    if (size > maxBytes) throw new ModelFileError(`${what} is ${size} bytes, more than the ${maxBytes}-byte limit for such a file; refusing to parse it`, file);
    const bytes = new Uint8Array(size);
    await readExactly(fh, bytes, 0, file);
    // tokenizer.json and large indexes are sometimes stored in Git LFS too.
    const pointer = parseLfsPointer(bytes);
    if (pointer) throw new LfsPointerError(file, pointer, 'the file');
    text = new TextDecoder('utf-8').decode(bytes);
  } finally {
    await fh.close();
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ModelFileError(`${what} is not valid JSON (${(e as Error).message})`, file);
  }
}
