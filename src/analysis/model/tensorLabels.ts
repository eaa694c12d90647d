/**
 * Which matrices each stored tensor provides, for the overview's role column and its parameter
 * counts by role: the seven roles (`q+k+v` when fused), the extra kinds (router, MLA factors), and
 * experts (`expert 3 up` for one expert's tensor, `experts gate+up` for an `[E, …]` tensor,
 * `shared down`). Parameters are counted in buckets: each role or kind, `experts` (every routed
 * expert), `shared expert`, and the MoE tensors that are not matrices go with what they serve.
 */
import { MATRIX_ROLES, type LayerInfo, type MatrixKind, type ModelHandle, type RoleMatrixRef, type TensorRole } from './types';

export interface MatrixShare {
  /** Parameter bucket: a role or kind, `experts`, or `shared expert`. */
  bucket: string;
  role: MatrixKind;
  expert?: number | 'shared';
  params: number;
}

/** Order of the byRole table: the seven, the extra kinds, the experts, then the other roles. */
export const ROLE_ORDER: readonly string[] = [
  ...MATRIX_ROLES,
  'q_a',
  'q_b',
  'kv_a',
  'kv_b',
  'router',
  'experts',
  'shared expert',
  'embed',
  'attn_norm',
  'mlp_norm',
  'norm',
  'final_norm',
  'lm_head',
  'bias',
  'attn_sinks',
  'other',
];

function refsOf(l: LayerInfo): RoleMatrixRef<MatrixKind>[] {
  const out: RoleMatrixRef<MatrixKind>[] = [];
  for (const r of Object.values(l.roles)) if (r) out.push(r);
  for (const r of Object.values(l.extra ?? {})) if (r) out.push(r);
  for (const x of l.moe?.experts ?? []) for (const r of Object.values(x)) if (r) out.push(r);
  for (const r of Object.values(l.moe?.shared ?? {})) if (r) out.push(r);
  return out;
}

/** Stored tensor name → the matrices read from it. */
export function matrixShares(model: ModelHandle): Map<string, MatrixShare[]> {
  const shares = new Map<string, MatrixShare[]>();
  for (const layer of model.layers)
    for (const ref of refsOf(layer)) {
      const bucket = ref.expert === undefined ? ref.role : ref.expert === 'shared' ? 'shared expert' : 'experts';
      // A kv_b rebuilt from attn_k_b and attn_v_b (RoleSource mlaKvB): each tensor holds its own part.
      const kv = ref.source.mlaKvB;
      const parts: [string, number][] = kv
        ? [
            [ref.source.tensor, kv.heads * kv.nope * kv.rank],
            [kv.vb, kv.heads * kv.v * kv.rank],
          ]
        : [[ref.source.tensor, ref.shape[0] * ref.shape[1]]];
      for (const [tensor, params] of parts) {
        const list = shares.get(tensor) ?? [];
        list.push({ bucket, role: ref.role, expert: ref.expert, params });
        shares.set(tensor, list);
      }
    }
  return shares;
}

const rank = (r: string) => {
  const i = ROLE_ORDER.indexOf(r);
  return i < 0 ? ROLE_ORDER.length : i;
};

/** The role column of a tensor that provides these matrices. */
export function shareLabel(shares: MatrixShare[]): string {
  if (shares.length === 1) {
    const [s] = shares;
    return s.expert === undefined ? s.role : s.expert === 'shared' ? `shared ${s.role}` : `expert ${s.expert} ${s.role}`;
  }
  const roles = [...new Set(shares.map((s) => s.role))].sort((a, b) => rank(a) - rank(b)).join('+');
  const experts = new Set(shares.map((s) => s.expert));
  if (experts.size === 1 && experts.has(undefined)) return roles;
  if (experts.size === 1 && experts.has('shared')) return `shared ${roles}`;
  if (experts.size === 1) return `expert ${[...experts][0]} ${roles}`;
  return `experts ${roles}`;
}

/** The parameter bucket of a mixture-of-experts tensor that is not a matrix, by its role in the layer. */
export function auxiliaryBucket(role: TensorRole | undefined): string | undefined {
  switch (role) {
    case 'router_bias':
      return 'router';
    case 'expert_bias':
    case 'experts':
    case 'expert':
      return 'experts';
    case 'shared_expert_gate':
    case 'shared_expert':
      return 'shared expert';
    case 'attn_sinks':
      return 'attn_sinks';
    default:
      return undefined;
  }
}

/** Values per stored element: 2 for MXFP4 blocks (two 4-bit codes a byte), else 1. */
export function packedTensors(model: ModelHandle): Set<string> {
  const packed = new Set<string>();
  for (const l of model.layers) for (const x of l.moe?.experts ?? []) for (const r of Object.values(x)) if (r?.source.mxfp4) packed.add(r.source.tensor);
  return packed;
}

export { rank as roleRank };
