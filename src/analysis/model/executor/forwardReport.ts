/**
 * "Does this model run right?": one forward pass of a prompt, summarised as the top next tokens at
 * the last position and the hidden-state norms at every layer boundary. Shared by the CLI
 * (`layer-lens forward`) and the worker's 'forward/run' request.
 */
import type { JobContext } from '../../jobs';
import type { ModelHandle } from '../types';
import { loadTokenizer, parseTokenIds } from '../tokenizer';
import { executorFor } from './index';
import { languageModelConfig } from './config';
import type { Engine } from '../../engine/engine';

export interface ForwardParams {
  /** Token ids, or text to tokenize with the model's tokenizer (tokenizer.json or tokenizer.model). */
  tokens?: number[];
  text?: string;
  /** Prepend BOS (default: what tokenizer_config.json says; token-id prompts are used as given). */
  addBos?: boolean;
  top?: number;
}

export interface ForwardReport {
  model: string;
  architecture: string;
  tokens: Array<{ id: number; text: string }>;
  top: Array<{ id: number; text: string; logit: number; probability: number }>;
  /** Euclidean norm of the last position's hidden state at the L + 1 layer boundaries. */
  hiddenNorms: number[];
  /** Same for each post_attention_layernorm output, and the final norm output. */
  postAttentionNorms: number[];
  finalNormNorm: number;
  /** log-sum-exp of the last logits, for checking probabilities. */
  logSumExp: number;
  /**
   * Mixture-of-experts models: how the experts are computed and what that costs (`cost`), and per
   * layer the experts the last token was routed to, in ascending index order (null for a dense layer).
   */
  moe?: { cost: string; experts: number; topK: number; lastTokenExperts: Array<number[] | null> };
  seconds: number;
}

function lastNorm(x: ArrayLike<number>, T: number, d: number): number {
  let s = 0;
  for (let i = (T - 1) * d; i < T * d; i++) s += x[i] * x[i];
  return Math.sqrt(s);
}

export async function forwardReport(model: ModelHandle, params: ForwardParams, ctx: JobContext & { engine?: Engine } = {}): Promise<ForwardReport> {
  const t0 = performance.now();
  const ex = executorFor(model, { engine: ctx.engine });
  try {
    const tok = await loadTokenizer(model.path);
    let ids: number[];
    if (params.tokens) {
      ids = params.tokens;
      if (params.addBos) {
        const lmConfig = model.config ? languageModelConfig(model.config) : null;
        const bos = tok?.bosId ?? (typeof lmConfig?.bos_token_id === 'number' ? lmConfig.bos_token_id : null);
        if (bos === null) throw new Error(`${model.path} names no BOS token (tokenizer_config.json or config.json bos_token_id)`);
        if (ids[0] !== bos) ids = [bos, ...ids];
      }
    } else if (params.text !== undefined) {
      if (!tok) throw new Error(`${model.path} has no tokenizer.model and no tokenizer.json: give token ids instead (--tokens 1,2,3)`);
      ids = tok.encode(params.text, { addBos: params.addBos });
    } else {
      throw new Error('give a prompt: token ids or text');
    }
    if (ids.length === 0) throw new Error('the prompt has no tokens');
    parseTokenIds(ids.join(','), ex.cfg.vocabSize); // same range check and message as typed ids
    const d = ex.cfg.hiddenSize,
      V = ex.cfg.vocabSize,
      T = ids.length;
    const moe = ex.cfg.moe;
    const r = await ex.run([ids], { logits: 'last', hiddenStates: true, postAttentionNorm: true, finalNorm: true, expertSelection: moe !== null }, undefined, {
      signal: ctx.signal,
      onProgress: ctx.onProgress,
    });
    const logits = r.logits!;
    let m = -Infinity;
    for (let v = 0; v < V; v++) m = Math.max(m, logits[v]);
    let z = 0;
    for (let v = 0; v < V; v++) z += Math.exp(logits[v] - m);
    const lse = m + Math.log(z);
    const k = Math.min(params.top ?? 10, V);
    const order = Array.from({ length: V }, (_, v) => v)
      .sort((a, b) => logits[b] - logits[a])
      .slice(0, k);
    // Decoded text reads better than vocabulary strings ('Ġthe' → ' the'); bytes of a split character decode to nothing useful.
    const text = (id: number) => {
      if (!tok) return String(id);
      const d = tok.decode([id]);
      return d.length > 0 && !d.includes('\ufffd') ? d : tok.tokenText(id);
    };
    return {
      model: model.path,
      architecture: model.architectureLabel,
      tokens: ids.map((id) => ({ id, text: text(id) })),
      top: order.map((id) => ({ id, text: text(id), logit: logits[id], probability: Math.exp(logits[id] - lse) })),
      hiddenNorms: r.hiddenStates!.map((h) => lastNorm(h, T, d)),
      postAttentionNorms: r.postAttentionNorm!.map((h) => lastNorm(h, T, d)),
      finalNormNorm: lastNorm(r.finalNorm!, r.finalNorm!.length / d, d),
      logSumExp: lse,
      ...(moe && {
        moe: {
          cost: ex.moeCost()!,
          experts: moe.numExperts,
          topK: moe.topK,
          lastTokenExperts: r.expertSelection!.map((sel) => {
            if (!sel) return null;
            const E = moe.numExperts;
            return Array.from({ length: E }, (_, e) => e).filter((e) => sel[(T - 1) * E + e] === 1);
          }),
        },
      }),
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await ex.release();
  }
}
