# Oracle for test/unit/analysis/stats/*.test.ts and test/unit/analysis/methods/spectra/spectra.test.ts: scipy/numpy reference
# values for the random-matrix-theory statistics of Layer Lens's spectra method.
# Re-run from the repository root with:  python3 test/oracles/spectra.py > test/oracles/spectra.json
# (numpy >= 1.20, scipy >= 1.10; every input comes from a seeded generator, so the output is reproducible).
#
# Contents: erf/erfc; the finite-n two-sided KS distribution (scipy.stats.kstwo, i.e. kstest's
# default p-value) over every branch of Simard & L'Ecuyer's method choice; the one-sided smirnov
# and the limiting kolmogorov law; kstest on fixed samples; the Marchenko-Pastur density and its CDF
# by scipy.integrate.quad; singular values, Gram eigenvalues (eigvalsh), singular-vector KS p-values
# and spectral metrics of small fixed matrices; a power-law fit by a direct numpy implementation of
# the same rule (MLE alpha, x_min by minimum two-sided KS distance over distinct values leaving >= 10
# tail values); Jensen-Shannon distances; head spectra, per-layer randomness and whole-matrix
# power-law fits of the trained stories260K model (read from test/fixtures/models/stories260K).
import json
import math

import numpy as np
import scipy.integrate
import scipy.spatial.distance
import scipy.special
import scipy.stats

rng = np.random.default_rng(20250307)


def f32(x):
    """Round to float32 so the TypeScript side sees exactly the same numbers."""
    return np.asarray(x, dtype=np.float32).astype(np.float64)


# --- erf ------------------------------------------------------------------------------------------
erf_points = [-30, -6, -4.5, -3, -1, -0.47, -0.4, -1e-5, 0, 1e-10, 0.3, 0.46875, 0.5, 1, 2, 3.9, 4, 4.1, 6, 10, 26, 27]
erf_cases = [[x, float(scipy.special.erf(x)), float(scipy.special.erfc(x))] for x in erf_points]

# --- KS distributions -----------------------------------------------------------------------------
kstwo_cases = []
for n in [1, 2, 3, 5, 10, 30, 100, 140, 141, 300, 1000, 2048, 8192, 150000]:
    ds = [math.sqrt(c / n) for c in [0.1, 0.3, 0.5, 0.754, 0.9, 1.5, 2.19, 2.3, 3, 4.5, 10, 20, 100, 400]]
    ds += [0.6 / n, 0.9 / n, 1.5 / n, 0.5, 0.7, 1 - 0.5 / n]
    for d in sorted(set(ds)):
        if 0 < d < 1:
            kstwo_cases.append([n, d, float(scipy.stats.kstwo.sf(d, n)), float(scipy.stats.kstwo.cdf(d, n))])

smirnov_cases = []
for n in [2, 5, 30, 141, 1000, 8192]:
    for d in [0.3 / n, 1.0 / n, 1.7 / n, math.sqrt(0.5 / n), math.sqrt(2.5 / n), math.sqrt(20 / n), 0.5, 1 - 0.5 / n]:
        if 0 < d < 1:
            smirnov_cases.append([n, d, float(scipy.special.smirnov(n, d))])

kolmogorov_cases = [[x, float(scipy.special.kolmogorov(x))] for x in [0.03, 0.1, 0.3, 0.5, 0.8, 0.82, 0.9, 1.2, 2, 4, 6]]

# --- kstest on fixed samples against N(0, 1/n), the singular-vector null ---------------------------
kstest_cases = []
for n, scale, shift in [(5, 1, 0), (20, 1, 0), (64, 1, 0), (64, 1.6, 0), (150, 1, 0.02), (500, 1, 0), (2048, 1, 0), (2048, 1.1, 0)]:
    x = f32(rng.standard_normal(n) * scale / math.sqrt(n) + shift)
    dist = scipy.stats.norm(0, 1 / math.sqrt(n))
    exact = scipy.stats.kstest(x, dist.cdf)
    asymp = scipy.stats.kstest(x, dist.cdf, method="asymp")
    kstest_cases.append({"sample": x.tolist(), "variance": 1 / n, "statistic": float(exact.statistic), "pValue": float(exact.pvalue), "pValueAsymp": float(asymp.pvalue)})


