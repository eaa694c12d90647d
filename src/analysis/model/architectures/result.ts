import type { AttentionGeometry, LayerInfo, OtherRole, TensorEntry } from '../types';

/** What an architecture map hands to openModel: everything of a ModelHandle that names imply. */
export interface ArchitectureResult {
  architecture: string;
  architectureLabel: string;
  hiddenSize?: number;
  intermediateSize?: number;
  vocabSize?: number;
  attention?: AttentionGeometry;
  layers: LayerInfo[];
  otherRoles: Map<string, OtherRole>;
  notes: string[];
}

export interface ArchitectureInput {
  config: Record<string, unknown> | null;
  tensors: ReadonlyMap<string, TensorEntry>;
}

/** `[out, in]` of a stored 2-D tensor after the optional transpose, or null for other ranks. */
export function matrixShape(entry: TensorEntry, transpose: boolean): [number, number] | null {
  if (entry.shape.length !== 2) return null;
  const [r, c] = entry.shape;
  return transpose ? [c, r] : [r, c];
}
