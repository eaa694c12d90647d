/**
 * Where a GGUF header is read from: a file (read in windows, never whole) or bytes in memory (tests,
 * fuzzing). The cursor over it checks every length against the bytes that remain before reading or
 * allocating, so a lying length is an error, not an allocation of gigabytes.
 */
import type { FileHandle } from 'node:fs/promises';
import { readExactly } from '../readBytes';

export interface ByteSource {
  /** Total length in bytes. */
  readonly size: number;
  /** Exactly `length` bytes from `position` (the caller keeps `position + length <= size`). */
  read(position: number, length: number): Promise<Uint8Array>;
}

export function memorySource(bytes: Uint8Array): ByteSource {
  return { size: bytes.length, read: async (position, length) => bytes.subarray(position, position + length) };
}

export function fileSource(fh: FileHandle, size: number, file: string): ByteSource {
  return {
    size,
    read: async (position, length) => {
      const out = new Uint8Array(length);
      await readExactly(fh, out, position, file);
      return out;
    },
  };
}

/** Bytes read ahead at a time: a header (with a 150k-token vocabulary) is a few MB, read in a few windows. */
const WINDOW = 1 << 20;

/** A forward-only little-endian reader over a ByteSource; `fail` builds the error for a read past the end. */
export class Cursor {
  pos = 0;
  private buf: Uint8Array = new Uint8Array(0);
  private view: DataView = new DataView(new ArrayBuffer(0));
  private text: Buffer = Buffer.alloc(0);
  private bufStart = 0;

  constructor(
    readonly source: ByteSource,
    private readonly fail: (what: string, need: number, at: number) => Error,
  ) {}

  get remaining(): number {
    return this.source.size - this.pos;
  }

  /** Makes bytes `[pos, pos + n)` available, or throws when the source ends first. */
  async ensure(n: number, what: string): Promise<void> {
    if (n > this.remaining) throw this.fail(what, n, this.pos);
    const off = this.pos - this.bufStart;
    if (off >= 0 && off + n <= this.buf.length) return;
    const len = Math.min(Math.max(n, WINDOW), this.remaining);
    const bytes = await this.source.read(this.pos, len);
    this.buf = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.bufStart = this.pos;
  }

  /** Whether bytes `[pos, pos + n)` are in the window already (then the sync readers below may be used). */
  has(n: number): boolean {
    const off = this.pos - this.bufStart;
    return off >= 0 && off + n <= this.buf.length;
  }
  /** The u64 at `pos` from the window (after `has(8)`), advancing. */
  u64Sync(): bigint {
    return this.view.getBigUint64(this.at(8), true);
  }
  /**
   * `n` bytes at `pos` decoded as UTF-8 (after `has(n)`), advancing; invalid sequences become U+FFFD.
   * Buffer's decoder, about twice as fast as TextDecoder on the short strings of a vocabulary.
   */
  utf8Sync(n: number): string {
    const off = this.at(n);
    return this.text.toString('utf8', off, off + n);
  }
  /** The window's view and the offset of `pos` in it, advancing by `n` (after `has(n)`). */
  viewSync(n: number): { view: DataView; off: number } {
    return { view: this.view, off: this.at(n) };
  }

  private at(n: number): number {
    const off = this.pos - this.bufStart;
    this.pos += n;
    return off;
  }

  async u8(what: string): Promise<number> {
    await this.ensure(1, what);
    return this.view.getUint8(this.at(1));
  }
  async u32(what: string): Promise<number> {
    await this.ensure(4, what);
    return this.view.getUint32(this.at(4), true);
  }
  async i32(what: string): Promise<number> {
    await this.ensure(4, what);
    return this.view.getInt32(this.at(4), true);
  }
  async u64(what: string): Promise<bigint> {
    await this.ensure(8, what);
    return this.view.getBigUint64(this.at(8), true);
  }
  async i64(what: string): Promise<bigint> {
    await this.ensure(8, what);
    return this.view.getBigInt64(this.at(8), true);
  }
  /** A scalar of `size` bytes read by `get` from the window's DataView. */
  async scalar<T>(size: number, what: string, get: (v: DataView, off: number) => T): Promise<T> {
    await this.ensure(size, what);
    return get(this.view, this.at(size));
  }
  async bytes(n: number, what: string): Promise<Uint8Array> {
    await this.ensure(n, what);
    const off = this.at(n);
    return this.buf.subarray(off, off + n);
  }
  async skip(n: number, what: string): Promise<void> {
    if (n > this.remaining) throw this.fail(what, n, this.pos);
    this.pos += n;
  }
}
