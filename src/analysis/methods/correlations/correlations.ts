/**
 * Weight correlations between attention and MLP matrices (methods.md §2, measures M1–M8) for a
 * whole model, streamed layer by layer: per query head M1–M5, per layer M7 and M8, and over all
 * heads M6, the regression of M5 on M1. Each finished layer is reported as a partial result and
 * cached, so a cancelled or repeated run resumes without recomputing what it already has.
 * Architectures without a gated MLP (GPT-2, GPT-NeoX, OPT) get every measure that exists; the
 * others are listed in `notApplicable` with the reason.
 */
import type { Engine } from '../../engine/engine';
import { throwIfCancelled, yieldToEventLoop, type JobContext } from '../../jobs';
import type { CachedRun } from '../../cache/resultCache';
import { headSlice, kvHeadOf, matrixRef, roleRef } from '../../model/readRole';
import type { ExpertSelector, MatrixKind, MatrixRole, ModelHandle, RoleMatrixRef } from '../../model/types';
import { sourceLabel } from '../../model/sourceTensors';
import { headFlag, readRoleChecked } from '../common/checkedRead';
import { ResultCache } from '../../cache/resultCache';
import { headCorrelations, type AttentionMatrices, type HeadCorrelations } from './measures';
import { mlpMeasures } from './mlp';
import { modelRows } from './rowSource';
import { GATE_MEASURES, HEAD_MEASURE_ROLES, HEAD_MEASURES, M7_MEASURES, M8_MEASURES, type M7Measure, type M8Measure } from './names';
import { notComputableReason, weightFlag, type WeightFlag } from '../common/nonFinite';
import { regression, type Regression } from './regression';
import { modelIdentity } from '../../cache/fileIdentity';

// Finished entries, kept so that a re-run (other layers, after a cancel, a re-opened panel, the
// next VS Code session) computes only what is new; the key holds the model's file identity and
// every option that changes the entry.

/** Bumped whenever the stored entry's shape or meaning changes. */
const FORMAT = 3;

/** A layer file is ≈ 5 KB for 32 heads. */
const cache = new ResultCache<LayerCorrelations>({ folder: 'correlations', memoryCapacity: 1024, diskCapacity: 2048 });

function correlationsCacheKey(identity: string, layer: number, rcond: number | undefined, expert: ExpertSelector | undefined): string {
  return `v${FORMAT}#${identity}#${layer}#rc${rcond ?? 'default'}#x${expert ?? ''}`;
}

async function readCachedCorrelations(key: string, cacheDir?: string): Promise<LayerCorrelations | undefined> {
  const hit = await cache.get(key, cacheDir);
  return hit && structuredClone(hit.value);
}

function writeCachedCorrelations(key: string, entry: LayerCorrelations, cacheDir?: string): Promise<void> {
  return cache.set(key, structuredClone(entry), cacheDir);
}

/** Forgets every in-memory entry (tests; the disk copies stay). */
/**
 * Why multi-head latent attention (DeepSeek-V2/V3) gets no per-head measures: queries and keys/values
 * pass through low-rank factors with a per-token RMSNorm between them (docs/methods.md §2), so no
 * fixed per-head q/k/v matrix exists to slice or correlate.
 */
const MLA_REASON =
  'multi-head latent attention has no per-head q, k, v matrices (queries and keys/values pass through low-rank factors with a norm between them); the factors are analysed as layer matrices q_a, q_b, kv_a, kv_b';

export function clearCorrelationsMemoryCache(): void {
  cache.clearMemory();
}

export interface CorrelationsOptions {
  /** Layer indices (default: every layer). */
  layers?: number[];
  /** Relative singular-value cutoff of pinv(Wu) (default: pinv's √(max(m, n)·ε)). */
  rcond?: number;
  /**
   * Mixture-of-experts layers: whose gate/up/down stand for the MLP in M7/M8 — a routed expert's
   * index or `shared`. Without it those layers have no MLP measures, and their notes say so.
   */
  expert?: ExpertSelector;
}

export interface LayerCorrelations {
  layer: number;
  /** One per query head; empty when the layer has no complete attention or the head layout is unknown. */
  heads: HeadCorrelations[];
  /** NaN where a measure does not apply or is undefined (a constant matrix); null where a matrix it needs holds NaN/Inf. */
  m7: Record<M7Measure, number | null>;
  m8: Record<M8Measure, number | null>;
  /** `[out, in]` of every matrix used. */
  shapes: Partial<Record<MatrixRole, [number, number]>>;
  /** What could not be computed in this layer, and why. */
  notes: string[];
  /** Set when the MLP measures are an expert's (a mixture-of-experts layer with `expert` chosen). */
  expert?: ExpertSelector;
  /** Whole role matrices of this layer holding NaN/Inf (per-head slices are on each head); empty or absent when all are finite. */
  nonFinite?: WeightFlag[];
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
  options: { rcond: number | null; expert?: ExpertSelector };
  /** Every flagged matrix of every layer: the values that need one are null. */
  nonFinite: WeightFlag[];
  /** Layers taken from the cache rather than computed. */
  cached: number;
  seconds: number;
}

