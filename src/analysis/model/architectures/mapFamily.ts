/**
 * Applies a Family (data) to a model's tensor names: finds the layer stack, assigns the seven roles
 * (splitting fused tensors), the extra matrix kinds (router, MLA factors) and the experts of
 * mixture-of-experts layers, labels the other tensors, and checks the attention geometry from
 * config.json against the q/k/v shapes so head slices are never cut at the wrong place.
 */
import type { ExtraMatrixKind, LayerInfo, MatrixRole, OtherRole, RoleMatrixRef, TensorRole } from '../types';
import { attentionOf, fallbackLayerRole, orderedRoles, findLayerPrefix, groupLayers, otherRoleOf, readGeometry, textConfig, type Geometry } from '../roles';
import { attachBlockScales } from './blockScale';
import { checkMoeLayers, configCount } from './moeChecks';
import { mapMoeLayer, own, type MoeLayerResult } from './moeLayer';
import { matrixShape, type ArchitectureInput, type ArchitectureResult } from './result';
import type { Family } from './types';

/** Notes beyond this many are summarised in one line (a damaged 60-layer MoE model would say the same thing per layer). */
const MAX_NOTES = 40;

interface LayerContext {
  family: Family;
  input: ArchitectureInput;
  geometry: Geometry;
  sharedCount?: number;
  notes: Set<string>;
}

function layerOf(ctx: LayerContext, index: number, suffixes: Map<string, string>): { layer: LayerInfo; count?: MoeLayerResult['count'] } {
  const { family, input, geometry, notes } = ctx;
  const roles: Partial<Record<MatrixRole, RoleMatrixRef>> = {};
  const extra: Partial<Record<ExtraMatrixKind, RoleMatrixRef<ExtraMatrixKind>>> = {};
  const tensorRoles: Record<string, TensorRole> = {};
  const all = new Set(suffixes.keys());
  const transpose = family.transposed === true;
  const moe = family.moe ? mapMoeLayer(family.moe, index, suffixes, input.tensors, ctx.sharedCount, notes, geometry.hiddenSize) : undefined;
  for (const [suffix, name] of suffixes) {
    const claimed = moe?.claimed.get(name);
    if (claimed) {
      tensorRoles[name] = claimed;
      continue;
    }
    const entry = input.tensors.get(name)!;
    const direct = family.direct[suffix];
    const fused = family.fused?.[suffix];
    const kind = own(family.extra, suffix);
    const shape = matrixShape(entry, transpose);
    if (direct && shape) {
      roles[direct] = { role: direct, layer: index, shape, source: { tensor: name, transpose } };
      tensorRoles[name] = direct;
    } else if (fused && shape) {
      tensorRoles[name] = fused.role;
      const parts = fused.split(shape[0], geometry);
      if (typeof parts === 'string') {
        notes.add(`${parts}; its q/k/v (or gate/up) matrices are not available.`);
        continue;
      }
      for (const p of parts) {
        const rows = p.rows ? p.rows[1] - p.rows[0] : p.rowIndex!.length;
        roles[p.role] = { role: p.role, layer: index, shape: [rows, shape[1]], source: { tensor: name, transpose, rows: p.rows, rowIndex: p.rowIndex } };
      }
    } else if (kind && shape) {
      extra[kind] = { role: kind, layer: index, shape, source: { tensor: name, transpose } };
      tensorRoles[name] = kind;
    } else {
      if ((direct || fused || kind) && !shape)
        notes.add(`Layer ${index}: '${name}' has shape [${entry.shape.join(', ')}], not a matrix; it is not used as ${direct ?? kind ?? fused!.role}.`);
      tensorRoles[name] = family.named?.(suffix, all) ?? fallbackLayerRole(suffix);
    }
  }
  const layer: LayerInfo = { index, tensors: [...suffixes.values()], roles: orderedRoles(roles), tensorRoles, suffixes: Object.fromEntries(suffixes) };
  if (Object.keys(extra).length) layer.extra = extra;
  if (moe?.moe) layer.moe = moe.moe;
  return { layer, count: moe?.count };
}

/** Drops the head geometry (with a note) when the stored q/k/v/o shapes contradict config.json. */
function checkedAttention(layers: LayerInfo[], geometry: Geometry, notes: Set<string>) {
  const att = attentionOf(geometry);
  if (!att) {
    if (geometry.numHeads)
      notes.add(
        `config.json gives ${geometry.numHeads} attention heads and ${geometry.numKvHeads} key/value heads, which do not divide evenly; per-head views are off.`,
      );
    return undefined;
  }
  const q = att.numHeads * att.headDim;
  const kv = att.numKvHeads * att.headDim;
  for (const l of layers) {
    const bad = (role: MatrixRole, got: number | undefined, want: number) =>
      got !== undefined && got !== want && `layer ${l.index} ${role} has ${got} head rows/columns, config.json implies ${want}`;
    const problem =
      bad('q', l.roles.q?.shape[0], q) || bad('k', l.roles.k?.shape[0], kv) || bad('v', l.roles.v?.shape[0], kv) || bad('o', l.roles.o?.shape[1], q);
    if (problem) {
      notes.add(`${problem}; per-head views are off.`);
      return undefined;
    }
  }
  return att;
}

