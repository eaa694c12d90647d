# Oracle for test/unit/analysis/methods/diff/metrics.test.ts: a checkpoint diff of small fixed matrix pairs
# computed plainly in numpy/scipy (float64): Frobenius norms, relative change, cosine of the
# flattened weights, singular values of the delta with its stable rank (Σσ²/σ₁²) and effective rank
# (exp of the entropy of σ/Σσ, Roy & Vetterli 2007), the spectral metrics of each side
# (log10 Σλ, log10 λmax, Σλ/λmax with λ = σ²), and DOCS(A, B) comparing rows (q's neuron
# orientation) with scipy's Gumbel MLE. Re-run from the repository root with:
#   python3 test/oracles/diff.py > test/oracles/diff.json
# (numpy ≥ 1.20, scipy ≥ 1.7; seeded, so the output is reproducible.)
import json
import numpy as np
from scipy import stats

rng = np.random.default_rng(20261122)


def f32(x):
    """Round to float32 so the TypeScript side sees exactly the same numbers."""
    return np.asarray(x, dtype=np.float32).astype(np.float64)


def side(w):
    s = np.linalg.svd(w, compute_uv=False)
    lam = s ** 2
    return {"logNorm": float(np.log10(lam.sum())), "logSpectralNorm": float(np.log10(lam.max())), "stableRank": float(lam.sum() / lam.max())}


def docs_rows(a, b):
    an = a / np.linalg.norm(a, axis=1, keepdims=True)
    bn = b / np.linalg.norm(b, axis=1, keepdims=True)
    c = np.minimum(np.abs(an @ bn.T), 1.0)
    lx, _ = stats.gumbel_r.fit(c.max(axis=1))
    ly, _ = stats.gumbel_r.fit(c.max(axis=0))
    return float((lx + ly) / 2)


def case(name, a, b):
    # Norms use the exact float64 difference; the spectrum is of the delta as the TypeScript side
    # forms it for the decomposition: a float32 subtraction of the float32 weights.
    e = b - a
    d = f32(b.astype(np.float32) - a.astype(np.float32))
    s = np.linalg.svd(d, compute_uv=False)
    p = s / s.sum()
    p = p[p > 0]
    return {
        "name": name, "rows": a.shape[0], "cols": a.shape[1],
        "a": a.ravel().tolist(), "b": b.ravel().tolist(),
        "normA": float(np.linalg.norm(a)), "normB": float(np.linalg.norm(b)), "normDelta": float(np.linalg.norm(e)),
        "relChange": float(np.linalg.norm(e) / np.linalg.norm(a)),
        "cosine": float((a * b).sum() / (np.linalg.norm(a) * np.linalg.norm(b))),
        "maxAbsDelta": float(np.abs(e).max()),
        "deltaSingularValues": s.tolist(),
        "deltaStableRank": float((s ** 2).sum() / s[0] ** 2),
        "deltaEffectiveRank": float(np.exp(-(p * np.log(p)).sum())),
        "sideA": side(a), "sideB": side(b),
        "docsRows": docs_rows(a, b),
    }


m, n = 24, 40
a1 = f32(rng.normal(0, 1 / np.sqrt(n), (m, n)))
# A fine-tune-like change: a strong rank-3 update plus small full-rank noise.
u = rng.normal(size=(m, 3))
v = rng.normal(size=(n, 3))
b1 = f32(a1 + 0.05 * u @ v.T / np.sqrt(n) + 0.01 * rng.normal(size=(m, n)) / np.sqrt(n))
a2 = f32(rng.normal(0, 0.2, (16, 28)))
b2 = f32(a2 * 0.7 + rng.normal(0, 0.2, (16, 28)))
print(json.dumps({"cases": [case("low-rank plus noise", a1, b1), case("mixed", a2, b2)]}, indent=1))
