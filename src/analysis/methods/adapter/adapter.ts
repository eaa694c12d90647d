/**
 * LoRA adapter analysis (docs/adapters.md): for every module a PEFT LoRA adapter updates, its rank,
 * scaling, ‖ΔW‖_F, ‖ΔW‖_2, stable rank ‖ΔW‖_F²/‖ΔW‖_2² and its (at most r) singular values, from
 * the factors alone (lowRank.ts); with the base model, the update's size relative to the weight
 * ‖ΔW‖_F/‖W‖_F, their alignment cos(ΔW, W) = ⟨ΔW, W⟩_F/(‖ΔW‖_F‖W‖_F) and DOCS(ΔW, W) (the
 * similarity index of docs/methods.md §1, the same code as layer similarity).
 */
import type { Engine } from '../../engine/engine';
import { readElementsF32 } from '../../io/tensorReader';
import type { LoraParams } from '../../io/quant/lora';
import { throwIfCancelled, yieldToEventLoop, type JobContext } from '../../jobs';
import { transpose, type Matrix } from '../../linalg/matrix';
import { findAdapterBase } from '../../model/adapter/findBase';
import { openModel } from '../../model/openModel';
import { MATRIX_ROLES, type MatrixRole, type ModelHandle, type TensorEntry } from '../../model/types';
import { docsSimilarity, orientForDocs, resolveOrientation } from '../similarity/docs';
import { loraSingularValues } from './lowRank';
import type { AdapterOptions } from './options';

export interface AdapterModule {
  /** PEFT's module name without its prefix, e.g. `model.layers.3.self_attn.q_proj`. */
  module: string;
  /** The layer index in the name (`.N.`), null for modules outside the layer stack (embeddings). */
  layer: number | null;
  /** The name after the layer index (`self_attn.q_proj`), or the whole name outside the stack. */
  kind: string;
  /** ΔW's shape as stored (the base weight's layout). */
  shape: [number, number];
  rank: number;
  alpha: number;
  scaling: number;
  fro: number | null;
  spectral: number | null;
  stableRank: number | null;
  /** The non-zero singular values (at most r), descending. */
  singularValues: number[];
  /** With the base: ‖ΔW‖_F / ‖W‖_F. */
  relativeFro?: number | null;
  /** With the base: ⟨ΔW, W⟩_F / (‖ΔW‖_F ‖W‖_F). */
  cosine?: number | null;
  /** With the base: DOCS(ΔW, W), comparing the role's neurons (rows of q, k, v, gate, up; columns of o, down). */
  docs?: number | null;
  /** Why some values are missing. */
  reason?: string;
}

export interface AdapterResult {
  model: string;
  /** The base compared with, and how it was found; null without one. */
  base: { path: string; how: 'given' | 'path' | 'folder' | 'cache' } | null;
  /** adapter_config.json's base_model_name_or_path when the base was not found. */
  baseNotFound?: string;
  modules: AdapterModule[];
  /** Layer indices and module kinds present, in order (the heatmap's axes). */
  layers: number[];
  kinds: string[];
  notes: string[];
  seconds: number;
  engine?: { provider: string; threads: number };
}

export interface AdapterContext extends JobContext {
  engine: Engine;
}

function layerAndKind(module: string): { layer: number | null; kind: string } {
  const m = /^(?:.*?)\.(\d+)\.(.+)$/.exec(module);
  return m ? { layer: Number(m[1]), kind: m[2] } : { layer: null, kind: module };
}

/** The role the base's map gives tensor `name`, and whether it reads it transposed (Conv1D). */
function roleOf(base: ModelHandle, name: string): { role: MatrixRole | null; transpose: boolean } {
  for (const l of base.layers)
    for (const role of MATRIX_ROLES) {
      const ref = l.roles[role];
      if (ref && ref.source.tensor === name && !ref.source.rows && !ref.source.rowIndex) return { role, transpose: ref.source.transpose };
    }
  return { role: null, transpose: false };
}

function finite(values: Float32Array): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}

