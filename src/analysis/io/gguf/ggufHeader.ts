/**
 * GGUF container, versions 2 and 3, as ggml's reader defines it (ggml/src/gguf.cpp
 * `gguf_init_from_reader`; layout comment and enums in ggml/include/gguf.h):
 *
 *   "GGUF" · u32 version · i64 n_tensors · i64 n_kv
 *   n_kv × (string key · i32 gguf_type · value)      value: scalar, string, or
 *                                                    ARRAY = i32 item type · u64 n · n values
 *   n_tensors × (string name · u32 n_dims · n_dims × i64 ne · i32 ggml_type · u64 offset)
 *   padding to `general.alignment` (u32, a power of two, default 32) · tensor data
 *
 * strings are u64 length + UTF-8 bytes; everything little-endian. `ne[0]` is the contiguous
 * dimension, so the PyTorch shape is `ne` reversed; a tensor's bytes are `ne[0]·…·ne[n−1] /
 * blck_size · type_size`, at `data offset + offset`.
 *
 * Written here rather than with @huggingface/gguf (0.4.6): that parser reads local files through
 * 2 MB range requests into a growing buffer, trusts every length and count (a lying array count
 * loops up to 2^64 times), throws plain Errors, and pulls in @huggingface/tasks. Here every count,
 * length and offset is checked against the bytes that remain before anything is allocated, and
 * each problem is a ModelFileError that names the file, the key or the tensor.
 */
import { basename } from 'node:path';
import { LFS_POINTER_MAX_BYTES, LfsPointerError, parseLfsPointer, startsLikeLfsPointer } from '../lfsPointer';
import { ModelFileError } from '../modelFileError';
import { openRegularFile, type FileStamp } from '../readBytes';
import { Cursor, fileSource, type ByteSource } from './byteSource';
import { ggmlType, type GgmlType } from './ggmlTypes';

/** `enum gguf_type` (gguf.h). */
export const GGUF_VALUE_TYPES = ['u8', 'i8', 'u16', 'i16', 'u32', 'i32', 'f32', 'bool', 'string', 'array', 'u64', 'i64', 'f64'] as const;
export type GgufValueType = (typeof GGUF_VALUE_TYPES)[number];
const FIXED_SIZE: Partial<Record<GgufValueType, number>> = { u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, bool: 1, u64: 8, i64: 8, f64: 8 };
const FIXED_READ: Partial<Record<GgufValueType, (v: DataView, o: number) => GgufScalar>> = {
  u8: (v, o) => v.getUint8(o),
  i8: (v, o) => v.getInt8(o),
  u16: (v, o) => v.getUint16(o, true),
  i16: (v, o) => v.getInt16(o, true),
  u32: (v, o) => v.getUint32(o, true),
  i32: (v, o) => v.getInt32(o, true),
  f32: (v, o) => v.getFloat32(o, true),
  bool: (v, o) => v.getUint8(o) !== 0,
  u64: (v, o) => safe(v.getBigUint64(o, true)),
  i64: (v, o) => safe(v.getBigInt64(o, true)),
  f64: (v, o) => v.getFloat64(o, true),
};

export type GgufScalar = number | bigint | boolean | string;
export interface GgufArray {
  itemType: GgufValueType;
  length: number;
  /** The items, or null when there are more than MAX_KEPT_ITEMS (their count and type are kept). */
  items: GgufScalar[] | null;
}
export interface GgufKv {
  type: GgufValueType;
  value: GgufScalar | GgufArray;
}

export interface GgufTensorInfo {
  name: string;
  /** ggml's `ne`, innermost first. */
  ne: number[];
  type: GgmlType;
  /** Absolute offset of the first byte in the file. */
  dataStart: number;
  byteLength: number;
  elements: number;
}

export interface GgufHeader {
  file: string;
  fileSize: number;
  stamp?: FileStamp;
  version: number;
  alignment: number;
  /** Absolute offset of the data section. */
  dataOffset: number;
  metadata: Map<string, GgufKv>;
  tensors: GgufTensorInfo[];
}

