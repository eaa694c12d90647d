/**
 * Helpers for the worker tests: a WorkerConnection running the TypeScript worker through tsx (no
 * build needed), the shared trained model, hand-written safetensors files (valid, sparse-huge and
 * malformed) and a reference reader that decodes F32 tensors independently of src/analysis/io.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, openSync, ftruncateSync, closeSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { WorkerConnection, type WorkerConnectionOptions } from '../../../../src/extension/worker/workerConnection';
import { REPO_ROOT } from '../../../paths';

export const repoRoot = REPO_ROOT;
/** CI has shared/ beside the clone; the same layout holds on the development machine. */
export const stories260K = path.resolve(repoRoot, 'test', 'fixtures', 'models', 'stories260K');

export function startWorker(options: Partial<WorkerConnectionOptions> = {}): WorkerConnection {
  return new WorkerConnection({
    modulePath: path.join(repoRoot, 'src', 'analysis', 'worker', 'main.ts'),
    execArgv: ['--import', 'tsx'],
    cwd: repoRoot,
    ...options,
  });
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'layer-lens-worker-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Bytes of a safetensors file: 8-byte little-endian header length, JSON header, data. */
export function safetensorsBytes(header: Record<string, unknown>, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/**
 * A safetensors file with one tensor of `elements` BF16 values that takes no disk space: the data
 * region is a hole (all zeros) made by extending the file.
 */
export function writeSparseBf16(file: string, name: string, rows: number, cols: number): void {
  const bytes = rows * cols * 2;
  const header = safetensorsBytes({ [name]: { dtype: 'BF16', shape: [rows, cols], data_offsets: [0, bytes] } }, new Uint8Array(0));
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, header);
    ftruncateSync(fd, header.length + bytes);
  } finally {
    closeSync(fd);
  }
}

export function writeFile(file: string, bytes: Uint8Array): void {
  writeFileSync(file, bytes);
}

/** Reference decoding of one F32 tensor straight from the file bytes (no src/analysis/io). */
export function referenceF32(file: string, name: string): Float32Array {
  const buf = readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; data_offsets: [number, number] }>;
  const entry = header[name];
  if (!entry || entry.dtype !== 'F32') throw new Error(`reference reader: no F32 tensor ${name}`);
  const start = 8 + n + entry.data_offsets[0];
  const count = (entry.data_offsets[1] - entry.data_offsets[0]) / 4;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = buf.readFloatLE(start + 4 * i);
  return out;
}

/** Float64 statistics of finite values, computed the textbook two-pass way. */
export function referenceStats(values: Float32Array): { min: number; max: number; mean: number; std: number; absMean: number; zeros: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let abs = 0;
  let zeros = 0;
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
    abs += Math.abs(v);
    if (v === 0) zeros++;
  }
  const mean = sum / values.length;
  let sq = 0;
  for (const v of values) sq += (v - mean) ** 2;
  return { min, max, mean, std: Math.sqrt(sq / values.length), absMean: abs / values.length, zeros };
}

/** CPU time (user + system, ms) the process has used so far, from /proc. */
export function cpuTimeMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}
