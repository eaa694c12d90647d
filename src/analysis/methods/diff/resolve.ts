/**
 * The checkpoint diff's options, their defaults and their range checks, in a module of their own:
 * the option validator (options.ts), which the extension host imports, needs none of the maths.
 */
import type { ExpertSelector, MatrixKind } from '../../model/types';

export interface DiffOptions {
  /** Layer indices (default: every layer of either model). */
  layers?: number[];
  /** Matrix kinds (default: the seven and every router / MLA factor either model has). */
  kinds?: MatrixKind[];
  /** DOCS(A_ℓ, B_ℓ) per matrix (default true). */
  docs?: boolean;
  /** Spectral metrics of A and B and their change (default true; two extra decompositions per matrix). */
  spectra?: boolean;
  /** Embedding and lm_head rows (default true). */
  embeddings?: boolean;
  /** Tokens listed per embedding (default 20). */
  topTokens?: number;
  /** Leading singular values of each delta kept for plots (default 64). */
  keepSingular?: number;
  /** Bins of the delta histograms (default 41). */
  bins?: number;
  /**
   * Mixture-of-experts layers: compare this expert's gate/up/down (a routed expert index or
   * 'shared'), or `all`: every routed expert's and the shared expert's. Without it MoE layers'
   * experts are not compared as matrices (a note says so).
   */
  expert?: DiffExpertSelector;
}

/** Which experts a diff compares: one (routed index or 'shared') or all of them. */
export type DiffExpertSelector = ExpertSelector | 'all';

export type ResolvedDiffOptions = Required<Omit<DiffOptions, 'layers' | 'kinds' | 'expert'>>;

export const DIFF_DEFAULTS: ResolvedDiffOptions = { docs: true, spectra: true, embeddings: true, topTokens: 20, keepSingular: 64, bins: 41 };

export function resolveDiffOptions(opts: DiffOptions): ResolvedDiffOptions {
  const o = { ...DIFF_DEFAULTS };
  for (const key of ['docs', 'spectra', 'embeddings'] as const) if (opts[key] !== undefined) o[key] = opts[key] !== false;
  const int = (key: 'topTokens' | 'keepSingular' | 'bins', lo: number, hi: number) => {
    const v = opts[key];
    if (v === undefined) return;
    if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`diff option '${key}' must be an integer from ${lo} to ${hi}, got ${String(v)}`);
    o[key] = v;
  };
  int('topTokens', 0, 1000);
  int('keepSingular', 1, 100_000);
  int('bins', 2, 1000);
  return o;
}