/** Cached per layer: `force` recomputes every layer and replaces its entry. */
export interface CorrelationsContext extends JobContext, CachedRun {
  engine: Engine;
  /** Receives each layer's result as soon as it is done. */
  onPartial?: (entry: LayerCorrelations) => void;
}

const ATTENTION: MatrixRole[] = ['q', 'k', 'v', 'o'];

export function resolveCorrelationLayers(model: ModelHandle, opts: CorrelationsOptions): number[] {
  const count = model.layers.length;
  if (count === 0) throw new Error(`${model.path} has no transformer layers to analyse`);
  const layers = opts.layers ?? model.layers.map((l) => l.index);
  for (const l of layers) {
    if (!Number.isInteger(l) || !model.layers.some((info) => info.index === l))
      throw new Error(`layer ${l} does not exist: the model has layers 0–${count - 1}`);
  }
  if (opts.rcond !== undefined && !(Number.isFinite(opts.rcond) && opts.rcond >= 0 && opts.rcond < 1))
    throw new Error(`rcond must be a number in [0, 1), got ${opts.rcond}`);
  return [...new Set(layers)].sort((a, b) => a - b);
}

const nanRecord = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, NaN])) as Record<K, number>;

/**
 * Nulls the head measures that need a non-finite head slice: q and o are sliced by query head, k and
 * v by kv head, so a NaN in one query head's rows of q leaves every other head's values untouched.
 */
function flagHeads(model: ModelHandle, layer: number, m: AttentionMatrices, heads: HeadCorrelations[]): void {
  for (const h of heads) {
    const flags = (['q', 'k', 'v', 'o'] as const).flatMap((role) => {
      const head = role === 'k' || role === 'v' ? kvHeadOf(model, h.head) : h.head;
      const f = headFlag(model, layer, role, head, headSlice(model, m[role], role, head));
      return f ? [f] : [];
    });
    if (flags.length === 0) continue;
    h.nonFinite = flags;
    for (const measure of HEAD_MEASURES) if (flags.some((f) => (HEAD_MEASURE_ROLES[measure] as readonly string[]).includes(f.role))) h[measure] = null;
  }
}

/**
 * M7/M8 of the layer's gate/up/down (an expert's when `expert` is set), streamed (mlp.ts): their
 * flags go into the entry and the measures that need a flagged matrix are null.
 */
async function mlpOfLayer(
  model: ModelHandle,
  entry: LayerCorrelations,
  refs: { up: RoleMatrixRef<MatrixKind>; down: RoleMatrixRef<MatrixKind>; gate?: RoleMatrixRef<MatrixKind> },
  where: (role: 'gate' | 'up' | 'down', ref: RoleMatrixRef<MatrixKind>) => { role: string; tensor: string },
  rcond: number | undefined,
  ctx: CorrelationsContext,
): Promise<WeightFlag[]> {
  const source = (role: 'gate' | 'up' | 'down', ref: RoleMatrixRef<MatrixKind>) =>
    modelRows(model, ref, (values) => weightFlag({ layer: entry.layer, ...where(role, ref) }, values), { signal: ctx.signal });
  const mlp = await mlpMeasures(
    { up: source('up', refs.up), down: source('down', refs.down), gate: refs.gate && source('gate', refs.gate) },
    { engine: ctx.engine, rcond, signal: ctx.signal },
  );
  entry.m7 = mlp.m7;
  entry.m8 = mlp.m8;
  return mlp.flags;
}

/**
 * The per-head measures, with q, k, v and o flagged into `flags`. A function of its own so that the
 * four matrices (576 MiB at 70B shapes) are gone when it returns: V8 keeps an async function's
 * locals, dead or not, alive across its awaits, which would hold them through the MLP measures.
 */
async function headsOfLayer(model: ModelHandle, layer: number, flags: WeightFlag[], ctx: CorrelationsContext): Promise<HeadCorrelations[]> {
  // Only the signal: the reader's byte progress would garble the job's layer-by-layer progress.
  const checked = await Promise.all(ATTENTION.map((role) => readRoleChecked(model, layer, role, { signal: ctx.signal })));
  for (const c of checked) if (c.flag) flags.push(c.flag);
  const [q, k, v, o] = checked.map((c) => c.matrix);
  const heads = await headCorrelations(model, { q, k, v, o }, { engine: ctx.engine, signal: ctx.signal });
  if (flags.length) flagHeads(model, layer, { q, k, v, o }, heads);
  return heads;
}

