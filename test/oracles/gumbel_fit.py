# Oracle for test/unit/analysis/stats/gumbel.test.ts and docs.test.ts: scipy's Gumbel (right) maximum-
# likelihood fit on fixed samples, and DOCS computed plainly in numpy (float64) on small fixed
# matrices. Re-run from the repository root with:
#   python3 test/oracles/gumbel_fit.py > test/oracles/gumbel_fit.json
# (numpy ≥ 1.20, scipy ≥ 1.7 for the closed-form gumbel_r.fit; seeded, so the output is reproducible).
import json
import numpy as np
from scipy import stats

rng = np.random.default_rng(20250501)


def f32(x):
    """Round to float32 so the TypeScript side sees exactly the same numbers."""
    return np.asarray(x, dtype=np.float32).astype(np.float64)


def fit(sample):
    loc, scale = stats.gumbel_r.fit(sample)
    return {"loc": float(loc), "scale": float(scale), "logLikelihood": float(np.sum(stats.gumbel_r.logpdf(sample, loc, scale)))}


def row_col_max(x, y):
    xn = x / np.linalg.norm(x, axis=0, keepdims=True)
    yn = y / np.linalg.norm(y, axis=0, keepdims=True)
    c = np.abs(xn.T @ yn)
    return c.max(axis=1), c.max(axis=0)


samples = []
for name, s in [
    ("gumbel(0.3, 0.02) n=10", stats.gumbel_r.rvs(0.3, 0.02, size=10, random_state=rng)),
    ("gumbel(0.5, 0.05) n=100", stats.gumbel_r.rvs(0.5, 0.05, size=100, random_state=rng)),
    ("gumbel(-2, 3) n=1000", stats.gumbel_r.rvs(-2, 3, size=1000, random_state=rng)),
    ("uniform(0.98, 1) n=200 (near the top of the cosine range)", rng.uniform(0.98, 1.0, size=200)),
    ("normal(1e4, 1e-3) n=300 (large location, tiny spread)", rng.normal(1e4, 1e-3, size=300)),
    ("two values 0.1 and 0.9, 7 and 3 times", np.array([0.1] * 7 + [0.9] * 3)),
    ("exponential(1) n=500 (skewed, not Gumbel)", rng.exponential(1.0, size=500)),
]:
    s = f32(s)
    samples.append({"name": name, "sample": s.tolist(), **fit(s)})

docs = []
for name, (n, m, mix) in [
    ("independent 24x16", (24, 16, None)),
    ("y = x + 0.3 noise, 32x20", (32, 20, 0.3)),
    ("independent 8x40 (more columns than rows)", (8, 40, None)),
]:
    x = f32(rng.standard_normal((n, m)))
    y = f32(x + mix * rng.standard_normal((n, m))) if mix is not None else f32(rng.standard_normal((n, m)))
    row_max, col_max = row_col_max(x, y)
    fx, fy = fit(row_max), fit(col_max)
    docs.append({
        "name": name, "rows": n, "cols": m, "x": x.ravel().tolist(), "y": y.ravel().tolist(),
        "rowMax": row_max.tolist(), "colMax": col_max.tolist(),
        "uX": fx["loc"], "betaX": fx["scale"], "uY": fy["loc"], "betaY": fy["scale"],
        "docs": (fx["loc"] + fy["loc"]) / 2,
    })

print(json.dumps({"scipy": __import__("scipy").__version__, "numpy": np.__version__, "samples": samples, "docs": docs}, indent=1))
