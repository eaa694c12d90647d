/**
 * Quantized checkpoints whose weights are stored as several tensors (GPTQ/AWQ packed integers with
 * their scales and zero points, LoRA factors, …). Before the architecture map runs, each scheme
 * below replaces a weight's stored parts by one entry named like the plain weight (`….weight`) with
 * `quant` set (model/types.ts QuantizedStorage), so every role map, statistic and analysis sees the
 * decoded float32 matrix and the parts are decoded on read (io/quant/decode.ts).
 */
import { loraPass } from './lora';
import { unknownQuantPass } from './unknownQuantPass';
import { gptqPass } from './gptqPass';
import { compressedTensorsPass } from './compressedTensorsPass';
import { bitsandbytesPass } from './bitsandbytesPass';
import { awqPass } from './awqPass';
import type { TensorEntry } from '../types';

export interface QuantizedStorageContext {
  /** The model folder (the file's folder when a single file was opened): where side files such as adapter_config.json live. */
  folder: string;
  /**
   * The checkpoint's config.json (its `quantization_config`), or null. A pass may supply one where the
   * folder has none (a LoRA adapter: its base model's), which the architecture map then uses.
   */
  config: Record<string, unknown> | null;
  /** Every stored tensor, by name; a scheme replaces parts by their decoded weight in place. */
  tensors: Map<string, TensorEntry>;
  /** What the scheme wants the user to know (the model's notes). */
  notes: Set<string>;
}

/** A scheme's pass: recognises its tensors (and config) and rewrites `ctx.tensors`; throws ModelFileError for inconsistent parts. */
export type QuantizedStoragePass = (ctx: QuantizedStorageContext) => void | Promise<void>;

const PASSES: readonly QuantizedStoragePass[] = [
  // one line per scheme
  gptqPass,
  awqPass,
  compressedTensorsPass,
  bitsandbytesPass,
  unknownQuantPass,
  loraPass,
];

/** Runs every scheme's pass; returns the notes they left and the config the architecture map is to use. */
export async function applyQuantizedStorage(
  folder: string,
  config: Record<string, unknown> | null,
  tensors: Map<string, TensorEntry>,
): Promise<{ notes: string[]; config: Record<string, unknown> | null }> {
  const ctx: QuantizedStorageContext = { folder, config, tensors, notes: new Set<string>() };
  for (const pass of PASSES) await pass(ctx);
  return { notes: [...ctx.notes], config: ctx.config };
}