async function analyzeLayer(
  model: ModelHandle,
  layer: number,
  rcond: number | undefined,
  ctx: CorrelationsContext,
  step: (message: string) => void,
  expert?: ExpertSelector,
): Promise<LayerCorrelations> {
  const info = model.layers.find((l) => l.index === layer)!;
  const roles = info.roles;
  const flags: WeightFlag[] = [];
  const entry: LayerCorrelations = { layer, heads: [], m7: nanRecord(M7_MEASURES), m8: nanRecord(M8_MEASURES), shapes: {}, notes: [], nonFinite: flags };
  for (const role of Object.keys(roles) as MatrixRole[]) entry.shapes[role] = roles[role]!.shape;

  step(`layer ${layer} attention heads`);
  const missingAttention = ATTENTION.filter((r) => !roles[r]);
  if (info.extra?.kv_a || info.extra?.q_a) entry.notes.push(`no per-head measures: ${MLA_REASON}`);
  else if (missingAttention.length) entry.notes.push(`no per-head measures: the layer has no ${missingAttention.join(', ')} matrix`);
  else if (!model.attention) entry.notes.push('no per-head measures: config.json gives no usable head counts');
  else entry.heads = await headsOfLayer(model, layer, flags, ctx);
  throwIfCancelled(ctx.signal);

  step(`layer ${layer} MLP (pseudo-inverse of up)`);
  const moe = info.moe && !roles.up && !roles.down ? info.moe : undefined;
  if (moe && expert === undefined)
    entry.notes.push(
      `no MLP measures: a mixture-of-experts layer (${moe.experts.length} experts${moe.shared ? ' and a shared one' : ''}); choose an expert to measure its gate/up/down`,
    );
  else if (moe) {
    const matrices = expert === 'shared' ? moe.shared : moe.experts[expert as number];
    const what = expert === 'shared' ? 'the shared expert' : `expert ${expert}`;
    if (!matrices?.up || !matrices.down) entry.notes.push(`no MLP measures: this layer has no ${what}${matrices ? ' with up and down' : ''}`);
    else {
      entry.expert = expert;
      const refs = {
        up: matrixRef(model, layer, 'up', expert),
        down: matrixRef(model, layer, 'down', expert),
        gate: matrices.gate && matrixRef(model, layer, 'gate', expert),
      };
      for (const role of ['up', 'down', 'gate'] as const) if (refs[role]) entry.shapes[role] = refs[role].shape;
      flags.push(...(await mlpOfLayer(model, entry, refs, (role, ref) => ({ role: `${role} (${what})`, tensor: ref.source.tensor }), rcond, ctx)));
    }
  } else if (!roles.up || !roles.down)
    entry.notes.push(`no MLP measures: the layer has no ${[!roles.up && 'up', !roles.down && 'down'].filter(Boolean).join(' or ')} matrix`);
  else {
    // Memory: never more than down and two d×d float64 matrices beside a row block (mlp.ts).
    const refs = { up: roleRef(model, layer, 'up'), down: roleRef(model, layer, 'down'), gate: roles.gate && roleRef(model, layer, 'gate') };
    flags.push(...(await mlpOfLayer(model, entry, refs, (role, ref) => ({ role, tensor: sourceLabel(ref.source) }), rcond, ctx)));
  }
  if (flags.length) entry.notes.push(`some values are ${notComputableReason(flags)}`);
  return entry;
}

function notApplicable(model: ModelHandle, layers: number[]): CorrelationsResult['notApplicable'] {
  const infos = model.layers.filter((l) => layers.includes(l.index));
  const out: CorrelationsResult['notApplicable'] = [];
  if (infos.some((l) => l.extra?.kv_a || l.extra?.q_a)) for (const m of HEAD_MEASURES) out.push({ measure: m, reason: MLA_REASON });
  else if (!model.attention)
    for (const m of HEAD_MEASURES) out.push({ measure: m, reason: 'the attention head layout is unknown (config.json has no head counts)' });
  if (infos.every((l) => !l.roles.gate && !l.moe)) {
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
  let done = 0,
    cached = 0;
  const step = (message: string) => ctx.onProgress?.({ done: done++, total, message });
  for (const layer of layers) {
    throwIfCancelled(ctx.signal);
    const key = correlationsCacheKey(identity, layer, opts.rcond, opts.expert);
    let entry = ctx.force ? undefined : await readCachedCorrelations(key, ctx.cacheDir);
    if (entry) {
      cached++;
      done += 2;
    } else {
      entry = await analyzeLayer(model, layer, opts.rcond, ctx, step, opts.expert);
      await writeCachedCorrelations(key, entry, ctx.cacheDir);
    }
    entries.push(entry);
    ctx.onPartial?.(entry);
    await yieldToEventLoop();
  }
  ctx.onProgress?.({ done: total, total });
  // Heads whose M1 or M5 is not computable (non-finite weights) stay out of the regression.
  const heads = entries.flatMap((e) => e.heads).filter((h): h is HeadCorrelations & { M1: number; M5: number } => h.M1 !== null && h.M5 !== null);
  const a = model.attention;
  return {
    model: model.path,
    architecture: model.architecture,
    layers,
    attention: a ? { numHeads: a.numHeads, numKvHeads: a.numKvHeads, headDim: a.headDim, groupSize: a.numHeads / a.numKvHeads } : null,
    entries,
    m6: regression(
      heads.map((h) => h.M1),
      heads.map((h) => h.M5),
    ),
    notApplicable: notApplicable(model, layers),
    options: opts.expert === undefined ? { rcond: opts.rcond ?? null } : { rcond: opts.rcond ?? null, expert: opts.expert },
    nonFinite: entries.flatMap((e) => e.nonFinite ?? []),
    cached,
    seconds: (performance.now() - t0) / 1000,
  };
}
