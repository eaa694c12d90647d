/**
 * Positional reads that always fill their target. `fs.read` may return fewer bytes than asked and
 * refuses more than ~2 GiB per call, so every read loops in pieces of at most MAX_READ_BYTES.
 */
import type { FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';

/** Largest single `read` call: keeps each call well under Node's 2 GiB limit and memory bounded. */
export const MAX_READ_BYTES = 64 * 1024 * 1024;

/** Fills `target` with the bytes at `position…`; a short file is reported as truncated. */
export async function readExactly(fh: FileHandle, target: Uint8Array, position: number, file: string): Promise<void> {
  let done = 0;
  while (done < target.byteLength) {
    const want = Math.min(MAX_READ_BYTES, target.byteLength - done);
    const { bytesRead } = await fh.read(target, done, want, position + done);
    if (bytesRead === 0) {
      throw new Error(`${basename(file)}: the file ended at byte ${position + done} while ${target.byteLength} bytes from byte ${position} were needed; it is truncated or was changed while open`);
    }
    done += bytesRead;
  }
}
