# Oracle for test/unit/analysis/linalg/oracle.test.ts: numpy's LAPACK results on small fixed matrices.
# Re-run from the repository root with:  python3 test/oracles/eigh.py > test/oracles/eigh.json
# (numpy ≥ 1.20; the matrices come from a seeded generator, so the output is reproducible).
import json
import numpy as np

rng = np.random.default_rng(20240611)


def f32(x):
    """Round to float32 so the TypeScript side sees exactly the same numbers."""
    return np.asarray(x, dtype=np.float32).astype(np.float64)


def symmetric(n, scale=1.0):
    x = f32(rng.standard_normal((n, n)) * scale)
    return f32((x + x.T) / 2)


cases = []
for name, a in [
    ("random symmetric 5", symmetric(5)),
    ("random symmetric 12", symmetric(12)),
    ("gram of a 40x25 matrix (rank 25)", (lambda g: g @ g.T)(f32(rng.standard_normal((40, 25))))),
    ("indefinite 60 with wide range", symmetric(60, 1e3) + np.diag(np.linspace(-5e3, 5e3, 60)).astype(np.float32)),
]:
    a = f32((a + a.T) / 2)  # matmul output is not bitwise symmetric
    assert np.array_equal(a, a.T)
    cases.append({"name": name, "n": a.shape[0], "matrix": a.ravel().tolist(), "eigvalsh": np.linalg.eigvalsh(a).tolist()})

svd_cases = []
for name, w in [
    ("wide 7x13", f32(rng.standard_normal((7, 13)))),
    ("tall 20x9", f32(rng.standard_normal((20, 9)))),
    ("rank 2, 6x4", f32(f32(rng.standard_normal((6, 2))) @ f32(rng.standard_normal((2, 4))))),
]:
    svd_cases.append({
        "name": name,
        "rows": w.shape[0],
        "cols": w.shape[1],
        "matrix": w.ravel().tolist(),
        "singular_values": np.linalg.svd(w, compute_uv=False).tolist(),
        # The test passes the same cutoff; the rank-2 case's float32 rounding leaves σ ≈ 5e-9·σ_max.
        "pinv_rcond": 1e-6,
        "pinv": np.linalg.pinv(w, rcond=1e-6).ravel().tolist(),
    })

print(json.dumps({"generator": "test/oracles/eigh.py", "numpy": np.__version__, "eigh": cases, "svd": svd_cases}))
