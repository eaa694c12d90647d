// An independent, minimal safetensors reader for the e2e cases' expected values: the header as
// JSON and F32 tensors as Float32Array, straight from the file (no code from src/).
import { readFileSync } from 'node:fs';

export interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export function readHeader(file: string): { entries: Record<string, HeaderEntry>; dataStart: number; bytes: Buffer } {
  const bytes = readFileSync(file);
  const length = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')) as Record<string, HeaderEntry | Record<string, string>>;
  delete header.__metadata__;
  return { entries: header as Record<string, HeaderEntry>, dataStart: 8 + length, bytes };
}

export function readF32(file: string, name: string): Float32Array {
  const { entries, dataStart, bytes } = readHeader(file);
  const e = entries[name];
  if (!e) throw new Error(`${file} has no tensor ${name}`);
  if (e.dtype !== 'F32') throw new Error(`${name} is ${e.dtype}, expected F32`);
  const [begin, end] = e.data_offsets;
  const copy = bytes.subarray(dataStart + begin, dataStart + end);
  return new Float32Array(copy.buffer.slice(copy.byteOffset, copy.byteOffset + copy.byteLength));
}

/** min, max, mean and population std in float64. */
export function summarizeValues(values: Float32Array): { min: number; max: number; mean: number; std: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  const mean = sum / values.length;
  let sq = 0;
  for (const v of values) sq += (v - mean) ** 2;
  return { min, max, mean, std: Math.sqrt(sq / values.length) };
}
