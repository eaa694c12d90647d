/**
 * The experts of a mixture-of-experts layer as analyses address them: their labels (`e0…eN`,
 * `shared`), which experts hold a matrix kind, and one expert's matrix read with its NaN/Inf flag
 * (the expert counterpart of common/checkedRead.ts's readRoleChecked).
 */
import type { JobContext } from '../../jobs';
import { matrixRef, readMatrix } from '../../model/readRole';
import type { ExpertRole, ExpertSelector, LayerInfo, ModelHandle } from '../../model/types';
import type { CheckedMatrix } from '../common/checkedRead';
import { weightFlag } from '../common/nonFinite';
import { expertLabel } from '../common/expertLabel';

export { expertLabel };

/** Model layer indices of the mixture-of-experts layers. */
export function moeLayersOf(model: ModelHandle): number[] {
  return model.layers.filter((l) => l.moe).map((l) => l.index);
}

/** Does this layer hold `kind` of `expert`? */
export function hasExpertKind(layer: LayerInfo, kind: ExpertRole, expert: ExpertSelector): boolean {
  const moe = layer.moe;
  if (!moe) return false;
  return expert === 'shared' ? !!moe.shared?.[kind] : !!moe.experts[expert]?.[kind];
}

/** The experts of a layer that hold `kind`: routed ones in router order, then the shared expert. */
export function expertsWithKind(layer: LayerInfo, kind: ExpertRole): ExpertSelector[] {
  const moe = layer.moe;
  if (!moe) return [];
  const out: ExpertSelector[] = [];
  moe.experts.forEach((x, e) => {
    if (x[kind]) out.push(e);
  });
  if (moe.shared?.[kind]) out.push('shared');
  return out;
}

/** One expert's `kind` matrix `[out, in]` plus its flag when it holds NaN or ±Inf. */
export async function readExpertChecked(
  model: ModelHandle,
  layer: number,
  kind: ExpertRole,
  expert: ExpertSelector,
  ctx: JobContext = {},
): Promise<CheckedMatrix> {
  const ref = matrixRef(model, layer, kind, expert);
  const matrix = await readMatrix(model, ref, ctx);
  return { matrix, flag: weightFlag({ layer, role: `${kind} ${expertLabel(expert)}`, tensor: ref.source.tensor }, matrix.data) };
}
