/**
 * Weight correlations between attention and MLP matrices (methods.md §2, measures M1–M8) for a
 * whole model, streamed layer by layer: per query head M1–M5, per layer M7 and M8, and over all
 * heads M6, the regression of M5 on M1. Each finished layer is reported as a partial result and
 * cached, so a cancelled or repeated run resumes without recomputing what it already has.
 * Architectures without a gated MLP (GPT-2, GPT-NeoX, OPT) get every measure that exists; the
 * others are listed in `notApplicable` with the reason.
 */
import type { Engine } from '../engine/engine';
import { throwIfCancelled, yieldToEventLoop, type JobContext } from '../jobs';
import { readRoleMatrix } from '../model/readRole';
import type { MatrixRole, ModelHandle } from '../model/types';
import { correlationsCacheKey, readCachedCorrelations, writeCachedCorrelations } from './correlationsCache';
import { headCorrelations, mlpCorrelations, type HeadCorrelations } from './correlationsMeasures';
import { GATE_MEASURES, HEAD_MEASURES, M7_MEASURES, M8_MEASURES, type M7Measure, type M8Measure } from './correlationsNames';
import { regression, type Regression } from './correlationsRegression';
import { modelIdentity } from './similarityCache';

export interface CorrelationsOptions {
  /** Layer indices (default: every layer). */
  layers?: number[];
  /** Relative singular-value cutoff of pinv(Wu) (default: pinv's √(max(m, n)·ε)). */
  rcond?: number;
}

export interface LayerCorrelations {
  layer: number;
  /** One per query head; empty when the layer has no complete attention or the head layout is unknown. */
  heads: HeadCorrelations[];
  /** NaN where a measure does not apply or is undefined (a constant matrix). */
  m7: Record<M7Measure, number>;
  m8: Record<M8Measure, number>;
  /** `[out, in]` of every matrix used. */
  shapes: Partial<Record<MatrixRole, [number, number]>>;
  /** What could not be computed in this layer, and why. */
  notes: string[];
}

export interface CorrelationsResult {
  model: string;
  architecture: string;
  layers: number[];
  attention: { numHeads: number; numKvHeads: number; headDim: number; groupSize: number } | null;
  entries: LayerCorrelations[];
  /** M6: M5 = intercept + slope·M1 over every head of every layer, with r; null with fewer than 3 heads. */
  m6: Regression | null;
  /** Measures that do not exist for this model, with the reason. */
  notApplicable: { measure: string; reason: string }[];
  options: { rcond: number | null };
  /** Layers taken from the cache rather than computed. */
  cached: number;
  seconds: number;
}

export interface CorrelationsContext extends JobContext {
  engine: Engine;
  /** Receives each layer's result as soon as it is done. */
  onPartial?: (entry: LayerCorrelations) => void;
  /** Folder for the on-disk cache (the extension's global storage); memory only without it. */
  cacheDir?: string;
}

const ATTENTION: MatrixRole[] = ['q', 'k', 'v', 'o'];

export function resolveCorrelationLayers(model: ModelHandle, opts: CorrelationsOptions): number[] {
  const count = model.layers.length;
  if (count === 0) throw new Error(`${model.path} has no transformer layers to analyse`);
  const layers = opts.layers ?? model.layers.map((l) => l.index);
  for (const l of layers) {
    if (!Number.isInteger(l) || !model.layers.some((info) => info.index === l)) throw new Error(`layer ${l} does not exist: the model has layers 0–${count - 1}`);
  }
  if (opts.rcond !== undefined && !(Number.isFinite(opts.rcond) && opts.rcond >= 0 && opts.rcond < 1)) throw new Error(`rcond must be a number in [0, 1), got ${opts.rcond}`);
  return [...new Set(layers)].sort((a, b) => a - b);
}

const nanRecord = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, NaN])) as Record<K, number>;

