// A tiny Llama-shaped base model and PEFT LoRA adapters on it, written from test/oracles/lora.json
// (the values and the expected ΔW, merged weights and metrics that test/oracles/lora.py computed).
// Adapter tensors carry PEFT's saved names: `base_model.model.<module>.lora_A.weight`.
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeSafetensors, type TensorSpec } from '../../../../fixtures/safetensorsWriter';
import { REPO_ROOT } from '../../../../paths';

export interface Stored {
  shape: number[];
  values: number[];
}

export interface OracleModule {
  module: string;
  layer: number;
  kind: 'q' | 'v' | 'down';
  rank: number;
  alpha: number;
  scaling: number;
  delta: number[];
  merged: number[];
  fro: number;
  spectral: number;
  stableRank: number;
  singularValues: number[];
  relativeFro: number;
  cosine: number;
  docs: number;
}

export interface LoraOracle {
  hidden: number;
  intermediate: number;
  layers: number;
  base: Record<string, Stored>;
  factors: Record<string, { A: Stored; B: Stored }>;
  cases: Record<'plain' | 'rslora', { config: Record<string, unknown>; modules: OracleModule[] }>;
  conv1d: { A: number[]; B: number[]; r: number; alpha: number; in: number; out: number; delta: number[] };
  embedding: { A: number[]; B: number[]; r: number; alpha: number; delta: number[] };
  dora: { module: string; magnitude: number[]; merged: number[] };
}

export const ORACLE: LoraOracle = JSON.parse(readFileSync(join(REPO_ROOT, 'test', 'oracles', 'lora.json'), 'utf8')) as LoraOracle;

export const PREFIX = 'base_model.model.';

/** The base model folder (config.json + model.safetensors), Llama names. */
export async function writeBase(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const config = {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: ORACLE.hidden,
    intermediate_size: ORACLE.intermediate,
    num_hidden_layers: ORACLE.layers,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    vocab_size: 32,
  };
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
  const tensors: TensorSpec[] = Object.entries(ORACLE.base).map(([name, t]) => ({ name, dtype: 'F32', shape: t.shape, values: t.values }));
  await writeSafetensors(join(dir, 'model.safetensors'), tensors);
  return dir;
}

/** The factors of every module as PEFT names them. */
export function adapterTensors(): TensorSpec[] {
  const out: TensorSpec[] = [];
  for (const [module, f] of Object.entries(ORACLE.factors)) {
    out.push({ name: `${PREFIX}${module}.lora_A.weight`, dtype: 'F32', shape: f.A.shape, values: f.A.values });
    out.push({ name: `${PREFIX}${module}.lora_B.weight`, dtype: 'F32', shape: f.B.shape, values: f.B.values });
  }
  return out;
}

/** An adapter folder: adapter_config.json (`config`, default the oracle's case) and adapter_model.safetensors (`tensors`, default every factor). */
export async function writeAdapter(dir: string, config: Record<string, unknown> | null, tensors: TensorSpec[] = adapterTensors()): Promise<string> {
  await mkdir(dir, { recursive: true });
  if (config) await writeFile(join(dir, 'adapter_config.json'), JSON.stringify(config));
  await writeSafetensors(join(dir, 'adapter_model.safetensors'), tensors);
  return dir;
}

/** Largest |a − b| / (|b| + floor) over two arrays of equal length. */
export function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-6): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (Math.abs(b[i]) + floor));
  return worst;
}
