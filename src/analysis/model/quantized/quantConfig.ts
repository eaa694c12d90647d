/**
 * Where a quantized checkpoint says how it was quantized: config.json's `quantization_config`
 * (transformers; compressed-tensors once wrote `compression_config`), or, for checkpoints saved by
 * AutoGPTQ / AutoAWQ themselves, `quantize_config.json` / `quant_config.json` beside the weights.
 * Also the helpers every scheme's pass uses to replace stored parts by one decoded weight.
 */
import { join } from 'node:path';
import { readJsonFile } from '../../io/readBytes';
import type { QuantizedStorage, TensorEntry } from '../types';

/** What a scheme's pass is given (the shape of index.ts's QuantizedStorageContext, restated so passes do not import the table that lists them). */
export interface QuantizedStorageContext {
  folder: string;
  config: Record<string, unknown> | null;
  tensors: Map<string, TensorEntry>;
  notes: Set<string>;
}

const SIDE_FILES = ['quantize_config.json', 'quant_config.json'];

function isRecord(x: unknown): x is Record<string, unknown> {
  return !!x && typeof x === 'object' && !Array.isArray(x);
}

/** The checkpoint's quantization config, or null when it has none. */
export async function quantizationConfig(ctx: Pick<QuantizedStorageContext, 'folder' | 'config'>): Promise<Record<string, unknown> | null> {
  for (const key of ['quantization_config', 'compression_config']) {
    const q = ctx.config?.[key];
    if (isRecord(q)) return q;
  }
  for (const f of SIDE_FILES) {
    const q = await readJsonFile(join(ctx.folder, f), f, 1 << 20).catch(() => null);
    if (isRecord(q)) return q;
  }
  return null;
}

/** `quant_method` in lower case (AutoGPTQ's side file has none: it is GPTQ when it names `bits` and `desc_act`). */
export function quantMethod(q: Record<string, unknown> | null): string | undefined {
  if (!q) return undefined;
  if (typeof q.quant_method === 'string') return q.quant_method.toLowerCase();
  if ('desc_act' in q && 'bits' in q) return 'gptq';
  if ('w_bit' in q && 'q_group_size' in q) return 'awq';
  return undefined;
}

export function numberField(q: Record<string, unknown> | null, ...keys: string[]): number | undefined {
  for (const k of keys) {
    const v = q?.[k];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return undefined;
}

export function stringField(q: Record<string, unknown> | null, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = q?.[k];
    if (typeof v === 'string') return v;
  }
  return undefined;
}

/** `[a, b]` as text, for messages. */
export function shapeText(t: TensorEntry): string {
  return `[${t.shape.join(', ')}]`;
}

/**
 * Replaces `parts` in `ctx.tensors` by one F32 weight named `name` of logical `shape`, decoded from
 * them by `quant.scheme`; its position in the file is that of the first part.
 */
export function replaceByQuantized(
  ctx: QuantizedStorageContext,
  name: string,
  shape: number[],
  parts: TensorEntry[],
  quant: Omit<QuantizedStorage, 'parts'>,
): TensorEntry {
  const first = parts[0];
  const entry: TensorEntry = {
    name,
    dtype: 'F32',
    shape,
    file: first.file,
    dataStart: first.dataStart,
    byteLength: parts.reduce((a, p) => a + p.byteLength, 0),
    ...(first.fileStamp ? { fileStamp: first.fileStamp } : {}),
    quant: { ...quant, parts },
  };
  for (const p of parts) ctx.tensors.delete(p.name);
  ctx.tensors.set(name, entry);
  return entry;
}

/**
 * A weight whose parts are inconsistent (or a layout Layer Lens does not decode): listed once,
 * under the weight's name, not decodable, the reason in `params.reason` and in the model's notes;
 * the rest of the model opens as usual.
 */
export function markNotDecodable(
  ctx: QuantizedStorageContext,
  name: string,
  shape: number[],
  parts: TensorEntry[],
  scheme: string,
  label: string,
  reason: string,
): void {
  replaceByQuantized(ctx, name, shape, parts, { scheme, label, params: { reason }, decodable: false });
  ctx.notes.add(reason);
}
