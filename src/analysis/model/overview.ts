/**
 * A model as the model editor and `layer-lens inspect` present it: architecture, config highlights,
 * parameter counts by dtype and by role, and the tensors grouped by layer. Built from the
 * header-only ModelHandle (no weights are read), so it is instant for any model size, and both
 * front ends show the same figures because both call this.
 */
import { componentGroups } from './components';
import { expertLayerSummary, type ExpertLayerSummary } from './expertSummary';
import { auxiliaryBucket, matrixShares, packedTensors, roleRank, shareLabel } from './tensorLabels';
import type { ModelHandle, OtherRole, TensorEntry } from './types';
import { isDecodable } from '../io/dtypes';
import { quantScheme, type QuantScheme } from './quantScheme';

export interface TensorRow {
  name: string;
  shape: number[];
  dtype: string;
  bytes: number;
  params: number;
  /** q, k, v, o, gate, up, down (`q+k+v` when fused), embed, lm_head, norms… */
  role?: string;
  /** Set (false) for a dtype the reader lists but cannot turn into numbers (io/dtypes.ts NOT_DECODABLE). */
  decodable?: false;
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
  /** Mixture-of-experts layers: their experts, shared expert and router (absent for dense models). */
  experts?: ModelExperts;
  /** How the checkpoint is quantized (quantScheme.ts); absent for a plain checkpoint. */
  quantization?: QuantScheme;
}

/** One mixture-of-experts layer as the overview lists it. */
export interface ExpertLayerRow extends ExpertLayerSummary {
  layer: number;
  /** Parameters of the layer's routed experts, shared expert and router together. */
  params: number;
}

export interface ModelExperts {
  /** Routed experts per MoE layer (the largest, should layers differ). */
  count: number;
  /** Indices of the mixture-of-experts layers; the others have a dense MLP. */
  layers: number[];
  rows: ExpertLayerRow[];
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

/** localeCompare(…, 'en', { numeric: true }) builds a collator per call: seconds for ~90k tensors. */
const NAME_ORDER = new Intl.Collator('en', { numeric: true });

export function modelOverview(model: ModelHandle): ModelOverview {
  // Which matrices each stored tensor provides (several when fused, e.g. c_attn → q+k+v; every
  // expert's gate and up from one [E, …] tensor).
  const matrixRoles = matrixShares(model);
  const packed = packedTensors(model);
  const layerOf = new Map<string, number>();
  const tensorRole = new Map<string, ReturnType<typeof auxiliaryBucket>>();
  for (const layer of model.layers)
    for (const t of layer.tensors) {
      layerOf.set(t, layer.index);
      const aux = auxiliaryBucket(layer.tensorRoles?.[t]);
      if (aux) tensorRole.set(t, aux);
    }

  const byDtype = new Map<string, CountRow>();
  const byRole = new Map<string, number>();
  const rows = new Map<string, TensorRow>();
  let totalParams = 0;
  let totalBytes = 0;
  for (const entry of model.tensors.values()) {
    // MXFP4 blocks hold two values a byte: count the values, as for any other weight.
    const params = elements(entry.shape) * (packed.has(entry.name) ? 2 : 1);
    totalParams += params;
    totalBytes += entry.byteLength;
    const label = storageLabel(entry);
    const d = byDtype.get(label) ?? { label, params: 0, bytes: 0 };
    d.params += params;
    d.bytes! += entry.byteLength;
    byDtype.set(label, d);
    rows.set(entry.name, rowOf(entry, params));
  }

  function rowOf(entry: TensorEntry, params: number): TensorRow {
    const matrices = matrixRoles.get(entry.name);
    let role: string | undefined;
    const aux = tensorRole.get(entry.name);
    if (matrices) {
      role = shareLabel(matrices);
      let assigned = 0;
      for (const m of matrices) {
        byRole.set(m.bucket, (byRole.get(m.bucket) ?? 0) + m.params);
        assigned += m.params;
      }
      // A fused tensor may hold more than its roles use (never expected; counted, not hidden).
      if (params > assigned) byRole.set('other', (byRole.get('other') ?? 0) + params - assigned);
    } else if (aux) {
      // Router biases, expert biases, MXFP4 scales, the shared-expert gate, attention sinks.
      role = layerRoleText(entry.name);
      byRole.set(aux, (byRole.get(aux) ?? 0) + params);
    } else {
      const other = model.otherRoles.get(entry.name) ?? (layerOf.has(entry.name) ? guessLayerRole(entry.name) : 'other');
      role = other === 'other' ? undefined : other;
      byRole.set(other, (byRole.get(other) ?? 0) + params);
    }
    return {
      name: entry.name,
      shape: [...entry.shape],
      dtype: storageLabel(entry),
      bytes: entry.byteLength,
      params,
      role,
      ...((entry.quant ? entry.quant.decodable !== false : isDecodable(entry.dtype)) ? {} : { decodable: false as const }),
    };
  }

  const groups: TensorGroup[] = [];
  const group = (title: string, key: string, names: string[], layer?: number) => {
    const tensors = names
      .map((n) => rows.get(n))
      .filter((r): r is TensorRow => r !== undefined)
      .sort((a, b) => NAME_ORDER.compare(a.name, b.name));
    if (!tensors.length) return;
    groups.push({ title, key, layer, tensors, params: tensors.reduce((a, t) => a + t.params, 0), bytes: tensors.reduce((a, t) => a + t.bytes, 0) });
  };
  const { groups: components, rest: outside } = componentGroups([...model.tensors.keys()].filter((n) => !layerOf.has(n)));
  const roleOf = (n: string) => model.otherRoles.get(n) ?? 'other';
  group(
    'Embeddings',
    'embed',
    outside.filter((n) => roleOf(n) === 'embed'),
  );
  for (const layer of [...model.layers].sort((a, b) => a.index - b.index)) group(layerTitle(layer), `layer-${layer.index}`, layer.tensors, layer.index);
  for (const c of components) group(c.title, c.key, c.names);
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
    notes: model.notes ? [...model.notes] : notes,
    metadata: { ...model.metadata },
    ...expertsOf(model, rows),
    ...((s) => (s ? { quantization: s } : {}))(quantScheme(model)),
  };

