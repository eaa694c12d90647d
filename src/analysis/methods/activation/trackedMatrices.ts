/**
 * The matrices the activation analysis tracks in each layer, as slices of the executor's weight
 * inputs: the seven roles of a dense layer (six without a gate: GPT-2, NeoX); in a
 * mixture-of-experts layer the attention matrices, the router, and gate/up/down of every routed
 * expert (one [out, in] slice of the stacked [E, out, in] input each) and of the shared expert.
 * Multi-head latent attention (DeepSeek-V3) has q (or its factors q_a, q_b), kv_a, kv_b and o
 * instead of q, k, v, o.
 */
import type { DecoderExecutor } from '../../model/executor/decoder';
import { roleKeys } from '../../model/executor/arch';
import { blockWeights } from '../../model/executor/block';
import type { ExpertSelector, ExtraMatrixKind, MatrixRole } from '../../model/types';

/** What a tracked matrix counts towards in the per-layer view: one of the seven roles, the router, or an MLA factor. */
export type ActivationKind = MatrixRole | ExtraMatrixKind;

export interface TrackedMatrix {
  kind: ActivationKind;
  /** The executor's weight key ('q.weight', 'experts.gate', …). */
  key: string;
  /** Set on expert matrices. */
  expert?: ExpertSelector;
  /** Where the matrix lies inside the weight input, and its [rows, cols]. */
  offset: number;
  size: number;
  rowLength: number;
}

const EXPERT_KINDS = ['gate', 'up', 'down'] as const;

export function trackedMatrices(ex: DecoderExecutor, layer: number): TrackedMatrix[] {
  const spec = ex.specs[layer];
  const dims = new Map(blockWeights(ex.cfg, spec).map((w) => [w.key, w.dims]));
  const whole = (kind: ActivationKind, key: string, expert?: ExpertSelector): TrackedMatrix => {
    const [rows, cols] = dims.get(key)!;
    return { kind, key, expert, offset: 0, size: rows * cols, rowLength: cols };
  };
  const keys = roleKeys(ex.cfg);
  const attention: TrackedMatrix[] = spec.mla
    ? (['q', 'q_a', 'q_b', 'kv_a', 'kv_b', 'o'] as const).filter((k) => dims.has(`${k}.weight`)).map((k) => whole(k, `${k}.weight`))
    : (['q', 'k', 'v', 'o'] as const).map((role) => whole(role, keys[role]!));
  if (!spec.moe) {
    const mlp = (['gate', 'up', 'down'] as const).filter((role) => keys[role] && dims.has(keys[role]!)).map((role) => whole(role, keys[role]!));
    return [...attention, ...mlp];
  }
  const out: TrackedMatrix[] = [...attention, whole('router', 'router.weight')];
  for (const kind of EXPERT_KINDS) {
    const [E, rows, cols] = dims.get(`experts.${kind}`)!;
    for (let e = 0; e < E; e++) out.push({ kind, key: `experts.${kind}`, expert: e, offset: e * rows * cols, size: rows * cols, rowLength: cols });
    if (spec.moe.sharedSize > 0) out.push(whole(kind, `shared.${kind}.weight`, 'shared'));
  }
  return out;
}