/** The stack prefix from the family's anchor, or from its further anchors (another save format). */
function stackPrefix(family: Family, names: string[]): string | null {
  for (const anchor of [family.anchor, ...(family.anchors ?? [])]) {
    const p = findLayerPrefix(names, anchor);
    if (p !== null) return p;
  }
  return null;
}

const MLA_NOTE =
  'Multi-head latent attention: queries and keys/values pass through low-rank factors (q_a → q_b, kv_a_with_mqa → kv_b) with a norm between them, so there are no per-head q/k/v matrices to slice and per-head views (head correlations, per-head spectra) do not apply. The factors are layer matrices of their own kinds: q_a, q_b, kv_a, kv_b (and o).';

export function mapFamily(family: Family, input: ArchitectureInput, architecture: string, label: string): ArchitectureResult {
  const names = [...input.tensors.keys()];
  const geometry = readGeometry(input.config);
  const notes = new Set<string>();
  const prefix = stackPrefix(family, names);
  const layers: LayerInfo[] = [];
  const counts = new Map<number, MoeLayerResult['count']>();
  const inLayer = new Set<string>();
  const beyond = new Set<string>();
  const declaredLayers = configCount(input.config, ['num_hidden_layers'])?.value;
  const ctx: LayerContext = {
    family,
    input,
    geometry,
    notes,
    sharedCount: family.moe?.sharedCountKey ? configCount(input.config, [family.moe.sharedCountKey])?.value : undefined,
  };
  if (prefix !== null) {
    const grouped = [...groupLayers(names, prefix).entries()].sort((a, b) => a[0] - b[0]);
    for (const [index, suffixes] of grouped) {
      if (family.layersBeyondConfig && declaredLayers !== undefined && index >= declaredLayers) {
        notes.add(`Layer ${index} (${prefix}.${index}.*) is at or beyond num_hidden_layers = ${declaredLayers}: ${family.layersBeyondConfig}`);
        for (const n of suffixes.values()) beyond.add(n);
        continue;
      }
      const { layer, count } = layerOf(ctx, index, suffixes);
      layers.push(layer);
      if (count) counts.set(index, count);
      for (const n of suffixes.values()) inLayer.add(n);
    }
  } else {
    notes.add(`No tensor ends in '${[family.anchor, ...(family.anchors ?? [])].join("' or '")}', so no layers of a ${family.label} model were found.`);
  }
  if (family.moe) checkMoeLayers(family.moe, input.config, layers, counts, notes);
  const text = textConfig(input.config);
  if (family.checkLayers && text) family.checkLayers(layers, text, notes);
  attachBlockScales(layers, input.tensors, input.config, notes);
  const otherRoles = new Map<string, OtherRole>();
  // Tensors of layers beyond the stack keep 'other': their embeddings and norms are not the model's.
  for (const n of names) if (!inLayer.has(n)) otherRoles.set(n, beyond.has(n) ? 'other' : otherRoleOf(n));
  let attention = family.mla ? undefined : checkedAttention(layers, geometry, notes);
  if (family.mla && layers.some((l) => l.extra?.kv_a || l.extra?.kv_b)) notes.add(MLA_NOTE);
  else if (family.mla) attention = checkedAttention(layers, geometry, notes);
  // Sizes config.json leaves out (GPT-2's `n_inner: null` means 4·d) are read off the shapes.
  const first = layers[0]?.roles;
  const firstExpert = layers.find((l) => l.moe)?.moe?.experts[0];
  const embed = names.find((n) => otherRoles.get(n) === 'embed');
  const list = [...notes];
  const shown = list.length > MAX_NOTES ? [...list.slice(0, MAX_NOTES), `… and ${list.length - MAX_NOTES} more notes like these.`] : list;
  return {
    architecture,
    architectureLabel: label,
    hiddenSize: geometry.hiddenSize ?? first?.q?.shape[1] ?? first?.up?.shape[1] ?? firstExpert?.up?.shape[1],
    intermediateSize: geometry.intermediateSize ?? first?.up?.shape[0] ?? first?.gate?.shape[0] ?? firstExpert?.up?.shape[0],
    vocabSize: geometry.vocabSize ?? (embed ? input.tensors.get(embed)!.shape[0] : undefined),
    attention,
    layers,
    otherRoles,
    notes: shown,
  };
}
