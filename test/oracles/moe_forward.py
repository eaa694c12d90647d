#!/usr/bin/env python3
"""Independent float64 numpy forward pass of tiny mixture-of-experts decoders (oracle for the executor).

Re-run:  python3 test/oracles/moe_forward.py > test/oracles/moe_forward.json
Needs numpy only.

Written from the Hugging Face `transformers` modelling code, re-implemented here per token, the way
the sparse blocks loop over the experts a token was routed to:
  * MixtralSparseMoeBlock (models/mixtral/modeling_mixtral.py): router logits = x·W_gateᵀ,
    softmax in float32 (float64 here), top `num_experts_per_tok`, weights renormalised to sum 1,
    output = Σ_k w_k · w2(silu(w1 x) · w3 x).
  * Qwen2MoeSparseMoeBlock (models/qwen2_moe/modeling_qwen2_moe.py): the same top-k, renormalised
    only when `norm_topk_prob`, plus sigmoid(x·shared_expert_gateᵀ) · shared_expert(x). Layer ℓ is
    sparse when ℓ ∉ mlp_only_layers and (ℓ + 1) % decoder_sparse_step == 0, otherwise a dense MLP
    of width intermediate_size. q/k/v projections carry biases.
  * Qwen3MoeSparseMoeBlock (models/qwen3_moe/modeling_qwen3_moe.py): Qwen2-MoE's routing without the
    shared expert; Qwen3 attention's per-head q/k RMSNorm.
  * OlmoeSparseMoeBlock (models/olmoe/modeling_olmoe.py): the same routing (`norm_topk_prob`);
    OlmoeAttention's q_norm / k_norm are RMSNorms over the whole q_proj / k_proj output (before the
    head split).
  * gpt-oss (models/gpt_oss/modular_gpt_oss.py): GptOssTopKRouter takes the top k of
    x·Wᵀ + b and softmaxes those k logits; GptOssExperts computes, with x @ W storage
    (gate_up_proj [E, d, 2F], gate = even, up = odd columns, plus gate_up_proj_bias),
    gate = min(gate, 7), up = clip(up, −7, 7), ((up + 1) · gate · σ(1.702 · gate)) @ down_proj + bias;
    attention has q/k/v/o biases and per-head sinks: the softmax of each row runs over the row's
    logits and sinks[h], and the sink's probability is dropped; `layer_types` alternate sliding-window
    (keys j > i − window) and full attention.
  * DeepSeek-V3 (models/deepseek_v3/modular_deepseek_v3.py): DeepseekV3MoE.route_tokens_to_experts
    (scores = sigmoid(x·Wᵀ); choice = scores + e_score_correction_bias; groups scored by the sum of
    their two best choice values, the best topk_group kept and the rest of the choice set to 0; the
    top k of the choice; weights = the scores of those k, / (sum + 1e-20) when norm_topk_prob, ·
    routed_scaling_factor; plus the shared experts' MLP), dense layers below first_k_dense_replace,
    and DeepseekV3Attention (multi-head latent attention: q from q_a/q_a_layernorm/q_b or q_proj,
    kv_a_proj_with_mqa split into the latent (kv_a_layernorm, kv_b_proj → k_nope | v per head) and
    one rope key shared by all heads; rope on qk_rope_head_dim, the dims first de-interleaved when
    rope_interleave (apply_rotary_pos_emb_interleave); q_a/kv_a layernorms with eps 1e-6 whatever
    rms_norm_eps is; scaling qk_head_dim^-1/2 · yarn_get_mscale(factor, mscale_all_dim)^2 under YaRN).
  * DeepSeek-V2 (models/deepseek_v2/modular_deepseek_v2.py): DeepseekV2Moe.route_tokens_to_experts
    (softmax scores; topk_method greedy, or group_limited_greedy keeping the topk_group groups with
    the largest single score and setting the others' scores to 0; weights = chosen scores ·
    routed_scaling_factor, never renormalised), and DeepseekV2Attention: the same latent attention,
    the rotation done on complex pairs (x[2j] + i·x[2j+1]) · e^{i·t·f_j} (apply_rotary_emb), scaling
    qk_head_dim^-1/2 without YaRN's mscale.
  * GLM-4.5 (models/glm4_moe/modular_glm4_moe.py): Glm4MoeTopkRouter / Glm4MoeMoE route as DeepSeek-V3
    does (the same sigmoid, correction bias, groups, norm_topk_prob and routed_scaling_factor; shared
    experts of width moe_intermediate_size · n_shared_experts), dense layers below first_k_dense_replace;
    Glm4MoeAttention is Llama's with q/k/v biases (attention_bias), per-head q/k RMSNorm before the
    rotation (use_qk_norm), and apply_rotary_pos_emb rotating only the first
    head_dim · partial_rotary_factor dims of each head (rotate_half within them; the inverse
    frequencies over that many dims).
Attention, RMSNorm and rotary embeddings are otherwise the Llama ones (rotate_half, default rope, grouped-query
attention with query head h reading kv head h // (H / H_kv), causal mask).

Weights come from the same 32-bit LCG as llama_forward.py (`lcg_tensor`): the JSON lists every
tensor's name, shape, seed and scale, so the TypeScript test rebuilds them bit for bit and writes them
as a safetensors model folder. Per case: logits at every position, the Euclidean norm of the hidden
state at every layer boundary per position, and the experts each token was routed to in each MoE
layer. Every top-k choice has a margin (k-th minus (k+1)-th probability) checked to be well above
float32 rounding, so there are no ties for the executor to break differently.
"""
import json
import math

