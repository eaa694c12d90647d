/**
 * A model as the model editor and `layer-lens inspect` present it: architecture, config highlights,
 * parameter counts by dtype and by role, and the tensors grouped by layer. Built from the
 * header-only ModelHandle (no weights are read), so it is instant for any model size, and both
 * front ends show the same figures because both call this.
 */
import type { ModelHandle, MatrixRole, OtherRole, TensorEntry } from './types';

export interface TensorRow {
  name: string;
  shape: number[];
  dtype: string;
  bytes: number;
  params: number;
  /** q, k, v, o, gate, up, down (`q+k+v` when fused), embed, lm_head, norms… */
  role?: string;
}

export interface TensorGroup {
  /** 'Embeddings', 'Layer 3', 'Final norm & head', 'Other'. */
  title: string;
  /** Stable key for open/closed state in the editor. */
  key: string;
  /** Layer index for layer groups. */
  layer?: number;
  tensors: TensorRow[];
  params: number;
  bytes: number;
}

export interface CountRow {
  label: string;
  params: number;
  bytes?: number;
}

export interface ModelOverview {
  path: string;
  kind: 'file' | 'folder';
  architecture: string;
  /** e.g. LlamaForCausalLM. */
  label: string;
  /** Highlights of config.json as [key, value], in a fixed readable order. */
  config: [string, string][];
  /** The whole config.json (null for a bare file). */
  rawConfig: Record<string, unknown> | null;
  totalParams: number;
  totalBytes: number;
  tensorCount: number;
  fileCount: number;
  layerCount: number;
  byDtype: CountRow[];
  byRole: CountRow[];
  groups: TensorGroup[];
  /** What the reader could not work out, said plainly (e.g. unknown architecture). */
  notes: string[];
  metadata: Record<string, string>;
}

/** config.json keys worth showing first, with the aliases different architectures use. */
const CONFIG_KEYS: string[][] = [
  ['model_type'],
  ['hidden_size', 'n_embd', 'd_model'],
  ['num_hidden_layers', 'n_layer', 'num_layers'],
  ['num_attention_heads', 'n_head'],
  ['num_key_value_heads'],
  ['head_dim'],
  ['intermediate_size', 'n_inner', 'ffn_dim'],
  ['vocab_size'],
  ['max_position_embeddings', 'n_positions'],
  ['hidden_act', 'activation_function'],
  ['rope_theta'],
  ['rms_norm_eps', 'layer_norm_eps', 'layer_norm_epsilon'],
  ['tie_word_embeddings'],
  ['torch_dtype'],
];

const OTHER_ROLE_ORDER: OtherRole[] = ['embed', 'attn_norm', 'mlp_norm', 'norm', 'final_norm', 'lm_head', 'bias', 'other'];
const MATRIX_ORDER: MatrixRole[] = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'];

