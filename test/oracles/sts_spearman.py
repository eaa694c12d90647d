#!/usr/bin/env python3
"""Oracle for Spearman's rank correlation and its p-value (test/unit/analysis/methods/activation/sts/spearman.test.ts).

Re-run:  python3 test/oracles/sts_spearman.py > test/oracles/sts_spearman.json   (numpy + scipy, < 1 s)

Each case is a pair of vectors (x, y) written here, with scipy.stats.spearmanr's rho and two-sided
p-value. spearmanr ranks each vector with average ranks for ties (scipy.stats.rankdata,
method='average'), takes Pearson's r of the ranks, and computes the p-value from the t statistic
t = rho * sqrt((n - 2) / (1 - rho^2)) with n - 2 degrees of freedom (Student's t, two-sided). The
average ranks of each vector are written too, so a ranking mistake shows on its own.
Cases: no ties, ties in one or both vectors (STS-style integer scores), a perfect monotone
relation (p = 0), an anti-correlated one, n = 3 (one degree of freedom), a long random case with
many ties, and a constant vector (rho undefined: null).
"""
import json
import warnings
import numpy as np
from scipy import stats


def case(name, x, y):
    x = [float(v) for v in x]
    y = [float(v) for v in y]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = stats.spearmanr(x, y)
    rho, p = float(res.statistic), float(res.pvalue)
    clean = lambda v: None if not np.isfinite(v) else v
    return {
        "name": name,
        "x": x,
        "y": y,
        "ranks_x": stats.rankdata(x, method="average").tolist(),
        "ranks_y": stats.rankdata(y, method="average").tolist(),
        "rho": clean(rho),
        "p": clean(p),
        "n": len(x),
    }


rng = np.random.default_rng(20260602)
long_x = rng.normal(size=60)
long_y = np.round(np.clip(2.5 + 1.2 * long_x + rng.normal(scale=1.5, size=60), 0, 5) * 2) / 2  # half-point scores 0..5

cases = [
    case("no ties", [0.31, 0.12, 0.77, 0.45, 0.9, 0.05, 0.62], [1.0, 0.4, 3.8, 2.2, 4.6, 0.8, 2.0]),
    case("ties in y", [0.52, 0.48, 0.61, 0.33, 0.7, 0.44, 0.58, 0.29], [3, 2, 4, 1, 4, 2, 3, 1]),
    case("ties in both", [0.5, 0.5, 0.2, 0.9, 0.2, 0.7, 0.5, 0.1, 0.9], [2.5, 3.0, 1.0, 4.0, 1.0, 3.0, 2.5, 0.0, 5.0]),
    case("perfect monotone", [0.1, 0.2, 0.35, 0.4, 0.8], [0.0, 1.1, 2.0, 4.2, 5.0]),
    case("anti-correlated", [0.9, 0.8, 0.75, 0.4, 0.3, 0.35], [0.2, 1.0, 0.8, 3.5, 4.8, 4.0]),
    case("n = 3", [0.3, 0.1, 0.2], [1.0, 3.0, 2.5]),
    case("60 pairs, half-point scores", long_x.tolist(), long_y.tolist()),
    case("constant x", [0.4, 0.4, 0.4, 0.4], [1.0, 2.0, 3.0, 4.0]),
]

print(json.dumps({"generator": "scipy.stats.spearmanr " + __import__("scipy").__version__, "cases": cases}, indent=1))
