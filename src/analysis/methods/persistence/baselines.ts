/**
 * Layer-redundancy baselines on the residual stream (methods.md §5), computed from the hidden
 * states hidden_states[0..L] (h₀: the embeddings; h_ℓ: the output of decoder layer ℓ − 1, before
 * the final norm) of the same forward passes that give the persistence clouds:
 *
 * - ShortGPT's Block Influence (Men et al. 2024), over all tokens: BI(ℓ) = 1 − mean cos(h_ℓ, h_ℓ₊₁),
 *   the mean taken over a prompt's tokens and then over prompts, as `bi_score` in
 *   short_transformers/dist.py of github.com/melisa-writer/short-transformers (a per-example mean
 *   of the token cosines, averaged over examples).
 * - Gromov et al.'s angular distance ("The Unreasonable Ineffectiveness of the Deeper Layers"),
 *   d(ℓ, n) = arccos(cos(h_ℓ, h_ℓ₊ₙ))/π between the input of layer ℓ and the output of layer
 *   ℓ + n − 1 (removing layers ℓ … ℓ + n − 1), at the last token and averaged over prompts
 *   (`angular_distance` / `compute_block_distances` in compute_block_similarity/utils.py of
 *   github.com/arcee-ai/PruneMe; `angular_distance_last_token` of short-transformers), and its
 *   all-tokens variant (`angular_distance_all_tokens` of short-transformers: the mean over a
 *   prompt's tokens, then over prompts).
 *
 * A zero vector has no direction: its cosine counts as 0 (torch's CosineSimilarity with eps gives
 * the same), and cosines are clamped to [−1, 1] before arccos, as the references do.
 */
import type { FloatArray } from '../../model/executor/session';

export interface BlockValues {
  /** Layers in the block. */
  n: number;
  /** [ℓ] for ℓ = 0..L − n: between hidden_states[ℓ] and hidden_states[ℓ + n]. */
  values: number[];
}

export interface ResidualStreamBaselines {
  representation: 'residual stream';
  /** L + 1: hidden_states[0] (embeddings) … hidden_states[L] (output of the last layer, before the final norm). */
  states: number;
  prompts: number;
  /** Tokens averaged over by the all-tokens values (every kept token of every prompt). */
  tokens: number;
  /** [ℓ], ℓ = 0..L − 1: 1 − mean cos(h_ℓ, h_ℓ₊₁) over all tokens (ShortGPT). */
  blockInfluence: number[];
  /** Angular distance at the last token (Gromov et al.), one entry per block size n. */
  angularLastToken: BlockValues[];
  /** Angular distance averaged over all tokens (short-transformers' all-tokens variant). */
  angularAllTokens: BlockValues[];
}

/** Default block sizes: n = 1 … min(4, L). */
export function defaultAngularBlocks(layers: number): number[] {
  return Array.from({ length: Math.min(4, layers) }, (_, i) => i + 1);
}

/**
 * Accumulates the baselines batch by batch, so that no hidden state outlives its forward pass:
 * `add` takes the L + 1 states of a batch of equal-length prompts ([B, T, d] each).
 */
export class ResidualStreamAccumulator {
  private readonly blocks: number[];
  private prompts = 0;
  private tokens = 0;
  private readonly bi: Float64Array;
  private readonly last: Float64Array[];
  private readonly all: Float64Array[];

  constructor(
    private readonly states: number,
    private readonly hidden: number,
    blocks: number[],
  ) {
    if (!Number.isInteger(states) || states < 2) throw new Error(`the residual-stream baselines need at least 2 hidden states, got ${states}`);
    for (const n of blocks) if (!Number.isInteger(n) || n < 1) throw new Error(`angular distance block size must be a positive integer, got ${n}`);
    this.blocks = [...new Set(blocks)].filter((n) => n < states).sort((a, b) => a - b);
    this.bi = new Float64Array(states - 1);
    this.last = this.blocks.map((n) => new Float64Array(states - n));
    this.all = this.blocks.map((n) => new Float64Array(states - n));
  }

  add(hiddenStates: ArrayLike<number>[] | FloatArray[], B: number, T: number): void {
    const S = this.states,
      d = this.hidden;
    if (hiddenStates.length !== S) throw new Error(`expected ${S} hidden states, got ${hiddenStates.length}`);
    for (const h of hiddenStates) if (h.length !== B * T * d) throw new Error(`a hidden state holds ${h.length} values, expected ${B}×${T}×${d}`);
    const norms = new Float64Array(S);
    const cos = (a: number, b: number, off: number): number => {
      if (norms[a] === 0 || norms[b] === 0) return 0;
      const x = hiddenStates[a],
        y = hiddenStates[b];
      let dot = 0;
      for (let i = off; i < off + d; i++) dot += x[i] * y[i];
      return Math.max(-1, Math.min(1, dot / (norms[a] * norms[b])));
    };
    const promptBi = new Float64Array(S - 1);
    const promptAll = this.blocks.map((n) => new Float64Array(S - n));
    for (let b = 0; b < B; b++) {
      promptBi.fill(0);
      for (const a of promptAll) a.fill(0);
      for (let t = 0; t < T; t++) {
        const off = (b * T + t) * d;
        for (let l = 0; l < S; l++) {
          const x = hiddenStates[l];
          let s = 0;
          for (let i = off; i < off + d; i++) s += x[i] * x[i];
          norms[l] = Math.sqrt(s);
        }
        for (let l = 0; l + 1 < S; l++) promptBi[l] += cos(l, l + 1, off);
        this.blocks.forEach((n, k) => {
          for (let l = 0; l + n < S; l++) {
            const angle = Math.acos(cos(l, l + n, off)) / Math.PI;
            promptAll[k][l] += angle;
            if (t === T - 1) this.last[k][l] += angle;
          }
        });
      }
      for (let l = 0; l + 1 < S; l++) this.bi[l] += promptBi[l] / T;
      promptAll.forEach((a, k) => a.forEach((v, l) => (this.all[k][l] += v / T)));
    }
    this.prompts += B;
    this.tokens += B * T;
  }

  result(): ResidualStreamBaselines {
    const P = this.prompts;
    if (P === 0) throw new Error('no prompt was added to the residual-stream baselines');
    const mean = (a: Float64Array) => Array.from(a, (v) => v / P);
    return {
      representation: 'residual stream',
      states: this.states,
      prompts: P,
      tokens: this.tokens,
      blockInfluence: Array.from(this.bi, (v) => 1 - v / P),
      angularLastToken: this.blocks.map((n, k) => ({ n, values: mean(this.last[k]) })),
      angularAllTokens: this.blocks.map((n, k) => ({ n, values: mean(this.all[k]) })),
    };
  }
}

/** The baselines of prompts given one by one: states[prompt][ℓ] is [T_prompt, d] (tests, small inputs). */
export function residualStreamBaselines(states: Array<ArrayLike<number>[]>, hidden: number, blocks: number[]): ResidualStreamBaselines {
  if (states.length === 0) throw new Error('no prompt');
  const acc = new ResidualStreamAccumulator(states[0].length, hidden, blocks);
  for (const s of states) acc.add(s, 1, s[0].length / hidden);
  return acc.result();
}