import numpy as np


def lcg_tensor(seed, shape, scale):
    """state_{i+1} = (1664525·state_i + 1013904223) mod 2^32 from `seed`; value = (state / 2^32 − 0.5)·scale, rounded to float32."""
    n = int(np.prod(shape))
    out = np.empty(n, dtype=np.float64)
    s = seed % 4294967296
    for i in range(n):
        s = (1664525 * s + 1013904223) % 4294967296
        out[i] = (s / 4294967296.0 - 0.5) * scale
    return out.astype(np.float32).astype(np.float64).reshape(shape)


def is_sparse(cfg, l):
    mt = cfg['model_type']
    if mt in ('deepseek_v2', 'deepseek_v3', 'glm4_moe'):
        return l >= cfg['first_k_dense_replace']
    if mt in ('mixtral', 'olmoe', 'gpt_oss'):
        return True
    return l not in cfg.get('mlp_only_layers', []) and cfg['num_experts'] > 0 and (l + 1) % cfg.get('decoder_sparse_step', 1) == 0


def n_experts(cfg):
    if cfg['model_type'] in ('deepseek_v2', 'deepseek_v3', 'glm4_moe'):
        return cfg['n_routed_experts']
    return cfg['num_local_experts'] if cfg['model_type'] in ('mixtral', 'gpt_oss') else cfg['num_experts']


def expert_width(cfg):
    return cfg['moe_intermediate_size'] if cfg['model_type'] in ('qwen2_moe', 'qwen3_moe', 'deepseek_v2', 'deepseek_v3', 'glm4_moe') else cfg['intermediate_size']