# --- Marchenko-Pastur ---------------------------------------------------------------------------
def mp_density(nu, m, n, sigma):
    st = sigma * math.sqrt(n)
    lo, hi = st * (1 - math.sqrt(m / n)), st * (1 + math.sqrt(m / n))
    if nu <= lo or nu >= hi or nu <= 0:
        return 0.0
    return (n / m) / (math.pi * st * st * nu) * math.sqrt((hi * hi - nu * nu) * (nu * nu - lo * lo))


def mp_edges(m, n, sigma):
    st = sigma * math.sqrt(n)
    return st * (1 - math.sqrt(m / n)), st * (1 + math.sqrt(m / n))


def mp_cdf(nu, m, n, sigma):
    lo, hi = mp_edges(m, n, sigma)
    if nu <= lo:
        return 0.0
    if nu >= hi:
        return 1.0
    val, _ = scipy.integrate.quad(mp_density, lo, nu, args=(m, n, sigma), epsabs=1e-14, epsrel=1e-13, limit=200)
    return val


def tolerant_edges(m, n, sigma):
    """Edges widened by 4 Tracy-Widom scales (Johnstone 2001 top, Ma 2012 bottom)."""
    lo, hi = mp_edges(m, n, sigma)
    sm, sn = math.sqrt(m), math.sqrt(n)
    top = (sn + sm) * (1 / sn + 1 / sm) ** (1 / 3)
    bottom = (sn - sm) * abs(1 / sm - 1 / sn) ** (1 / 3) if m < n else 0.0
    return math.sqrt(max(0.0, lo * lo - 4 * bottom * sigma**2)), math.sqrt(hi * hi + 4 * top * sigma**2)


mp_cases = []
for rows, cols, sigma in [(64, 256, 0.02), (100, 100, 1.0), (300, 90, 0.5)]:
    m, n = min(rows, cols), max(rows, cols)
    lo, hi = mp_edges(m, n, sigma)
    nus = [lo - 0.01 * (hi - lo), lo + 1e-9 * (hi - lo)] + [lo + (hi - lo) * t for t in [0.001, 0.05, 0.2, 0.5, 0.77, 0.95, 0.999]] + [hi * 1.01]
    nus = [v for v in nus if v >= 0]
    lot, hit = tolerant_edges(m, n, sigma)
    mp_cases.append({
        "rows": rows, "cols": cols, "sigma": sigma, "lower": lo, "upper": hi, "lowerTolerant": lot, "upperTolerant": hit,
        "points": [[v, mp_density(v, m, n, sigma), mp_cdf(v, m, n, sigma)] for v in nus],
    })


# --- the shuffled-entries permutation of src/analysis/stats/random.ts (mulberry32 + Fisher-Yates) ---
def mulberry32(seed):
    a = seed & 0xFFFFFFFF

    def imul(x, y):
        return (x * y) & 0xFFFFFFFF

    def nxt():
        nonlocal a
        a = (a + 0x6D2B79F5) & 0xFFFFFFFF
        t = a
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296

    return nxt


def shuffled(data, seed):
    out = data.copy()
    u = mulberry32(seed)
    for i in range(len(out) - 1, 0, -1):
        j = int(math.floor(u() * (i + 1)))
        out[i], out[j] = out[j], out[i]
    return out


# --- power law: a direct implementation of the same rule ------------------------------------------
def fit_power_law(values, min_tail=10):
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
    # Cross-check the KS distance with scipy's kstest against the fitted Pareto law.
    alpha, xmin, d, k = best
    tail = x[x >= xmin]
    ref = scipy.stats.kstest(tail, scipy.stats.pareto(b=alpha - 1, scale=xmin).cdf).statistic
    assert abs(ref - d) < 1e-12, (ref, d)
    return {"alpha": float(alpha), "xmin": float(xmin), "ks": float(d), "nTail": int(k)}


