#!/usr/bin/env python3
"""Independent float64 numpy forward of GPT-2 and GPT-NeoX decoders (oracle for the executor).

Re-run:  python3 test/oracles/gpt_forward.py   (writes test/oracles/gpt_forward.json; numpy only)

Re-implemented from the Hugging Face `transformers` modelling code (GPT2LMHeadModel,
GPTNeoXForCausalLM), sharing none of the executor's code:
  * GPT-2: token + learned position embeddings; LayerNorm; Conv1D weights stored [in, out] with the
    fused c_attn = q | k | v along the output axis; tanh GELU ("gelu_new"); tied lm_head.
  * GPT-NeoX: LayerNorm; fused query_key_value stored [3d, d] whose rows are per head [q | k | v];
    rotary embeddings on the first rotary_pct of each head (rotate_half inside that part); exact
    GELU; parallel residual (x + attn(ln1 x) + mlp(ln2 x)) or sequential; untied embed_out.
Weights come from the same 32-bit LCG as llama_forward.py (tensor i in checkpoint order uses seed
2000 + i; 'norm' tensors are 1 + LCG·0.5); the JSON lists each tensor's name, shape, scale and seed so
that the TypeScript test regenerates them instead of reading committed weights.
"""
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llama_forward import lcg_tensor  # noqa: E402  (same generator, kept in one place)


def specs(cfg):
    d, V = cfg['hidden_size'], cfg['vocab_size']
    ff = cfg['intermediate_size']
    out = []
    if cfg['model_type'] == 'gpt2':
        out += [('wte.weight', [V, d], 1.0), ('wpe.weight', [cfg['n_positions'], d], 0.5)]
        for l in range(cfg['num_layers']):
            p = f'h.{l}.'
            out += [(p + 'ln_1.weight', [d], 'norm'), (p + 'ln_1.bias', [d], 0.2),
                    (p + 'attn.c_attn.weight', [d, 3 * d], 2 / math.sqrt(d)), (p + 'attn.c_attn.bias', [3 * d], 0.2),
                    (p + 'attn.c_proj.weight', [d, d], 2 / math.sqrt(d)), (p + 'attn.c_proj.bias', [d], 0.2),
                    (p + 'ln_2.weight', [d], 'norm'), (p + 'ln_2.bias', [d], 0.2),
                    (p + 'mlp.c_fc.weight', [d, ff], 2 / math.sqrt(d)), (p + 'mlp.c_fc.bias', [ff], 0.2),
                    (p + 'mlp.c_proj.weight', [ff, d], 2 / math.sqrt(ff)), (p + 'mlp.c_proj.bias', [d], 0.2)]
        out += [('ln_f.weight', [d], 'norm'), ('ln_f.bias', [d], 0.2)]
    else:
        out += [('gpt_neox.embed_in.weight', [V, d], 1.0)]
        for l in range(cfg['num_layers']):
            p = f'gpt_neox.layers.{l}.'
            out += [(p + 'input_layernorm.weight', [d], 'norm'), (p + 'input_layernorm.bias', [d], 0.2),
                    (p + 'attention.query_key_value.weight', [3 * d, d], 2 / math.sqrt(d)),
                    (p + 'attention.query_key_value.bias', [3 * d], 0.2),
                    (p + 'attention.dense.weight', [d, d], 2 / math.sqrt(d)), (p + 'attention.dense.bias', [d], 0.2),
                    (p + 'post_attention_layernorm.weight', [d], 'norm'), (p + 'post_attention_layernorm.bias', [d], 0.2),
                    (p + 'mlp.dense_h_to_4h.weight', [ff, d], 2 / math.sqrt(d)), (p + 'mlp.dense_h_to_4h.bias', [ff], 0.2),
                    (p + 'mlp.dense_4h_to_h.weight', [d, ff], 2 / math.sqrt(ff)), (p + 'mlp.dense_4h_to_h.bias', [d], 0.2)]
        out += [('gpt_neox.final_layer_norm.weight', [d], 'norm'), ('gpt_neox.final_layer_norm.bias', [d], 0.2),
                ('embed_out.weight', [V, d], 2 / math.sqrt(d))]
    return out


