#!/usr/bin/env python3
"""Oracle for the persistence analysis's residual-stream baselines.

Re-run:  python3 test/oracles/residual_baselines.py   (writes test/oracles/residual_baselines.json)
Needs numpy only; reads test/fixtures/models/stories260K (override with STORIES260K=/path/to/folder)
and reuses the float64 decoder forward of llama_forward.py.

hidden_states[0..L]: the embeddings, then the residual stream after each decoder layer (before the
final norm), i.e. the input of layer l and the output of layer l + n - 1, as Gromov et al. define
x^(l) and as short-transformers hooks each layer's input and output. Per prompt (token ids, no BOS
added), written from the references' formulas, not their code:
  * Block Influence (ShortGPT; short-transformers dist.py `bi_score`, a per-example mean over
    tokens averaged over examples): BI(l) = 1 - mean_p mean_t cos(h_l[t], h_{l+1}[t]).
  * angular distance, last token (Gromov et al.; PruneMe utils.py `angular_distance` and
    `compute_block_distances`; short-transformers `angular_distance_last_token`):
    mean_p arccos(clamp(cos(h_l[T-1], h_{l+n}[T-1]), -1, 1)) / pi.
  * angular distance, all tokens (short-transformers `angular_distance_all_tokens`):
    mean_p mean_t arccos(clamp(cos, -1, 1)) / pi.
"""
import json
import os

import numpy as np

import llama_forward as lf

# Fixed token ids (vocabulary 512): lengths 12, 5, 5 (two prompts of one length: batched together),
# 1 (last token = all tokens) and 20.
PROMPTS = [
    [1, 403, 261, 88, 35, 400, 11, 270, 300, 17, 45, 99],
    [5, 6, 7, 8, 9],
    [300, 301, 2, 44, 45],
    [42],
    [1, 13, 77, 200, 311, 12, 9, 480, 33, 64, 128, 256, 500, 7, 3, 19, 88, 142, 275, 401],
]
BLOCKS = [1, 2, 3, 4, 5]


def cosines(a, b):
    na, nb = np.linalg.norm(a, axis=-1), np.linalg.norm(b, axis=-1)
    c = np.where((na > 0) & (nb > 0), np.sum(a * b, axis=-1) / np.maximum(na * nb, 1e-300), 0.0)
    return np.clip(c, -1.0, 1.0)


def main():
    with open(os.path.join(lf.STORIES, 'config.json')) as f:
        cfg = json.load(f)
    w = lf.read_safetensors(os.path.join(lf.STORIES, 'model.safetensors'))
    L = cfg['num_hidden_layers']
    per_prompt = []
    for ids in PROMPTS:
        states = []
        lf.forward(cfg, w, ids, states)
        assert len(states) == L + 1
        per_prompt.append(np.stack(states))  # [L + 1, T, d]
    bi = [1 - float(np.mean([np.mean(cosines(h[l], h[l + 1])) for h in per_prompt])) for l in range(L)]
    last, allt = [], []
    for n in BLOCKS:
        last.append({'n': n, 'values': [float(np.mean([np.arccos(cosines(h[l][-1], h[l + n][-1])) / np.pi for h in per_prompt]))
                                        for l in range(L + 1 - n)]})
        allt.append({'n': n, 'values': [float(np.mean([np.mean(np.arccos(cosines(h[l], h[l + n])) / np.pi) for h in per_prompt]))
                                        for l in range(L + 1 - n)]})
    out = {
        'model': 'stories260K', 'prompts': PROMPTS, 'blocks': BLOCKS, 'states': L + 1,
        'tokens': sum(len(p) for p in PROMPTS),
        'blockInfluence': bi, 'angularLastToken': last, 'angularAllTokens': allt,
    }
    dest = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'residual_baselines.json')
    with open(dest, 'w') as f:
        json.dump(out, f, separators=(',', ':'))
        f.write('\n')
    print('wrote', dest)


if __name__ == '__main__':
    main()