def fit_power_law_at(values, xmin):
    x = np.sort(np.asarray([v for v in values if v > 0], dtype=np.float64))
    tail = x[x >= xmin]
    alpha = 1 + len(tail) / np.sum(np.log(tail / xmin))
    d = scipy.stats.kstest(tail, scipy.stats.pareto(b=alpha - 1, scale=xmin).cdf).statistic
    return {"xmin": float(xmin), "alpha": float(alpha), "ks": float(d), "nTail": int(len(tail))}


u = rng.random(120)
pl_sample = np.concatenate([rng.uniform(0.05, 1.0, 250), (1 - u) ** (-1 / 1.5)])  # tail alpha = 2.5 above 1
pl_sample = rng.permutation(pl_sample)
power_law = {"sample": pl_sample.tolist(), "fit": fit_power_law(pl_sample), "at": [fit_power_law_at(pl_sample, v) for v in [0.5, 1.0, 2.0]]}


# --- small fixed matrices: singular values, eigvalsh, singular-vector KS p, metrics -----------------
def spectral_metrics(w, seed):
    s = np.linalg.svd(w, compute_uv=False)
    lam = s**2
    sigma = float(np.std(w))
    m, n = min(w.shape), max(w.shape)
    lot, hit = tolerant_edges(m, n, sigma)
    mp_cdf_vals = np.array([mp_cdf(v, m, n, sigma) for v in np.sort(s)])
    k = len(s)
    ks_mp = max(np.max(np.arange(1, k + 1) / k - mp_cdf_vals), np.max(mp_cdf_vals - np.arange(0, k) / k))
    fit = fit_power_law(lam)
    shuffled_w = shuffled(w.ravel().astype(np.float32), seed).astype(np.float64).reshape(w.shape)
    lam_rand = np.linalg.svd(shuffled_w, compute_uv=False) ** 2
    rand_distance = scipy.spatial.distance.jensenshannon(np.sort(lam)[::-1] / lam.sum(), np.sort(lam_rand)[::-1] / lam_rand.sum())
    return {
        "sigma": sigma,
        "logNorm": float(np.log10(lam.sum())),
        "logSpectralNorm": float(np.log10(lam.max())),
        "stableRank": float(lam.sum() / lam.max()),
        "spikes": int(np.sum(s > hit)),
        "fractionOutside": float(np.mean((s > hit) | (s < lot))),
        "ksMp": float(ks_mp),
        "alpha": fit["alpha"], "xmin": fit["xmin"], "nTail": fit["nTail"], "alphaKs": fit["ks"],
        "alphaWeighted": float(fit["alpha"] * np.log10(lam.max())),
        "randDistance": float(rand_distance),
    }


def vector_ps(vectors):
    """kstest p of each column against N(0, 1/len)."""
    n = vectors.shape[0]
    dist = scipy.stats.norm(0, 1 / math.sqrt(n))
    return [float(scipy.stats.kstest(vectors[:, i], dist.cdf).pvalue) for i in range(vectors.shape[1])]


matrix_cases = []
for name, rows, cols, spike in [("wide 12x30", 12, 30, 0), ("tall 40x16", 40, 16, 0), ("square 24", 24, 24, 0), ("spiked 30x60", 30, 60, 3.0)]:
    w = rng.standard_normal((rows, cols)) * 0.05
    if spike:
        a = rng.standard_normal(rows)
        b = rng.standard_normal(cols)
        w += spike * np.outer(a / np.linalg.norm(a), b / np.linalg.norm(b))
    w = f32(w)
    u_, s_, vh = np.linalg.svd(w, full_matrices=False)
    gram = w @ w.T if rows <= cols else w.T @ w
    seed = 7
    matrix_cases.append({
        "name": name, "rows": rows, "cols": cols, "data": w.ravel().tolist(),
        "singularValues": s_.tolist(),
        "gramEigvalsh": np.linalg.eigvalsh(gram).tolist(),
        "rightKsP": vector_ps(vh.T), "leftKsP": vector_ps(u_),
        "shuffleSeed": seed,
        "metrics": spectral_metrics(w, seed),
    })

