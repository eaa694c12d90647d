/**
 * The tiny mixture-of-experts models of test/oracles/moe_forward.py, rebuilt from the tensor list in
 * its JSON (same LCG, same seeds) as in-memory weights or as a model folder on disk.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lcgTensor } from '../../../../fixtures/syntheticModel';
import { writeSafetensors } from '../../../../fixtures/safetensorsWriter';
import type { HostWeight } from '../../../../../src/analysis/model/executor/weights';
import { REPO_ROOT } from '../../../../paths';

export interface OracleCase {
  config: Record<string, any>;
  tensors: Array<{ name: string; shape: number[]; seed: number; scale: number | 'norm' }>;
  logits: number[][];
  boundaryNorms: number[][];
  routes: Array<number[][] | null>;
}

export const MOE_ORACLE: { ids: number[]; cases: Record<string, OracleCase> } = JSON.parse(
  readFileSync(join(REPO_ROOT, 'test/oracles/moe_forward.json'), 'utf8'),
);

/** The case's weights as float32 values, by tensor name (norm gains are 1 + LCG·0.5, as in the oracle). */
export function oracleWeights(c: OracleCase): Map<string, HostWeight> {
  const out = new Map<string, HostWeight>();
  for (const t of c.tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    const data = t.scale === 'norm' ? lcgTensor(t.seed, n, 0.5).map((v) => 1 + v) : lcgTensor(t.seed, n, t.scale);
    out.set(t.name, { shape: t.shape, data });
  }
  return out;
}

/** Writes config.json and model.safetensors (float32) of the case into `dir`, after `edit` changes the weights. */
export async function writeOracleModel(dir: string, c: OracleCase, edit?: (w: Map<string, HostWeight>) => void): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const w = oracleWeights(c);
  edit?.(w);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(c.config));
  await writeSafetensors(
    join(dir, 'model.safetensors'),
    [...w].map(([name, t]) => ({ name, dtype: 'F32' as const, shape: t.shape, values: t.data })),
  );
  return dir;
}
