/**
 * Quantized checkpoints for tests, from test/oracles/quant_pack.json: each case's packed tensors
 * written into a safetensors file beside a config.json with its quantization_config, and the
 * oracle's dequantized weights as float32 for bit-exact comparison.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DType } from '../../../../../src/analysis/io/dtypes';
import { writeSafetensors, type TensorSpec } from '../../../../fixtures/safetensorsWriter';
import { REPO_ROOT } from '../../../../paths';

export interface OracleTensor {
  dtype: DType;
  shape: number[];
  hex: string;
}

export interface OracleCase {
  config: Record<string, unknown>;
  tensors: Record<string, OracleTensor>;
  weights: Record<string, { shape: number[]; hex: string }>;
}

export const ORACLE = JSON.parse(readFileSync(join(REPO_ROOT, 'test/oracles/quant_pack.json'), 'utf8')) as { cases: Record<string, OracleCase> };

export function bytesOf(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** The oracle's dequantized weight as float32. */
export function expected(c: OracleCase, weight: string): Float32Array {
  const b = bytesOf(c.weights[weight].hex);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}

/** Bit patterns of float32 values, so NaN and −0 compare exactly too. */
export function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

export const LLAMA_CONFIG = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  hidden_size: 32,
  intermediate_size: 64,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 4,
  vocab_size: 16,
  rms_norm_eps: 1e-5,
};

/**
 * Writes `c` (with `edit` applied to its tensor specs, for malformed-input tests) to `dir`: a
 * Llama config carrying the case's quantization_config (or `config`), and model.safetensors.
 */
export async function writeCase(
  dir: string,
  c: OracleCase,
  opts: { edit?: (specs: TensorSpec[]) => TensorSpec[]; config?: Record<string, unknown> | null; extra?: TensorSpec[] } = {},
): Promise<void> {
  await mkdir(dir, { recursive: true });
  let specs: TensorSpec[] = Object.entries(c.tensors).map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape, bytes: bytesOf(t.hex) }));
  if (opts.extra) specs.push(...opts.extra);
  if (opts.edit) specs = opts.edit(specs);
  await writeSafetensors(join(dir, 'model.safetensors'), specs);
  const config = opts.config === undefined ? { ...LLAMA_CONFIG, quantization_config: c.config } : opts.config;
  if (config) await writeFile(join(dir, 'config.json'), JSON.stringify(config));
}