function elements(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function configHighlights(config: Record<string, unknown> | null): [string, string][] {
  if (!config) return [];
  const out: [string, string][] = [];
  for (const aliases of CONFIG_KEYS) {
    const key = aliases.find((k) => config[k] !== undefined && config[k] !== null);
    if (key) out.push([key, typeof config[key] === 'string' ? (config[key] as string) : JSON.stringify(config[key])]);
  }
  return out;
}

/** Role of a layer tensor the architecture map did not assign to one of the seven matrices. */
function guessLayerRole(name: string): OtherRole {
  if (/bias$/.test(name)) return 'bias';
  if (/(norm|ln_?\d|layernorm)/i.test(name)) return 'norm';
  return 'other';
}

export function modelOverview(model: ModelHandle): ModelOverview {
  // Which matrix roles each stored tensor provides (several when fused, e.g. c_attn → q+k+v).
  const matrixRoles = new Map<string, { role: MatrixRole; params: number }[]>();
  for (const layer of model.layers) {
    for (const ref of Object.values(layer.roles)) {
      if (!ref) continue;
      const list = matrixRoles.get(ref.source.tensor) ?? [];
      list.push({ role: ref.role, params: ref.shape[0] * ref.shape[1] });
      matrixRoles.set(ref.source.tensor, list);
    }
  }
  const layerOf = new Map<string, number>();
  for (const layer of model.layers) for (const t of layer.tensors) layerOf.set(t, layer.index);

  const byDtype = new Map<string, CountRow>();
  const byRole = new Map<string, number>();
  const rows = new Map<string, TensorRow>();
  let totalParams = 0;
  let totalBytes = 0;
  for (const entry of model.tensors.values()) {
    const params = elements(entry.shape);
    totalParams += params;
    totalBytes += entry.byteLength;
    const d = byDtype.get(entry.dtype) ?? { label: entry.dtype, params: 0, bytes: 0 };
    d.params += params;
    d.bytes! += entry.byteLength;
    byDtype.set(entry.dtype, d);
    rows.set(entry.name, rowOf(entry, params));
  }

  function rowOf(entry: TensorEntry, params: number): TensorRow {
    const matrices = matrixRoles.get(entry.name);
    let role: string | undefined;
    if (matrices) {
      const sorted = [...matrices].sort((a, b) => MATRIX_ORDER.indexOf(a.role) - MATRIX_ORDER.indexOf(b.role));
      role = [...new Set(sorted.map((m) => m.role))].join('+');
      let assigned = 0;
      for (const m of sorted) {
        byRole.set(m.role, (byRole.get(m.role) ?? 0) + m.params);
        assigned += m.params;
      }
      // A fused tensor may hold more than its roles use (never expected; counted, not hidden).
      if (params > assigned) byRole.set('other', (byRole.get('other') ?? 0) + params - assigned);
    } else {
      const other = model.otherRoles.get(entry.name) ?? (layerOf.has(entry.name) ? guessLayerRole(entry.name) : 'other');
      role = other === 'other' ? undefined : other;
      byRole.set(other, (byRole.get(other) ?? 0) + params);
    }
    return { name: entry.name, shape: [...entry.shape], dtype: entry.dtype, bytes: entry.byteLength, params, role };
  }

  const groups: TensorGroup[] = [];
  const group = (title: string, key: string, names: string[], layer?: number) => {
    const tensors = names
      .map((n) => rows.get(n))
      .filter((r): r is TensorRow => r !== undefined)
      .sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
    if (!tensors.length) return;
    groups.push({ title, key, layer, tensors, params: tensors.reduce((a, t) => a + t.params, 0), bytes: tensors.reduce((a, t) => a + t.bytes, 0) });
  };
  const outside = [...model.tensors.keys()].filter((n) => !layerOf.has(n));
  const roleOf = (n: string) => model.otherRoles.get(n) ?? 'other';
  group(
    'Embeddings',
    'embed',
    outside.filter((n) => roleOf(n) === 'embed'),
  );
  for (const layer of [...model.layers].sort((a, b) => a.index - b.index)) group(`Layer ${layer.index}`, `layer-${layer.index}`, layer.tensors, layer.index);
  group(
    'Final norm & head',
    'head',
    outside.filter((n) => roleOf(n) === 'final_norm' || roleOf(n) === 'lm_head'),
  );
  group(
    'Other',
    'other',
    outside.filter((n) => !['embed', 'final_norm', 'lm_head'].includes(roleOf(n))),
  );

  const roleRank = (r: string) => {
    const m = MATRIX_ORDER.indexOf(r as MatrixRole);
    return m >= 0 ? m : MATRIX_ORDER.length + OTHER_ROLE_ORDER.indexOf(r as OtherRole);
  };
  const notes: string[] = [];
  if (model.architecture === 'generic') {
    notes.push(
      model.config
        ? `Architecture '${String(model.config.model_type ?? 'unknown')}' is not in the architecture map: layers are found from '.N.' in tensor names and matrices are grouped by name.`
        : "No config.json: layers are found from '.N.' in tensor names and matrices are grouped by name.",
    );
  }
  const att = model.attention;
  const config = configHighlights(model.config);
  if (att)
    config.push([
      'attention',
      `${att.numHeads} heads × ${att.headDim}, ${att.numKvHeads} KV heads${att.numKvHeads < att.numHeads ? ` (GQA ${att.numHeads / att.numKvHeads}:1)` : ''}`,
    ]);

  return {
    path: model.path,
    kind: model.kind,
    architecture: model.architecture,
    label: model.architectureLabel,
    config,
    rawConfig: model.config,
    totalParams,
    totalBytes,
    tensorCount: model.tensors.size,
    fileCount: model.files.length,
    layerCount: model.layers.length,
    byDtype: [...byDtype.values()].sort((a, b) => b.params - a.params),
    byRole: [...byRole.entries()].map(([label, params]) => ({ label, params })).sort((a, b) => roleRank(a.label) - roleRank(b.label)),
    groups,
    notes,
    metadata: { ...model.metadata },
  };
}
