/**
 * Which tensors of two checkpoints are compared with which (the pairing step of a checkpoint diff).
 * The seven role matrices and the extra kinds (the MoE router, DeepSeek's MLA factors q_a, q_b,
 * kv_a, kv_b) are matched by (layer, kind), so a fused `qkv` on one side still pairs with separate
 * q/k/v projections on the other, and a GGUF's `blk.N.attn_kv_a_mqa.weight` with the safetensors
 * original's `kv_a_proj_with_mqa` (or a kv_b rebuilt from `attn_k_b`/`attn_v_b` with `attn_kv_b`);
 * embeddings and lm_head are matched by role; every other tensor (norms, biases, anything
 * unmapped) by name. Whatever cannot be paired (present on one side only, or of a different shape)
 * is listed with the reason, never silently dropped.
 */
import { matrixRef } from '../../model/readRole';
import { sourceLabel, sourceTensors } from '../../model/sourceTensors';
import {
  EXTRA_MATRIX_KINDS,
  MATRIX_KINDS,
  type ExpertSelector,
  type ExtraMatrixKind,
  type LayerInfo,
  type MatrixKind,
  type ModelHandle,
  type RoleMatrixRef,
} from '../../model/types';

export interface MatrixPair {
  layer: number;
  kind: MatrixKind;
  /** `[out, in]`, equal on both sides. */
  shape: [number, number];
  /** The stored tensor(s) of each side (`… + …` for a kv_b rebuilt from two). */
  tensorA: string;
  tensorB: string;
  dtypeA: string;
  dtypeB: string;
  /** Set when the pair is gate/up/down of this expert of a mixture-of-experts layer. */
  expert?: ExpertSelector;
}

/** An embedding or lm_head pair: `[vocab, hidden]` each; the vocabularies may differ in size. */
export interface EmbeddingPair {
  role: 'embed' | 'lm_head';
  tensorA: string;
  tensorB: string;
  shapeA: [number, number];
  shapeB: [number, number];
}

export interface OtherPair {
  name: string;
  shape: number[];
}

export interface Unmatched {
  /** `layer 3 q`, `embed`, or a tensor name. */
  what: string;
  shapeA: number[] | null;
  shapeB: number[] | null;
  reason: string;
}

export interface DiffReport {
  architectureA: string;
  architectureB: string;
  layersA: number;
  layersB: number;
  dtypesA: string[];
  dtypesB: string[];
  /** Matrices, embeddings and other tensors paired. */
  pairedMatrices: number;
  pairedEmbeddings: number;
  pairedOthers: number;
  /** Everything that could not be paired, with the reason. */
  unmatched: Unmatched[];
  notes: string[];
}

export interface DiffPlan {
  matrices: MatrixPair[];
  embeddings: EmbeddingPair[];
  others: OtherPair[];
  report: DiffReport;
}

function dtypes(model: ModelHandle): string[] {
  return [...new Set([...model.tensors.values()].map((t) => t.quant?.label ?? t.dtype))].sort();
}

/** A tensor's dtype as stored: its quantization (`GPTQ int4 g128`, `Q4_K`, `LoRA ΔW r16`) or its safetensors dtype. */
function storageOf(model: ModelHandle, name: string): string {
  const t = model.tensors.get(name);
  return t ? (t.quant?.label ?? t.dtype) : '?';
}