def weights(cfg):
    w = {}
    for i, (name, shape, scale) in enumerate(specs(cfg)):
        w[name] = 1.0 + lcg_tensor(2000 + i, shape, 0.5) if scale == 'norm' else lcg_tensor(2000 + i, shape, scale)
    return w


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def gelu_erf(x):
    return 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))


def attention(q, k, v):  # [H, T, hd]
    T, hd = q.shape[1], q.shape[2]
    s = q @ k.transpose(0, 2, 1) / math.sqrt(hd)
    s = np.where(np.tril(np.ones((T, T), dtype=bool)), s, -np.inf)
    s = np.exp(s - s.max(-1, keepdims=True))
    s /= s.sum(-1, keepdims=True)
    return (s @ v).transpose(1, 0, 2).reshape(T, -1)


def rotate_half(x):
    h = x.shape[-1] // 2
    return np.concatenate([-x[..., h:], x[..., :h]], axis=-1)


def forward(cfg, w, ids):
    d, H = cfg['hidden_size'], cfg['num_heads']
    hd = d // H
    T = len(ids)
    eps = 1e-5
    post, bounds = [], []
    if cfg['model_type'] == 'gpt2':
        x = w['wte.weight'][ids] + w['wpe.weight'][:T]
        bounds.append(x)
        for l in range(cfg['num_layers']):
            p = f'h.{l}.'
            a = layer_norm(x, w[p + 'ln_1.weight'], w[p + 'ln_1.bias'], eps)
            qkv = a @ w[p + 'attn.c_attn.weight'] + w[p + 'attn.c_attn.bias']
            q, k, v = [qkv[:, i * d:(i + 1) * d].reshape(T, H, hd).transpose(1, 0, 2) for i in range(3)]
            x = x + attention(q, k, v) @ w[p + 'attn.c_proj.weight'] + w[p + 'attn.c_proj.bias']
            m = layer_norm(x, w[p + 'ln_2.weight'], w[p + 'ln_2.bias'], eps)
            post.append(m)
            x = x + gelu_tanh(m @ w[p + 'mlp.c_fc.weight'] + w[p + 'mlp.c_fc.bias']) @ w[p + 'mlp.c_proj.weight'] + w[p + 'mlp.c_proj.bias']
            bounds.append(x)
        final = layer_norm(x, w['ln_f.weight'], w['ln_f.bias'], eps)
        logits = final @ w['wte.weight'].T
    else:
        rot = int(hd * cfg['rotary_pct'])
        inv = 1.0 / cfg['rotary_emb_base'] ** (np.arange(0, rot, 2, dtype=np.float64) / rot)
        fr = np.outer(np.arange(T, dtype=np.float64), inv)
        emb = np.concatenate([fr, fr], -1)
        cos, sin = np.cos(emb), np.sin(emb)
        x = w['gpt_neox.embed_in.weight'][ids]
        bounds.append(x)
        for l in range(cfg['num_layers']):
            p = f'gpt_neox.layers.{l}.'
            a = layer_norm(x, w[p + 'input_layernorm.weight'], w[p + 'input_layernorm.bias'], eps)
            qkv = (a @ w[p + 'attention.query_key_value.weight'].T + w[p + 'attention.query_key_value.bias']).reshape(T, H, 3 * hd)
            q, k, v = [qkv[..., i * hd:(i + 1) * hd].transpose(1, 0, 2) for i in range(3)]

            def rope(t):
                tr, tp = t[..., :rot], t[..., rot:]
                return np.concatenate([tr * cos + rotate_half(tr) * sin, tp], -1)

            att = attention(rope(q), rope(k), v) @ w[p + 'attention.dense.weight'].T + w[p + 'attention.dense.bias']
            base = x if cfg['use_parallel_residual'] else x + att
            m = layer_norm(base, w[p + 'post_attention_layernorm.weight'], w[p + 'post_attention_layernorm.bias'], eps)
            post.append(m)
            mlp = gelu_erf(m @ w[p + 'mlp.dense_h_to_4h.weight'].T + w[p + 'mlp.dense_h_to_4h.bias']) @ w[p + 'mlp.dense_4h_to_h.weight'].T + w[p + 'mlp.dense_4h_to_h.bias']
            x = x + att + mlp if cfg['use_parallel_residual'] else base + mlp
            bounds.append(x)
        final = layer_norm(x, w['gpt_neox.final_layer_norm.weight'], w['gpt_neox.final_layer_norm.bias'], eps)
        logits = final @ w['embed_out.weight'].T
    norms = lambda a: [float(v) for v in np.linalg.norm(a, axis=-1)]
    return {'logits': [[float('%.9g' % v) for v in r] for r in logits], 'boundaryNorms': [norms(b) for b in bounds],
            'postAttentionNormNorms': [norms(m) for m in post], 'finalNormNorms': norms(final)}


