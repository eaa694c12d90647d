/**
 * Checkpoint diff: what changed between a base model A and a changed model B (fine-tune, later
 * training step, pruned or merged copy). Tensors are paired by role and layer (plan.ts), then
 * streamed one pair at a time, so memory holds two matrices whatever the model size (matrix.ts
 * works in their two arrays and reads a matrix again where a phase needs it back): per matrix the
 * relative change, cosine, DOCS, the delta's spectrum and rank, and the change of the spectral
 * metrics (matrix.ts); per embedding/lm_head row the relative change with the
 * tokens that moved most (embeddings.ts); every other paired tensor (norms, biases) by its
 * relative change and cosine. Each finished matrix is streamed as a partial result.
 */
import type { Engine } from '../../engine/engine';
import { throwIfCancelled, yieldToEventLoop, type JobContext } from '../../jobs';
import { reclaimMemory } from '../../jobs/reclaim';
import { matrixRef, readTensorF32 } from '../../model/readRole';
import { readKindChecked, type CheckedMatrix } from '../common/checkedRead';
import type { WeightFlag } from '../common/nonFinite';
import { loadTokenizer, type PromptTokenizer } from '../../model/tokenizer';
import { MATRIX_KINDS, type ExpertSelector, type MatrixKind, type ModelHandle } from '../../model/types';
import { expertLabel, readExpertChecked } from '../experts/read';
import { diffEmbedding, type EmbeddingDiff } from './embeddings';
import { diffMatrixPair, type MatrixDiff, type MatrixPair } from './matrix';
import { compareFlat } from './metrics';
import { matrixReader } from './reread';
import { describeUnmatched, planDiff, type DiffReport } from './plan';
import { resolveDiffOptions, type DiffExpertSelector, type DiffOptions, type ResolvedDiffOptions } from './resolve';

// The options and their checks live in resolve.ts, a leaf the option validator (and so the extension host) imports without the maths.
export { DIFF_DEFAULTS, resolveDiffOptions, type DiffExpertSelector, type DiffOptions, type ResolvedDiffOptions } from './resolve';

export interface OtherTensorDiff {
  name: string;
  shape: number[];
  relChange: number;
  cosine: number;
  maxAbsDelta: number;
}

export interface DiffResult {
  modelA: string;
  modelB: string;
  layers: number[];
  kinds: MatrixKind[];
  options: ResolvedDiffOptions;
  entries: MatrixDiff[];
  embeddings: EmbeddingDiff[];
  others: OtherTensorDiff[];
  report: DiffReport;
  /** The expert selector given (absent without one). */
  expert?: DiffExpertSelector;
  /** The matrix with the largest relative change (null when no matrix was compared). */
  largest: { layer: number; kind: MatrixKind; relChange: number; expert?: ExpertSelector } | null;
  /** Matrices whose delta is not exactly zero. */
  changedMatrices: number;
  /**
   * Matrices of A or B holding NaN/Inf: their pair is left out of `entries` (its metrics would be
   * NaN) and reported here, `summary` naming the model.
   */
  nonFinite: DiffFlag[];
  seconds: number;
}

export interface DiffFlag extends WeightFlag {
  model: 'A' | 'B';
  kind: MatrixKind;
}

export interface DiffContext extends JobContext {
  engine?: Engine;
  /** Receives each matrix's diff as soon as it is done. */
  onPartial?: (entry: MatrixDiff) => void;
}

