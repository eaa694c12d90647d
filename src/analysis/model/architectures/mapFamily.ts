/**
 * Applies a Family (data) to a model's tensor names: finds the layer stack, assigns the seven roles
 * (splitting fused tensors), labels the other tensors, and checks the attention geometry from
 * config.json against the q/k/v shapes so head slices are never cut at the wrong place.
 */
import type { LayerInfo, MatrixRole, OtherRole, RoleMatrixRef, TensorRole } from '../types';
import { attentionOf, fallbackLayerRole, orderedRoles, findLayerPrefix, groupLayers, otherRoleOf, readGeometry, type Geometry } from '../roles';
import { matrixShape, type ArchitectureInput, type ArchitectureResult } from './result';
import type { Family } from './types';

function layerOf(family: Family, input: ArchitectureInput, index: number, suffixes: Map<string, string>, geometry: Geometry, notes: Set<string>): LayerInfo {
  const roles: Partial<Record<MatrixRole, RoleMatrixRef>> = {};
  const tensorRoles: Record<string, TensorRole> = {};
  const all = new Set(suffixes.keys());
  const transpose = family.transposed === true;
  for (const [suffix, name] of suffixes) {
    const entry = input.tensors.get(name)!;
    const direct = family.direct[suffix];
    const fused = family.fused?.[suffix];
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
    } else {
      tensorRoles[name] = family.named?.(suffix, all) ?? fallbackLayerRole(suffix);
    }
  }
  return { index, tensors: [...suffixes.values()], roles: orderedRoles(roles), tensorRoles, suffixes: Object.fromEntries(suffixes) };
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

export function mapFamily(family: Family, input: ArchitectureInput, architecture: string, label: string): ArchitectureResult {
  const names = [...input.tensors.keys()];
  const geometry = readGeometry(input.config);
  const notes = new Set<string>();
  const prefix = findLayerPrefix(names, family.anchor);
  const layers: LayerInfo[] = [];
  const inLayer = new Set<string>();
  if (prefix !== null) {
    const grouped = [...groupLayers(names, prefix).entries()].sort((a, b) => a[0] - b[0]);
    for (const [index, suffixes] of grouped) {
      layers.push(layerOf(family, input, index, suffixes, geometry, notes));
      for (const n of suffixes.values()) inLayer.add(n);
    }
  } else {
    notes.add(`No tensor ends in '${family.anchor}', so no layers of a ${family.label} model were found.`);
  }
  const otherRoles = new Map<string, OtherRole>();
  for (const n of names) if (!inLayer.has(n)) otherRoles.set(n, otherRoleOf(n));
  const attention = checkedAttention(layers, geometry, notes);
  // Sizes config.json leaves out (GPT-2's `n_inner: null` means 4·d) are read off the shapes.
  const first = layers[0]?.roles;
  const embed = names.find((n) => otherRoles.get(n) === 'embed');
  return {
    architecture,
    architectureLabel: label,
    hiddenSize: geometry.hiddenSize ?? first?.q?.shape[1] ?? first?.up?.shape[1],
    intermediateSize: geometry.intermediateSize ?? first?.up?.shape[0] ?? first?.gate?.shape[0],
    vocabSize: geometry.vocabSize ?? (embed ? input.tensors.get(embed)!.shape[0] : undefined),
    attention,
    layers,
    otherRoles,
    notes: [...notes],
  };
}