def hf_config(c):
    """The config.json a Hugging Face checkpoint of this case would carry."""
    if c['model_type'] == 'gpt2':
        return {'model_type': 'gpt2', 'n_embd': c['hidden_size'], 'n_layer': c['num_layers'], 'n_head': c['num_heads'],
                'n_inner': c['intermediate_size'], 'n_positions': c['n_positions'], 'vocab_size': c['vocab_size'],
                'layer_norm_epsilon': 1e-5, 'activation_function': 'gelu_new', 'tie_word_embeddings': True}
    return {'model_type': 'gpt_neox', 'hidden_size': c['hidden_size'], 'num_hidden_layers': c['num_layers'],
            'num_attention_heads': c['num_heads'], 'intermediate_size': c['intermediate_size'], 'vocab_size': c['vocab_size'],
            'rotary_pct': c['rotary_pct'], 'rotary_emb_base': c['rotary_emb_base'], 'max_position_embeddings': 64,
            'layer_norm_eps': 1e-5, 'hidden_act': 'gelu', 'use_parallel_residual': c['use_parallel_residual'],
            'tie_word_embeddings': False}


CASES = {
    'gpt2': {'model_type': 'gpt2', 'hidden_size': 32, 'num_layers': 2, 'num_heads': 4, 'intermediate_size': 64,
             'n_positions': 16, 'vocab_size': 64},
    'gpt_neox_parallel': {'model_type': 'gpt_neox', 'hidden_size': 32, 'num_layers': 2, 'num_heads': 2,
                          'intermediate_size': 48, 'vocab_size': 64, 'rotary_pct': 0.25, 'rotary_emb_base': 10000.0,
                          'use_parallel_residual': True},
    'gpt_neox_sequential': {'model_type': 'gpt_neox', 'hidden_size': 32, 'num_layers': 2, 'num_heads': 4,
                            'intermediate_size': 48, 'vocab_size': 64, 'rotary_pct': 0.5, 'rotary_emb_base': 500.0,
                            'use_parallel_residual': False},
}
IDS = [3, 17, 42, 5, 63, 0, 8, 33, 21, 60]


def main():
    out = {}
    for name, c in CASES.items():
        w = weights(c)
        recipe = [{'name': n, 'shape': sh, 'scale': sc, 'seed': 2000 + i} for i, (n, sh, sc) in enumerate(specs(c))]
        out[name] = {'config': hf_config(c), 'tensors': recipe, 'ids': IDS, **forward(c, w, IDS)}
    dest = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'gpt_forward.json')
    with open(dest, 'w') as f:
        json.dump(out, f, separators=(',', ':'))
    print('wrote', dest, os.path.getsize(dest), 'bytes')


if __name__ == '__main__':
    main()
