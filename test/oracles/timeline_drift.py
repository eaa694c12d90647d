# Oracle for test/unit/analysis/methods/timeline/timeline.test.ts: the drift of every weight matrix
# along a short training run, computed the plain way from the definitions
#   drift_prev  = ||W_t - W_{t-1}||_F / ||W_{t-1}||_F
#   drift_first = ||W_t - W_0||_F / ||W_0||_F
#   cos_first   = <W_t, W_0>_F / (||W_t||_F ||W_0||_F)
# with np.linalg.norm (Frobenius) and np.vdot in float64 on the float32 values.
# Re-run from the repository root with:  python3 test/oracles/timeline_drift.py > test/oracles/timeline_drift.json
# (numpy >= 1.20; the series is seeded, so the output is reproducible).
#
# Contents: "dims" (a 2-layer Llama: hidden 8, 2 query heads, 1 kv head, head_dim 4, ff 12), "steps",
# and per checkpoint the [out, in] float32 matrices of every layer and role ("matrices") — a random
# start followed by noisy steps that also grow a low-rank direction, like a run's updates — and the
# three drift values of every (layer, role) ("drift"; drift_prev is absent for the first checkpoint).
# The test writes each checkpoint as a Trainer-style checkpoint-<step>/ folder and compares the
# timeline's values with these.
import json

import numpy as np

rng = np.random.default_rng(20261206)
HIDDEN, HEADS, KV, HD, FF, LAYERS = 8, 2, 1, 4, 12, 2
SHAPES = {
    'q': (HEADS * HD, HIDDEN),
    'k': (KV * HD, HIDDEN),
    'v': (KV * HD, HIDDEN),
    'o': (HIDDEN, HEADS * HD),
    'gate': (FF, HIDDEN),
    'up': (FF, HIDDEN),
    'down': (HIDDEN, FF),
}
STEPS = [0, 50, 120, 200]


def f32(x):
    return np.asarray(x, dtype=np.float32)


def start():
    return {l: {r: f32(rng.normal(0, 0.3, s)) for r, s in SHAPES.items()} for l in range(LAYERS)}


def step(prev, size):
    out = {}
    for l in range(LAYERS):
        out[l] = {}
        for r, (o, i) in SHAPES.items():
            u = rng.normal(0, 1, (o, 1))
            v = rng.normal(0, 1, (1, i))
            out[l][r] = f32(prev[l][r].astype(np.float64) + size * (0.02 * rng.normal(0, 1, (o, i)) + 0.05 * u @ v))
    return out


series = [start()]
for a, b in zip(STEPS, STEPS[1:]):
    series.append(step(series[-1], (b - a) / 100))


def fro(x):
    return float(np.linalg.norm(x.astype(np.float64)))


checkpoints = []
for t, w in enumerate(series):
    drift = []
    for l in range(LAYERS):
        for r in SHAPES:
            x = w[l][r].astype(np.float64)
            w0 = series[0][l][r].astype(np.float64)
            d = {
                'layer': l,
                'kind': r,
                'drift_first': fro(x - w0) / fro(w0),
                'cos_first': float(np.vdot(x, w0)) / (fro(x) * fro(w0)),
            }
            if t > 0:
                p = series[t - 1][l][r].astype(np.float64)
                d['drift_prev'] = fro(x - p) / fro(p)
            drift.append(d)
    checkpoints.append(
        {
            'step': STEPS[t],
            'matrices': {str(l): {r: [float(v) for v in w[l][r].ravel()] for r in SHAPES} for l in range(LAYERS)},
            'drift': drift,
        }
    )

print(json.dumps({'dims': {'hidden': HIDDEN, 'heads': HEADS, 'kvHeads': KV, 'headDim': HD, 'intermediate': FF, 'layers': LAYERS}, 'shapes': SHAPES, 'steps': STEPS, 'checkpoints': checkpoints}))
