#!/usr/bin/env python3
"""Independent float64 numpy forward pass of Llama-family decoder models (oracle for the executor).

Re-run:  python3 test/oracles/llama_forward.py   (writes test/oracles/llama_forward.json)
Needs numpy only, and reads test/fixtures/models/stories260K/model.safetensors (path relative to the repo
root; override with STORIES260K=/path/to/folder).

Written from the Hugging Face `transformers` modelling code (LlamaForCausalLM, MistralForCausalLM,
Qwen2ForCausalLM, Qwen3ForCausalLM) and `modeling_rope_utils.py`, re-implemented here without any of
that code: RMSNorm, rotary embeddings with rotate_half (default, linear, dynamic, llama3, yarn),
grouped-query attention (query head h uses kv head h // (H / H_kv)), causal and sliding-window masks,
SwiGLU MLP, q/k/v(/o) biases (Qwen2, attention_bias), per-head q/k RMSNorm (Qwen3), tied embeddings.

Two kinds of cases:
  * "stories260K": the real trained checkpoint, fixed token ids.
  * synthetic tiny models whose weights come from a 32-bit LCG that the TypeScript test reproduces
    bit for bit (see `lcg_tensor`), so no weights need to be committed: the test writes the same
    tensors to a safetensors file and runs the executor on them.
Outputs per case: logits at every position, Euclidean norms of the hidden state at every layer
boundary (embeddings, after each layer), of every post_attention_layernorm output and of the final
norm output, per position; and the full last-position hidden state at every boundary.
"""
import json
import math
import os
import struct

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STORIES = os.environ.get('STORIES260K', os.path.join(ROOT, 'test', 'fixtures', 'models', 'stories260K'))


# ----------------------------------------------------------------------------- weights


