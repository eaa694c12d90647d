/**
 * What a mixture-of-experts layer holds, in a few plain numbers for the model summary, the model
 * editor and `layer-lens inspect`: how many routed experts, their gate/up/down shapes `[out, in]`,
 * the shared expert's, the router, and how many stored tensors hold the routed experts.
 */
import { EXPERT_ROLES, type ExpertMatrices, type ExpertRole, type LayerInfo } from './types';

export interface ExpertLayerSummary {
  count: number;
  /** `[out, in]` of a routed expert's gate, up and down (the first expert that has each). */
  shapes: Partial<Record<ExpertRole, [number, number]>>;
  shared?: Partial<Record<ExpertRole, [number, number]>>;
  /** Shared experts the one shared MLP stands for (DeepSeek's n_shared_experts), when more than one. */
  sharedCount?: number;
  router?: { tensor: string; shape: [number, number] };
  /** Stored tensors holding routed experts: one per expert and matrix, or a few `[E, …]` tensors. */
  tensors: number;
}

function shapesOf(list: ExpertMatrices[]): Partial<Record<ExpertRole, [number, number]>> {
  const out: Partial<Record<ExpertRole, [number, number]>> = {};
  for (const role of EXPERT_ROLES) {
    const ref = list.find((x) => x[role])?.[role];
    if (ref) out[role] = [ref.shape[0], ref.shape[1]];
  }
  return out;
}

export function expertLayerSummary(layer: LayerInfo): ExpertLayerSummary | undefined {
  const moe = layer.moe;
  if (!moe) return undefined;
  const stored = new Set<string>();
  for (const x of moe.experts) for (const ref of Object.values(x)) if (ref) stored.add(ref.source.tensor);
  const out: ExpertLayerSummary = { count: moe.experts.length, shapes: shapesOf(moe.experts), tensors: stored.size };
  if (moe.shared) out.shared = shapesOf([moe.shared]);
  if (moe.sharedCount !== undefined) out.sharedCount = moe.sharedCount;
  const router = layer.extra?.router;
  if (router) out.router = { tensor: router.source.tensor, shape: [router.shape[0], router.shape[1]] };
  // Key order as declared, so the summary reads the same everywhere.
  const { count, shapes, shared, sharedCount, router: r, tensors } = out;
  return { count, shapes, ...(shared ? { shared } : {}), ...(sharedCount !== undefined ? { sharedCount } : {}), ...(r ? { router: r } : {}), tensors };
}
