# Oracle for test/unit/analysis/methods/similarity/indices.test.ts: the baseline similarity indices shown
# beside DOCS, computed plainly with numpy/scipy on small fixed matrices (float64).
# Re-run from the repository root with:
#   python3 test/oracles/similarity_indices.py > test/oracles/similarity_indices.json
# Conventions (as in src/analysis/methods/similarity/indices.ts): X, Y are n×m, columns are units,
# rows play the part of examples; representation indices centre each column over the rows.
import json
import numpy as np
from scipy import linalg, stats

rng = np.random.default_rng(20250502)


def f32(x):
    return np.asarray(x, dtype=np.float32).astype(np.float64)


def centre(x):
    return x - x.mean(axis=0, keepdims=True)


def cka(x, y):
    x, y = centre(x), centre(y)
    return np.linalg.norm(x.T @ y) ** 2 / (np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y))


def svcca(x, y, keep=0.99):
    def reduce(z):
        u, s, _ = np.linalg.svd(centre(z), full_matrices=False)
        s = s[s > 1e-5 * s[0]]
        k = int(np.searchsorted(np.cumsum(s ** 2) / np.sum(s ** 2), keep - 1e-12) + 1)
        return u[:, :k] * s[:k]
    rx, ry = reduce(x), reduce(y)
    qx, _ = np.linalg.qr(rx)
    qy, _ = np.linalg.qr(ry)
    rho = np.linalg.svd(qx.T @ qy, compute_uv=False)
    return float(np.mean(rho[: min(rx.shape[1], ry.shape[1])]))


def procrustes(x, y):
    x, y = centre(x), centre(y)
    x, y = x / np.linalg.norm(x), y / np.linalg.norm(y)
    _, scale = linalg.orthogonal_procrustes(x, y)  # scale = nuclear norm of xᵀy
    return float(scale)


def linreg(x, y):
    """Linear regression index (Kornblith et al. 2019, as the DOCS paper uses it): R² of the
    least-squares fit of one centred matrix's columns from the other's, both directions, mean."""
    x, y = centre(x), centre(y)
    def r2(target, source):
        b, *_ = np.linalg.lstsq(source, target, rcond=1e-5)
        return 1 - np.linalg.norm(target - source @ b) ** 2 / np.linalg.norm(target) ** 2
    return float((r2(x, y) + r2(y, x)) / 2)


def indices(x, y):
    a, b = x.ravel(), y.ravel()
    fit = stats.linregress(a, b)
    return {
        "pearson": float(np.corrcoef(a, b)[0, 1]),
        "cosine": float(a @ b / np.linalg.norm(a) / np.linalg.norm(b)),
        "r2": float(fit.rvalue ** 2),
        "linreg": linreg(x, y),
        "cka": float(cka(x, y)),
        "svcca": svcca(x, y),
        "procrustes": procrustes(x, y),
    }


def orthogonal(n):
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


cases = []
for name, x, y in [
    ("independent 24x16 (fewer units than rows)", rng.standard_normal((24, 16)), rng.standard_normal((24, 16))),
    ("correlated 16x24 (more units than rows)", *(lambda x: (x, x + 0.7 * rng.standard_normal((16, 24))))(rng.standard_normal((16, 24)))),
    ("low rank + noise 20x20", *(lambda b: (b @ rng.standard_normal((3, 20)) + 0.05 * rng.standard_normal((20, 20)),
                                            b @ rng.standard_normal((3, 20)) + 0.05 * rng.standard_normal((20, 20))))(rng.standard_normal((20, 3)))),
    ("two orthogonal 12x12", orthogonal(12), orthogonal(12)),
    ("offset means 10x30", rng.standard_normal((10, 30)) + 3.0, 0.5 * rng.standard_normal((10, 30)) - 1.0),
    ("shared 3-d subspace 40x10 (linear regression below 1)", *(lambda a: (a @ rng.standard_normal((3, 10)) + 0.3 * rng.standard_normal((40, 10)),
                                                                          a @ rng.standard_normal((3, 10)) + 0.3 * rng.standard_normal((40, 10))))(rng.standard_normal((40, 3)))),
]:
    x, y = f32(x), f32(y)
    cases.append({"name": name, "rows": x.shape[0], "cols": x.shape[1], "x": x.ravel().tolist(), "y": y.ravel().tolist(), **indices(x, y)})

print(json.dumps({"numpy": np.__version__, "cases": cases}, indent=1))