def specs_of(cfg):
    """(name, shape, scale) of every tensor, in a fixed order; tensor i uses seed 5000 + i."""
    d, V = cfg['hidden_size'], cfg['vocab_size']
    H, Hkv, hd = cfg['num_attention_heads'], cfg['num_key_value_heads'], cfg['head_dim']
    mt = cfg['model_type']
    lin = lambda fan_in: 2.0 / math.sqrt(fan_in)
    specs = [('model.embed_tokens.weight', [V, d], 1.0)]
    for l in range(cfg['num_hidden_layers']):
        p = f'model.layers.{l}.'
        if mt in ('deepseek_v2', 'deepseek_v3'):
            specs += deepseek_layer_specs(cfg, p, l)
            continue
        specs += [
            (p + 'input_layernorm.weight', [d], 'norm'),
            (p + 'self_attn.q_proj.weight', [H * hd, d], lin(d)),
            (p + 'self_attn.k_proj.weight', [Hkv * hd, d], lin(d)),
            (p + 'self_attn.v_proj.weight', [Hkv * hd, d], lin(d)),
            (p + 'self_attn.o_proj.weight', [d, H * hd], lin(H * hd)),
        ]
        if mt in ('qwen2_moe', 'gpt_oss') or (mt == 'glm4_moe' and cfg['attention_bias']):
            specs += [(p + 'self_attn.q_proj.bias', [H * hd], 0.2), (p + 'self_attn.k_proj.bias', [Hkv * hd], 0.2),
                      (p + 'self_attn.v_proj.bias', [Hkv * hd], 0.2)]
        if mt == 'gpt_oss':
            specs += [(p + 'self_attn.o_proj.bias', [d], 0.2), (p + 'self_attn.sinks', [H], 4.0)]
        if mt == 'qwen3_moe' or (mt == 'glm4_moe' and cfg['use_qk_norm']):
            specs += [(p + 'self_attn.q_norm.weight', [hd], 'norm'), (p + 'self_attn.k_norm.weight', [hd], 'norm')]
        if mt == 'olmoe':
            specs += [(p + 'self_attn.q_norm.weight', [H * hd], 'norm'), (p + 'self_attn.k_norm.weight', [Hkv * hd], 'norm')]
        specs.append((p + 'post_attention_layernorm.weight', [d], 'norm'))
        if is_sparse(cfg, l):
            E, f = n_experts(cfg), expert_width(cfg)
            if mt == 'gpt_oss':
                # Large gate/up weights so that the ±7 clamps engage.
                specs += [(p + 'mlp.router.weight', [E, d], 3 * lin(d)), (p + 'mlp.router.bias', [E], 1.0),
                          (p + 'mlp.experts.gate_up_proj', [E, d, 2 * f], 8.0), (p + 'mlp.experts.gate_up_proj_bias', [E, 2 * f], 2.0),
                          (p + 'mlp.experts.down_proj', [E, f, d], 0.5 * lin(f)), (p + 'mlp.experts.down_proj_bias', [E, d], 0.2)]
            elif mt == 'glm4_moe':
                fs = f * cfg['n_shared_experts']
                specs += [(p + 'mlp.gate.weight', [E, d], 3 * lin(d)), (p + 'mlp.gate.e_score_correction_bias', [E], 0.4)]
                for e in range(E):
                    q = p + f'mlp.experts.{e}.'
                    specs += [(q + 'gate_proj.weight', [f, d], lin(d)), (q + 'up_proj.weight', [f, d], lin(d)),
                              (q + 'down_proj.weight', [d, f], lin(f))]
                q = p + 'mlp.shared_experts.'
                specs += [(q + 'gate_proj.weight', [fs, d], lin(d)), (q + 'up_proj.weight', [fs, d], lin(d)),
                          (q + 'down_proj.weight', [d, fs], lin(fs))]
            elif mt == 'mixtral':
                specs.append((p + 'block_sparse_moe.gate.weight', [E, d], 3 * lin(d)))
                for e in range(E):
                    q = p + f'block_sparse_moe.experts.{e}.'
                    specs += [(q + 'w1.weight', [f, d], lin(d)), (q + 'w2.weight', [d, f], lin(f)), (q + 'w3.weight', [f, d], lin(d))]
            else:
                specs.append((p + 'mlp.gate.weight', [E, d], 3 * lin(d)))
                for e in range(E):
                    q = p + f'mlp.experts.{e}.'
                    specs += [(q + 'gate_proj.weight', [f, d], lin(d)), (q + 'up_proj.weight', [f, d], lin(d)),
                              (q + 'down_proj.weight', [d, f], lin(f))]
                fs = cfg.get('shared_expert_intermediate_size', 0) if mt == 'qwen2_moe' else 0
                if fs:
                    q = p + 'mlp.shared_expert.'
                    specs += [(q + 'gate_proj.weight', [fs, d], lin(d)), (q + 'up_proj.weight', [fs, d], lin(d)),
                              (q + 'down_proj.weight', [d, fs], lin(fs)), (p + 'mlp.shared_expert_gate.weight', [1, d], 2 * lin(d))]
        else:
            ff = cfg['intermediate_size']
            specs += [(p + 'mlp.gate_proj.weight', [ff, d], lin(d)), (p + 'mlp.up_proj.weight', [ff, d], lin(d)),
                      (p + 'mlp.down_proj.weight', [d, ff], lin(ff))]
    specs += [('model.norm.weight', [d], 'norm'), ('lm_head.weight', [V, d], lin(d))]
    return specs


def deepseek_layer_specs(cfg, p, l):
    d, H = cfg['hidden_size'], cfg['num_attention_heads']
    nope, rope, vh = cfg['qk_nope_head_dim'], cfg['qk_rope_head_dim'], cfg['v_head_dim']
    ql, kvl = cfg['q_lora_rank'], cfg['kv_lora_rank']
    lin = lambda fan_in: 2.0 / math.sqrt(fan_in)
    a = p + 'self_attn.'
    specs = [(p + 'input_layernorm.weight', [d], 'norm')]
    if ql is None:
        specs.append((a + 'q_proj.weight', [H * (nope + rope), d], lin(d)))
    else:
        specs += [(a + 'q_a_proj.weight', [ql, d], lin(d)), (a + 'q_a_layernorm.weight', [ql], 'norm'),
                  (a + 'q_b_proj.weight', [H * (nope + rope), ql], lin(ql))]
    specs += [(a + 'kv_a_proj_with_mqa.weight', [kvl + rope, d], lin(d)), (a + 'kv_a_layernorm.weight', [kvl], 'norm'),
              (a + 'kv_b_proj.weight', [H * (nope + vh), kvl], lin(kvl)), (a + 'o_proj.weight', [d, H * vh], lin(H * vh)),
              (p + 'post_attention_layernorm.weight', [d], 'norm')]
    if is_sparse(cfg, l):
        E, f, fs = cfg['n_routed_experts'], cfg['moe_intermediate_size'], cfg['moe_intermediate_size'] * cfg['n_shared_experts']
        specs.append((p + 'mlp.gate.weight', [E, d], 3 * lin(d)))
        if cfg['model_type'] == 'deepseek_v3':
            specs.append((p + 'mlp.gate.e_score_correction_bias', [E], 0.4))
        for e in range(E):
            q = p + f'mlp.experts.{e}.'
            specs += [(q + 'gate_proj.weight', [f, d], lin(d)), (q + 'up_proj.weight', [f, d], lin(d)), (q + 'down_proj.weight', [d, f], lin(f))]
        q = p + 'mlp.shared_experts.'
        specs += [(q + 'gate_proj.weight', [fs, d], lin(d)), (q + 'up_proj.weight', [fs, d], lin(d)), (q + 'down_proj.weight', [d, fs], lin(fs))]
    else:
        ff = cfg['intermediate_size']
        specs += [(p + 'mlp.gate_proj.weight', [ff, d], lin(d)), (p + 'mlp.up_proj.weight', [ff, d], lin(d)),
                  (p + 'mlp.down_proj.weight', [d, ff], lin(ff))]
    return specs