# --- the trained stories260K model (test/fixtures/models/stories260K) --------------
def stories_oracle():
    """Head slices per methods.md (q/k/v rows h*hd.., o columns h*hd.. transposed to [hd, d]): singular
    values and right-vector KS p of a few heads, and the head-averaged mean KS p per layer of q, k, v, o."""
    import os
    import struct
    folder = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "models", "stories260K")
    raw = open(os.path.join(folder, "model.safetensors"), "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    config = json.load(open(os.path.join(folder, "config.json")))
    hd = config["hidden_size"] // config["num_attention_heads"]
    heads = {"q": config["num_attention_heads"], "k": config["num_key_value_heads"], "v": config["num_key_value_heads"], "o": config["num_attention_heads"]}
    names = {"q": "self_attn.q_proj", "k": "self_attn.k_proj", "v": "self_attn.v_proj", "o": "self_attn.o_proj"}

    def tensor(name):
        e = header[name]
        b, end = e["data_offsets"]
        return np.frombuffer(raw[8 + n + b:8 + n + end], dtype=np.float32).reshape(e["shape"]).astype(np.float64)

    def head(w, kind, h):
        return w[:, h * hd:(h + 1) * hd].T if kind == "o" else w[h * hd:(h + 1) * hd, :]

    def right_p(w):
        _, _, vh = np.linalg.svd(w, full_matrices=False)
        return vector_ps(vh.T)

    samples = []
    for layer, kind, h in [(2, "q", 3), (2, "k", 1), (2, "o", 5), (4, "v", 0)]:
        w = head(tensor(f"model.layers.{layer}.{names[kind]}.weight"), kind, h)
        samples.append({"layer": layer, "kind": kind, "head": h, "shape": list(w.shape), "singularValues": np.linalg.svd(w, compute_uv=False).tolist(), "rightKsP": right_p(w)})
    depth = {}
    for kind in ["q", "k", "v", "o"]:
        depth[kind] = []
        for layer in range(config["num_hidden_layers"]):
            w = tensor(f"model.layers.{layer}.{names[kind]}.weight")
            depth[kind].append(float(np.mean([np.mean(right_p(head(w, kind, h))) for h in range(heads[kind])])))
    # Whole matrices with enough eigenvalues for a power-law fit (heads have only hd = 8): singular
    # values and the KS-chosen fit, for the model test and the e2e case's hand-set x_min.
    whole = []
    for layer, kind in [(2, "q"), (0, "gate"), (4, "o")]:
        key = {"gate": "mlp.gate_proj"}.get(kind) or names[kind]
        w = tensor(f"model.layers.{layer}.{key}.weight")
        s = np.linalg.svd(w, compute_uv=False)
        whole.append({"layer": layer, "kind": kind, "shape": list(w.shape), "singularValues": s.tolist(), "fit": fit_power_law(s**2)})
    return {"heads": samples, "randomnessByDepth": depth, "matrices": whole}


# --- Jensen-Shannon ---------------------------------------------------------------------------------
js_cases = []
for p, q in [([1, 2, 3, 4], [4, 3, 2, 1]), ([0.5, 0.5, 0, 0], [0, 0, 0.5, 0.5]), ([1, 0, 2, 5, 1e-9], [1, 1, 1, 1, 1])]:
    js_cases.append({"p": p, "q": q, "distance": float(scipy.spatial.distance.jensenshannon(p, q)), "distanceBase2": float(scipy.spatial.distance.jensenshannon(p, q, base=2))})

print(json.dumps({
    "erf": erf_cases, "kstwo": kstwo_cases, "smirnov": smirnov_cases, "kolmogorov": kolmogorov_cases,
    "kstest": kstest_cases, "marchenkoPastur": mp_cases, "powerLaw": power_law, "matrices": matrix_cases,
    "jensenShannon": js_cases, "stories260K": stories_oracle(),
}))