/** ggml's limits (gguf.cpp GGML_MAX_DIMS, GGML_MAX_NAME) and ours on what a header may ask for. */
const MAX_DIMS = 4;
const MAX_NAME_BYTES = 63;
/** No key, chat template or token comes near this; a longer string is a damaged length. */
export const MAX_STRING_BYTES = 64 * 1024 * 1024;
/** Arrays longer than this are skipped, not kept (vocabularies are ~2^18; merges ~2^19). */
export const MAX_KEPT_ITEMS = 1 << 22;
const DEFAULT_ALIGNMENT = 32;

/** An error in a GGUF file; the message names the file and what is wrong with it. */
export class GgufError extends ModelFileError {
  constructor(file: string, problem: string) {
    super(`${basename(file)}: ${problem}`, file);
    this.name = 'GgufError';
  }
}

const decoder = new TextDecoder('utf-8');

class HeaderParser {
  readonly c: Cursor;
  constructor(
    readonly file: string,
    source: ByteSource,
  ) {
    this.c = new Cursor(
      source,
      (what, need, at) =>
        new GgufError(
          file,
          `the file ends at byte ${source.size}, but ${what} needs ${need} bytes from byte ${at}; it is truncated or a length in its header is wrong`,
        ),
    );
  }

  err(problem: string): GgufError {
    return new GgufError(this.file, problem);
  }

  /** A u64 count or length that must fit `remaining / minItemBytes`. */
  async count(what: string, minItemBytes: number, limit = Number.MAX_SAFE_INTEGER): Promise<number> {
    const n = await this.c.u64(what);
    const fits = Math.floor(this.c.remaining / Math.max(1, minItemBytes));
    if (n > BigInt(Math.min(fits, limit)))
      throw this.err(
        n > BigInt(limit)
          ? `${what} is ${n}, more than the ${limit} allowed; the header is damaged`
          : `${what} is ${n}, but only ${this.c.remaining} bytes follow (room for at most ${fits}); the header is damaged or the file truncated`,
      );
    return Number(n);
  }

  async string(what: string): Promise<string> {
    const n = await this.count(`the length of ${what}`, 1, MAX_STRING_BYTES);
    await this.c.ensure(n, what);
    return this.c.utf8Sync(n);
  }

  async valueType(what: string): Promise<GgufValueType> {
    const t = await this.c.i32(`the type of ${what}`);
    const type = GGUF_VALUE_TYPES[t];
    if (t < 0 || type === undefined) throw this.err(`${what} has value type ${t}, which GGUF does not define (0…${GGUF_VALUE_TYPES.length - 1})`);
    return type;
  }

  async scalar(type: GgufValueType, what: string): Promise<GgufScalar> {
    const c = this.c;
    switch (type) {
      case 'u8':
        return c.u8(what);
      case 'i8':
        return c.scalar(1, what, (v, o) => v.getInt8(o));
      case 'u16':
        return c.scalar(2, what, (v, o) => v.getUint16(o, true));
      case 'i16':
        return c.scalar(2, what, (v, o) => v.getInt16(o, true));
      case 'u32':
        return c.u32(what);
      case 'i32':
        return c.i32(what);
      case 'f32':
        return c.scalar(4, what, (v, o) => v.getFloat32(o, true));
      case 'bool':
        return (await c.u8(what)) !== 0;
      case 'u64':
        return safe(await c.u64(what));
      case 'i64':
        return safe(await c.i64(what));
      case 'f64':
        return c.scalar(8, what, (v, o) => v.getFloat64(o, true));
      case 'string':
        return this.string(what);
      default:
        throw this.err(`${what} is an array of arrays, which GGUF does not allow`);
    }
  }