def weights_of(specs):
    w = {}
    for i, (name, shape, scale) in enumerate(specs):
        w[name] = 1.0 + lcg_tensor(5000 + i, shape, 0.5) if scale == 'norm' else lcg_tensor(5000 + i, shape, scale)
    return w


def rms(x, w, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def silu(x):
    return x / (1 + np.exp(-x))


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def rotate_half(x):
    h = x.shape[-1] // 2
    return np.concatenate([-x[..., h:], x[..., :h]], axis=-1)


def mlp(x, wg, wu, wd):
    return (silu(x @ wg.T) * (x @ wu.T)) @ wd.T


CLAMPED = [0]


def gpt_oss_token(cfg, w, p, x, margins):
    """GptOssTopKRouter + GptOssExperts for one token."""
    E, k = n_experts(cfg), cfg['num_experts_per_tok']
    logits = w[p + 'mlp.router.weight'] @ x + w[p + 'mlp.router.bias']
    order = np.argsort(-logits, kind='stable')
    top = order[:k]
    if k < E:
        margins.append(float(logits[order[k - 1]] - logits[order[k]]))
    z = np.exp(logits[top] - logits[top].max())
    rw = z / z.sum()
    y = np.zeros_like(x)
    for weight, e in zip(rw, top):
        gu = x @ w[p + 'mlp.experts.gate_up_proj'][e] + w[p + 'mlp.experts.gate_up_proj_bias'][e]
        gate, up = gu[::2], gu[1::2]
        CLAMPED[0] += int(np.sum(gate > 7) + np.sum(np.abs(up) > 7))
        gate = np.minimum(gate, 7.0)
        up = np.clip(up, -7.0, 7.0)
        glu = gate * sigmoid(gate * 1.702)
        y += weight * (((up + 1) * glu) @ w[p + 'mlp.experts.down_proj'][e] + w[p + 'mlp.experts.down_proj_bias'][e])
    return y, sorted(int(e) for e in top)


def deepseek_token(cfg, w, p, x, margins):
    """DeepseekV3MoE for one token."""
    E, k, G, kg = cfg['n_routed_experts'], cfg['num_experts_per_tok'], cfg['n_group'], cfg['topk_group']
    scores = sigmoid(w[p + 'mlp.gate.weight'] @ x)
    choice = scores + w[p + 'mlp.gate.e_score_correction_bias']
    grouped = choice.reshape(G, E // G)
    group_scores = np.sort(grouped, axis=1)[:, ::-1][:, :2].sum(axis=1)
    g_order = np.argsort(-group_scores, kind='stable')
    if kg < G:
        margins.append(float(group_scores[g_order[kg - 1]] - group_scores[g_order[kg]]))
    keep = np.zeros(G, dtype=bool)
    keep[g_order[:kg]] = True
    masked = np.where(np.repeat(keep, E // G), choice, 0.0)
    order = np.argsort(-masked, kind='stable')
    top = order[:k]
    margins.append(float(masked[order[k - 1]] - masked[order[k]]))
    rw = scores[top]
    if cfg['norm_topk_prob']:
        rw = rw / (rw.sum() + 1e-20)
    rw = rw * cfg['routed_scaling_factor']
    y = np.zeros_like(x)
    for weight, e in zip(rw, top):
        q = p + f'mlp.experts.{e}.'
        y += weight * mlp(x, w[q + 'gate_proj.weight'], w[q + 'up_proj.weight'], w[q + 'down_proj.weight'])
    q = p + 'mlp.shared_experts.'
    y += mlp(x, w[q + 'gate_proj.weight'], w[q + 'up_proj.weight'], w[q + 'down_proj.weight'])
    return y, sorted(int(e) for e in top)


def deepseek_v2_token(cfg, w, p, x, margins):
    """DeepseekV2Moe for one token."""
    E, k = cfg['n_routed_experts'], cfg['num_experts_per_tok']
    logits = w[p + 'mlp.gate.weight'] @ x
    z = np.exp(logits - logits.max())
    probs = z / z.sum()
    choice = probs
    if cfg.get('topk_method', 'greedy') == 'group_limited_greedy':
        G, kg = cfg['n_group'], cfg['topk_group']
        group_scores = probs.reshape(G, E // G).max(axis=1)
        g_order = np.argsort(-group_scores, kind='stable')
        margins.append(float(group_scores[g_order[kg - 1]] - group_scores[g_order[kg]]))
        keep = np.zeros(G, dtype=bool)
        keep[g_order[:kg]] = True
        choice = np.where(np.repeat(keep, E // G), probs, 0.0)
    order = np.argsort(-choice, kind='stable')
    top = order[:k]
    margins.append(float(choice[order[k - 1]] - choice[order[k]]))
    rw = choice[top] * cfg['routed_scaling_factor']
    y = np.zeros_like(x)
    for weight, e in zip(rw, top):
        q = p + f'mlp.experts.{e}.'
        y += weight * mlp(x, w[q + 'gate_proj.weight'], w[q + 'up_proj.weight'], w[q + 'down_proj.weight'])
    q = p + 'mlp.shared_experts.'
    y += mlp(x, w[q + 'gate_proj.weight'], w[q + 'up_proj.weight'], w[q + 'down_proj.weight'])
    return y, sorted(int(e) for e in top)


def yarn_inv_freq(dim, base, rs, max_pos):
    """modeling_rope_utils._compute_yarn_parameters (truncate true): inverse frequencies and attention factor."""
    factor = rs['factor']
    old = rs.get('original_max_position_embeddings') or max_pos

    def mscale(s, m=1.0):
        return 1.0 if s <= 1 else 0.1 * m * math.log(s) + 1.0

    att = mscale(factor, rs['mscale']) / mscale(factor, rs['mscale_all_dim']) if rs.get('mscale') and rs.get('mscale_all_dim') else mscale(factor)

    def corr_dim(rot):
        return (dim * math.log(old / (rot * 2 * math.pi))) / (2 * math.log(base))

    low = max(math.floor(corr_dim(rs.get('beta_fast', 32))), 0)
    high = min(math.ceil(corr_dim(rs.get('beta_slow', 1))), dim - 1)
    if low == high:
        high += 0.001
    ramp = np.clip((np.arange(dim // 2, dtype=np.float64) - low) / (high - low), 0, 1)
    pos = base ** (np.arange(0, dim, 2, dtype=np.float64) / dim)
    extra = 1 - ramp
    return (1 / (factor * pos)) * (1 - extra) + (1 / pos) * extra, att


def mla_attention(cfg, w, p, h, T):
    """DeepseekV3Attention on the normed input h [T, d]."""
    H = cfg['num_attention_heads']
    nope, rope, vh = cfg['qk_nope_head_dim'], cfg['qk_rope_head_dim'], cfg['v_head_dim']
    kvl = cfg['kv_lora_rank']
    a = p + 'self_attn.'
    if cfg['q_lora_rank'] is None:
        q = h @ w[a + 'q_proj.weight'].T
    else:
        q = rms(h @ w[a + 'q_a_proj.weight'].T, w[a + 'q_a_layernorm.weight'], 1e-6) @ w[a + 'q_b_proj.weight'].T
    q = q.reshape(T, H, nope + rope).transpose(1, 0, 2)
    q_pass, q_rot = q[..., :nope], q[..., nope:]
    ckv = h @ w[a + 'kv_a_proj_with_mqa.weight'].T
    k_pass, k_rot = ckv[:, :kvl], ckv[:, kvl:]
    kv = (rms(k_pass, w[a + 'kv_a_layernorm.weight'], 1e-6) @ w[a + 'kv_b_proj.weight'].T).reshape(T, H, nope + vh).transpose(1, 0, 2)
    k_nope, v = kv[..., :nope], kv[..., nope:]
    rs = cfg.get('rope_scaling')
    v2 = cfg['model_type'] == 'deepseek_v2'
    scaling = (nope + rope) ** -0.5
    if rs:
        inv, att = yarn_inv_freq(rope, cfg['rope_theta'], rs, cfg['max_position_embeddings'])
        if rs.get('mscale_all_dim') and not v2:
            m = 0.1 * rs['mscale_all_dim'] * math.log(rs['factor']) + 1.0
            scaling *= m * m
    else:
        inv, att = 1.0 / cfg['rope_theta'] ** (np.arange(0, rope, 2, dtype=np.float64) / rope), 1.0
    freqs = np.outer(np.arange(T, dtype=np.float64), inv)
    emb = np.concatenate([freqs, freqs], axis=-1)
    cos, sin = np.cos(emb) * att, np.sin(emb) * att

    def rot(x):
        if v2:  # complex pairs (x[2j], x[2j+1]) times e^{i·t·f_j}, scaled by the attention factor
            c = (x[..., 0::2] + 1j * x[..., 1::2]) * (np.exp(1j * freqs) * att)
            out = np.empty_like(x)
            out[..., 0::2], out[..., 1::2] = c.real, c.imag
            return out
        if cfg.get('rope_interleave', True):
            x = np.concatenate([x[..., 0::2], x[..., 1::2]], axis=-1)
        return x * cos + rotate_half(x) * sin

    q_rot, k_rot = rot(q_rot), rot(k_rot)
    out = np.zeros((H, T, vh))
    for head in range(H):
        qs = np.concatenate([q_pass[head], q_rot[head]], axis=-1)
        ks = np.concatenate([k_nope[head], k_rot], axis=-1)
        s = qs @ ks.T * scaling + np.triu(np.full((T, T), -np.inf), 1)
        e = np.exp(s - s.max(axis=-1, keepdims=True))
        out[head] = (e / e.sum(axis=-1, keepdims=True)) @ v[head]
    return out.transpose(1, 0, 2).reshape(T, H * vh) @ w[a + 'o_proj.weight'].T


def moe_token(cfg, w, p, x, margins):
    """One token through the sparse block, as the per-expert loop computes it. Returns (y, chosen experts)."""
    mt = cfg['model_type']
    if mt == 'gpt_oss':
        return gpt_oss_token(cfg, w, p, x, margins)
    if mt in ('deepseek_v3', 'glm4_moe'):
        return deepseek_token(cfg, w, p, x, margins)
    if mt == 'deepseek_v2':
        return deepseek_v2_token(cfg, w, p, x, margins)
    E, k = n_experts(cfg), cfg['num_experts_per_tok']
    pre = p + ('block_sparse_moe.' if mt == 'mixtral' else 'mlp.')
    logits = w[pre + 'gate.weight'] @ x
    z = np.exp(logits - logits.max())
    probs = z / z.sum()
    order = np.argsort(-probs, kind='stable')
    top = order[:k]
    if k < E:
        margins.append(float(probs[order[k - 1]] - probs[order[k]]))
    rw = probs[top]
    if mt == 'mixtral' or cfg.get('norm_topk_prob', False):
        rw = rw / rw.sum()
    y = np.zeros_like(x)
    for weight, e in zip(rw, top):
        if mt == 'mixtral':
            q = pre + f'experts.{e}.'
            y += weight * mlp(x, w[q + 'w1.weight'], w[q + 'w3.weight'], w[q + 'w2.weight'])
        else:
            q = pre + f'experts.{e}.'
            y += weight * mlp(x, w[q + 'gate_proj.weight'], w[q + 'up_proj.weight'], w[q + 'down_proj.weight'])
    if mt == 'qwen2_moe' and cfg.get('shared_expert_intermediate_size', 0):
        q = pre + 'shared_expert.'
        shared = mlp(x, w[q + 'gate_proj.weight'], w[q + 'up_proj.weight'], w[q + 'down_proj.weight'])
        y += sigmoid(w[pre + 'shared_expert_gate.weight'] @ x)[0] * shared
    return y, sorted(int(e) for e in top)


def mlp_step(cfg, w, p, x, eps, T, margins, bounds, routes):
    """post_attention_layernorm, the MLP (sparse or dense) and its residual; records the routes and the boundary norm."""
    l = len(routes)
    post = rms(x, w[p + 'post_attention_layernorm.weight'], eps)
    if is_sparse(cfg, l):
        ys, chosen = zip(*(moe_token(cfg, w, p, post[t], margins) for t in range(T)))
        x = x + np.stack(ys)
        routes.append(list(chosen))
    else:
        x = x + mlp(post, w[p + 'mlp.gate_proj.weight'], w[p + 'mlp.up_proj.weight'], w[p + 'mlp.down_proj.weight'])
        routes.append(None)
    bounds.append(np.linalg.norm(x, axis=-1).tolist())
    return x, bounds, routes


def forward(cfg, w, ids):
    d = cfg['hidden_size']
    H, Hkv, hd = cfg['num_attention_heads'], cfg['num_key_value_heads'], cfg['head_dim']
    eps = cfg['rms_norm_eps']
    mt = cfg['model_type']
    T = len(ids)
    # The rotated dims of each head: all of them, or head_dim · partial_rotary_factor (GLM-4.5).
    rd = int(hd * cfg.get('partial_rotary_factor', 1.0))
    inv = 1.0 / cfg['rope_theta'] ** (np.arange(0, rd, 2, dtype=np.float64) / rd)
    freqs = np.outer(np.arange(T, dtype=np.float64), inv)
    emb = np.concatenate([freqs, freqs], axis=-1)
    cos, sin = np.cos(emb), np.sin(emb)
    x = w['model.embed_tokens.weight'][ids]
    bounds = [np.linalg.norm(x, axis=-1).tolist()]
    routes, margins = [], []
    for l in range(cfg['num_hidden_layers']):
        p = f'model.layers.{l}.'
        h = rms(x, w[p + 'input_layernorm.weight'], eps)
        if mt in ('deepseek_v2', 'deepseek_v3'):
            x = x + mla_attention(cfg, w, p, h, T)
            x, bounds, routes = mlp_step(cfg, w, p, x, eps, T, margins, bounds, routes)
            continue
        q, k, v = (h @ w[p + f'self_attn.{r}_proj.weight'].T for r in 'qkv')
        if p + 'self_attn.q_proj.bias' in w:
            q, k, v = (t + w[p + f'self_attn.{r}_proj.bias'] for t, r in zip((q, k, v), 'qkv'))
        if mt == 'olmoe':
            q = rms(q, w[p + 'self_attn.q_norm.weight'], eps)
            k = rms(k, w[p + 'self_attn.k_norm.weight'], eps)
        q = q.reshape(T, H, hd).transpose(1, 0, 2)
        k = k.reshape(T, Hkv, hd).transpose(1, 0, 2)
        v = v.reshape(T, Hkv, hd).transpose(1, 0, 2)
        if mt in ('qwen3_moe', 'glm4_moe') and p + 'self_attn.q_norm.weight' in w:
            q = rms(q, w[p + 'self_attn.q_norm.weight'], eps)
            k = rms(k, w[p + 'self_attn.k_norm.weight'], eps)
        q = np.concatenate([q[..., :rd] * cos + rotate_half(q[..., :rd]) * sin, q[..., rd:]], axis=-1)
        k = np.concatenate([k[..., :rd] * cos + rotate_half(k[..., :rd]) * sin, k[..., rd:]], axis=-1)
        visible = np.tril(np.ones((T, T), dtype=bool))
        if mt == 'gpt_oss' and cfg['layer_types'][l] == 'sliding_attention':
            i, j = np.indices((T, T))
            visible &= j > i - cfg['sliding_window']
        out = np.zeros((H, T, hd))
        for head in range(H):
            g = head // (H // Hkv)
            s = q[head] @ k[g].T / math.sqrt(hd)
            s = np.where(visible, s, -np.inf)
            if mt == 'gpt_oss':  # the sink joins each row's softmax, then its probability is dropped
                s = np.concatenate([s, np.full((T, 1), w[p + 'self_attn.sinks'][head])], axis=1)
            a = np.exp(s - s.max(axis=-1, keepdims=True))
            a = a / a.sum(axis=-1, keepdims=True)
            out[head] = a[:, :T] @ v[g]
        x = x + out.transpose(1, 0, 2).reshape(T, H * hd) @ w[p + 'self_attn.o_proj.weight'].T
        if mt == 'gpt_oss':
            x = x + w[p + 'self_attn.o_proj.bias']
        x, bounds, routes = mlp_step(cfg, w, p, x, eps, T, margins, bounds, routes)
    logits = rms(x, w['model.norm.weight'], eps) @ w['lm_head.weight'].T
    return logits, bounds, routes, margins


BASE = dict(hidden_size=16, num_attention_heads=4, num_key_value_heads=2, head_dim=4, vocab_size=32, rms_norm_eps=1e-6,
            rope_theta=10000.0, max_position_embeddings=64, tie_word_embeddings=False, hidden_act='silu')

CASES = {
    'mixtral': dict(BASE, model_type='mixtral', architectures=['MixtralForCausalLM'], num_hidden_layers=2, intermediate_size=12,
                    num_local_experts=4, num_experts_per_tok=2),
    'qwen2_moe_shared': dict(BASE, model_type='qwen2_moe', architectures=['Qwen2MoeForCausalLM'], num_hidden_layers=3,
                             intermediate_size=20, moe_intermediate_size=12, shared_expert_intermediate_size=10, num_experts=4,
                             num_experts_per_tok=2, norm_topk_prob=False, decoder_sparse_step=1, mlp_only_layers=[0]),
    'qwen3_moe_norm_topk': dict(BASE, model_type='qwen3_moe', architectures=['Qwen3MoeForCausalLM'], num_hidden_layers=3,
                                intermediate_size=20, moe_intermediate_size=12, num_experts=6, num_experts_per_tok=2,
                                norm_topk_prob=True, decoder_sparse_step=2, mlp_only_layers=[]),
    'olmoe': dict(BASE, model_type='olmoe', architectures=['OlmoeForCausalLM'], num_hidden_layers=2, intermediate_size=12,
                  num_experts=5, num_experts_per_tok=3, norm_topk_prob=False, clip_qkv=None),
    'gpt_oss': dict(BASE, model_type='gpt_oss', architectures=['GptOssForCausalLM'], num_hidden_layers=3, intermediate_size=8,
                    num_local_experts=5, num_experts_per_tok=2, sliding_window=3, attention_bias=True,
                    layer_types=['sliding_attention', 'full_attention', 'sliding_attention']),
    'deepseek_v3': dict(BASE, model_type='deepseek_v3', architectures=['DeepseekV3ForCausalLM'], num_hidden_layers=3,
                        num_key_value_heads=4, rms_norm_eps=1e-3, intermediate_size=20, moe_intermediate_size=6,
                        n_routed_experts=8, n_shared_experts=1, num_experts_per_tok=2, n_group=4, topk_group=2,
                        norm_topk_prob=True, routed_scaling_factor=2.5, first_k_dense_replace=1, q_lora_rank=6,
                        kv_lora_rank=5, qk_rope_head_dim=4, qk_nope_head_dim=3, v_head_dim=4, rope_interleave=True),
    'deepseek_v3_no_q_lora_yarn': dict(BASE, model_type='deepseek_v3', architectures=['DeepseekV3ForCausalLM'], num_hidden_layers=2,
                                       num_key_value_heads=4, intermediate_size=20, moe_intermediate_size=6, n_routed_experts=6,
                                       n_shared_experts=2, num_experts_per_tok=3, n_group=1, topk_group=1, norm_topk_prob=False,
                                       routed_scaling_factor=1.5, first_k_dense_replace=0, q_lora_rank=None, kv_lora_rank=5,
                                       qk_rope_head_dim=6, qk_nope_head_dim=2, v_head_dim=3, rope_interleave=False,
                                       rope_scaling=dict(rope_type='yarn', factor=4.0, original_max_position_embeddings=16,
                                                         mscale=1.0, mscale_all_dim=1.0, beta_fast=32, beta_slow=1)),
    'deepseek_v2_group_limited_yarn': dict(BASE, model_type='deepseek_v2', architectures=['DeepseekV2ForCausalLM'], num_hidden_layers=3,
                                           num_key_value_heads=4, intermediate_size=20, moe_intermediate_size=6, n_routed_experts=8,
                                           n_shared_experts=1, num_experts_per_tok=2, topk_method='group_limited_greedy', n_group=2,
                                           topk_group=1, norm_topk_prob=True, routed_scaling_factor=1.3, first_k_dense_replace=1,
                                           q_lora_rank=None, kv_lora_rank=5, qk_rope_head_dim=4, qk_nope_head_dim=3, v_head_dim=4,
                                           rope_scaling=dict(type='yarn', factor=4.0, original_max_position_embeddings=16,
                                                             mscale=0.707, mscale_all_dim=0.707, beta_fast=32, beta_slow=1)),
    'glm4_moe': dict(BASE, model_type='glm4_moe', architectures=['Glm4MoeForCausalLM'], num_hidden_layers=3, head_dim=8,
                     num_key_value_heads=2, intermediate_size=20, moe_intermediate_size=6, n_routed_experts=8,
                     n_shared_experts=1, num_experts_per_tok=2, n_group=2, topk_group=1, norm_topk_prob=True,
                     routed_scaling_factor=2.5, first_k_dense_replace=1, attention_bias=True, use_qk_norm=True,
                     partial_rotary_factor=0.5),
    'olmoe_norm_topk': dict(BASE, model_type='olmoe', architectures=['OlmoeForCausalLM'], num_hidden_layers=2, intermediate_size=12,
                            num_experts=5, num_experts_per_tok=3, norm_topk_prob=True, clip_qkv=None),
}

IDS = [3, 17, 4, 29, 11, 0, 8, 22]


def main():
    out = {'ids': IDS, 'cases': {}}
    for name, cfg in CASES.items():
        specs = specs_of(cfg)
        w = weights_of(specs)
        logits, bounds, routes, margins = forward(cfg, w, IDS)
        assert min(margins) > 1e-4, f'{name}: a top-k choice is nearly tied ({min(margins)})'
        if cfg['model_type'] == 'gpt_oss':
            assert CLAMPED[0] > 0, 'the gpt-oss case should exercise the ±7 clamps'
        out['cases'][name] = {
            'config': cfg,
            'tensors': [{'name': n, 'shape': s, 'seed': 5000 + i, 'scale': sc} for i, (n, s, sc) in enumerate(specs)],
            'logits': logits.tolist(),
            'boundaryNorms': bounds,
            'routes': routes,
            'minTopkMargin': min(margins),
        }
    print(json.dumps(out))


if __name__ == '__main__':
    main()