async function analyzeLayer(model: ModelHandle, layer: number, rcond: number | undefined, ctx: CorrelationsContext, step: (message: string) => void): Promise<LayerCorrelations> {
  const roles = model.layers.find((l) => l.index === layer)!.roles;
  // Only the signal: the reader's byte progress would garble the job's layer-by-layer progress.
  const read = (role: MatrixRole) => readRoleMatrix(model, layer, role, { signal: ctx.signal });
  const entry: LayerCorrelations = { layer, heads: [], m7: nanRecord(M7_MEASURES), m8: nanRecord(M8_MEASURES), shapes: {}, notes: [] };
  for (const role of Object.keys(roles) as MatrixRole[]) entry.shapes[role] = roles[role]!.shape;

  step(`layer ${layer} attention heads`);
  const missingAttention = ATTENTION.filter((r) => !roles[r]);
  if (missingAttention.length) entry.notes.push(`no per-head measures: the layer has no ${missingAttention.join(', ')} matrix`);
  else if (!model.attention) entry.notes.push('no per-head measures: config.json gives no usable head counts');
  else {
    const [q, k, v, o] = await Promise.all(ATTENTION.map(read));
    entry.heads = await headCorrelations(model, { q, k, v, o }, { engine: ctx.engine, signal: ctx.signal });
  }
  throwIfCancelled(ctx.signal);

  step(`layer ${layer} MLP (pseudo-inverse of up)`);
  if (!roles.up || !roles.down) entry.notes.push(`no MLP measures: the layer has no ${[!roles.up && 'up', !roles.down && 'down'].filter(Boolean).join(' or ')} matrix`);
  else {
    const [up, down, gate] = await Promise.all([read('up'), read('down'), roles.gate ? read('gate') : Promise.resolve(undefined)]);
    const mlp = await mlpCorrelations({ up, down, gate }, { engine: ctx.engine, rcond, signal: ctx.signal });
    entry.m7 = mlp.m7;
    entry.m8 = mlp.m8;
  }
  return entry;
}

function notApplicable(model: ModelHandle, layers: number[]): CorrelationsResult['notApplicable'] {
  const infos = model.layers.filter((l) => layers.includes(l.index));
  const out: CorrelationsResult['notApplicable'] = [];
  if (!model.attention) for (const m of HEAD_MEASURES) out.push({ measure: m, reason: 'the attention head layout is unknown (config.json has no head counts)' });
  if (infos.every((l) => !l.roles.gate)) {
    for (const m of GATE_MEASURES) out.push({ measure: m, reason: `${model.architectureLabel} has no gate matrix (its MLP is not gated)` });
  }
  return out;
}

export async function runCorrelations(model: ModelHandle, opts: CorrelationsOptions, ctx: CorrelationsContext): Promise<CorrelationsResult> {
  const t0 = performance.now();
  const layers = resolveCorrelationLayers(model, opts);
  const identity = await modelIdentity(model);
  const entries: LayerCorrelations[] = [];
  const total = 2 * layers.length;
  let done = 0, cached = 0;
  const step = (message: string) => ctx.onProgress?.({ done: done++, total, message });
  for (const layer of layers) {
    throwIfCancelled(ctx.signal);
    const key = correlationsCacheKey(identity, layer, opts.rcond);
    let entry = await readCachedCorrelations(key, ctx.cacheDir);
    if (entry) {
      cached++;
      done += 2;
    } else {
      entry = await analyzeLayer(model, layer, opts.rcond, ctx, step);
      await writeCachedCorrelations(key, entry, ctx.cacheDir);
    }
    entries.push(entry);
    ctx.onPartial?.(entry);
    await yieldToEventLoop();
  }
  ctx.onProgress?.({ done: total, total });
  const heads = entries.flatMap((e) => e.heads);
  const a = model.attention;
  return {
    model: model.path,
    architecture: model.architecture,
    layers,
    attention: a ? { numHeads: a.numHeads, numKvHeads: a.numKvHeads, headDim: a.headDim, groupSize: a.numHeads / a.numKvHeads } : null,
    entries,
    m6: regression(heads.map((h) => h.M1), heads.map((h) => h.M5)),
    notApplicable: notApplicable(model, layers),
    options: { rcond: opts.rcond ?? null },
    cached,
    seconds: (performance.now() - t0) / 1000,
  };
}
