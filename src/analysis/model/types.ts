import type { DType } from '../io/dtypes';

/** The seven weight matrices every method works on, always in the `[out, in]` convention. */
export const MATRIX_ROLES = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const;
export type MatrixRole = (typeof MATRIX_ROLES)[number];

/** Roles of tensors that are not one of the seven matrices. */
export type OtherRole = 'embed' | 'lm_head' | 'final_norm' | 'attn_norm' | 'mlp_norm' | 'norm' | 'bias' | 'other';

/**
 * Role of any tensor of a layer, for display and grouping: one of the seven matrices, a fused
 * tensor that holds several of them (`qkv`, `gate_up`), or one of the other roles.
 */
export type TensorRole = MatrixRole | OtherRole | 'qkv' | 'gate_up';

/** One tensor as the safetensors header describes it. */
export interface TensorEntry {
  name: string;
  dtype: DType;
  shape: number[];
  /** Absolute path of the file that holds it. */
  file: string;
  /** Absolute byte offset of the first data byte inside `file`. */
  dataStart: number;
  byteLength: number;
  /**
   * The file's identity (device, inode, size, modification and status-change time) when its header was read. Reads compare it with
   * the file as it is then, so data rewritten in place after opening (even to the same size) is
   * reported instead of being mixed with the header that described the old contents.
   */
  fileStamp?: import('../io/readBytes').FileStamp;
}

/**
 * How to obtain one role matrix `[out, in]` from a stored tensor: optionally transpose the stored
 * 2-D tensor (GPT-2 Conv1D), then take a range of rows (fused qkv / gate_up splits), or an explicit
 * list of rows (GPT-NeoX's per-head interleaved `query_key_value`).
 */
export interface RoleSource {
  tensor: string;
  transpose: boolean;
  rows?: [start: number, end: number];
  rowIndex?: number[];
}

export interface RoleMatrixRef {
  role: MatrixRole;
  layer: number;
  /** Shape `[out, in]` after the transform. */
  shape: [number, number];
  source: RoleSource;
}

export interface LayerInfo {
  index: number;
  /** Names of every tensor of this layer. */
  tensors: string[];
  roles: Partial<Record<MatrixRole, RoleMatrixRef>>;
  /** Role of each tensor of the layer (fused tensors: `qkv`, `gate_up`), set by openModel. */
  tensorRoles?: Record<string, TensorRole>;
  /**
   * Name suffix after the layer index (e.g. `self_attn.q_proj.weight`) → tensor name: the same
   * suffix in different layers is the same kind of tensor, even in architectures nobody mapped.
   */
  suffixes?: Record<string, string>;
}

export interface AttentionGeometry {
  numHeads: number;
  numKvHeads: number;
  headDim: number;
}

export interface ModelHandle {
  /** The path the user opened: a `.safetensors` file or a model folder. */
  path: string;
  kind: 'file' | 'folder';
  /** Files read (absolute); every one is inside the model folder. */
  files: string[];
  config: Record<string, unknown> | null;
  /** `llama`, `gpt2`, `gpt_neox`, … or `generic` when nothing was recognised. */
  architecture: string;
  /** Human-readable architecture name, e.g. `LlamaForCausalLM`. */
  architectureLabel: string;
  hiddenSize?: number;
  intermediateSize?: number;
  vocabSize?: number;
  attention?: AttentionGeometry;
  tensors: Map<string, TensorEntry>;
  layers: LayerInfo[];
  /** Role of each tensor that is not inside a layer (embeddings, final norm, lm_head…). */
  otherRoles: Map<string, OtherRole>;
  /** `__metadata__` of the (first) safetensors header. */
  metadata: Record<string, string>;
  /** What the architecture map could not work out, said plainly (set by openModel). */
  notes?: string[];
}
