/**
 * An architecture family as data: which tensor suffix marks a layer, which suffixes are one matrix
 * each, which are fused and how to split them, and what the remaining tensors are. mapFamily.ts turns
 * a family plus a model's tensor names into layers and roles.
 */
import type { ExpertRole, ExtraMatrixKind, LayerInfo, MatrixRole, MoeTensorRole, TensorRole } from '../types';
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

/**
 * How the rows of an expert's `[out, in]` matrix, read from one stored tensor, divide into roles:
 * one role (`gate`, `up`, `down`), gate then up in two equal halves (`gate, up = x.chunk(2, dim=-1)`),
 * or gate and up interleaved row by row (gpt-oss: `gate, up = gate_up[..., ::2], gate_up[..., 1::2]`).
 */
export type ExpertLayout = ExpertRole | 'gate_up_halves' | 'gate_up_interleaved';

/** A tensor holding one matrix (or fused gate/up) of every expert, stored `[E, a, b]`. */
export interface FusedExpertsSpec {
  /**
   * The per-expert `[a, b]` is `[in, out]` (the forward pass computes `x @ W[e]`): transposed on read.
   * `'byShape'`: either orientation may be on disk (a release stored `[in, out]`, a re-save by
   * transformers v5 `[out, in]`), told apart by which side is the hidden size: the input of gate/up,
   * the output of down.
   */
  transposed: boolean | 'byShape';
  layout: ExpertLayout;
  /**
   * The tensor is MXFP4 blocks `[E, out, in / 32, 16]` (U8, two 4-bit codes a byte) whose E8M0
   * exponents are the layer tensor with this suffix, `[E, out, in / 32]` (gpt-oss's release).
   */
  mxfp4Scales?: string;
}

/** A family's mixture-of-experts layout (the tensor names are suffixes after `P.N.`). */
export interface MoeSpec {
  /** config.json keys for the number of routed experts, first present wins. */
  countKeys: readonly string[];
  /** Per-expert tensors `<prefix><e>.<name>`, each `[out, in]`. */
  perExpert?: { prefix: string; names: Readonly<Record<string, ExpertRole>> };
  /** Tensors holding every expert (`[E, …]`). */
  fused?: Readonly<Record<string, FusedExpertsSpec>>;
  /** The shared expert's tensors, `[out, in]` each. */
  shared?: Readonly<Record<string, ExpertLayout>>;
  /** config.json key for how many shared experts the one shared MLP stands for (DeepSeek). */
  sharedCountKey?: string;
  /** Router and expert tensors that are not matrices (biases, the shared-expert gate, attention sinks). */
  auxiliary?: Readonly<Record<string, MoeTensorRole>>;
  /** Whether config.json makes layer `index` a mixture-of-experts layer; undefined when it does not say. */
  isMoeLayer?(index: number, config: Record<string, unknown>): boolean | undefined;
}

/** Checks a family makes of its own layers against config.json (MLA's factor widths), adding notes. */
export type LayerCheck = (layers: readonly LayerInfo[], config: Record<string, unknown>, notes: Set<string>) => void;

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
  /** Further anchors, tried in order when `anchor` finds no layer stack (another save format). */
  anchors?: readonly string[];
  /** Suffix → extra matrix kind (the MoE router, MLA factor matrices), stored `[out, in]`. */
  extra?: Readonly<Record<string, ExtraMatrixKind>>;
  /** Mixture-of-experts layers, when the family has them. */
  moe?: MoeSpec;
  /** Multi-head latent attention: there are no per-head q/k/v matrices, so the head geometry is dropped. */
  mla?: boolean;
  /**
   * Layers at or beyond config.json's `num_hidden_layers` are not decoder layers (DeepSeek-V3's
   * multi-token-prediction layer): they are listed with the other tensors and this note says why.
   */
  layersBeyondConfig?: string;
  /** Family-specific checks of the mapped layers against config.json (the language model's config). */
  checkLayers?: LayerCheck;
}