/** The storage of a matrix's tensor(s): `Q8_0`, or `Q8_0 + F16` for a rebuilt kv_b whose two parts differ. */
function sourceStorage(model: ModelHandle, ref: RoleMatrixRef<MatrixKind>): string {
  return [...new Set(sourceTensors(ref.source).map((t) => storageOf(model, t)))].join(' + ');
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function shapeText(s: readonly number[] | null): string {
  return s ? `[${s.join(', ')}]` : 'absent';
}

/**
 * Tensors that feed a role matrix or an extra kind (fused and composed ones included): compared
 * through the kind, not by name.
 * With an expert selector, also that expert's own tensors (a tensor holding every expert, `[E, …]`,
 * stays with the other tensors, so the experts not chosen are still compared by name).
 */
function roleSources(model: ModelHandle, expert?: ExpertSelector | 'all'): Set<string> {
  const out = new Set<string>();
  // A matrix's scale tensors (FP8 `weight_scale_inv`, MXFP4 `_scales`) are part of its values: the
  // matrix is compared decoded, so they are not also compared by name (an FP8 checkpoint against its
  // BF16 original would otherwise list every scale as "only in A").
  const addScales = (ref: RoleMatrixRef<MatrixKind>) => {
    if (ref.source.blockScale) out.add(ref.source.blockScale.tensor);
    if (ref.source.mxfp4) out.add(ref.source.mxfp4.scales);
  };
  for (const l of model.layers) {
    for (const ref of [...Object.values(l.roles), ...Object.values(l.extra ?? {})])
      if (ref) {
        for (const t of sourceTensors(ref.source)) out.add(t);
        addScales(ref);
      }
    // With every expert compared, a tensor holding all of them (`[E, …]`) is covered too.
    for (const sel of expert === undefined ? [] : expertsOf(l, expert))
      for (const ref of Object.values(expertMatrices(l, sel) ?? {}))
        if (ref && (expert === 'all' || ref.source.expert === undefined)) {
          out.add(ref.source.tensor);
          addScales(ref);
        }
  }
  return out;
}

/** The experts a selector names in layer `l`: `all` is every routed expert, then the shared one. */
function expertsOf(l: LayerInfo | undefined, expert: ExpertSelector | 'all'): ExpertSelector[] {
  if (expert !== 'all') return [expert];
  if (!l?.moe) return [];
  return [...l.moe.experts.map((_, e) => e), ...(l.moe.shared ? ['shared' as const] : [])];
}

function expertMatrices(l: LayerInfo | undefined, expert: ExpertSelector) {
  if (!l?.moe) return undefined;
  return expert === 'shared' ? l.moe.shared : l.moe.experts[expert];
}

const isExpertKind = (k: MatrixKind): k is 'gate' | 'up' | 'down' => k === 'gate' || k === 'up' || k === 'down';
const isExtraKind = (k: MatrixKind): k is ExtraMatrixKind => (EXTRA_MATRIX_KINDS as readonly string[]).includes(k);

/**
 * The matrix of `kind` in layer `l` of `model`: a role, an extra kind (router, MLA factor), or with
 * `expert` gate/up/down of that expert of an MoE layer.
 */
function pairRef(model: ModelHandle, l: LayerInfo | undefined, kind: MatrixKind, expert?: ExpertSelector): RoleMatrixRef<MatrixKind> | undefined {
  if (!l) return undefined;
  if (isExtraKind(kind)) return l.extra?.[kind];
  if (expert === undefined || !l.moe || !isExpertKind(kind)) return l.roles[kind];
  return expertMatrices(l, expert)?.[kind] ? matrixRef(model, l.index, kind, expert) : undefined;
}

function firstWithRole(model: ModelHandle, role: 'embed' | 'lm_head'): string | undefined {
  for (const [name, r] of model.otherRoles) if (r === role && model.tensors.get(name)?.shape.length === 2) return name;
  return undefined;
}

/**
 * Pairs the tensors of A and B. `layers`/`kinds` restrict the matrices (by default the seven roles
 * and every extra kind either model has);
 * layers requested but absent from both models are an error. In mixture-of-experts layers gate, up
 * and down are those of `expert` (a routed index or 'shared') when it is given; without it the
 * experts are not compared as matrices, and a note says so.
 */
export function planDiff(
  a: ModelHandle,
  b: ModelHandle,
  layers?: number[],
  kinds: readonly MatrixKind[] = MATRIX_KINDS,
  expert?: ExpertSelector | 'all',
): DiffPlan {
  const unmatched: Unmatched[] = [];
  const notes: string[] = [];
  const matrices: MatrixPair[] = [];
  const indices = [...new Set([...a.layers, ...b.layers].map((l) => l.index))].sort((x, y) => x - y);
  const wanted = layers ? [...new Set(layers)].sort((x, y) => x - y) : indices;
  for (const l of wanted)
    if (!indices.includes(l)) throw new Error(`layer ${l} exists in neither model (A has ${a.layers.length} layers, B has ${b.layers.length})`);
  const moeLayers: number[] = [];
  const wantsMlp = kinds.some(isExpertKind);
  for (const layer of wanted) {
    const la = a.layers.find((l) => l.index === layer);
    const lb = b.layers.find((l) => l.index === layer);
    const moe = Boolean(la?.moe || lb?.moe);
    if (moe && wantsMlp) moeLayers.push(layer);
    for (const kind of MATRIX_KINDS.filter((k) => kinds.includes(k))) {
      // One pass for a dense kind; one per selected expert for gate/up/down of an MoE layer.
      const selectors: (ExpertSelector | undefined)[] =
        moe && expert !== undefined && isExpertKind(kind) ? [...new Set([...expertsOf(la, expert), ...expertsOf(lb, expert)])] : [undefined];
      for (const sel of selectors) planPair(layer, kind, la, lb, sel);
    }
  }

  function planPair(layer: number, kind: MatrixKind, la: LayerInfo | undefined, lb: LayerInfo | undefined, sel: ExpertSelector | undefined): void {
    const ra = pairRef(a, la, kind, sel);
    const rb = pairRef(b, lb, kind, sel);
    if (!ra && !rb) return;
    const what = `layer ${layer} ${kind}${sel === undefined ? '' : sel === 'shared' ? ' (shared expert)' : ` (expert ${sel})`}`;
    if (!ra || !rb) {
      unmatched.push({ what, shapeA: ra?.shape ?? null, shapeB: rb?.shape ?? null, reason: `only in ${ra ? 'A' : 'B'}` });
      return;
    }
    if (!sameShape(ra.shape, rb.shape)) {
      unmatched.push({ what, shapeA: ra.shape, shapeB: rb.shape, reason: `shapes differ: ${shapeText(ra.shape)} in A, ${shapeText(rb.shape)} in B` });
      return;
    }
    matrices.push({
      layer,
      kind,
      shape: [ra.shape[0], ra.shape[1]],
      tensorA: sourceLabel(ra.source),
      tensorB: sourceLabel(rb.source),
      dtypeA: sourceStorage(a, ra),
      dtypeB: sourceStorage(b, rb),
      ...(sel === undefined ? {} : { expert: sel }),
    });
  }

  const embeddings: EmbeddingPair[] = [];
  for (const role of ['embed', 'lm_head'] as const) {
    const ta = firstWithRole(a, role);
    const tb = firstWithRole(b, role);
    if (!ta && !tb) continue;
    if (!ta || !tb) {
      const side = ta ? 'B' : 'A';
      const tied = role === 'lm_head' ? ` (${side} probably ties lm_head to the embeddings)` : '';
      unmatched.push({
        what: role,
        shapeA: ta ? a.tensors.get(ta)!.shape : null,
        shapeB: tb ? b.tensors.get(tb)!.shape : null,
        reason: `only in ${ta ? 'A' : 'B'}${tied}`,
      });
      continue;
    }
    const sa = a.tensors.get(ta)!.shape;
    const sb = b.tensors.get(tb)!.shape;
    if (sa[1] !== sb[1]) {
      unmatched.push({ what: role, shapeA: sa, shapeB: sb, reason: `hidden sizes differ: ${shapeText(sa)} in A, ${shapeText(sb)} in B` });
      continue;
    }
    if (sa[0] !== sb[0])
      notes.push(
        `${role}: A has ${sa[0]} token rows and B ${sb[0]}; the first ${Math.min(sa[0], sb[0])} are compared and the rest are listed as added or removed`,
      );
    embeddings.push({ role, tensorA: ta, tensorB: tb, shapeA: [sa[0], sa[1]], shapeB: [sb[0], sb[1]] });
  }

  // Everything else by name. The sources of role matrices and extra kinds, and embeddings, were handled above.
  const handled = (m: ModelHandle, e: 'tensorA' | 'tensorB') => new Set([...roleSources(m, expert), ...embeddings.map((p) => p[e])]);
  const skipA = handled(a, 'tensorA');
  const skipB = handled(b, 'tensorB');
  const mappedRoleA = (n: string) => skipA.has(n) || a.otherRoles.get(n) === 'embed' || a.otherRoles.get(n) === 'lm_head';
  const mappedRoleB = (n: string) => skipB.has(n) || b.otherRoles.get(n) === 'embed' || b.otherRoles.get(n) === 'lm_head';
  const others: OtherPair[] = [];
  for (const [name, ta] of a.tensors) {
    if (mappedRoleA(name)) continue;
    const tb = b.tensors.get(name);
    if (!tb || mappedRoleB(name)) unmatched.push({ what: name, shapeA: ta.shape, shapeB: null, reason: 'only in A' });
    else if (!sameShape(ta.shape, tb.shape))
      unmatched.push({ what: name, shapeA: ta.shape, shapeB: tb.shape, reason: `shapes differ: ${shapeText(ta.shape)} in A, ${shapeText(tb.shape)} in B` });
    else others.push({ name, shape: ta.shape });
  }
  for (const [name, tb] of b.tensors) {
    if (mappedRoleB(name) || (a.tensors.has(name) && !mappedRoleA(name))) continue;
    unmatched.push({ what: name, shapeA: null, shapeB: tb.shape, reason: 'only in B' });
  }

  if (moeLayers.length) {
    const which =
      moeLayers.length === 1 ? `layer ${moeLayers[0]} is a mixture-of-experts layer` : `layers ${moeLayers.join(', ')} are mixture-of-experts layers`;
    if (expert === undefined)
      notes.push(
        `${which}: their experts were not compared as matrices (only by name, with the other tensors); choose one expert with --expert N or --expert shared, or all with --expert all`,
      );
    else if (!matrices.some((p) => p.expert !== undefined))
      notes.push(
        `${which}, but none has ${expert === 'shared' ? 'a shared expert' : expert === 'all' ? 'experts' : `expert ${expert}`} with the kinds asked for in both models`,
      );
  }
  if (a.architecture !== b.architecture)
    notes.push(`the architectures differ (${a.architecture} in A, ${b.architecture} in B): matrices are matched by role and layer`);
  const dA = dtypes(a);
  const dB = dtypes(b);
  if (dA.join() !== dB.join())
    notes.push(
      `the dtypes differ (${dA.join('/')} in A, ${dB.join('/')} in B): both are read as float32, so deltas include the rounding of the narrower type (about 2^-8 of each weight for BF16)`,
    );
  return {
    matrices,
    embeddings,
    others,
    report: {
      architectureA: a.architecture,
      architectureB: b.architecture,
      layersA: a.layers.length,
      layersB: b.layers.length,
      dtypesA: dA,
      dtypesB: dB,
      pairedMatrices: matrices.length,
      pairedEmbeddings: embeddings.length,
      pairedOthers: others.length,
      unmatched,
      notes,
    },
  };
}

/** One paragraph for an error or a CLI footer: what could not be paired, the first few items named. */
export function describeUnmatched(report: DiffReport, limit = 8): string {
  const u = report.unmatched;
  if (u.length === 0) return 'every tensor has a partner of the same shape';
  const shown = u
    .slice(0, limit)
    .map((x) => `${x.what} (${x.reason})`)
    .join('; ');
  return `${u.length} tensor${u.length === 1 ? '' : 's'} could not be paired: ${shown}${u.length > limit ? `; and ${u.length - limit} more` : ''}`;
}