/** ΔW against the base weight W: relative size, cosine and DOCS. */
async function compareWithBase(
  ctx: AdapterContext,
  base: ModelHandle,
  delta: TensorEntry,
  fro: number,
): Promise<Pick<AdapterModule, 'relativeFro' | 'cosine' | 'docs' | 'reason'>> {
  const w = base.tensors.get(delta.name);
  if (!w) return { relativeFro: null, cosine: null, docs: null, reason: `the base has no '${delta.name}'` };
  if (w.shape.join(',') !== delta.shape.join(','))
    return { relativeFro: null, cosine: null, docs: null, reason: `ΔW is [${delta.shape.join(', ')}] but the base weight is [${w.shape.join(', ')}]` };
  const n = delta.shape[0] * delta.shape[1];
  const [dw, wv] = await Promise.all([readElementsF32(delta, 0, n, ctx), readElementsF32(w, 0, n, ctx)]);
  if (!finite(wv)) return { relativeFro: null, cosine: null, docs: null, reason: `the base weight '${w.name}' holds NaN or Inf` };
  let ww = 0;
  let dot = 0;
  for (let i = 0; i < n; i++) {
    ww += wv[i] * wv[i];
    dot += dw[i] * wv[i];
  }
  const wf = Math.sqrt(ww);
  const out: Pick<AdapterModule, 'relativeFro' | 'cosine' | 'docs' | 'reason'> = {
    relativeFro: wf > 0 ? fro / wf : null,
    cosine: wf > 0 && fro > 0 ? dot / (fro * wf) : null,
    docs: null,
  };
  const { role, transpose: stored } = roleOf(base, w.name);
  let dm: Matrix = { rows: delta.shape[0], cols: delta.shape[1], data: dw };
  let wm: Matrix = { rows: w.shape[0], cols: w.shape[1], data: wv };
  if (stored) {
    dm = transpose(dm);
    wm = transpose(wm);
  }
  const side = role ? resolveOrientation(role) : 'rows';
  try {
    out.docs = fro > 0 ? (await docsSimilarity(ctx.engine, orientForDocs(dm, side), orientForDocs(wm, side), ctx)).docs : null;
  } catch (e) {
    out.reason = `DOCS: ${(e as Error).message}`;
  }
  return out;
}

async function analyseModule(ctx: AdapterContext, entry: TensorEntry, base: ModelHandle | null): Promise<AdapterModule> {
  const params = entry.quant!.params as unknown as LoraParams;
  const module = entry.name.replace(/\.weight$/, '');
  const row: AdapterModule = {
    module,
    ...layerAndKind(module),
    shape: [entry.shape[0], entry.shape[1]],
    rank: params.rank,
    alpha: params.alpha,
    scaling: params.scaling,
    fro: null,
    spectral: null,
    stableRank: null,
    singularValues: [],
  };
  if (params.error) return { ...row, reason: params.error };
  const [A, B] = entry.quant!.parts;
  const [r, q] = A.shape;
  const p = B.shape[0];
  const [a, b] = await Promise.all([readElementsF32(A, 0, r * q, ctx), readElementsF32(B, 0, p * r, ctx)]);
  if (!finite(a) || !finite(b)) return { ...row, reason: `its factors hold NaN or Inf` };
  const sv = loraSingularValues(b, p, a, r, q, params.scaling);
  const fro = Math.sqrt(sv.reduce((s, v) => s + v * v, 0));
  const spectral = sv.length ? sv[0] : 0;
  Object.assign(row, {
    fro,
    spectral,
    stableRank: spectral > 0 ? (fro * fro) / (spectral * spectral) : null,
    singularValues: [...sv],
  });
  if (base) Object.assign(row, await compareWithBase(ctx, base, entry, fro));
  return row;
}

/** Every LoRA module of the adapter `model` (opened by openModel), compared with its base when one is given or found. */
export async function runAdapter(model: ModelHandle, options: AdapterOptions, ctx: AdapterContext): Promise<AdapterResult> {
  const t0 = performance.now();
  const entries = [...model.tensors.values()].filter((t) => t.quant?.scheme === 'lora');
  if (entries.length === 0) throw new Error(`${model.path} holds no LoRA factors (lora_A / lora_B): it is not a LoRA adapter`);
  let base: ModelHandle | null = null;
  let baseInfo: AdapterResult['base'] = null;
  let baseNotFound: string | undefined;
  if (options.base) {
    base = await openModel(options.base);
    baseInfo = { path: base.path, how: 'given' };
  } else if (options.findBase !== false && model.kind === 'folder') {
    const { name, found } = await findAdapterBase(model.path);
    if (found) {
      base = await openModel(found.path);
      baseInfo = { path: base.path, how: found.how };
    } else if (name) baseNotFound = name;
  }
  const modules: AdapterModule[] = [];
  for (let i = 0; i < entries.length; i++) {
    throwIfCancelled(ctx.signal);
    await yieldToEventLoop();
    ctx.onProgress?.({ done: i, total: entries.length, message: entries[i].name });
    modules.push(await analyseModule(ctx, entries[i], base));
  }
  const layers = [...new Set(modules.flatMap((m) => (m.layer === null ? [] : [m.layer])))].sort((x, y) => x - y);
  const kinds = [...new Set(modules.map((m) => m.kind))];
  return {
    model: model.path,
    base: baseInfo,
    ...(baseNotFound ? { baseNotFound } : {}),
    modules,
    layers,
    kinds,
    notes: (model.notes ?? []).filter((n) => !n.startsWith('No config.json')),
    seconds: (performance.now() - t0) / 1000,
    ...(base ? { engine: { provider: ctx.engine.info.provider, threads: ctx.engine.info.threads } } : {}),
  };
}
