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


def basis(z):
    """Orthonormal basis of the centred matrix's column space, at numerical rank (σ > 1e-5·σ₁)."""
    u, s, _ = np.linalg.svd(centre(z), full_matrices=False)
    return u[:, s > 1e-5 * s[0]]


def canonical(x, y):
    """Canonical correlations of the centred matrices and the canonical variables of each side."""
    qx, qy = basis(x), basis(y)
    p, rho, qt = np.linalg.svd(qx.T @ qy, full_matrices=False)
    k = min(qx.shape[1], qy.shape[1])
    return np.minimum(rho[:k], 1.0), qx @ p[:, :k], qy @ qt.T[:, :k]


def cca(x, y):
    """Kornblith et al. 2019, Table 1: R²_CCA = mean ρ², and the mean ρ."""
    rho, _, _ = canonical(x, y)
    return float(np.mean(rho ** 2)), float(np.mean(rho))


def pwcca(x, y):
    """Morcos et al. 2018: Σ αᵢρᵢ / Σ αᵢ with αᵢ = Σ_j |⟨hᵢ, x̃_j⟩|, weighted by X's units and by Y's."""
    rho, hx, hy = canonical(x, y)
    ax = np.abs(hx.T @ centre(x)).sum(axis=1)
    ay = np.abs(hy.T @ centre(y)).sum(axis=1)
    return float(ax @ rho / ax.sum()), float(ay @ rho / ay.sum())


def hsic(x, y):
    """Linear HSIC (Gretton et al. 2005) with the 1/(n − 1)² normalisation Kornblith et al. use."""
    n = x.shape[0]
    return float(np.linalg.norm(centre(x).T @ centre(y)) ** 2 / (n - 1) ** 2)


def linreg_directions(x, y):
    x, y = centre(x), centre(y)
    def r2(target, source):
        b, *_ = np.linalg.lstsq(source, target, rcond=1e-5)
        return float(1 - np.linalg.norm(target - source @ b) ** 2 / np.linalg.norm(target) ** 2)
    return [r2(x, y), r2(y, x)]


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
        "linreg_directions": linreg_directions(x, y),
        "cca": cca(x, y)[0],
        "cca_mean_rho": cca(x, y)[1],
        "pwcca_directions": list(pwcca(x, y)),
        # PWCCA's weights depend on the basis chosen inside a repeated canonical correlation (ρ = 1
        # repeats whenever the two column spaces must intersect): only cases without one are compared.
        "pwcca_unique": bool(np.all(np.abs(np.diff(canonical(x, y)[0])) > 1e-6)),
        "pwcca": float(np.mean(pwcca(x, y))),
        "hsic": hsic(x, y),
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
    ("mixed and noisy 30x12 (canonical correlations spread out)", *(lambda x: (x, x @ rng.standard_normal((12, 12)) + 2.0 * rng.standard_normal((30, 12))))(rng.standard_normal((30, 12)))),
]:
    x, y = f32(x), f32(y)
    cases.append({"name": name, "rows": x.shape[0], "cols": x.shape[1], "x": x.ravel().tolist(), "y": y.ravel().tolist(), **indices(x, y)})

print(json.dumps({"numpy": np.__version__, "cases": cases}, indent=1))
