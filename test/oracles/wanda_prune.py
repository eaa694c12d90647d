#!/usr/bin/env python3
"""Oracle for the activation-guided pruning experiment: OWL's layer-wise allocation, Wanda's
sequential unstructured pruning, and held-out perplexity, in float64 numpy on stories260K.

Re-run:  python3 test/oracles/wanda_prune.py > test/oracles/wanda_prune.json
Needs numpy only; reads test/fixtures/models/stories260K (override with STORIES260K=/path/to/folder).

Written from the public definitions, not from Layer Lens's code:
  * OWL (Yin et al. 2023; luuyin/OWL lib/prune_all.py, prune_wanda_outlier): layer scores scaled to
    [0, 2·Lamda] by min–max, shifted to mean 1 − sparsity = each layer's kept fraction. Here the scores
    are given per-layer densities.
  * Wanda (Sun et al. 2023; locuslab/wanda lib/prune.py, prune_wanda and lib/layerwrapper.py):
    for each decoder layer in order, run the calibration samples through the layer with hooks on its
    linear layers collecting ‖X_j‖² of each input feature; score |W_ij|·‖X_j‖; in each output row zero
    the int(columns·ratio) lowest scores (stable sort); run the samples through the pruned layer to
    get the next layer's inputs.
  * The Llama forward pass follows Hugging Face's LlamaForCausalLM (RMSNorm, rotary rotate_half,
    grouped-query attention, SwiGLU), with helpers shared with llama_forward.py.
Masks are reported per matrix as the SHA-256 of the row-major mask (1 = pruned) packed with
numpy.packbits (big-endian bit order), and the count of pruned entries.
"""
import hashlib
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llama_forward import STORIES, read_safetensors, rms, rope_inv_freq, rotate_half, silu  # noqa: E402

ROLES = [('q', 'self_attn.q_proj'), ('k', 'self_attn.k_proj'), ('v', 'self_attn.v_proj'), ('o', 'self_attn.o_proj'),
         ('gate', 'mlp.gate_proj'), ('up', 'mlp.up_proj'), ('down', 'mlp.down_proj')]

# Calibration and held-out sequences: the unpruned model's own greedy continuations of these
# starts (see greedy()), so that the held-out text is text the model predicts well.
CALIBRATION_STARTS = [[1, 403], [1, 12], [1, 250]]
HELD_OUT_STARTS = [[1, 300], [1, 64]]
LENGTH = 16
CASES = [
    {'name': 'uniform_0.5', 'target': 0.5, 'lambda': 0.08, 'density': None},
    {'name': 'owl_0.5', 'target': 0.5, 'lambda': 0.08, 'density': [0.91, 0.85, 0.88, 0.80, 0.83]},
    {'name': 'uniform_0.3', 'target': 0.3, 'lambda': 0.2, 'density': None},
    {'name': 'owl_0.3_lambda0.2', 'target': 0.3, 'lambda': 0.2, 'density': [0.4, 0.7, 0.55, 0.2, 0.65]},
]


def owl_ratios(density, target, lam):
    """Pruning ratio per layer = 1 − kept fraction, kept = OWL's all_layer_ratio."""
    d = np.array(density, dtype=np.float64)
    kept = (d - d.min()) * (1 / (d.max() - d.min()) * lam * 2)
    kept = kept - np.mean(kept) + (1 - target)
    return [float(1 - k) for k in kept]