/** The tokenizer of B, else of A; a broken tokenizer.json costs the token texts, not the diff. */
async function tokenizerFor(a: ModelHandle, b: ModelHandle, notes: string[]): Promise<PromptTokenizer | null> {
  for (const m of [b, a]) {
    try {
      const t = await loadTokenizer(m.path);
      if (t) return t;
    } catch (err) {
      notes.push(`token texts are not shown: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
  }
  return null;
}

export async function runDiff(a: ModelHandle, b: ModelHandle, opts: DiffOptions = {}, ctx: DiffContext = {}): Promise<DiffResult> {
  const t0 = performance.now();
  const options = resolveDiffOptions(opts);
  const kinds = opts.kinds ?? [...MATRIX_KINDS];
  for (const k of kinds) if (!MATRIX_KINDS.includes(k)) throw new Error(`unknown matrix kind '${String(k)}': use one of ${MATRIX_KINDS.join(', ')}`);
  const plan = planDiff(a, b, opts.layers, kinds, opts.expert);
  const embeddingPairs = options.embeddings ? plan.embeddings : [];
  if (plan.matrices.length === 0 && embeddingPairs.length === 0) {
    throw new Error(
      `nothing to compare: A (${plan.report.architectureA}, ${plan.report.layersA} layers) and B (${plan.report.architectureB}, ${plan.report.layersB} layers) share no weight matrix of the same role, layer and shape; ${describeUnmatched(plan.report)}`,
    );
  }
  const total = plan.matrices.length + embeddingPairs.length + (plan.others.length ? 1 : 0);
  const sub = { engine: ctx.engine, signal: ctx.signal };
  const entries: MatrixDiff[] = [];
  const nonFinite: DiffFlag[] = [];
  for (let i = 0; i < plan.matrices.length; i++) {
    throwIfCancelled(ctx.signal);
    const p = plan.matrices[i];
    const ex = p.expert;
    ctx.onProgress?.({ done: i, total, message: `layer ${p.layer} ${p.kind}${ex === undefined ? '' : ` ${expertLabel(ex)}`}` });
    // One pair in memory at a time: A and B, released before the next pair is read.
    const expertKind = ex !== undefined && (p.kind === 'gate' || p.kind === 'up' || p.kind === 'down');
    const read = (m: ModelHandle) =>
      ex !== undefined && (p.kind === 'gate' || p.kind === 'up' || p.kind === 'down')
        ? readExpertChecked(m, p.layer, p.kind, ex, { signal: ctx.signal })
        : readKindChecked(m, p.layer, p.kind, { signal: ctx.signal });
    let A: CheckedMatrix | undefined = await read(a);
    let B: CheckedMatrix | undefined = await read(b);
    if (A.flag || B.flag) {
      for (const [model, f] of [
        ['A', A.flag],
        ['B', B.flag],
      ] as const) {
        if (f) nonFinite.push({ ...f, model, kind: p.kind, matrix: `${model}: ${f.matrix}`, summary: `${f.summary} (model ${model})` });
      }
      continue;
    }
    // Handed over: diffMatrixPair works in their arrays and reads a matrix again where it needs it back (see MatrixPair).
    const reread = (m: ModelHandle) => matrixReader(m, matrixRef(m, p.layer, p.kind, expertKind ? ex : undefined));
    const pair: MatrixPair = { A: A.matrix, B: B.matrix, reread: { A: reread(a), B: reread(b) } };
    A = B = undefined;
    const entry = await diffMatrixPair(pair, p, options, sub);
    if (ex !== undefined) entry.expert = ex;
    entries.push(entry);
    ctx.onPartial?.(entry);
    // The pair's two arrays are dead: collected now, before the next pair is read beside them.
    reclaimMemory(8 * entry.shape[0] * entry.shape[1]);
    await yieldToEventLoop();
  }
  const embeddings: EmbeddingDiff[] = [];
  if (embeddingPairs.length) {
    const tokenizer = options.topTokens > 0 ? await tokenizerFor(a, b, plan.report.notes) : null;
    for (let i = 0; i < embeddingPairs.length; i++) {
      const pair = embeddingPairs[i];
      ctx.onProgress?.({ done: plan.matrices.length + i, total, message: pair.role });
      embeddings.push(await diffEmbedding(a, b, pair, { topTokens: options.topTokens, bins: options.bins, tokenizer }, { signal: ctx.signal }));
    }
  }
  const others: OtherTensorDiff[] = [];
  if (plan.others.length) ctx.onProgress?.({ done: total - 1, total, message: 'norms and other tensors' });
  for (const o of plan.others) {
    throwIfCancelled(ctx.signal);
    const f = compareFlat(await readTensorF32(a, o.name, { signal: ctx.signal }), await readTensorF32(b, o.name, { signal: ctx.signal }));
    others.push({ name: o.name, shape: o.shape, relChange: f.relChange, cosine: f.cosine, maxAbsDelta: f.maxAbsDelta });
  }
  ctx.onProgress?.({ done: total, total });
  let largest: DiffResult['largest'] = null;
  for (const e of entries)
    if (!largest || e.relChange > largest.relChange)
      largest = { layer: e.layer, kind: e.kind, relChange: e.relChange, ...(e.expert === undefined ? {} : { expert: e.expert }) };
  return {
    modelA: a.path,
    modelB: b.path,
    layers: [...new Set(plan.matrices.map((p) => p.layer))].sort((x, y) => x - y),
    kinds: MATRIX_KINDS.filter((k) => plan.matrices.some((p) => p.kind === k)),
    options,
    ...(opts.expert === undefined ? {} : { expert: opts.expert }),
    entries,
    embeddings,
    others,
    report: plan.report,
    largest,
    changedMatrices: entries.filter((e) => e.normDelta > 0).length,
    nonFinite,
    seconds: (performance.now() - t0) / 1000,
  };
}
