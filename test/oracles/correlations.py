# Oracle for test/unit/analysis/methods/correlations/model.test.ts: numpy reference values of the weight
# correlation measures M1-M8 (docs/methods.md section 2), computed the plain way:
# np.corrcoef of flattened matrices, every d x d product formed explicitly, np.corrcoef with
# np.eye(d), np.linalg.pinv (SVD based) and np.polyfit for the M6 line.
# Re-run from the repository root with:  python3 test/oracles/correlations.py > test/oracles/correlations.json
# (numpy >= 1.20; inputs are seeded, so the output is reproducible).
#
# Contents:
# - "llama": a 2-layer fixture with grouped-query attention (d = 16, 4 query heads, 2 kv heads,
#   head_dim 4, ff 24): its [out, in] matrices (float32 values) and every measure. The test writes
#   these matrices into a safetensors model with writeFixtureModel and runs the TypeScript method.
# - "gpt2": a 1-layer fixture without a gate (d = 16, 4 heads, ff 32): the same, gate measures absent.
# - "stories260K": every measure of the trained model in test/fixtures/models/stories260K, read with a
#   safetensors parser written here, plus the condition number of each layer's up_proj.
import json
import os
import struct

import numpy as np

rng = np.random.default_rng(20250611)
ROOT = os.path.dirname(os.path.abspath(__file__))
STORIES = os.path.join(ROOT, '..', 'fixtures', 'models', 'stories260K', 'model.safetensors')


def f32(x):
    return np.asarray(x, dtype=np.float32).astype(np.float64)


def cc(a, b):
    return float(np.corrcoef(np.ravel(a), np.ravel(b))[0, 1])


def cc_identity(m):
    return cc(m, np.eye(m.shape[0]))


def measures(mats, heads, kv_heads, head_dim):
    """mats: role -> [out, in] float64 matrix. Returns per-head M1-M5 and M7/M8 (None: not applicable)."""
    q, k, v, o = mats['q'], mats['k'], mats['v'], mats['o']
    r = heads // kv_heads
    out_heads = []
    for h in range(heads):
        g = h // r
        wq = q[h * head_dim:(h + 1) * head_dim]
        wk = k[g * head_dim:(g + 1) * head_dim]
        wv = v[g * head_dim:(g + 1) * head_dim]
        wo_t = o[:, h * head_dim:(h + 1) * head_dim].T
        out_heads.append({
            'head': h, 'kvHead': g,
            'M1': cc(wq, wk), 'M2': cc(wq, wv), 'M3': cc(wk, wv),
            'M4': cc_identity(wq.T @ wk),
            'M5': cc(wo_t, wv),
        })
    up, down, gate = mats['up'], mats['down'], mats.get('gate')
    p = np.linalg.pinv(up)
    m7 = {
        'gate_up': cc(gate, up) if gate is not None else None,
        'gate_downT': cc(gate, down.T) if gate is not None else None,
        'up_downT': cc(up, down.T),
        'pinvUp_down': cc(p, down),
    }
    m8 = {
        'down_gate': cc_identity(down @ gate) if gate is not None else None,
        'down_up': cc_identity(down @ up),
        'down_pinvUpT': cc_identity(down @ p.T),
    }
    s = np.linalg.svd(up, compute_uv=False)
    return {'heads': out_heads, 'm7': m7, 'm8': m8, 'upCondition': float(s[0] / s[-1])}


def m6(layers):
    x = np.array([h['M1'] for l in layers for h in l['heads']])
    y = np.array([h['M5'] for l in layers for h in l['heads']])
    slope, intercept = np.polyfit(x, y, 1)
    return {'slope': float(slope), 'intercept': float(intercept), 'r': float(np.corrcoef(x, y)[0, 1]), 'n': int(len(x))}


def random_layer(d, heads, kv_heads, head_dim, ff, gated):
    shapes = {'q': (heads * head_dim, d), 'k': (kv_heads * head_dim, d), 'v': (kv_heads * head_dim, d),
              'o': (d, heads * head_dim), 'up': (ff, d), 'down': (d, ff)}
    if gated:
        shapes['gate'] = (ff, d)
    mats = {}
    for role, shape in shapes.items():
        # Non-zero means and unequal scales, so a correlation that forgets to centre is caught.
        mats[role] = f32(rng.standard_normal(shape) * rng.uniform(0.2, 1.0) + rng.uniform(-0.3, 0.3))
    # Correlated pairs, so the expected values are not all near 0.
    mats['k'] = f32(0.6 * mats['q'][:mats['k'].shape[0]] + mats['k'])
    # Query head h reads kv head h // r: repeat whole kv-head blocks (HF repeat_kv), not single rows.
    v_per_query_head = np.repeat(mats['v'].reshape(kv_heads, head_dim, d), heads // kv_heads, axis=0).reshape(heads * head_dim, d)
    mats['o'] = f32(mats['o'] - 0.5 * v_per_query_head.T)
    mats['down'] = f32(mats['down'] + 0.4 * mats['up'].T)
    return mats


def fixture(layers, d, heads, kv_heads, head_dim, ff, gated):
    out = []
    for _ in range(layers):
        mats = random_layer(d, heads, kv_heads, head_dim, ff, gated)
        entry = measures(mats, heads, kv_heads, head_dim)
        entry['matrices'] = {role: {'shape': list(m.shape), 'values': m.ravel().tolist()} for role, m in mats.items()}
        out.append(entry)
    return {'dims': {'layers': layers, 'hidden': d, 'heads': heads, 'kvHeads': kv_heads, 'headDim': head_dim, 'intermediate': ff},
            'layers': out, 'm6': m6(out)}


def read_safetensors(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    tensors = {}
    for name, t in header.items():
        if name == '__metadata__':
            continue
        assert t['dtype'] == 'F32', name
        a, b = t['data_offsets']
        tensors[name] = np.frombuffer(data[a:b], dtype='<f4').reshape(t['shape']).astype(np.float64)
    return tensors


def stories():
    t = read_safetensors(STORIES)
    cfg = json.load(open(os.path.join(os.path.dirname(STORIES), 'config.json')))
    heads, kv = cfg['num_attention_heads'], cfg['num_key_value_heads']
    hd = cfg['hidden_size'] // heads
    names = {'q': 'self_attn.q_proj', 'k': 'self_attn.k_proj', 'v': 'self_attn.v_proj', 'o': 'self_attn.o_proj',
             'gate': 'mlp.gate_proj', 'up': 'mlp.up_proj', 'down': 'mlp.down_proj'}
    layers = []
    for l in range(cfg['num_hidden_layers']):
        mats = {role: t[f'model.layers.{l}.{n}.weight'] for role, n in names.items()}
        layers.append(measures(mats, heads, kv, hd))
    return {'layers': layers, 'm6': m6(layers)}


print(json.dumps({
    'llama': fixture(2, 16, 4, 2, 4, 24, True),
    'gpt2': fixture(1, 16, 4, 4, 4, 32, False),
    'stories260K': stories(),
}))
