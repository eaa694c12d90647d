/**
 * Any model the families do not cover: the layer stack is the `P.N.` prefix with the most tensors,
 * a layer's tensors are keyed by the name suffix after `N.` (so `attn.wq.weight` of every layer
 * is one group), and a 2-D tensor gets a matrix role only when its last name parts are an
 * unambiguous, widely used spelling of that role. Nothing is split or transposed on a guess.
 */
import type { LayerInfo, MatrixRole, OtherRole, RoleMatrixRef, TensorRole } from '../types';
import { fallbackLayerRole, orderedRoles, groupLayers, otherRoleOf, readGeometry } from '../roles';
import { matrixShape, type ArchitectureInput, type ArchitectureResult } from './result';

/** Suffix spellings: HF (`q_proj`…), Meta/llama.c (`wq`, `w1` gate, `w3` up, `w2` down), OPT/BART (`fc1`, `fc2`). */
const KEYWORDS: [RegExp, MatrixRole][] = [
  [/(^|\.)(q_proj|wq)\.weight$/, 'q'],
  [/(^|\.)(k_proj|wk)\.weight$/, 'k'],
  [/(^|\.)(v_proj|wv)\.weight$/, 'v'],
  [/(^|\.)(o_proj|out_proj|wo)\.weight$/, 'o'],
  [/(^|\.)(gate_proj|w1)\.weight$/, 'gate'],
  [/(^|\.)(up_proj|w3|fc1)\.weight$/, 'up'],
  [/(^|\.)(down_proj|w2|fc2)\.weight$/, 'down'],
];

/** A per-expert tensor of a mixture-of-experts layer: `…experts.<e>.<matrix>`. */
const EXPERT_TENSOR = /(^|\.)experts\.\d+\./;

/**
 * Prefixes of a multimodal checkpoint's non-language stacks (vision towers, audio encoders,
 * projectors: `vision_tower.vision_model.encoder.layers`, `visual.blocks`, `model.vision_model…`,
 * `audio_tower.layers`): never taken for the decoder while a language stack exists, however many
 * tensors they hold (a ViT tower can outnumber a small language model's layers).
 */
const NON_LANGUAGE_STACK = /(^|[._])(vision|visual|vit|image|img|siglip|clip|audio|speech|whisper|mm_projector|multi_modal|vqmodel)/i;

/**
 * The `P` of `P.N.rest` with the most tensors (first index in the name, so `experts.3` stays inside a
 * layer), preferring stacks that are not a vision or audio tower; `skipped` is the tower that a
 * count alone would have picked.
 */
function mainStack(names: string[]): { prefix: string | null; skipped?: string } {
  const counts = new Map<string, number>();
  for (const n of names) {
    const m = /^(.*?)\.(\d+)\.(.+)$/.exec(n);
    if (m) counts.set(m[1], (counts.get(m[1]) ?? 0) + 1);
  }
  const best = (keep: (p: string) => boolean): string | null => {
    let b: string | null = null;
    for (const [p, c] of counts) if (keep(p) && (b === null || c > counts.get(b)!)) b = p;
    return b;
  };
  const any = best(() => true);
  const language = best((p) => !NON_LANGUAGE_STACK.test(p));
  if (language === null) return { prefix: any };
  return language === any ? { prefix: language } : { prefix: language, skipped: any ?? undefined };
}

export function mapGeneric(input: ArchitectureInput, architecture: string, label: string, why: string): ArchitectureResult {
  const names = [...input.tensors.keys()];
  const notes = [why];
  const { prefix, skipped } = mainStack(names);
  if (skipped) notes.push(`'${skipped}' looks like a vision or audio tower: its layers are listed as other tensors, and the layers are those of '${prefix}'.`);
  const layers: LayerInfo[] = [];
  const inLayer = new Set<string>();
  let experts = false;
  if (prefix !== null) {
    for (const [index, suffixes] of [...groupLayers(names, prefix).entries()].sort((a, b) => a[0] - b[0])) {
      const roles: Partial<Record<MatrixRole, RoleMatrixRef>> = {};
      const tensorRoles: Record<string, TensorRole> = {};
      const claims = new Map<MatrixRole, string[]>();
      for (const [suffix, name] of suffixes) {
        inLayer.add(name);
        // One expert's tensor of a mixture-of-experts layer (`experts.3.w1.weight`): every expert would
        // claim the same role, so experts are labelled as such and left to the families that know them.
        if (EXPERT_TENSOR.test(suffix)) {
          tensorRoles[name] = 'expert';
          experts = true;
          continue;
        }
        const hit = KEYWORDS.find(([re]) => re.test(suffix));
        if (hit && matrixShape(input.tensors.get(name)!, false)) claims.set(hit[1], [...(claims.get(hit[1]) ?? []), name]);
        else tensorRoles[name] = fallbackLayerRole(suffix);
      }
      for (const [role, list] of claims) {
        if (list.length === 1) {
          roles[role] = { role, layer: index, shape: matrixShape(input.tensors.get(list[0])!, false)!, source: { tensor: list[0], transpose: false } };
          tensorRoles[list[0]] = role;
        } else {
          // Two candidates (e.g. self- and cross-attention q_proj): picking one would be a guess.
          for (const n of list) tensorRoles[n] = 'other';
          notes.push(`Layer ${index} has several tensors that could be '${role}' (${list.join(', ')}); none is used as '${role}'.`);
        }
      }
      layers.push({ index, tensors: [...suffixes.values()], roles: orderedRoles(roles), tensorRoles, suffixes: Object.fromEntries(suffixes) });
    }
  }
  if (experts)
    notes.splice(
      1,
      0,
      "Tensors under 'experts.<e>.' are a mixture-of-experts layer's experts: they are labelled as experts, but without a known architecture their matrices are not mapped.",
    );
  const otherRoles = new Map<string, OtherRole>();
  for (const n of names) if (!inLayer.has(n)) otherRoles.set(n, otherRoleOf(n));
  const geometry = readGeometry(input.config);
  return {
    architecture,
    architectureLabel: label,
    hiddenSize: geometry.hiddenSize,
    intermediateSize: geometry.intermediateSize,
    vocabSize: geometry.vocabSize,
    attention: undefined,
    layers,
    otherRoles,
    notes: notes.slice(0, 20),
  };
}
