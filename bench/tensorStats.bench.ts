/**
 * Tensor statistics with and without the model editor's detail (quantiles, top |w|, 6σ counts and
 * the |W| image), on an 8192 × 8192 BF16 matrix (quantiles exact from the bf16 bins) and a
 * 4096 × 4096 F32 matrix (quantiles exact by sorting a float32 copy, the costliest path). Each
 * ratio is detail / plain from the same run, warm page cache, repetitions alternating, best of 3;
 * then the process's peak RSS. Data goes to .bench-data/ and is deleted.
 *
 *   npm run bench tensorStats      (or: node --import tsx bench/tensorStats.bench.ts)
 */
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DType } from '../src/analysis/io/dtypes';
import { openModel } from '../src/analysis/model/openModel';
import { tensorStats } from '../src/analysis/model/summary';
import { headerFor } from '../test/fixtures/safetensorsWriter';

const dataDir = join(__dirname, '..', '.bench-data');

/** A [rows, cols] tensor of roughly normal values (σ ≈ 0.02, sum of four uniforms), written in blocks. */
async function writeMatrix(path: string, dtype: 'BF16' | 'F32', rows: number, cols: number): Promise<void> {
  const width = dtype === 'BF16' ? 2 : 4;
  const { json } = headerFor([{ name: 'w', dtype: dtype as DType, shape: [rows, cols], byteLength: rows * cols * width }]);
  const fh = await open(path, 'w');
  try {
    const len = new Uint8Array(8);
    new DataView(len.buffer).setBigUint64(0, BigInt(json.byteLength), true);
    await fh.write(len);
    await fh.write(json);
    const block = new Float32Array(4 * 1024 * 1024);
    const bits = new Uint32Array(block.buffer);
    const half = new Uint16Array(block.length);
    let s = 0x9e3779b9;
    const next = () => {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return (s >>> 0) / 4294967296;
    };
    for (let done = 0; done < rows * cols; done += block.length) {
      const n = Math.min(block.length, rows * cols - done);
      for (let i = 0; i < n; i++) block[i] = (next() + next() + next() + next() - 2) * 0.035;
      let bytes: Uint8Array;
      if (dtype === 'BF16') {
        for (let i = 0; i < n; i++) half[i] = bits[i]! >>> 16;
        bytes = new Uint8Array(half.buffer, 0, 2 * n);
      } else bytes = new Uint8Array(block.buffer, 0, 4 * n);
      let w = 0;
      while (w < bytes.byteLength) w += (await fh.write(bytes, w)).bytesWritten;
    }
  } finally {
    await fh.close();
  }
}

async function compare(label: string, dtype: 'BF16' | 'F32', rows: number, cols: number): Promise<void> {
  const path = join(dataDir, `tensorStats-${dtype}.safetensors`);
  await writeMatrix(path, dtype, rows, cols);
  const model = await openModel(path);
  await tensorStats(model, 'w'); // warm the page cache
  const plain: number[] = [];
  const detail: number[] = [];
  let method = '';
  for (let i = 0; i < 3; i++) {
    let t0 = performance.now();
    await tensorStats(model, 'w');
    plain.push(performance.now() - t0);
    t0 = performance.now();
    const st = await tensorStats(model, 'w', { detail: true });
    detail.push(performance.now() - t0);
    method = st.detail?.quantiles.method ?? '';
  }
  const p = Math.min(...plain),
    d = Math.min(...detail);
  console.log(
    `${label}: plain stats ${(p / 1000).toFixed(2)} s, with detail ${(d / 1000).toFixed(2)} s (quantiles ${method}), ratio ${(d / p).toFixed(2)}× (best of 3)`,
  );
  await rm(path, { force: true });
}

async function main(): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  await compare('8192 × 8192 BF16', 'BF16', 8192, 8192);
  await compare('4096 × 4096 F32 ', 'F32', 4096, 4096);
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
}

void main();
