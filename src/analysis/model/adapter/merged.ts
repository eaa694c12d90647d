/**
 * A base model with a LoRA adapter merged in, as PEFT's `merge_and_unload` would give it
 * (`tuners/lora/layer.py` `Linear.merge`: W ← W + ΔW; DoRA `variants.py` `DoraLinearVariant.merge_safe`),
 * without writing it anywhere: each adapted weight of the base becomes an entry of scheme
 * `lora-merged` (parts W, A, B and, with DoRA, the magnitude) decoded on read by io/quant/lora.ts, and
 * each whole weight of `modules_to_save` replaces the base's. Everything else is the base's, so the
 * role map, every analysis and the checkpoint diff see the merged model.
 */
import { join } from 'node:path';
import { ModelFileError } from '../../io/modelFileError';
import type { LoraParams } from '../../io/quant/lora';
import { openModel } from '../openModel';
import type { ModelHandle, TensorEntry } from '../types';
import { ADAPTER_CONFIG } from './config';

function dims(shape: number[]): string {
  return `[${shape.join(', ')}]`;
}

/** The merged entry of one adapted weight, or a ModelFileError naming the module when it does not fit the base. */
function mergedEntry(baseEntry: TensorEntry | undefined, delta: TensorEntry, notes: string[]): TensorEntry {
  const module = delta.name.replace(/\.weight$/, '');
  if (!baseEntry) throw new ModelFileError(`the adapter updates '${module}', but the base model has no tensor '${delta.name}'`, delta.file);
  const params = { ...(delta.quant!.params as unknown as LoraParams) };
  let shape = delta.shape;
  const same = (s: number[]) => s.length === baseEntry.shape.length && s.every((v, i) => v === baseEntry.shape[i]);
  if (!same(shape)) {
    const flipped = [shape[1], shape[0]];
    if (!params.error && !params.dora && same(flipped)) {
      // PEFT forces fan_in_fan_out for Conv1D bases (stored [in, out]) whatever the config says.
      params.transpose = !params.transpose;
      shape = flipped;
      notes.push(`'${module}': the base stores it ${dims(baseEntry.shape)}, the transpose of the adapter's ΔW; ΔW is transposed to match (Conv1D layout).`);
    } else {
      throw new ModelFileError(
        `LoRA module '${module}': its ΔW is ${dims(delta.shape)} but the base weight '${baseEntry.name}' is ${dims(baseEntry.shape)}; the adapter was not trained on this base`,
        delta.file,
      );
    }
  }
  if (params.dora && params.transpose)
    throw new ModelFileError(`LoRA module '${module}': DoRA on a transposed (fan_in_fan_out) weight is not supported`, delta.file);
  const [a, b, magnitude] = delta.quant!.parts;
  if (params.dora && (!magnitude || magnitude.shape.reduce((x, y) => x * y, 1) !== shape[0]))
    throw new ModelFileError(`LoRA module '${module}': its DoRA magnitude vector does not have one value per output row (${shape[0]})`, delta.file);
  const baseLabel = baseEntry.quant ? baseEntry.quant.label : baseEntry.dtype;
  return {
    name: baseEntry.name,
    dtype: 'F32',
    shape,
    file: baseEntry.file,
    dataStart: baseEntry.dataStart,
    byteLength: baseEntry.byteLength + delta.byteLength,
    fileStamp: baseEntry.fileStamp,
    quant: {
      scheme: 'lora-merged',
      label: `${baseLabel} + ${params.dora ? 'DoRA' : 'LoRA'} ΔW r${params.rank}`,
      params: { ...params },
      parts: params.dora ? [baseEntry, a, b, magnitude] : [baseEntry, a, b],
    },
  };
}

/** Merges an already opened adapter into an already opened base (both from openModel). */
export function mergeAdapter(base: ModelHandle, adapter: ModelHandle): ModelHandle {
  const tensors = new Map(base.tensors);
  const notes: string[] = [];
  let merged = 0;
  let replaced = 0;
  for (const [name, t] of adapter.tensors) {
    if (t.quant?.scheme === 'lora') {
      tensors.set(name, mergedEntry(base.tensors.get(name), t, notes));
      merged++;
      continue;
    }
    // modules_to_save and any other whole tensor the adapter stores replace the base's.
    const b = base.tensors.get(name);
    if (!b) {
      notes.push(`The adapter's tensor '${name}' has no counterpart in the base and is left out of the merged model.`);
      continue;
    }
    if (b.shape.join(',') !== t.shape.join(','))
      throw new ModelFileError(`the adapter stores '${name}' as ${dims(t.shape)}, but the base's is ${dims(b.shape)}`, t.file);
    tensors.set(name, t);
    replaced++;
  }
  if (merged === 0) throw new ModelFileError(`${adapter.path} holds no LoRA factors (lora_A / lora_B) to merge`);
  const adapterNotes = (adapter.notes ?? []).filter((n) => !n.startsWith('No config.json'));
  return {
    ...base,
    // adapter_config.json too: its scaling is part of every merged value, so a change to it must count as a change of the model.
    files: [...base.files, ...adapter.files.filter((f) => !base.files.includes(f)), ...(adapter.kind === 'folder' ? [join(adapter.path, ADAPTER_CONFIG)] : [])],
    tensors,
    notes: [
      `Base ${base.path} with the LoRA adapter ${adapter.path} merged in (W + ΔW) in ${merged} weights${replaced ? `, ${replaced} whole weights from the adapter (modules_to_save)` : ''}.`,
      ...adapterNotes,
      ...notes.slice(0, 10),
      ...(base.notes ?? []),
    ],
  };
}

/** The base model at `basePath` with the LoRA adapter folder at `adapterPath` merged in. */
export async function openModelWithAdapter(basePath: string, adapterPath: string): Promise<ModelHandle> {
  const [base, adapter] = await Promise.all([openModel(basePath), openModel(adapterPath)]);
  return mergeAdapter(base, adapter);
}