  async value(type: GgufValueType, key: string): Promise<GgufScalar | GgufArray> {
    const what = `the value of '${key}'`;
    if (type !== 'array') return this.scalar(type, what);
    const itemType = await this.valueType(`the items of '${key}'`);
    if (itemType === 'array') throw this.err(`'${key}' is an array of arrays, which GGUF does not allow`);
    const size = FIXED_SIZE[itemType];
    // A string item is at least its 8-byte length.
    const length = await this.count(`the item count of '${key}'`, size ?? 8);
    if (length > MAX_KEPT_ITEMS) {
      if (size !== undefined) await this.c.skip(length * size, `the items of '${key}'`);
      else
        for (let i = 0; i < length; i++)
          await this.c.skip(await this.count(`the length of item ${i} of '${key}'`, 1, MAX_STRING_BYTES), `item ${i} of '${key}'`);
      return { itemType, length, items: null };
    }
    const items: GgufScalar[] = new Array<GgufScalar>(length);
    if (size !== undefined) {
      // Fixed-size items: one read (at most MAX_KEPT_ITEMS · 8 bytes), then decoded in place.
      await this.c.ensure(length * size, `the items of '${key}'`);
      const { view, off } = this.c.viewSync(length * size);
      const get = FIXED_READ[itemType]!;
      for (let i = 0; i < length; i++) items[i] = get(view, off + i * size);
      return { itemType, length, items };
    }
    for (let i = 0; i < length; i++) {
      // Strings straight from the window while it holds them (a vocabulary is ~10^5 of them).
      if (this.c.has(8)) {
        const save = this.c.pos;
        const n = this.c.u64Sync();
        if (n <= BigInt(MAX_STRING_BYTES) && this.c.has(Number(n))) {
          items[i] = this.c.utf8Sync(Number(n));
          continue;
        }
        this.c.pos = save;
      }
      items[i] = await this.string(`item ${i} of '${key}'`);
    }
    return { itemType, length, items };
  }

  async tensorInfo(
    index: number,
    seen: Set<string>,
  ): Promise<{ name: string; ne: number[]; type: GgmlType; offset: bigint; elements: number; byteLength: number }> {
    const name = await this.string(`the name of tensor ${index}`);
    const label = `tensor '${name}'`;
    if (Buffer.byteLength(name) > MAX_NAME_BYTES)
      throw this.err(`the name of tensor ${index} is ${Buffer.byteLength(name)} bytes long; ggml allows at most ${MAX_NAME_BYTES}`);
    if (seen.has(name)) throw this.err(`${label} is listed twice`);
    seen.add(name);
    const nDims = await this.c.u32(`the dimension count of ${label}`);
    if (nDims > MAX_DIMS) throw this.err(`${label} has ${nDims} dimensions; ggml allows at most ${MAX_DIMS}`);
    const ne: number[] = [];
    let elements = 1;
    for (let j = 0; j < nDims; j++) {
      const d = await this.c.i64(`dimension ${j} of ${label}`);
      if (d < 0n) throw this.err(`dimension ${j} of ${label} is ${d}, negative`);
      if (d > BigInt(Number.MAX_SAFE_INTEGER)) throw this.err(`dimension ${j} of ${label} is ${d}, too large for any file`);
      ne.push(Number(d));
      elements *= Number(d);
    }
    if (!Number.isSafeInteger(elements)) throw this.err(`${label} has dimensions [${ne.join(', ')}], whose product overflows; the header is damaged`);
    const typeId = await this.c.i32(`the type of ${label}`);
    const type = ggmlType(typeId);
    if (!type) throw this.err(`${label} has ggml type ${typeId}, which ggml does not define (or no longer supports)`);
    const ne0 = ne[0] ?? 1;
    if (ne0 % type.blockSize !== 0) throw this.err(`${label} is ${type.name} with rows of ${ne0} values, not a multiple of its block size ${type.blockSize}`);
    const byteLength = (elements / type.blockSize) * type.typeSize;
    if (!Number.isSafeInteger(byteLength)) throw this.err(`${label} would hold ${byteLength} bytes, more than any file`);
    const offset = await this.c.u64(`the data offset of ${label}`);
    return { name, ne, type, offset, elements, byteLength };
  }
}

