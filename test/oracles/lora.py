"""Oracle for the LoRA adapter tests (test/unit/analysis/model/quantized/lora*.test.ts and
test/unit/analysis/methods/adapter/): a tiny 2-layer Llama-shaped base and a PEFT LoRA adapter on it,
with ΔW and its metrics computed plainly in numpy/scipy float64 from PEFT's definitions.

Re-run from the repository root with:
    python3 test/oracles/lora.py > test/oracles/lora.json

Definitions (PEFT tuners/lora/layer.py, utils/other.py):
  scaling = lora_alpha / r, or lora_alpha / sqrt(r) with use_rslora;
  r and alpha per module: the first key k of rank_pattern / alpha_pattern for which the module name
  matches (.*\\.)?(k)$, else r / lora_alpha;
  ΔW = scaling · B @ A (B = lora_B [out, r], A = lora_A [r, in]); merged weight W + ΔW.
Metrics: ‖ΔW‖_F, ‖ΔW‖_2, stable rank ‖ΔW‖_F² / ‖ΔW‖_2², the singular values of ΔW (full numpy SVD,
the leading r kept), ‖ΔW‖_F / ‖W‖_F, cos = <ΔW, W>_F / (‖ΔW‖_F ‖W‖_F), and DOCS(ΔW, W) per
docs/methods.md §1: compare columns of X, Y (rows of the [out, in] weight for q, k, v, gate, up, i.e.
X = ΔWᵀ; columns for o and down), C = cosines, s_X = row maxima of |C|, s_Y = column maxima, u = the
maximum-likelihood Gumbel (right) location of each (scipy.stats.gumbel_r.fit), DOCS = (u_X + u_Y) / 2.
All inputs are float32 values (stored as F32), everything else float64.
"""
import json
import re

import numpy as np
from scipy import stats

rng = np.random.default_rng(20251206)

HIDDEN = 16
INTER = 24
LAYERS = 2
MODULES = {  # name suffix -> (out, in)
    "self_attn.q_proj": (HIDDEN, HIDDEN),
    "self_attn.k_proj": (8, HIDDEN),
    "self_attn.v_proj": (8, HIDDEN),
    "self_attn.o_proj": (HIDDEN, HIDDEN),
    "mlp.gate_proj": (INTER, HIDDEN),
    "mlp.up_proj": (INTER, HIDDEN),
    "mlp.down_proj": (HIDDEN, INTER),
}
TARGETS = ["q_proj", "v_proj", "down_proj"]
CONFIG = {
    "peft_type": "LORA",
    "r": 4,
    "lora_alpha": 8,
    "target_modules": TARGETS,
    "rank_pattern": {"layers.1.self_attn.v_proj": 2},
    "alpha_pattern": {"down_proj": 3},
    "use_rslora": False,
    "fan_in_fan_out": False,
    "use_dora": False,
    "base_model_name_or_path": "tiny-llama-base",
    "task_type": "CAUSAL_LM",
}
ROLE = {"q_proj": "q", "k_proj": "k", "v_proj": "v", "o_proj": "o", "gate_proj": "gate", "up_proj": "up", "down_proj": "down"}


def f32(shape, scale):
    return (rng.standard_normal(shape) * scale).astype(np.float32).astype(np.float64)


def pattern_key(keys, name):
    for k in keys:
        if re.match(rf"(.*\.)?({k})$", name):
            return k
    return None


def module_r_alpha(cfg, name):
    rk = pattern_key(cfg["rank_pattern"].keys(), name)
    ak = pattern_key(cfg["alpha_pattern"].keys(), name)
    r = cfg["rank_pattern"][rk] if rk is not None else cfg["r"]
    a = cfg["alpha_pattern"][ak] if ak is not None else cfg["lora_alpha"]
    return r, a


def gumbel_loc(x):
    loc, _scale = stats.gumbel_r.fit(np.asarray(x, dtype=np.float64))
    return float(loc)


def docs(x, y):
    """DOCS of X, Y (n×m): their columns are the compared vectors."""
    xn = x / np.linalg.norm(x, axis=0, keepdims=True)
    yn = y / np.linalg.norm(y, axis=0, keepdims=True)
    c = np.abs(xn.T @ yn)
    return (gumbel_loc(c.max(axis=1)) + gumbel_loc(c.max(axis=0))) / 2