def read_safetensors(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        base = 8 + n
        out = {}
        for name, e in header.items():
            if name == '__metadata__':
                continue
            assert e['dtype'] == 'F32', name
            b, end = e['data_offsets']
            f.seek(base + b)
            out[name] = np.frombuffer(f.read(end - b), dtype='<f4').astype(np.float64).reshape(e['shape'])
        return out


def lcg_tensor(seed, shape, scale):
    """Deterministic values in [-scale/2, scale/2): state_{i+1} = (1664525·state_i + 1013904223) mod 2^32,
    starting from `seed`, value = (state / 2^32 − 0.5)·scale. Every product stays below 2^53, so
    JavaScript doubles reproduce it exactly."""
    n = int(np.prod(shape))
    out = np.empty(n, dtype=np.float64)
    s = seed % 4294967296
    for i in range(n):
        s = (1664525 * s + 1013904223) % 4294967296
        out[i] = (s / 4294967296.0 - 0.5) * scale
    # The executor reads float32 weights: round exactly as a Float32Array would.
    return out.astype(np.float32).astype(np.float64).reshape(shape)


def synthetic_weights(cfg):
    """Tensor names and shapes of a HF Llama-family checkpoint; tensor i (in this order) uses seed 1000 + i."""
    d, ff, V = cfg['hidden_size'], cfg['intermediate_size'], cfg['vocab_size']
    H, Hkv = cfg['num_attention_heads'], cfg['num_key_value_heads']
    hd = cfg.get('head_dim') or d // H
    specs = [('model.embed_tokens.weight', [V, d], 1.0)]
    for l in range(cfg['num_hidden_layers']):
        p = f'model.layers.{l}.'
        specs += [
            (p + 'input_layernorm.weight', [d], 'norm'),
            (p + 'self_attn.q_proj.weight', [H * hd, d], 2.0 / math.sqrt(d)),
            (p + 'self_attn.k_proj.weight', [Hkv * hd, d], 2.0 / math.sqrt(d)),
            (p + 'self_attn.v_proj.weight', [Hkv * hd, d], 2.0 / math.sqrt(d)),
            (p + 'self_attn.o_proj.weight', [d, H * hd], 2.0 / math.sqrt(H * hd)),
        ]
        if cfg.get('attention_bias'):
            specs += [(p + 'self_attn.q_proj.bias', [H * hd], 0.2), (p + 'self_attn.k_proj.bias', [Hkv * hd], 0.2),
                      (p + 'self_attn.v_proj.bias', [Hkv * hd], 0.2)]
            if cfg['model_type'] != 'qwen2':
                specs += [(p + 'self_attn.o_proj.bias', [d], 0.2)]
        if cfg['model_type'] == 'qwen3':
            specs += [(p + 'self_attn.q_norm.weight', [hd], 'norm'), (p + 'self_attn.k_norm.weight', [hd], 'norm')]
        specs += [
            (p + 'post_attention_layernorm.weight', [d], 'norm'),
            (p + 'mlp.gate_proj.weight', [ff, d], 2.0 / math.sqrt(d)),
            (p + 'mlp.up_proj.weight', [ff, d], 2.0 / math.sqrt(d)),
            (p + 'mlp.down_proj.weight', [d, ff], 2.0 / math.sqrt(ff)),
        ]
    specs.append(('model.norm.weight', [d], 'norm'))
    if not cfg.get('tie_word_embeddings'):
        specs.append(('lm_head.weight', [V, d], 2.0 / math.sqrt(d)))
    w = {}
    for i, (name, shape, scale) in enumerate(specs):
        if scale == 'norm':  # norm gains near 1, as in a trained model
            w[name] = 1.0 + lcg_tensor(1000 + i, shape, 0.5)
        else:
            w[name] = lcg_tensor(1000 + i, shape, scale)
    return w, [s[0] for s in specs]


# ----------------------------------------------------------------------------- rotary embeddings


def rope_inv_freq(cfg, seq_len):
    """(inv_freq, attention_scaling) following HF modeling_rope_utils for each rope_type."""
    H = cfg['num_attention_heads']
    hd = cfg.get('head_dim') or cfg['hidden_size'] // H
    dim = int(hd * cfg.get('partial_rotary_factor', 1.0))
    base = cfg.get('rope_theta', 10000.0)
    rs = cfg.get('rope_scaling') or {}
    kind = rs.get('rope_type', rs.get('type', 'default'))
    ar = np.arange(0, dim, 2, dtype=np.float64) / dim
    if kind == 'default':
        return 1.0 / base ** ar, 1.0
    if kind == 'linear':
        return (1.0 / base ** ar) / rs['factor'], 1.0
    if kind == 'dynamic':
        max_pos = cfg['max_position_embeddings']
        factor = rs['factor']
        if seq_len > max_pos:
            base = base * ((factor * seq_len / max_pos) - (factor - 1)) ** (dim / (dim - 2))
        return 1.0 / base ** ar, 1.0
    if kind == 'llama3':
        inv = 1.0 / base ** ar
        factor, lo, hi = rs['factor'], rs['low_freq_factor'], rs['high_freq_factor']
        old = rs['original_max_position_embeddings']
        lo_wl, hi_wl = old / lo, old / hi
        wl = 2 * math.pi / inv
        out = np.where(wl > lo_wl, inv / factor, inv)
        smooth = (old / wl - lo) / (hi - lo)
        smoothed = (1 - smooth) * out / factor + smooth * out
        medium = ~(wl < hi_wl) & ~(wl > lo_wl)
        return np.where(medium, smoothed, out), 1.0
    if kind == 'yarn':
        factor = rs['factor']
        old = rs.get('original_max_position_embeddings') or cfg['max_position_embeddings']

        def mscale(s, m=1.0):
            return 1.0 if s <= 1 else 0.1 * m * math.log(s) + 1.0

        att = rs.get('attention_factor')
        if att is None:
            if rs.get('mscale') and rs.get('mscale_all_dim'):
                att = mscale(factor, rs['mscale']) / mscale(factor, rs['mscale_all_dim'])
            else:
                att = mscale(factor)
        beta_fast, beta_slow = rs.get('beta_fast') or 32, rs.get('beta_slow') or 1

        def corr_dim(rot):
            return (dim * math.log(old / (rot * 2 * math.pi))) / (2 * math.log(base))

        low = max(math.floor(corr_dim(beta_fast)), 0)
        high = min(math.ceil(corr_dim(beta_slow)), dim - 1)
        if low == high:
            high += 0.001
        ramp = np.clip((np.arange(dim // 2, dtype=np.float64) - low) / (high - low), 0, 1)
        pos = base ** ar
        extra_factor = 1 - ramp
        inv = (1 / (factor * pos)) * (1 - extra_factor) + (1 / pos) * extra_factor
        return inv, att
    raise ValueError(kind)


def rotate_half(x):
    h = x.shape[-1] // 2
    return np.concatenate([-x[..., h:], x[..., :h]], axis=-1)


# ----------------------------------------------------------------------------- forward


def rms(x, w, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def silu(x):
    return x / (1 + np.exp(-x))


def forward(cfg, w, ids, states=None):
    """With a list `states`, also appends the L + 1 layer-boundary states [T, d] (residual_baselines.py)."""
    d = cfg['hidden_size']
    H, Hkv = cfg['num_attention_heads'], cfg['num_key_value_heads']
    hd = cfg.get('head_dim') or d // H
    eps = cfg.get('rms_norm_eps', 1e-6)
    T = len(ids)
    inv, att_scale = rope_inv_freq(cfg, T)
    freqs = np.outer(np.arange(T, dtype=np.float64), inv)
    emb = np.concatenate([freqs, freqs], axis=-1)
    cos, sin = np.cos(emb) * att_scale, np.sin(emb) * att_scale
    rot = cos.shape[-1]

    def rope(x):  # x [H, T, hd]; only the first `rot` dims rotate (partial rotary)
        xr, xp = x[..., :rot], x[..., rot:]
        return np.concatenate([xr * cos + rotate_half(xr) * sin, xp], axis=-1)

    i = np.arange(T)[:, None]
    j = np.arange(T)[None, :]
    allowed = j <= i
    if cfg.get('sliding_window'):
        allowed &= j > i - cfg['sliding_window']
    mask = np.where(allowed, 0.0, -np.inf)

    def lin(x, name):
        y = x @ w[name + '.weight'].T
        return y + w[name + '.bias'] if name + '.bias' in w else y

    x = w['model.embed_tokens.weight'][ids]
    boundaries, post_attn = [x], []
    for l in range(cfg['num_hidden_layers']):
        p = f'model.layers.{l}.'
        h = rms(x, w[p + 'input_layernorm.weight'], eps)
        q = lin(h, p + 'self_attn.q_proj').reshape(T, H, hd).transpose(1, 0, 2)
        k = lin(h, p + 'self_attn.k_proj').reshape(T, Hkv, hd).transpose(1, 0, 2)
        v = lin(h, p + 'self_attn.v_proj').reshape(T, Hkv, hd).transpose(1, 0, 2)
        if p + 'self_attn.q_norm.weight' in w:
            q = rms(q, w[p + 'self_attn.q_norm.weight'], eps)
            k = rms(k, w[p + 'self_attn.k_norm.weight'], eps)
        q, k = rope(q), rope(k)
        r = H // Hkv
        k, v = np.repeat(k, r, axis=0), np.repeat(v, r, axis=0)
        s = q @ k.transpose(0, 2, 1) / math.sqrt(hd) + mask
        s = np.exp(s - s.max(axis=-1, keepdims=True))
        s /= s.sum(axis=-1, keepdims=True)
        a = (s @ v).transpose(1, 0, 2).reshape(T, H * hd)
        x = x + lin(a, p + 'self_attn.o_proj')
        h = rms(x, w[p + 'post_attention_layernorm.weight'], eps)
        post_attn.append(h)
        m = lin(silu(lin(h, p + 'mlp.gate_proj')) * lin(h, p + 'mlp.up_proj'), p + 'mlp.down_proj')
        x = x + m
        boundaries.append(x)
    if states is not None:
        states.extend(boundaries)
    final = rms(x, w['model.norm.weight'], eps)
    head = w.get('lm_head.weight', w['model.embed_tokens.weight'])
    logits = final @ head.T
    norms = lambda a: [float(v) for v in np.linalg.norm(a, axis=-1)]
    return {
        'logits': [[float('%.9g' % v) for v in row] for row in logits],
        'boundaryNorms': [norms(b) for b in boundaries],
        'postAttentionNormNorms': [norms(b) for b in post_attn],
        'finalNormNorms': norms(final),
        'lastHidden': [[float('%.9g' % v) for v in b[-1]] for b in boundaries],
    }


BASE = {
    'model_type': 'llama', 'hidden_size': 32, 'intermediate_size': 48, 'num_hidden_layers': 2,
    'num_attention_heads': 4, 'num_key_value_heads': 2, 'vocab_size': 64, 'max_position_embeddings': 64,
    'rms_norm_eps': 1e-5, 'rope_theta': 10000.0, 'tie_word_embeddings': False,
}
SYNTHETIC = {
    'llama_default': {},
    'llama_tied': {'tie_word_embeddings': True},
    'llama_bias': {'attention_bias': True},
    'llama_linear': {'rope_scaling': {'rope_type': 'linear', 'factor': 2.0}},
    'llama_dynamic': {'max_position_embeddings': 8, 'rope_scaling': {'rope_type': 'dynamic', 'factor': 2.0}},
    'llama3_scaling': {'rope_theta': 500000.0, 'rope_scaling': {
        'rope_type': 'llama3', 'factor': 8.0, 'low_freq_factor': 1.0, 'high_freq_factor': 4.0,
        'original_max_position_embeddings': 16}},
    'llama_yarn': {'rope_scaling': {'rope_type': 'yarn', 'factor': 4.0, 'original_max_position_embeddings': 16}},
    'mistral_window': {'model_type': 'mistral', 'sliding_window': 5},
    'qwen2': {'model_type': 'qwen2', 'attention_bias': True},
    'qwen3': {'model_type': 'qwen3', 'head_dim': 16, 'tie_word_embeddings': True},
}
SYNTHETIC_IDS = [1, 17, 42, 5, 63, 0, 8, 33, 21, 60, 2, 11]
STORIES_IDS = [1, 403, 261, 88, 35, 400, 11, 270, 300, 17, 45, 99]


def main():
    out = {'stories260K': {}, 'synthetic': {}}
    with open(os.path.join(STORIES, 'config.json')) as f:
        scfg = json.load(f)
    sw = read_safetensors(os.path.join(STORIES, 'model.safetensors'))
    out['stories260K'] = {'ids': STORIES_IDS, **forward(scfg, sw, STORIES_IDS)}
    for name, over in SYNTHETIC.items():
        cfg = {**BASE, **over}
        w, order = synthetic_weights(cfg)
        inv, att = rope_inv_freq(cfg, len(SYNTHETIC_IDS))
        out['synthetic'][name] = {
            'config': cfg, 'tensorOrder': order, 'ids': SYNTHETIC_IDS,
            'invFreq': [float(v) for v in inv], 'attentionScaling': att,
            **forward(cfg, w, SYNTHETIC_IDS),
        }
    dest = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'llama_forward.json')
    with open(dest, 'w') as f:
        json.dump(out, f, separators=(',', ':'))
    print('wrote', dest, os.path.getsize(dest), 'bytes')


if __name__ == '__main__':
    main()
