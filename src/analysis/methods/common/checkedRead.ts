/**
 * Where analyses read weights: the role matrix plus its non-finite check (nonFinite.ts) in one call,
 * so no method can forget it. Weight analyses (similarity, spectra, correlations, diff) use
 * readRoleChecked and skip what a flag covers; analyses that run the model (activation, persistence)
 * call requireFiniteWeights first, because one NaN weight turns every activation downstream into NaN.
 */
import { throwIfCancelled, yieldToEventLoop, type JobContext } from '../../jobs';
import type { Matrix } from '../../linalg/matrix';
import { matrixRef, readMatrix, readMatrixInto, readRoleMatrix, roleRef } from '../../model/readRole';
import { sourceLabel } from '../../model/sourceTensors';
import { EXPERT_ROLES, type ExpertSelector, type MatrixKind, type MatrixRole, type ModelHandle } from '../../model/types';
import { expertLabel } from './expertLabel';
import { weightFlag, type WeightFlag } from './nonFinite';

export interface CheckedMatrix {
  matrix: Matrix;
  /** Null when every entry is finite. */
  flag: WeightFlag | null;
}

/** readRoleMatrix, plus the flag when the matrix holds NaN or ±Inf. */
export async function readRoleChecked(model: ModelHandle, layer: number, role: MatrixRole, ctx: JobContext = {}): Promise<CheckedMatrix> {
  const matrix = await readRoleMatrix(model, layer, role, ctx);
  return { matrix, flag: weightFlag({ layer, role, tensor: sourceLabel(roleRef(model, layer, role).source) }, matrix.data) };
}

/**
 * Any matrix kind of a layer outside its experts (the seven roles, the router, MLA's factors),
 * checked for NaN/Inf. With `into` (the matrix's size), read into it where the storage allows
 * (readRole.ts readMatrixInto): for a caller that reads layer after layer and keeps only something
 * derived from each (fast DOCS keeps the int8 copy), so that no fresh array, and none of its page
 * faults, is paid per layer. The matrix returned may then share `into` until the next read into it.
 */
export async function readKindChecked(model: ModelHandle, layer: number, kind: MatrixKind, ctx: JobContext = {}, into?: Float32Array): Promise<CheckedMatrix> {
  const ref = matrixRef(model, layer, kind);
  const matrix = into ? await readMatrixInto(model, ref, into, ctx) : await readMatrix(model, ref, ctx);
  // A kv_b rebuilt from attn_k_b and attn_v_b names both: either may hold the NaN.
  return { matrix, flag: weightFlag({ layer, role: kind, tensor: sourceLabel(ref.source) }, matrix.data) };
}

/** The flag of one head slice (headSlice's result) of a role matrix, or null when it is finite. */
export function headFlag(model: ModelHandle, layer: number, role: MatrixRole, head: number, slice: Matrix): WeightFlag | null {
  return weightFlag({ layer, role, head, tensor: sourceLabel(roleRef(model, layer, role).source) }, slice.data);
}

// One scan per opened model: the worker opens a new handle whenever a file's identity changes
// (fileIdentity.ts), so a handle-keyed memo can never serve a rewritten checkpoint's old answer.
const scans = new WeakMap<ModelHandle, WeightFlag[]>();

/**
 * Every matrix of every layer, checked: the role matrices, the router and MLA factors, and every
 * expert's (and the shared expert's) gate, up and down; the flags in layer, then matrix order.
 */
export async function scanRoleMatrices(model: ModelHandle, ctx: JobContext = {}): Promise<WeightFlag[]> {
  const known = scans.get(model);
  if (known) return known;
  const flags: WeightFlag[] = [];
  const total = model.layers.length;
  for (let i = 0; i < total; i++) {
    const info = model.layers[i];
    ctx.onProgress?.({ done: i, total, message: `checking layer ${info.index} weights for NaN/Inf` });
    const kinds: MatrixKind[] = [...(Object.keys(info.roles) as MatrixRole[]), ...(Object.keys(info.extra ?? {}) as MatrixKind[])];
    for (const kind of kinds) {
      throwIfCancelled(ctx.signal);
      const { flag } = await readKindChecked(model, info.index, kind, { signal: ctx.signal });
      if (flag) flags.push(flag);
    }
    const experts: ExpertSelector[] = [...(info.moe?.experts.map((_, e) => e) ?? []), ...(info.moe?.shared ? ['shared' as const] : [])];
    for (const expert of experts) {
      for (const kind of EXPERT_ROLES) {
        throwIfCancelled(ctx.signal);
        const ref = info.moe && (expert === 'shared' ? info.moe.shared : info.moe.experts[expert])?.[kind];
        if (!ref) continue;
        const matrix = await readMatrix(model, ref, { signal: ctx.signal });
        const flag = weightFlag({ layer: info.index, role: `${kind} ${expertLabel(expert)}`, tensor: sourceLabel(ref.source) }, matrix.data);
        if (flag) flags.push(flag);
      }
      await yieldToEventLoop();
    }
    await yieldToEventLoop();
  }
  scans.set(model, flags);
  return flags;
}

/** Thrown when an analysis that runs the model finds non-finite weights; `flags` name each matrix. */
export class NonFiniteWeightsError extends Error {
  constructor(
    readonly flags: WeightFlag[],
    what: string,
  ) {
    const layers = [...new Set(flags.map((f) => f.layer))].sort((a, b) => a - b);
    super(
      `${what} stopped: the weights of layer${layers.length === 1 ? '' : 's'} ${layers.join(', ')} hold NaN/Inf values, which make every ` +
        `activation after them NaN, so nothing meaningful can be computed. Affected: ${flags.map((f) => `${f.matrix} (${f.summary})`).join('; ')}.`,
    );
    this.name = 'NonFiniteWeightsError';
  }
}

/** Throws NonFiniteWeightsError when any role matrix of the model is non-finite. */
export async function requireFiniteWeights(model: ModelHandle, what: string, ctx: JobContext = {}): Promise<void> {
  const flags = await scanRoleMatrices(model, ctx);
  if (flags.length) throw new NonFiniteWeightsError(flags, what);
}