def metrics(dw, w, role, r):
    s = np.linalg.svd(dw, compute_uv=False)
    fro = float(np.linalg.norm(dw))
    spec = float(s[0])
    wf = float(np.linalg.norm(w))
    side_rows = role not in ("o", "down")
    x, y = (dw.T, w.T) if side_rows else (dw, w)
    return {
        "fro": fro,
        "spectral": spec,
        "stableRank": fro**2 / spec**2,
        "singularValues": [float(v) for v in s[:r]],
        "relativeFro": fro / wf,
        "cosine": float(np.sum(dw * w) / (fro * wf)),
        "docs": docs(x, y),
    }


base = {}
for layer in range(LAYERS):
    for suffix, (o, i) in MODULES.items():
        base[f"model.layers.{layer}.{suffix}.weight"] = f32((o, i), 0.2)
base["model.embed_tokens.weight"] = f32((32, HIDDEN), 0.5)
base["model.norm.weight"] = np.ones(HIDDEN)
for layer in range(LAYERS):
    base[f"model.layers.{layer}.input_layernorm.weight"] = np.ones(HIDDEN)
    base[f"model.layers.{layer}.post_attention_layernorm.weight"] = np.ones(HIDDEN)
base["lm_head.weight"] = f32((32, HIDDEN), 0.5)

factors = {}
modules = []
for layer in range(LAYERS):
    for suffix, (o, i) in MODULES.items():
        leaf = suffix.split(".")[-1]
        if leaf not in TARGETS:
            continue
        name = f"model.layers.{layer}.{suffix}"
        r, _ = module_r_alpha(CONFIG, name)
        factors[name] = (f32((r, i), 0.3), f32((o, r), 0.3))
        modules.append({"module": name, "layer": layer, "kind": ROLE[leaf], "rank": r})

cases = {}
for case, rs in (("plain", False), ("rslora", True)):
    cfg = dict(CONFIG, use_rslora=rs)
    out = []
    for m in modules:
        name = m["module"]
        r, alpha = module_r_alpha(cfg, name)
        scaling = alpha / np.sqrt(r) if rs else alpha / r
        a, b = factors[name]
        dw = scaling * (b @ a)
        w = base[name + ".weight"]
        out.append(dict(m, alpha=alpha, scaling=float(scaling), delta=dw.ravel().tolist(), merged=(w + dw).ravel().tolist(), **metrics(dw, w, m["kind"], r)))
    cases[case] = {"config": cfg, "modules": out}

# Conv1D base (GPT-2 layout, weight [in, out]) with fan_in_fan_out: ΔW = (B @ A)ᵀ · scaling.
conv_a = f32((3, 6), 0.3)  # [r, in]
conv_b = f32((10, 3), 0.3)  # [out, r]
conv = {"A": conv_a.ravel().tolist(), "B": conv_b.ravel().tolist(), "r": 3, "alpha": 6, "in": 6, "out": 10, "delta": ((6 / 3) * (conv_b @ conv_a)).T.ravel().tolist()}

# Embedding LoRA: lora_embedding_A [r, num_embeddings], lora_embedding_B [dim, r], ΔW = (B @ A)ᵀ · scaling.
emb_a = f32((2, 32), 0.3)
emb_b = f32((HIDDEN, 2), 0.3)
embedding = {"A": emb_a.ravel().tolist(), "B": emb_b.ravel().tolist(), "r": 2, "alpha": 4, "delta": ((4 / 2) * (emb_b @ emb_a)).T.ravel().tolist()}

# DoRA merge (PEFT DoraLinearVariant.merge_safe): m ⊙ (W + ΔW) / ‖W + ΔW‖ over each output row.
first = modules[0]["module"]
a, b = factors[first]
dw = (CONFIG["lora_alpha"] / CONFIG["r"]) * (b @ a)
w = base[first + ".weight"]
mag = f32((w.shape[0],), 1.0) ** 2 + 0.5
merged = w + dw
dora = {"module": first, "magnitude": mag.tolist(), "merged": (merged * (mag / np.linalg.norm(merged, axis=1))[:, None]).ravel().tolist()}

print(
    json.dumps(
        {
            "hidden": HIDDEN,
            "intermediate": INTER,
            "layers": LAYERS,
            "base": {k: {"shape": list(v.shape), "values": v.ravel().tolist()} for k, v in base.items()},
            "factors": {k: {"A": {"shape": list(a.shape), "values": a.ravel().tolist()}, "B": {"shape": list(b.shape), "values": b.ravel().tolist()}} for k, (a, b) in factors.items()},
            "cases": cases,
            "conv1d": conv,
            "embedding": embedding,
            "dora": dora,
        }
    )
)
