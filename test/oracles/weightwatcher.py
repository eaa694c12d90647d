#!/usr/bin/env python3
"""Oracle for the WeightWatcher-comparable spectral metrics of Layer Lens's spectra method
(test/unit/analysis/stats/powerLawWW.test.ts, test/unit/analysis/methods/spectra/weightwatcher.test.ts).

Re-run from the repository root:  python3 test/oracles/weightwatcher.py > test/oracles/weightwatcher.json
(numpy >= 1.20, scipy >= 1.10, a few seconds; every input comes from a seeded generator or from the
committed test/fixtures/models/stories260K, so the output is reproducible.)

A numpy re-implementation of WeightWatcher's published algorithm (github.com/CalculatedContent/
WeightWatcher, weightwatcher 0.7.5.5; file and function named at each step), with its defaults
(pl_package='ww', xmax=None, fix_fingers=False, normalize=False, a CPU float64 SVD):

* eigenvalues: weightwatcher.py combined_eigenvalues — the squared singular values of W (float64),
  all min(N, M) of them, sorted; N = the larger dimension, M = the smaller, Q = N / M.
* alpha: weightwatcher.py fit_powerlaw passes nz_evals = evals[evals > EVALS_THRESH] (1e-5) to
  WW_powerlaw.pl_fit -> WWFit.fit_power_law: every eigenvalue but the largest is an x_min candidate,
  alpha_i = 1 + n_i / (sum(log x[i:]) - n_i log x[i]), D_i = max_j |1 - (x_j / x_i)^(1 - alpha_i) - j / n_i|
  (j = 0 .. n_i - 1; D_i = 1 where alpha_i <= 1), the first argmin of D wins; sigma = (alpha - 1) / sqrt(n).
  num_pl_spikes = len(evals[evals >= xmin]) (fit_powerlaw).
* weightwatcher.py apply_norm_metrics: log_norm = log10 sum(evals), log_spectral_norm = log10 max,
  stable_rank = sum / max, alpha_weighted = alpha * log_spectral_norm,
  log_alpha_norm = log10 sum(evals ** alpha), matrix_rank and entropy from RMT_Util:
  matrix_rank(svals, N) counts svals > max(svals) * N * eps(float64);
  matrix_entropy(svals, N) = -sum(p log p) / log(rank + 1e-10), p = evals / sum(evals) + 1e-10.
* mp_softrank (weightwatcher.py mp_fit, only computed by WW when mp_fit=True): the eigenvalues are
  rescaled to mean 1 (Wscale^2 = len(evals) / sum(evals)); sigma_mp = RMT_Util.fit_density_with_range:
  scipy.optimize.brute over sigma in slice(0.05 s, 2 s, 0.01 s), s = calc_sigma(Q, evals) =
  sqrt(lambda_max / (1 + 1/sqrt(Q))^2), finished by brute's default fmin (Nelder-Mead), minimising
  RMT_Util.resid_mp: the squared residual between the MP density (Q > 1; the quarter circle of the
  singular values for Q = 1) and a linear-kernel KDE (sklearn KernelDensity(kernel='linear',
  bandwidth=0.1), written out here: density(x) = sum_i max(0, 1 - |x - x_i| / h) / (n h)) on
  np.linspace(0, max + 0.5, 1000), grid points of density < 0.01 dropped, a residual of 1000 per point
  when the MP edges fall outside the KDE's peak/grid. bulk_max = (sigma_mp (1 + 1/sqrt(Q)))^2,
  mp_softrank = bulk_max / lambda_max (both rescaled).

Beside WW's fit, the fit Layer Lens offers as 'clauset' (spectra.py's rule: x_min leaves >= 10 values,
two-sided KS distance) is written for the stories260K matrices, to show where the two differ.

weightwatcher_crosscheck.py compares this file with WeightWatcher's own functions where they can be
imported (its WWFit and RMT_Util with scikit-learn's KDE).
"""
import base64
import json
import math
import os
import struct

import numpy as np
import scipy.optimize

