/**
 * Opens a `.gguf` file (llama.cpp's format) as a ModelHandle: its tensors (plain F32/F16/BF16 and
 * integer tensors read in place; block-quantized ones decoded on read through io/gguf/dequant.ts),
 * its key/value metadata, a config synthesised from that metadata, and the role map of
 * architectures/gguf.ts (llama.cpp tensor names, q/k rows restored to the Hugging Face order).
 * Only the header is read, as for safetensors. A model split by gguf-split opens whole from any of
 * its parts (gguf/ggufSplit.ts): the tensors of every part, the metadata of the first.
 */
import { basename } from 'node:path';
import type { DType } from '../../io/dtypes';
import { readGgufHeader, type GgufTensorInfo } from '../../io/gguf/ggufHeader';
import type { FileStamp } from '../../io/readBytes';
import { ModelFileError } from '../../io/modelFileError';
import { mapArchitecture } from '../architectures/index';
import type { ModelHandle, TensorEntry } from '../types';
import { ggufArchitecture, metadataStrings, synthesiseConfig } from './ggufConfig';
import { readSplitHeaders } from './ggufSplit';

/** ggml types read by the plain tensor reader (same element encoding as the safetensors dtype). */
const PLAIN: Readonly<Record<string, DType>> = { F32: 'F32', F16: 'F16', BF16: 'BF16', F64: 'F64', I8: 'I8', I16: 'I16', I32: 'I32', I64: 'I64' };

/** The TensorEntry of one GGUF tensor: PyTorch shape = `ne` reversed. */
export function ggufTensorEntry(t: GgufTensorInfo, file: string, stamp: FileStamp | undefined): TensorEntry {
  const shape = [...t.ne].reverse();
  const base = { name: t.name, shape, file, dataStart: t.dataStart, byteLength: t.byteLength, fileStamp: stamp };
  const plain = PLAIN[t.type.name];
  if (plain) return { ...base, dtype: plain };
  return {
    ...base,
    dtype: 'F32',
    quant: {
      scheme: 'ggml',
      label: t.type.name,
      params: { type: t.type.id },
      parts: [
        {
          name: `${t.name} (${t.type.name} blocks)`,
          dtype: 'U8',
          shape: [t.byteLength],
          file,
          dataStart: t.dataStart,
          byteLength: t.byteLength,
          fileStamp: stamp,
        },
      ],
      decodable: t.type.decodable,
    },
  };
}

export async function openGgufModel(file: string): Promise<ModelHandle> {
  const parts = await readSplitHeaders(await readGgufHeader(file));
  const header = parts[0];
  const files = parts.map((p) => p.file);
  const all = parts.flatMap((p) => p.tensors);
  const name = parts.length > 1 ? `${basename(header.file)} (part 1 of ${parts.length})` : basename(file);
  if (all.length === 0) throw new ModelFileError(`${name} holds no tensors (a GGUF file of metadata only, such as a vocabulary)`, file);
  const tensors = new Map<string, TensorEntry>();
  for (const p of parts) for (const t of p.tensors) tensors.set(t.name, ggufTensorEntry(t, p.file, p.stamp));
  const embed = tensors.get('token_embd.weight');
  const config = synthesiseConfig(header.metadata, embed?.shape.length === 2 ? embed.shape[0] : undefined);
  const mapped = mapArchitecture({ config, tensors });
  const notes: string[] = [];
  if (!ggufArchitecture(header.metadata)) notes.push(`${name} names no general.architecture; tensors are mapped by llama.cpp's names alone.`);
  if (parts.length > 1) notes.push(`A GGUF model split into ${parts.length} files: ${files.map((f) => basename(f)).join(', ')}.`);
  const undecodable = [...new Set(all.filter((t) => !t.type.decodable).map((t) => t.type.name))];
  if (undecodable.length)
    notes.push(
      `Tensors stored as ${undecodable.join(', ')} are listed but their values cannot be read: Layer Lens does not decode ${undecodable.length > 1 ? 'these types' : 'this type'}.`,
    );
  return {
    path: header.file,
    kind: 'file',
    files,
    config,
    architecture: mapped.architecture,
    architectureLabel: mapped.architectureLabel,
    hiddenSize: mapped.hiddenSize,
    intermediateSize: mapped.intermediateSize,
    vocabSize: mapped.vocabSize,
    attention: mapped.attention,
    tensors,
    layers: mapped.layers,
    otherRoles: mapped.otherRoles,
    metadata: { 'GGUF version': String(header.version), ...metadataStrings(header.metadata) },
    notes: [...notes, ...mapped.notes],
  };
}