function safe(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Parses a GGUF header from any byte source; `file` names it in errors. */
export async function parseGgufHeader(file: string, source: ByteSource): Promise<GgufHeader> {
  const p = new HeaderParser(file, source);
  const c = p.c;
  if (source.size < 4 || decoder.decode(await c.bytes(4, 'the magic')) !== 'GGUF')
    throw p.err(`does not start with the GGUF magic bytes "GGUF"; it is not a GGUF file`);
  const version = await c.u32('the version');
  if ((version & 0xffff) === 0 && version !== 0)
    throw p.err(`the version field reads ${version}: the file is big-endian GGUF, which Layer Lens does not read (convert it on a little-endian machine)`);
  if (version === 1) throw p.err('is GGUF version 1, which ggml no longer reads; convert it again with a current llama.cpp');
  if (version !== 2 && version !== 3) throw p.err(`is GGUF version ${version}; Layer Lens reads versions 2 and 3`);
  // Each tensor info is at least 24 bytes (empty name, 0 dims, type, offset); each key/value at least 13.
  const nTensorsRaw = await c.i64('the tensor count');
  const nKvRaw = await c.i64('the key/value count');
  if (nTensorsRaw < 0n || nTensorsRaw > BigInt(Math.floor(c.remaining / 24)))
    throw p.err(`the tensor count is ${nTensorsRaw}, impossible for a file of ${source.size} bytes; the header is damaged`);
  if (nKvRaw < 0n || nKvRaw > BigInt(Math.floor(c.remaining / 13)))
    throw p.err(`the key/value count is ${nKvRaw}, impossible for a file of ${source.size} bytes; the header is damaged`);
  const nTensors = Number(nTensorsRaw);
  const nKv = Number(nKvRaw);
  const metadata = new Map<string, GgufKv>();
  for (let i = 0; i < nKv; i++) {
    const key = await p.string(`key ${i}`);
    if (key === '') throw p.err(`key ${i} is empty`);
    if (metadata.has(key)) throw p.err(`the key '${key}' appears twice`);
    const type = await p.valueType(`'${key}'`);
    metadata.set(key, { type, value: await p.value(type, key) });
  }
  let alignment = DEFAULT_ALIGNMENT;
  const a = metadata.get('general.alignment');
  if (a) {
    if (a.type !== 'u32') throw p.err(`'general.alignment' must be a u32, but it is ${a.type}`);
    alignment = a.value as number;
    if (alignment === 0 || (alignment & (alignment - 1)) !== 0) throw p.err(`'general.alignment' is ${alignment}, not a power of two`);
  }
  const seen = new Set<string>();
  const raw = [];
  for (let i = 0; i < nTensors; i++) raw.push(await p.tensorInfo(i, seen));
  const dataOffset = Math.ceil(c.pos / alignment) * alignment;
  const tensors: GgufTensorInfo[] = [];
  for (const t of raw) {
    const label = `tensor '${t.name}'`;
    if (t.offset % BigInt(alignment) !== 0n) throw p.err(`${label} starts at data offset ${t.offset}, not a multiple of the alignment ${alignment}`);
    const start = BigInt(dataOffset) + t.offset;
    const end = start + BigInt(t.byteLength);
    if (end > BigInt(source.size))
      throw p.err(
        `${label} (${t.type.name}, ${t.byteLength} bytes) would end at byte ${end}, past the end of the ${source.size}-byte file; it is truncated or the offset is wrong`,
      );
    tensors.push({ name: t.name, ne: t.ne, type: t.type, dataStart: Number(start), byteLength: t.byteLength, elements: t.elements });
  }
  const byStart = [...tensors].filter((t) => t.byteLength > 0).sort((x, y) => x.dataStart - y.dataStart);
  for (let i = 1; i < byStart.length; i++) {
    const prev = byStart[i - 1];
    if (byStart[i].dataStart < prev.dataStart + prev.byteLength)
      throw p.err(
        `tensors '${prev.name}' and '${byStart[i].name}' overlap (bytes ${byStart[i].dataStart}…${prev.dataStart + prev.byteLength}); the offsets are wrong`,
      );
  }
  return { file, fileSize: source.size, version, alignment, dataOffset, metadata, tensors };
}

/** Reads the header of a `.gguf` file (only the header: a few MB whatever the model size). */
export async function readGgufHeader(file: string): Promise<GgufHeader> {
  const { fh, size, stamp } = await openRegularFile(file);
  try {
    if (size <= LFS_POINTER_MAX_BYTES && size >= 8) {
      const head = new Uint8Array(size);
      await fh.read(head, 0, size, 0);
      if (startsLikeLfsPointer(head.subarray(0, 8))) {
        const pointer = parseLfsPointer(head);
        if (pointer) throw new LfsPointerError(file, pointer);
      }
    }
    const header = await parseGgufHeader(file, fileSource(fh, size, file));
    header.stamp = stamp;
    return header;
  } finally {
    await fh.close();
  }
}
