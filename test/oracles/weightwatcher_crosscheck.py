#!/usr/bin/env python3
"""Cross-check of test/oracles/weightwatcher.json against WeightWatcher's own code (not run by the
tests: it needs a WeightWatcher source tree and scikit-learn).

    python3 test/oracles/weightwatcher_crosscheck.py /path/to/WeightWatcher/weightwatcher

Imports WW_powerlaw.WWFit and RMT_Util (matrix_rank, matrix_entropy, fit_density_with_range with
scikit-learn's KernelDensity and scipy's brute + fmin) from that folder, with stand-ins for the
modules those files import but these functions never call (powerlaw, matplotlib, tqdm), runs them on
every matrix and eigenvalue list of the oracle, and prints the largest differences. The few lines of
weightwatcher.py that glue them together (fit_powerlaw's 1e-5 threshold and num_pl_spikes,
apply_norm_metrics, mp_fit's rescaling and mp_softrank) are repeated here as written there.
Exits 1 when a value differs by more than 1e-9 (relative) or an integer differs.
"""
import base64
import importlib
import json
import os
import shutil
import struct
import sys
import tempfile
import types

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
src = sys.argv[1]

tmp = tempfile.mkdtemp()
pkg = os.path.join(tmp, "wwsrc")
os.mkdir(pkg)
for f in ["constants.py", "WW_powerlaw.py", "RMT_Util.py"]:
    shutil.copy(os.path.join(src, f), pkg)
open(os.path.join(pkg, "__init__.py"), "w").close()
for name in ["powerlaw", "matplotlib", "matplotlib.pyplot", "tqdm"]:
    stub = types.ModuleType(name)
    stub.__getattr__ = lambda attr: None
    sys.modules[name] = stub
sys.path.insert(0, tmp)
WWP = importlib.import_module("wwsrc.WW_powerlaw")
RMT = importlib.import_module("wwsrc.RMT_Util")
C = importlib.import_module("wwsrc.constants")

oracle = json.load(open(os.path.join(HERE, "weightwatcher.json")))
worst = {}
bad = []


def compare(case, key, ours, ref, integer=False):
    if ref is None and ours is None:
        return
    if integer:
        if int(ours) != int(ref):
            bad.append(f"{case}: {key} oracle {ref}, WeightWatcher {ours}")
        return
    d = abs(ours - ref) / max(abs(ref), 1e-300)
    worst[key] = max(worst.get(key, 0.0), d)
    if d > 1e-9:
        bad.append(f"{case}: {key} oracle {ref}, WeightWatcher {ours}")


def ww_fit(evals):
    if len(evals) < C.DEFAULT_MIN_EVALS:
        return None
    nz = evals[evals > C.EVALS_THRESH]
    fit = WWP.pl_fit(data=nz, xmax=None, verbose=False, distribution=C.POWER_LAW, pl_package=C.WW_POWERLAW_PACKAGE)
    return {"alpha": fit.alpha, "xmin": fit.xmin, "D": fit.D, "sigma": fit.sigma, "numPlSpikes": len(evals[evals >= fit.xmin])}


def check_fit(case, ours, ref):
    if ref is None:
        if ours is not None:
            bad.append(f"{case}: oracle has no fit, WeightWatcher {ours}")
        return
    for k in ["alpha", "xmin", "D", "sigma"]:
        compare(case, f"fit.{k}", ours[k], ref[k])
    compare(case, "fit.numPlSpikes", ours["numPlSpikes"], ref["numPlSpikes"], integer=True)


def check_matrix(case, w, ref):
    w = np.asarray(w, dtype=float)
    N, M = np.max(w.shape), np.min(w.shape)
    sv = np.sort(RMT.svd_vals(w, method=C.ACCURATE_SVD).flatten())[-M:]
    evals = np.sort(sv * sv)
    fit = ww_fit(evals)
    check_fit(case, fit, ref["fit"])
    compare(case, "matrixRank", RMT.matrix_rank(np.sqrt(evals), N), ref["matrixRank"], integer=True)
    compare(case, "matrixEntropy", RMT.matrix_entropy(np.sqrt(evals), N), ref["matrixEntropy"])
    if fit is not None:
        compare(case, "logAlphaNorm", np.log10(np.sum([ev ** fit["alpha"] for ev in evals])), ref["logAlphaNorm"])
    # weightwatcher.py mp_fit
    Q = N / M
    Wscale = np.sqrt(evals.shape[0]) / np.sqrt(np.sum(evals))
    to_plot = (Wscale * Wscale) * evals
    s1, _ = RMT.fit_density_with_range(to_plot, Q, bw=0.1)
    bulk_max = (s1 * (1 + 1 / np.sqrt(Q))) ** 2
    compare(case, "sigmaMp", s1, ref["sigmaMp"])
    compare(case, "mpSoftrank", bulk_max / np.max(to_plot), ref["mpSoftrank"])


for c in oracle["fits"]:
    check_fit(c["name"], ww_fit(np.asarray(c["values"])), c["fit"])
for c in oracle["matrices"]:
    w = np.frombuffer(base64.b64decode(c["data"]), dtype="<f4").reshape(c["rows"], c["cols"])
    check_matrix(c["name"], w, c)
folder = os.path.join(HERE, "..", "fixtures", "models", "stories260K")
raw = open(os.path.join(folder, "model.safetensors"), "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8 : 8 + n])
names = {"q": "self_attn.q_proj", "k": "self_attn.k_proj", "v": "self_attn.v_proj", "o": "self_attn.o_proj",
         "gate": "mlp.gate_proj", "up": "mlp.up_proj", "down": "mlp.down_proj"}
for c in oracle["stories260K"]:
    e = header[f"model.layers.{c['layer']}.{names[c['kind']]}.weight"]
    b, end = e["data_offsets"]
    w = np.frombuffer(raw[8 + n + b : 8 + n + end], dtype=np.float32).reshape(e["shape"])
    check_matrix(f"stories260K L{c['layer']} {c['kind']}", w, c)

print("largest relative difference per value:", json.dumps(worst, indent=1))
print("\n".join(bad) if bad else "all equal")
sys.exit(1 if bad else 0)
