import type { DType } from '../io/dtypes';

/** The seven weight matrices every method works on, always in the `[out, in]` convention. */
export const MATRIX_ROLES = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const;
export type MatrixRole = (typeof MATRIX_ROLES)[number];

/**
 * Matrix kinds a layer may carry beyond the seven, each `[out, in]` like them: the mixture-of-experts
 * router `[E, d]`, and the factor matrices of multi-head latent attention (DeepSeek-V2/V3:
 * `q_a_proj`, `q_b_proj`, `kv_a_proj_with_mqa`, `kv_b_proj`). A separate list, so every method that
 * iterates MATRIX_ROLES keeps seeing the seven; one that accepts these reads them with readMatrixKind.
 */
export const EXTRA_MATRIX_KINDS = ['router', 'q_a', 'q_b', 'kv_a', 'kv_b'] as const;
export type ExtraMatrixKind = (typeof EXTRA_MATRIX_KINDS)[number];
/** Every matrix kind a layer can hold outside its experts. */
export type MatrixKind = MatrixRole | ExtraMatrixKind;
export const MATRIX_KINDS: readonly MatrixKind[] = [...MATRIX_ROLES, ...EXTRA_MATRIX_KINDS];

/** The matrices of one expert (routed or shared): a gated MLP, `down(act(gate x) ⊙ up x)`. */
export const EXPERT_ROLES = ['gate', 'up', 'down'] as const;
export type ExpertRole = (typeof EXPERT_ROLES)[number];

/** Which expert of a mixture-of-experts layer: routed expert `e` (0…E−1) or the shared expert. */
export type ExpertSelector = number | 'shared';

/** Roles of tensors that are not one of the seven matrices. */
export type OtherRole = 'embed' | 'lm_head' | 'final_norm' | 'attn_norm' | 'mlp_norm' | 'norm' | 'bias' | 'other';

/**
 * Roles of a mixture-of-experts layer's tensors: `expert` (one matrix of one expert), `experts` (one
 * tensor holding a matrix of every expert, `[E, …]`), `shared_expert`, `shared_expert_gate` (Qwen2-MoE's
 * `[1, d]` sigmoid gate), `router_bias` (a router's bias or DeepSeek-V3's `e_score_correction_bias`),
 * `expert_bias` (gpt-oss's per-expert biases), `attn_sinks` (gpt-oss's per-head attention sinks).
 */
export type MoeTensorRole = 'expert' | 'experts' | 'shared_expert' | 'shared_expert_gate' | 'router_bias' | 'expert_bias' | 'attn_sinks';

/**
 * Role of any tensor of a layer, for display and grouping: one of the seven matrices, a fused
 * tensor that holds several of them (`qkv`, `gate_up`), an extra matrix kind, a mixture-of-experts
 * tensor, or one of the other roles.
 */
export type TensorRole = MatrixRole | OtherRole | 'qkv' | 'gate_up' | ExtraMatrixKind | MoeTensorRole;

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
  /**
   * Set on a weight that is not stored as one plain tensor but decoded from others (GPTQ/AWQ packed
   * integers with their scales and zeros, a GGUF block-quantized tensor, a LoRA update B·A): the
   * entry is then the decoded float32 weight, `shape` its logical shape, `dtype` `F32`, and its
   * `file`/`dataStart`/`byteLength` those of its first part (`byteLength`: all parts together). The
   * parts are not listed in the model's tensors; readers decode through io/quant/decode.ts.
   */
  quant?: QuantizedStorage;
}

/**
 * How a quantized weight is stored: a scheme that io/quant/decode.ts knows, the label shown for its
 * dtype (`GPTQ int4 g128`, `Q4_K`, `LoRA ΔW r16`), JSON-serialisable parameters of the scheme, and
 * the stored tensors it is decoded from.
 */
export interface QuantizedStorage {
  scheme: string;
  label: string;
  params: Record<string, unknown>;
  parts: TensorEntry[];
  /** False when Layer Lens can list it but not decode it (an unsupported GGUF type, say); reads then refuse. */
  decodable?: boolean;
}