  function layerRoleText(name: string): string | undefined {
    for (const l of model.layers) if (l.tensorRoles?.[name]) return l.tensorRoles[name];
    return undefined;
  }
}

/** `Layer 3`, or `Layer 3 · 64 experts + shared` for a mixture-of-experts layer. */
function layerTitle(layer: ModelHandle['layers'][number]): string {
  const moe = layer.moe;
  if (!moe) return `Layer ${layer.index}`;
  const shared = moe.shared ? ` + shared${moe.sharedCount ? ` (${moe.sharedCount})` : ''}` : '';
  return `Layer ${layer.index} · ${moe.experts.length} experts${shared}`;
}

/** The experts section: one row per mixture-of-experts layer, with the parameters its experts and router hold. */
function expertsOf(model: ModelHandle, rows: Map<string, TensorRow>): { experts?: ModelExperts } {
  const out: ExpertLayerRow[] = [];
  for (const layer of model.layers) {
    const summary = expertLayerSummary(layer);
    if (!summary) continue;
    let params = 0;
    for (const t of layer.tensors) {
      const role = layer.tensorRoles?.[t];
      if (
        role === 'expert' ||
        role === 'experts' ||
        role === 'shared_expert' ||
        role === 'router' ||
        auxiliaryBucket(role) === 'router' ||
        auxiliaryBucket(role) === 'shared expert' ||
        role === 'expert_bias'
      )
        params += rows.get(t)?.params ?? 0;
    }
    out.push({ layer: layer.index, ...summary, params });
  }
  if (!out.length) return {};
  return { experts: { count: Math.max(...out.map((r) => r.count)), layers: out.map((r) => r.layer), rows: out } };
}

/** The dtype shown for a tensor: its safetensors dtype, or its quantization (`GPTQ int4 g128`, `Q4_K`). */
export function storageLabel(entry: TensorEntry): string {
  return entry.quant?.label ?? entry.dtype;
}