def layer_forward(cfg, w, l, x):
    """One decoder layer on x [T, d]; returns (y, {role: input of that linear layer})."""
    d = cfg['hidden_size']
    H, Hkv = cfg['num_attention_heads'], cfg['num_key_value_heads']
    hd = d // H
    eps = cfg['rms_norm_eps']
    T = x.shape[0]
    inv, att = rope_inv_freq(cfg, T)
    freqs = np.outer(np.arange(T, dtype=np.float64), inv)
    emb = np.concatenate([freqs, freqs], axis=-1)
    cos, sin = np.cos(emb) * att, np.sin(emb) * att
    p = f'model.layers.{l}.'
    W = lambda name: w[p + name + '.weight']
    ins = {}
    h = rms(x, w[p + 'input_layernorm.weight'], eps)
    ins['q'] = ins['k'] = ins['v'] = h
    q = (h @ W('self_attn.q_proj').T).reshape(T, H, hd).transpose(1, 0, 2)
    k = (h @ W('self_attn.k_proj').T).reshape(T, Hkv, hd).transpose(1, 0, 2)
    v = (h @ W('self_attn.v_proj').T).reshape(T, Hkv, hd).transpose(1, 0, 2)
    q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
    k, v = np.repeat(k, H // Hkv, axis=0), np.repeat(v, H // Hkv, axis=0)
    s = q @ k.transpose(0, 2, 1) / math.sqrt(hd) + np.where(np.tri(T, dtype=bool), 0.0, -np.inf)
    s = np.exp(s - s.max(axis=-1, keepdims=True))
    s /= s.sum(axis=-1, keepdims=True)
    a = (s @ v).transpose(1, 0, 2).reshape(T, H * hd)
    ins['o'] = a
    x = x + a @ W('self_attn.o_proj').T
    h2 = rms(x, w[p + 'post_attention_layernorm.weight'], eps)
    ins['gate'] = ins['up'] = h2
    act = silu(h2 @ W('mlp.gate_proj').T) * (h2 @ W('mlp.up_proj').T)
    ins['down'] = act
    return x + act @ W('mlp.down_proj').T, ins


def logits_of(cfg, w, ids):
    x = w['model.embed_tokens.weight'][ids]
    for l in range(cfg['num_hidden_layers']):
        x, _ = layer_forward(cfg, w, l, x)
    return rms(x, w['model.norm.weight'], cfg['rms_norm_eps']) @ w['model.embed_tokens.weight'].T


def greedy(cfg, w, start):
    ids = list(start)
    while len(ids) < LENGTH:
        ids.append(int(np.argmax(logits_of(cfg, w, ids)[-1])))
    return ids


def wanda(cfg, w, ratios, calibration):
    """Returns the pruned weights and, per layer and role, the mask (True = pruned)."""
    w = dict(w)
    xs = [w['model.embed_tokens.weight'][ids] for ids in calibration]
    masks = []
    for l in range(cfg['num_hidden_layers']):
        sq = {}
        for x in xs:
            _, ins = layer_forward(cfg, w, l, x)
            for role, _name in ROLES:
                sq[role] = sq.get(role, 0) + np.sum(ins[role] ** 2, axis=0)
        layer_masks = {}
        for role, name in ROLES:
            key = f'model.layers.{l}.{name}.weight'
            W = w[key]
            metric = np.abs(W) * np.sqrt(sq[role])[None, :]
            order = np.argsort(metric, axis=1, kind='stable')
            mask = np.zeros(W.shape, dtype=bool)
            n = int(W.shape[1] * ratios[l])
            np.put_along_axis(mask, order[:, :n], True, axis=1)
            w[key] = np.where(mask, 0.0, W)
            layer_masks[role] = mask
        masks.append(layer_masks)
        xs = [layer_forward(cfg, w, l, x)[0] for x in xs]
    return w, masks


def perplexity(cfg, w, seqs):
    nll, count = 0.0, 0
    for ids in seqs:
        logits = logits_of(cfg, w, ids)
        m = logits.max(axis=-1, keepdims=True)
        logp = logits - m - np.log(np.exp(logits - m).sum(axis=-1, keepdims=True))
        nll -= sum(logp[t, ids[t + 1]] for t in range(len(ids) - 1))
        count += len(ids) - 1
    return math.exp(nll / count)


def main():
    with open(os.path.join(STORIES, 'config.json')) as f:
        cfg = json.load(f)
    w = read_safetensors(os.path.join(STORIES, 'model.safetensors'))
    L = cfg['num_hidden_layers']
    calibration = [greedy(cfg, w, s) for s in CALIBRATION_STARTS]
    held_out = [greedy(cfg, w, s) for s in HELD_OUT_STARTS]
    out = {'calibration': calibration, 'heldOut': held_out, 'unpruned': perplexity(cfg, w, held_out), 'cases': []}
    for case in CASES:
        ratios = [case['target']] * L if case['density'] is None else owl_ratios(case['density'], case['target'], case['lambda'])
        pw, masks = wanda(cfg, w, ratios, calibration)
        total = sum(m.size for lm in masks for m in lm.values())
        pruned = sum(int(m.sum()) for lm in masks for m in lm.values())
        out['cases'].append({
            **case,
            'ratios': ratios,
            'masks': [{role: {'sha256': hashlib.sha256(np.packbits(m.reshape(-1)).tobytes()).hexdigest(), 'pruned': int(m.sum())}
                       for role, m in lm.items()} for lm in masks],
            'totalSparsity': pruned / total,
            'perplexity': perplexity(cfg, pw, held_out),
        })
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
