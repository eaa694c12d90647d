#!/usr/bin/env python3
"""PyTorch reference timing for bench/executor.bench.ts (run by it only when `import torch` works).

Same shape as the TypeScript bench: a Llama-3.2-1B-shaped decoder (16 layers, hidden 2048, MLP 8192,
32 query / 8 key-value heads of 64, vocabulary 128256, tied embeddings), random float32 weights,
one 128-token prompt; times the forward and the forward + backward of the largest last-position
logit on the CPU with torch's default threads set to the count given as argv[1].
Prints one JSON line: {"forward": s, "forward_backward": s, "threads": n, "torch": version}.
"""
import json
import sys
import time

import torch

torch.manual_seed(0)
threads = int(sys.argv[1]) if len(sys.argv) > 1 else torch.get_num_threads()
torch.set_num_threads(threads)
L, d, ff, H, Hkv, hd, V, T = 16, 2048, 8192, 32, 8, 64, 128256, 128


def param(*shape):
    return (torch.randn(*shape) * 0.02).requires_grad_()


layers = [dict(n1=torch.ones(d, requires_grad=True), q=param(H * hd, d), k=param(Hkv * hd, d), v=param(Hkv * hd, d),
               o=param(d, H * hd), n2=torch.ones(d, requires_grad=True), g=param(ff, d), u=param(ff, d), dn=param(d, ff))
          for _ in range(L)]
embed, norm = param(V, d), torch.ones(d, requires_grad=True)
inv = 1.0 / (500000.0 ** (torch.arange(0, hd, 2).float() / hd))
ang = torch.outer(torch.arange(T).float(), inv)
cos, sin = torch.cat([ang, ang], -1).cos(), torch.cat([ang, ang], -1).sin()
mask = torch.full((T, T), float('-inf')).triu(1)


def rms(x, w):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * w


def rot(x):
    return torch.cat([-x[..., hd // 2:], x[..., :hd // 2]], -1)


def forward(ids):
    x = embed[ids]
    for p in layers:
        h = rms(x, p['n1'])
        q = (h @ p['q'].T).view(T, H, hd).transpose(0, 1)
        k = (h @ p['k'].T).view(T, Hkv, hd).transpose(0, 1).repeat_interleave(H // Hkv, 0)
        v = (h @ p['v'].T).view(T, Hkv, hd).transpose(0, 1).repeat_interleave(H // Hkv, 0)
        q, k = q * cos + rot(q) * sin, k * cos + rot(k) * sin
        a = torch.softmax(q @ k.transpose(1, 2) / hd ** 0.5 + mask, -1) @ v
        x = x + a.transpose(0, 1).reshape(T, d) @ p['o'].T
        h = rms(x, p['n2'])
        x = x + (torch.nn.functional.silu(h @ p['g'].T) * (h @ p['u'].T)) @ p['dn'].T
    return rms(x[-1:], norm) @ embed.T


ids = torch.arange(T) * 7919 % V
with torch.no_grad():
    forward(ids)
best_f = best_fb = float('inf')
for _ in range(2):
    t = time.perf_counter()
    with torch.no_grad():
        forward(ids)
    best_f = min(best_f, time.perf_counter() - t)
    t = time.perf_counter()
    forward(ids).max().backward()
    best_fb = min(best_fb, time.perf_counter() - t)
print(json.dumps({'forward': best_f, 'forward_backward': best_fb, 'threads': threads, 'torch': torch.__version__}))