/**
 * How to obtain one matrix `[out, in]` from a stored tensor, in this order: take expert `expert`'s
 * slice of a 3-D `[E, a, b]` tensor (fused experts; the slice is the 2-D `[a, b]`); optionally
 * transpose (GPT-2 Conv1D, and expert tensors stored for `x @ W`); then take a range of rows (fused
 * qkv / gate_up splits), every `rowStep`-th row of that range (gpt-oss's interleaved gate/up), or an
 * explicit list of rows (GPT-NeoX's per-head interleaved `query_key_value`). `blockScale` multiplies
 * the stored values by their block's inverse scale first (FP8 checkpoints with `weight_scale_inv`).
 */
export interface RoleSource {
  tensor: string;
  transpose: boolean;
  rows?: [start: number, end: number];
  /** With `rows`: rows `start, start + rowStep, …` below `end`. */
  rowStep?: number;
  rowIndex?: number[];
  /** Index along the first axis of a 3-D tensor that holds every expert. */
  expert?: number;
  /**
   * Block-wise dequantization: stored value `(i, j)` of the 2-D matrix (or of the expert slice) times
   * `tensor[i / block[0], j / block[1]]` (both floored).
   */
  blockScale?: { tensor: string; block: [rows: number, cols: number] };
  /**
   * `tensor` is MXFP4 blocks `[E, rows, groups, 16]` (U8; byte k of a group holds values 2k in its low
   * and 2k+1 in its high nibble, E2M1 codes) and `scales` the E8M0 exponents `[E, rows, groups]`:
   * the expert's stored matrix is `[rows, groups·32]`, each value `fp4 · 2^(scale − 127)`.
   */
  mxfp4?: { scales: string };
  /**
   * DeepSeek's kv_b_proj `[heads·(nope + v), rank]` as newer llama.cpp converters split it: `tensor`
   * is `attn_k_b` `[heads, rank, nope]` (each head's key rows, transposed) and `vb` is `attn_v_b`
   * `[heads, v, rank]`; the sizes are the file's metadata, which the stored shapes must match.
   * Rebuilt whole by gguf/ggufMlaTensors.ts (then `transpose`/`rows` apply as for any matrix);
   * `expert`, `blockScale` and `mxfp4` do not combine with it.
   */
  mlaKvB?: { vb: string; heads: number; nope: number; v: number; rank: number };
}

export interface RoleMatrixRef<K extends MatrixKind = MatrixRole> {
  role: K;
  layer: number;
  /** Shape `[out, in]` after the transform. */
  shape: [number, number];
  source: RoleSource;
  /** Set on the matrices of an expert: routed expert index, or `shared`. */
  expert?: ExpertSelector;
}

/** One expert's matrices (absent ones could not be mapped; the model's notes say why). */
export type ExpertMatrices = Partial<Record<ExpertRole, RoleMatrixRef<ExpertRole>>>;

/**
 * The mixture-of-experts part of a layer. Its MLP is the experts: `roles` then holds no gate/up/down,
 * and the router is `extra.router`.
 */
export interface MoeLayerInfo {
  /** Routed experts in router order, `e = 0…E−1` (index = position). */
  experts: ExpertMatrices[];
  /** The shared expert, always applied (Qwen2-MoE, DeepSeek, Llama 4, Granite-MoE-shared). */
  shared?: ExpertMatrices;
  /**
   * DeepSeek's `n_shared_experts`: that many shared experts stored as one MLP whose intermediate size
   * is the sum of theirs (`moe_intermediate_size * n_shared_experts`), so `shared` is their concatenation.
   */
  sharedCount?: number;
  /** Tensors that go with the router and the experts but are not matrices (biases, the shared-expert gate). */
  auxiliary: { tensor: string; role: MoeTensorRole }[];
}

export interface LayerInfo {
  index: number;
  /** Names of every tensor of this layer. */
  tensors: string[];
  roles: Partial<Record<MatrixRole, RoleMatrixRef>>;
  /** Matrices beyond the seven: the MoE router, the MLA factor matrices. */
  extra?: Partial<Record<ExtraMatrixKind, RoleMatrixRef<ExtraMatrixKind>>>;
  /** Set on mixture-of-experts layers (then `roles` has no gate/up/down). */
  moe?: MoeLayerInfo;
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
  /** `__metadata__` of the safetensors headers (every shard's; the first file's value where two disagree). */
  metadata: Record<string, string>;
  /** What the architecture map could not work out, said plainly (set by openModel). */
  notes?: string[];
}
