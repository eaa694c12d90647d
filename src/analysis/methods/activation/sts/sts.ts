/**
 * Semantic similarity by depth: does the activation analysis's pattern similarity of two sentences
 * follow how similar people judge them? For each scored pair, the activation pattern of each
 * sentence (one prompt each, ../promptPattern.ts) and, per layer, their similarity sim = Σ|a·b| / (‖a‖‖b‖)
 * (stats.ts, patternSimilarity — the number the activation analysis reports for a prompt pair);
 * then per layer Spearman's ρ between the pairs' similarities and their human scores, with its
 * t-approximation p-value (spearman.ts).
 */
import { throwIfCancelled, yieldToEventLoop, type JobContext } from '../../../jobs';
import type { DecoderExecutor } from '../../../model/executor/decoder';
import { patternSimilarity } from '../stats';
import { patternLayout, promptPattern } from '../promptPattern';
import type { StsPair } from './pairs';
import { spearman } from './spearman';

export interface TokenizedStsPair extends StsPair {
  ids1: number[];
  ids2: number[];
}

export interface StsOptions extends JobContext {
  /** Parameters tracked over the two patterns held at once; beyond it an evenly strided subset (default 32 M, as the analysis). */
  maxTrackedParams?: number;
}

export interface StsPairResult {
  sentence1: string;
  sentence2: string;
  score: number;
  line: number;
  tokens1: number;
  tokens2: number;
  /** Pattern similarity per layer. */
  similarity: number[];
}

export interface StsLayerCorrelation {
  layer: number;
  /** Spearman's ρ between the layer's similarities and the human scores (NaN when either is constant). */
  rho: number;
  /** Two-sided p-value, t approximation with n − 2 degrees of freedom. */
  p: number;
  n: number;
}

export interface StsResult {
  numLayers: number;
  pairs: StsPairResult[];
  layers: StsLayerCorrelation[];
  /** Fraction of each matrix's parameters tracked (1 = exact; less = evenly strided sample). */
  trackedFraction: number;
}

/** Per-layer correlations of the pairs' similarities with their scores. */
export function layerCorrelations(pairs: readonly Pick<StsPairResult, 'score' | 'similarity'>[], numLayers: number): StsLayerCorrelation[] {
  const scores = pairs.map((p) => p.score);
  return Array.from({ length: numLayers }, (_, layer) => ({
    layer,
    ...spearman(
      pairs.map((p) => p.similarity[layer]),
      scores,
    ),
  }));
}

export async function stsAnalysis(ex: DecoderExecutor, pairs: TokenizedStsPair[], opts: StsOptions = {}): Promise<StsResult> {
  if (pairs.length < 3) throw new Error(`semantic similarity needs at least 3 scored pairs for a rank correlation, got ${pairs.length}`);
  const L = ex.cfg.numLayers;
  // Two patterns are held at once: the subsets the activation analysis picks for a run on those two prompts.
  const layout = patternLayout(ex, 2, opts.maxTrackedParams);
  const total = 2 * pairs.length;
  const out: StsPairResult[] = [];
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i];
    const patterns: Float32Array[][][] = [];
    for (const [k, ids] of [pair.ids1, pair.ids2].entries()) {
      throwIfCancelled(opts.signal);
      const p = await promptPattern(ex, ids, layout, { signal: opts.signal });
      if (!Number.isFinite(p.maxLogit)) {
        const where = pair.line ? `line ${pair.line}` : `pair ${i + 1}`;
        throw new Error(
          `${where}, sentence ${k + 1} ("${(k ? pair.sentence2 : pair.sentence1).slice(0, 80)}") gave a non-finite largest logit (${p.maxLogit}): a weight holds NaN/Inf, so gradients cannot be computed`,
        );
      }
      patterns.push(p.pattern);
      opts.onProgress?.({ done: 2 * i + k + 1, total, message: `sentence ${2 * i + k + 1}/${total}` });
      await yieldToEventLoop();
    }
    out.push({
      sentence1: pair.sentence1,
      sentence2: pair.sentence2,
      score: pair.score,
      line: pair.line,
      tokens1: pair.ids1.length,
      tokens2: pair.ids2.length,
      similarity: Array.from({ length: L }, (_, l) => patternSimilarity(patterns[0][l], patterns[1][l])),
    });
  }
  return { numLayers: L, pairs: out, layers: layerCorrelations(out, L), trackedFraction: layout.trackedFraction };
}
