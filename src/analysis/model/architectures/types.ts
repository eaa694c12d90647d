/**
 * An architecture family as data: which tensor suffix marks a layer, which suffixes are one matrix
 * each, which are fused and how to split them, and what the remaining tensors are. mapFamily.ts turns
 * a family plus a model's tensor names into layers and roles.
 */
import type { MatrixRole, TensorRole } from '../types';
import type { Geometry } from '../roles';

/** One role cut out of a fused tensor (rows of the `[out, in]` matrix after any transpose). */
export interface FusedPart {
  role: MatrixRole;
  rows?: [start: number, end: number];
  rowIndex?: number[];
}

export interface FusedSpec {
  role: 'qkv' | 'gate_up';
  /** The parts of a fused tensor with `rows` output rows, or a sentence saying why it cannot be split. */
  split(rows: number, geometry: Geometry): FusedPart[] | string;
}

export interface Family {
  /** `ModelHandle.architecture` for models of this family. */
  id: string;
  /** Label when config.json names no architecture class. */
  label: string;
  /** `model_type` values this family maps. */
  modelTypes: readonly string[];
  /** A suffix every layer of the family has, used to find the layer stack (`P.N.<anchor>`). */
  anchor: string;
  /** Suffix → role of stored 2-D tensors that are one matrix each. */
  direct: Readonly<Record<string, MatrixRole>>;
  /** Suffix → split of fused tensors. */
  fused?: Readonly<Record<string, FusedSpec>>;
  /** Stored `[in, out]` (GPT-2's Conv1D): every matrix is transposed before use. */
  transposed?: boolean;
  /** Role of the remaining layer tensors (norms, biases…); `suffixes` are all of the layer's. */
  named?(suffix: string, suffixes: ReadonlySet<string>): TensorRole | undefined;
}
