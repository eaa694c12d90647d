/**
 * Safetensors header: an 8-byte little-endian length N, N bytes of UTF-8 JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {…}}`, then the data, with
 * offsets relative to byte 8 + N. Opening a model reads only this header, so a 16 GB checkpoint
 * opens as fast as a tiny one. Every check here turns a damaged file into a message that says what
 * is wrong, before any tensor is read through a bad offset.
 */
import { basename } from 'node:path';
import type { TensorEntry } from '../model/types';
import { byteLengthOf, DTYPE_BITS, DTYPES, isDType } from './dtypes';
import { LFS_POINTER_MAX_BYTES, LfsPointerError, parseLfsPointer, startsLikeLfsPointer } from './lfsPointer';
import { ModelFileError } from './modelFileError';
import { openRegularFile, readExactly } from './readBytes';

/** The reference implementation's limit: larger headers are refused rather than parsed. */
export const MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsHeader {
  file: string;
  fileSize: number;
  /** Absolute offset of the data section (8 + header length). */
  dataStart: number;
  /** Tensors in data-offset order. */
  tensors: TensorEntry[];
  metadata: Record<string, string>;
}

/** An error in a safetensors file; the message names the file and what is wrong with it. */
export class SafetensorsError extends ModelFileError {
  constructor(file: string, problem: string) {
    super(`${basename(file)}: ${problem}`, file);
    this.name = 'SafetensorsError';
  }
}

export async function readSafetensorsHeader(file: string): Promise<SafetensorsHeader> {
  // A folder or named pipe named *.safetensors is refused here, before any read could block.
  const { fh, size: fileSize, stamp } = await openRegularFile(file);
  try {
    if (fileSize < 8)
      throw new SafetensorsError(
        file,
        `the file is ${fileSize} bytes long, too short to be a safetensors file (it must start with an 8-byte header length); it is truncated or not a safetensors file`,
      );
    const lenBytes = new Uint8Array(8);
    await readExactly(fh, lenBytes, 0, file);
    // A Git LFS pointer's "version " would read as a ~2.3e18-byte header length: say what it is.
    if (startsLikeLfsPointer(lenBytes) && fileSize <= LFS_POINTER_MAX_BYTES) {
      const whole = new Uint8Array(fileSize);
      await readExactly(fh, whole, 0, file);
      const pointer = parseLfsPointer(whole);
      if (pointer) throw new LfsPointerError(file, pointer);
    }
    const headerLength = new DataView(lenBytes.buffer).getBigUint64(0, true);
    if (headerLength > BigInt(MAX_HEADER_BYTES)) {
      throw new SafetensorsError(
        file,
        `the header claims ${headerLength} bytes, more than the ${MAX_HEADER_BYTES}-byte limit; the file is damaged or not a safetensors file`,
      );
    }
    const n = Number(headerLength);
    if (8 + n > fileSize) {
      throw new SafetensorsError(
        file,
        `the header length is ${n} bytes but the file holds only ${fileSize - 8} bytes after the length field; the file is truncated or not a safetensors file`,
      );
    }
    const headerBytes = new Uint8Array(n);
    await readExactly(fh, headerBytes, 8, file);
    const json = parseHeaderJson(file, headerBytes);
    const header = validateHeader(file, fileSize, 8 + n, json);
    for (const t of header.tensors) t.fileStamp = stamp;
    return header;
  } finally {
    await fh.close();
  }
}

function parseHeaderJson(file: string, bytes: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new SafetensorsError(file, 'the header is not valid UTF-8 text; the file is damaged or not a safetensors file');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(file, `the header is not valid JSON (${(e as Error).message}); the file is damaged or not a safetensors file`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const what = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw new SafetensorsError(file, `the header must be a JSON object mapping tensor names to descriptions, but it is ${what}`);
  }
  return value as Record<string, unknown>;
}

function isIndex(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function validateMetadata(file: string, raw: unknown): Record<string, string> {
  if (raw === undefined) return {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new SafetensorsError(file, '"__metadata__" must be an object of strings');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') throw new SafetensorsError(file, `"__metadata__" entry '${k}' must be a string, got ${JSON.stringify(v)}`);
    out[k] = v;
  }
  return out;
}

function validateEntry(file: string, name: string, raw: unknown, dataStart: number, dataSize: number): TensorEntry {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new SafetensorsError(file, `tensor '${name}' must be described by an object {dtype, shape, data_offsets}`);
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (!isDType(dtype)) {
    throw new SafetensorsError(file, `tensor '${name}' has unknown dtype ${JSON.stringify(dtype)} (known: ${DTYPES.join(', ')})`);
  }
  if (!Array.isArray(shape) || !shape.every(isIndex)) {
    throw new SafetensorsError(file, `tensor '${name}' has an invalid shape ${JSON.stringify(shape)} (expected an array of non-negative integers)`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex)) {
    throw new SafetensorsError(file, `tensor '${name}' has invalid data_offsets ${JSON.stringify(offsets)} (expected [begin, end] byte offsets)`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) throw new SafetensorsError(file, `tensor '${name}' has data_offsets [${begin}, ${end}] that end before they begin`);
  if (end > dataSize) {
    throw new SafetensorsError(
      file,
      `tensor '${name}' occupies data bytes ${begin}..${end} but the file holds only ${dataSize} data bytes; the file is truncated or its offsets are out of range`,
    );
  }
  const count = shape.reduce((a: number, b: number) => a * b, 1);
  // Sub-byte types (F4, F6) pack their values; like the reference, refuse a count that ends mid-byte.
  const expected = byteLengthOf(dtype, count);
  if (expected === null) {
    throw new SafetensorsError(
      file,
      `tensor '${name}' is ${dtype} of shape [${shape.join(', ')}]: ${count} values of ${DTYPE_BITS[dtype]} bits do not fill a whole number of bytes`,
    );
  }
  if (expected !== end - begin) {
    throw new SafetensorsError(
      file,
      `tensor '${name}' is ${dtype} of shape [${shape.join(', ')}], which needs ${expected} bytes, but its data_offsets [${begin}, ${end}] span ${end - begin} bytes`,
    );
  }
  return { name, dtype, shape: shape.slice(), file, dataStart: dataStart + begin, byteLength: end - begin };
}

/** Checks a parsed header against the file it came from; exported for tests on hand-made headers. */
export function validateHeader(file: string, fileSize: number, dataStart: number, json: Record<string, unknown>): SafetensorsHeader {
  const dataSize = fileSize - dataStart;
  const metadata = validateMetadata(file, json.__metadata__);
  const tensors: TensorEntry[] = [];
  for (const [name, raw] of Object.entries(json)) {
    if (name === '__metadata__') continue;
    tensors.push(validateEntry(file, name, raw, dataStart, dataSize));
  }
  tensors.sort((a, b) => a.dataStart - b.dataStart || a.byteLength - b.byteLength);
  // Zero-byte tensors occupy no bytes, so they cannot overlap anything.
  let prev: TensorEntry | null = null;
  for (const t of tensors) {
    if (t.byteLength === 0) continue;
    if (prev && t.dataStart < prev.dataStart + prev.byteLength) {
      const r = (e: TensorEntry) => `${e.dataStart - dataStart}..${e.dataStart - dataStart + e.byteLength}`;
      throw new SafetensorsError(file, `tensors '${prev.name}' (data bytes ${r(prev)}) and '${t.name}' (data bytes ${r(t)}) overlap`);
    }
    prev = t;
  }
  return { file, fileSize, dataStart, tensors, metadata };
}
