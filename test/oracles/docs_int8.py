# Oracle for test/unit/analysis/methods/similarity/docsInt8Oracle.test.ts: the two-level int8
# quantization of unit vectors and its error bound, written from the definition in docs/methods.md
# §1 ("Integer screen"), and DOCS of small fixed matrices computed plainly in float64 with scipy's
# Gumbel fit. Re-run from the repository root with:
#   python3 test/oracles/docs_int8.py > test/oracles/docs_int8.json
# (numpy, scipy; seeded, so the output is reproducible). Inputs are stored rounded to float32, the
# precision the TypeScript side computes from.
import json
import numpy as np
from scipy import stats

rng = np.random.default_rng(20251206)


def f32(x):
    return np.asarray(x, dtype=np.float32)


def unit_rows(x):
    """Rows scaled to unit length in float64, then stored as float32 (as the layer cache holds them)."""
    x = np.asarray(x, dtype=np.float64)
    n = np.linalg.norm(x, axis=1, keepdims=True)
    return f32(np.where(n > 0, x / np.where(n > 0, n, 1), 0))


def quantize(x):
    """x = s q + t p + e with s = fp32(max|x| / 127), t = s / 254, round half to even."""
    x = x.astype(np.float64)
    amax = np.abs(x).max(axis=1, keepdims=True)
    s = (amax / 127).astype(np.float32).astype(np.float64)
    q = np.round(x / np.where(s > 0, s, 1)) * (s > 0)
    a = s * q
    r = x - a
    t = s / 254
    p = np.round(r / np.where(t > 0, t, 1)) * (t > 0)
    b = t * p
    e = r - b
    norm = lambda v: np.sqrt((v * v).sum(axis=1))
    return {
        "scale": s[:, 0], "q": q.astype(int), "p": p.astype(int),
        "norm": norm(x), "normA": norm(a), "normR": norm(r), "normB": norm(b), "normAB": norm(a + b), "normE": norm(e),
    }


def bound_ratio(x, y):
    """Largest |x·y − v| / ε over all pairs, v = s s' (q·q' + (q·p' + p·q') / 254) in exact arithmetic."""
    qx, qy = quantize(x), quantize(y)
    dots = x.astype(np.float64) @ y.astype(np.float64).T
    g1 = qx["q"] @ qy["q"].T
    g2 = qx["q"] @ qy["p"].T + qx["p"] @ qy["q"].T
    v = np.outer(qx["scale"], qy["scale"]) * (g1 + g2 / 254)
    eps = np.outer(qx["normB"], qy["normB"]) + np.outer(qx["normAB"], qy["normE"]) + np.outer(qx["normE"], qy["norm"])
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(eps > 0, np.abs(dots - v) / eps, 0)
    return float(ratio.max())


def docs(x, y):
    c = np.abs(x.astype(np.float64) @ y.astype(np.float64).T)
    rows, cols = c.max(axis=1), c.max(axis=0)
    return float((stats.gumbel_r.fit(rows)[0] + stats.gumbel_r.fit(cols)[0]) / 2), rows.tolist(), cols.tolist()


# Quantization cases: Gaussian, heavy-tailed, a spike, values on exact half steps, a zero row.
n = 40
rows = [rng.standard_normal(n), rng.standard_normal(n) ** 3, np.where(np.arange(n) == 5, 1.0, 1e-3 * np.arange(n))]
rows.append(np.where(np.arange(n) == 0, 127.0, (np.arange(n) % 127) + 0.5))
rows.append(np.zeros(n))
qx = unit_rows(np.stack(rows))
quant = quantize(qx)
quantization = {"x": qx.astype(np.float64).tolist(), **{k: np.asarray(v).tolist() for k, v in quant.items()}}

# DOCS cases: unrelated, planted near-duplicates (permuted, sign-flipped), near ties.
m, n = 48, 40
base = rng.standard_normal((m, n))
cases = []
x = unit_rows(base)
cases.append(("unrelated", x, unit_rows(rng.standard_normal((m, n)))))
perm = rng.permutation(m)
signs = np.where(rng.random(m) < 0.5, -1.0, 1.0)
cases.append(("planted", x, unit_rows(signs[:, None] * (base[perm] + 0.05 * rng.standard_normal((m, n))))))
tie = base[perm] + 0.4 * rng.standard_normal((m, n))
tie[1::2] = tie[0::2] + 1e-6 * rng.standard_normal((m // 2, n))
cases.append(("near ties", x, unit_rows(tie)))
out_cases = []
for name, a, b in cases:
    d, rmax, cmax = docs(a, b)
    out_cases.append({"name": name, "x": a.astype(np.float64).tolist(), "y": b.astype(np.float64).tolist(), "docs": d, "rowMax": rmax, "colMax": cmax,
                      "boundRatio": bound_ratio(a, b)})

print(json.dumps({"quantization": quantization, "docs": out_cases}))
