/**
 * Helpers for the checkpoint-diff tests: planted low-rank updates with known singular values, and
 * copies of a fixture model written tensor by tensor (another folder, another dtype, sharded, or
 * with chosen tensors edited), so that a test knows exactly what differs between A and B.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FixtureModel } from '../../../../fixtures/makeModel';
import { writeSafetensors } from '../../../../fixtures/safetensorsWriter';
import { gaussian, rng } from '../../engine/random';

/** k orthonormal vectors of length n (Gram–Schmidt on Gaussian vectors, float64). */
export function orthonormal(n: number, k: number, seed: number): Float64Array[] {
  const rand = rng(seed);
  const out: Float64Array[] = [];
  while (out.length < k) {
    const v = Float64Array.from({ length: n }, () => gaussian(rand));
    for (const u of out) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += u[i] * v[i];
      for (let i = 0; i < n; i++) v[i] -= dot * u[i];
    }
    const norm = Math.hypot(...v);
    for (let i = 0; i < n; i++) v[i] /= norm;
    out.push(v);
  }
  return out;
}

/** Σᵢ s[i]·uᵢ·vᵢᵀ, rows×cols, with orthonormal u and v: its singular values are exactly `s`. */
export function lowRank(rows: number, cols: number, s: number[], seed: number): Float64Array {
  const u = orthonormal(rows, s.length, seed);
  const v = orthonormal(cols, s.length, seed + 1);
  const out = new Float64Array(rows * cols);
  s.forEach((si, k) => {
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] += si * u[k][r] * v[k][c];
  });
  return out;
}

export interface CopyOptions {
  dtype?: 'F32' | 'F16' | 'BF16';
  /** Number of shard files (with model.safetensors.index.json). */
  shards?: number;
  /** Replaces a tensor's values (row-major, same length). */
  edit?: (name: string, values: Float32Array, shape: number[]) => Float32Array | undefined;
  /** Extra files to write beside the weights (e.g. tokenizer.json). */
  files?: Record<string, string>;
}

/** Writes the fixture's tensors again into `dir`, changed as asked; returns `dir`. */
export async function copyModel(fixture: FixtureModel, dir: string, opts: CopyOptions = {}): Promise<string> {
  await mkdir(dir, { recursive: true });
  const dtype = opts.dtype ?? 'F32';
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({ ...fixture.config, torch_dtype: { F32: 'float32', F16: 'float16', BF16: 'bfloat16' }[dtype] }, null, 2),
  );
  const specs = [...fixture.tensors].map(([name, t]) => ({ name, dtype, shape: t.shape, values: opts.edit?.(name, t.values, t.shape) ?? t.values }));
  const shards = opts.shards ?? 1;
  if (shards === 1) await writeSafetensors(join(dir, 'model.safetensors'), specs, { format: 'pt' });
  else {
    const per = Math.ceil(specs.length / shards);
    const weightMap: Record<string, string> = {};
    for (let s = 0; s < shards; s++) {
      const file = `model-${String(s + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
      const part = specs.slice(s * per, (s + 1) * per);
      for (const t of part) weightMap[t.name] = file;
      await writeSafetensors(join(dir, file), part, { format: 'pt' });
    }
    await writeFile(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
  }
  for (const [name, text] of Object.entries(opts.files ?? {})) await writeFile(join(dir, name), text);
  return dir;
}