HERE = os.path.dirname(os.path.abspath(__file__))
EVALS_THRESH = 1e-5  # weightwatcher/constants.py
EPSILON = 1e-10  # weightwatcher/constants.py
MIN_EVALS = 10  # weightwatcher/constants.py DEFAULT_MIN_EVALS: smaller layers are skipped

rng = np.random.default_rng(20250623)


# --- WW_powerlaw.py WWFit (pl_package='ww', distribution='power_law', xmin=None, xmax=None) ---------
def ww_fit(evals):
    evals = np.asarray(evals, dtype=np.float64)
    if len(evals) < MIN_EVALS:
        return None
    data = np.sort(evals[evals > EVALS_THRESH])  # fit_powerlaw: nz_evals
    N = len(data)
    if N < 2:
        return None
    log_data = np.log(data, dtype=np.float64)
    alphas = np.zeros(N - 1, dtype=np.float64)
    Ds = np.ones(N - 1, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for i, xmin in enumerate(data[:-1]):
            n = float(N - i)
            alpha = 1 + n / (np.sum(log_data[i:]) - n * log_data[i])
            alphas[i] = alpha
            if alpha > 1:
                Ds[i] = np.max(np.abs(1 - (data[i:] / xmin) ** (-alpha + 1) - np.arange(n) / n))
    sigmas = (alphas - 1) / np.sqrt(N - np.arange(N - 1))
    i = int(np.argmin(Ds))
    xmin = data[i]
    return {
        "alpha": float(alphas[i]),
        "xmin": float(xmin),
        "D": float(Ds[i]),
        "sigma": float(sigmas[i]),
        "nTail": int(N - i),
        "numPlSpikes": int(np.sum(evals >= xmin)),
        "n": int(N),
    }


# --- Layer Lens's 'clauset' fit (test/oracles/spectra.py fit_power_law), for comparison ----------
def clauset_fit(values, min_tail=10):
    x = np.sort(np.asarray([v for v in values if v > 0 and np.isfinite(v)], dtype=np.float64))
    n = len(x)
    best = None
    for i in range(0, n - min_tail + 1):
        if i > 0 and x[i] == x[i - 1]:
            continue
        tail = x[i:]
        s = np.sum(np.log(tail / x[i]))
        if not s > 0:
            continue
        alpha = 1 + len(tail) / s
        f = 1 - (tail / x[i]) ** (1 - alpha)
        k = len(tail)
        d = max(np.max(np.arange(1, k + 1) / k - f), np.max(f - np.arange(0, k) / k))
        if best is None or d < best[2]:
            best = (alpha, x[i], d, k)
    return None if best is None else {"alpha": float(best[0]), "xmin": float(best[1]), "ks": float(best[2]), "nTail": int(best[3])}


# --- RMT_Util.matrix_rank / matrix_entropy -------------------------------------------------------
def matrix_rank(svals, N):
    tol = np.max(svals) * N * np.finfo(svals.dtype).eps
    return int(np.count_nonzero(svals > tol))


def matrix_entropy(svals, N):
    rank = matrix_rank(svals, N)
    evals = svals * svals
    p = evals / np.sum(evals) + EPSILON
    rank += EPSILON
    return float(-np.sum(p * np.log(p)) / np.log(rank))


# --- RMT_Util.resid_mp / fit_density_with_range and weightwatcher.py mp_fit --------------------------
def linear_kde(samples, grid, h):
    """sklearn KernelDensity(kernel='linear', bandwidth=h).score_samples, exponentiated: in one
    dimension the kernel is max(0, 1 - d/h) for d < h and its norm 1/h (sklearn's
    _log_kernel_norm: logVn(1) - log(2) - log(h) = -log(h))."""
    d = np.abs(grid[:, None] - samples[None, :])
    k = np.where(d < h, 1 - d / h, 0.0)
    return k.sum(axis=1) / (len(samples) * h)


def marchenko_pastur_fun(x, Q, sigma=1):
    y = 1 / Q
    b = np.power(sigma * (1 + np.sqrt(1 / Q)), 2)
    a = np.power(sigma * (1 - np.sqrt(1 / Q)), 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        val = np.nan_to_num((1 / (2 * np.pi * sigma * sigma * x * y)) * np.sqrt((b - x) * (x - a)))
    return x, val, a, b


def quarter_circle_fun(x, sigma=1):
    with np.errstate(invalid="ignore"):
        val = np.nan_to_num((1 / (np.pi * sigma * sigma)) * np.sqrt(4 - x**2))
    return x, val


def resid_mp(p, evals, Q, bw, allresid=True):
    sigma = p
    xde = np.linspace(0, np.max(evals) + 0.5, 1000)
    yde = linear_kde(evals, xde, bw)
    THRESH = 0.01
    bad_ids = np.where(np.array(yde) < THRESH)[0]
    good_ids = np.where(np.array(yde) > THRESH)[0]
    xde = np.array(xde)[good_ids]
    yde = np.array(yde)[good_ids]
    if Q == 1:
        xmp, ymp = quarter_circle_fun(xde, sigma=sigma)
        resid = ymp - yde
    else:
        xmp, ymp, a, b = marchenko_pastur_fun(xde, Q=Q, sigma=sigma)
        peak = xde[np.where(yde == max(yde))][0]
        if (b < peak) | (b > max(xde)) | (a > peak):
            resid = np.zeros(len(yde)) + 1000
        else:
            resid = ymp - yde
    resid = np.concatenate((resid, np.zeros(len(bad_ids))))
    return resid if allresid else np.sum(resid**2)


def calc_sigma(Q, evals):
    lmax = np.max(evals)
    inv_sqQ = 1.0 / np.sqrt(Q)
    return np.sqrt(lmax / np.square(1 + inv_sqQ))


def fit_density_with_range(evals, Q, bw=0.1):
    s = calc_sigma(Q, evals)
    sigma_range = (slice(0.05 * s, 2.0 * s, 0.01 * s),)
    to_fit = np.sqrt(evals) if Q == 1 else evals
    out = scipy.optimize.brute(resid_mp, sigma_range, args=(to_fit, Q, bw, False), full_output=True)
    return out[0][0], out[1]


def mp_fit(evals, N, M):
    Q = N / M
    to_plot = np.asarray(evals, dtype=np.float64).copy()
    Wnorm = np.sqrt(np.sum(evals))
    Wscale = np.sqrt(to_plot.shape[0]) / Wnorm
    to_plot = (Wscale * Wscale) * to_plot
    lambda_max = np.max(to_plot)
    s1, _ = fit_density_with_range(to_plot, Q, bw=0.1)
    bulk_max = (s1 * (1 + 1 / np.sqrt(Q))) ** 2
    return {"sigmaMp": float(s1), "mpSoftrank": float(bulk_max / lambda_max), "bulkMax": float(bulk_max), "lambdaMax": float(lambda_max)}


# --- one matrix, every metric as WeightWatcher computes it -----------------------------------------
def ww_metrics(w):
    w = np.asarray(w, dtype=np.float64)
    N, M = max(w.shape), min(w.shape)
    sv = np.sort(np.linalg.svd(w, compute_uv=False))
    evals = sv * sv
    fit = ww_fit(evals)
    norm = np.sum(evals)
    spectral = np.max(evals)
    out = {
        "N": N, "M": M,
        "logNorm": float(np.log10(norm)),
        "logSpectralNorm": float(np.log10(spectral)),
        "stableRank": float(norm / spectral),
        "matrixRank": matrix_rank(np.sqrt(evals), N),
        "matrixEntropy": matrix_entropy(np.sqrt(evals), N),
        "fit": fit,
        "clauset": clauset_fit(evals),
    }
    if fit is not None:
        out["alphaWeighted"] = float(fit["alpha"] * np.log10(spectral))
        out["logAlphaNorm"] = float(np.log10(np.sum([ev ** fit["alpha"] for ev in evals])))
    out.update(mp_fit(evals, N, M))
    return out


def f32(x):
    return np.asarray(x, dtype=np.float32)


def b64(w):
    """float32 row-major bytes, little-endian, base64: exact and compact."""
    return base64.b64encode(f32(w).astype("<f4").tobytes()).decode("ascii")


def orthogonal(n):
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


# --- power-law fits on eigenvalue lists ------------------------------------------------------------
def pareto(count, alpha, xmin):
    return xmin * (1 - rng.random(count)) ** (-1 / (alpha - 1))


fit_cases = []
for name, values in [
    ("pareto 2.5 above a uniform bulk", np.concatenate([rng.uniform(0.05, 1.0, 250), pareto(120, 2.5, 1.0)])),
    ("pareto 4, 400 values", pareto(400, 4.0, 0.3)),
    ("pareto 2, 60 values", pareto(60, 2.0, 1e-3)),
    ("lognormal 200", rng.lognormal(0.0, 1.5, 200)),
    ("exponential 150", rng.exponential(2.0, 150)),
    ("tiny values below the 1e-5 threshold", np.concatenate([[0.0, 1e-7, 5e-6, 1e-5], pareto(40, 3.0, 0.01)])),
    ("ties in the tail", np.concatenate([rng.uniform(0.1, 1.0, 30), [2.0] * 4, [3.0] * 3, pareto(20, 3.0, 4.0)])),
    ("ten values", np.array([0.3, 0.5, 0.8, 1.1, 1.7, 2.2, 3.9, 6.0, 11.0, 30.0])),
    # The three largest equal: that x_min has no slope (alpha = inf in numpy, D = 2/3), never a NaN.
    ("largest three equal", np.concatenate([pareto(30, 2.5, 0.5), [50.0] * 3])),
]:
    values = rng.permutation(np.asarray(values, dtype=np.float64))
    fit_cases.append({"name": name, "values": values.tolist(), "fit": ww_fit(values), "clauset": clauset_fit(values)})


# --- synthetic matrices ----------------------------------------------------------------------------
def planted(rows, cols, s):
    u = orthogonal(rows)[:, : len(s)]
    v = orthogonal(cols)[:, : len(s)]
    return (u * s) @ v.T


matrix_cases = []
specs = [
    ("gaussian 40x100 (MP bulk, Q = 2.5)", f32(rng.standard_normal((40, 100)) * 0.05)),
    ("student-t df 2.5, 48x120", f32(rng.standard_t(2.5, (48, 120)) * 0.02)),
    ("student-t df 3, 96x48 (tall)", f32(rng.standard_t(3.0, (96, 48)) * 0.1)),
    ("student-t df 2, square 50 (Q = 1, quarter circle)", f32(rng.standard_t(2.0, (50, 50)) * 0.03)),
    ("gaussian square 40 (Q = 1)", f32(rng.standard_normal((40, 40)))),
    ("planted pareto alpha 3, 60x90", f32(planted(60, 90, np.sqrt(np.sort(pareto(60, 3.0, 1e-2))[::-1])))),
    ("gaussian 60x90 with a rank-2 spike", f32(rng.standard_normal((60, 90)) * 0.02 + planted(60, 90, np.array([3.0, 2.0])))),
]
# Rank-deficient: 6 zero rows and 4 copies of other rows, so rank 30 - 10 = 20 in exact arithmetic.
w = f32(rng.standard_normal((30, 70)) * 0.1)
w[:6] = 0
w[6:10] = w[10:14]
specs.append(("rank 20 of 30 (zero and repeated rows), 30x70", w))
for name, w in specs:
    matrix_cases.append({"name": name, "rows": w.shape[0], "cols": w.shape[1], "data": b64(w), **ww_metrics(w)})


# --- the pieces of the sigma_mp fit on their own: the KDE, resid_mp at fixed sigmas, scipy's fmin ----
kde_samples = np.sort(np.concatenate([rng.gamma(2.0, 0.5, 80), [0.0, 0.05, 3.0]]))
kde_grid = np.linspace(0, kde_samples.max() + 0.5, 1000)
kde_case = {"samples": kde_samples.tolist(), "bandwidth": 0.1, "density": linear_kde(kde_samples, kde_grid, 0.1).tolist()}

resid_cases = []
for c in [matrix_cases[1], matrix_cases[3]]:
    w = np.frombuffer(base64.b64decode(c["data"]), dtype="<f4").reshape(c["rows"], c["cols"]).astype(np.float64)
    evals = np.linalg.svd(w, compute_uv=False) ** 2
    Q = c["N"] / c["M"]
    to_plot = (len(evals) / np.sum(evals)) * evals
    to_fit = np.sqrt(to_plot) if Q == 1 else to_plot
    s0 = float(calc_sigma(Q, to_plot))
    sigmas = [s0 * f for f in (0.06, 0.3, 0.55, 0.8, 1.0, 1.4, 1.9)]
    resid_cases.append({"name": c["name"], "Q": Q, "samples": to_fit.tolist(), "sigma0": s0,
                        "points": [[sg, float(resid_mp(np.array([sg]), to_fit, Q, 0.1, False))] for sg in sigmas]})


def fmin_case(name, f, x0):
    x, fun, nit, nfev, status = scipy.optimize.fmin(f, x0, full_output=True, disp=False)
    return {"name": name, "x0": x0, "x": float(x[0]), "fun": float(fun), "iterations": int(nit), "evaluations": int(nfev), "status": int(status)}


fmin_cases = [
    fmin_case("(x - 3)^2", lambda x: float((x[0] - 3.0) ** 2), 1.0),
    fmin_case("x^4 - 3x^2 + x from 0", lambda x: float(x[0] ** 4 - 3 * x[0] ** 2 + x[0]), 0.0),
    fmin_case("|x - 0.7| + |x + 1.3| / 4", lambda x: float(abs(x[0] - 0.7) + 0.25 * abs(x[0] + 1.3)), -2.0),
    fmin_case("floor(4x)^2 plateaus", lambda x: float(np.floor(4 * x[0]) ** 2), 2.3),
    fmin_case("-x, unbounded", lambda x: float(-x[0]), 0.5),
]


# --- the trained stories260K model: every whole matrix --------------------------------------------
def stories():
    folder = os.path.join(HERE, "..", "fixtures", "models", "stories260K")
    raw = open(os.path.join(folder, "model.safetensors"), "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8 : 8 + n])
    config = json.load(open(os.path.join(folder, "config.json")))
    names = {
        "q": "self_attn.q_proj", "k": "self_attn.k_proj", "v": "self_attn.v_proj", "o": "self_attn.o_proj",
        "gate": "mlp.gate_proj", "up": "mlp.up_proj", "down": "mlp.down_proj",
    }
    out = []
    for layer in range(config["num_hidden_layers"]):
        for kind, key in names.items():
            e = header[f"model.layers.{layer}.{key}.weight"]
            b, end = e["data_offsets"]
            w = np.frombuffer(raw[8 + n + b : 8 + n + end], dtype=np.float32).reshape(e["shape"])
            out.append({"layer": layer, "kind": kind, "shape": list(w.shape), **ww_metrics(w)})
    return out


stories260K = stories()
differ = [m for m in stories260K if m["fit"] and m["clauset"] and abs(m["fit"]["alpha"] - m["clauset"]["alpha"]) > 0.01]

print(json.dumps({
    "source": "WeightWatcher 0.7.5.5 (weightwatcher.py, WW_powerlaw.py, RMT_Util.py), re-implemented with numpy/scipy",
    "fits": fit_cases,
    "matrices": matrix_cases,
    "kde": kde_case,
    "residMp": resid_cases,
    "fmin": fmin_cases,
    "stories260K": stories260K,
    "stories260KAlphaDiffers": {
        "count": len(differ),
        "of": len(stories260K),
        "maxAbs": max(abs(m["fit"]["alpha"] - m["clauset"]["alpha"]) for m in differ) if differ else 0.0,
    },
}))
