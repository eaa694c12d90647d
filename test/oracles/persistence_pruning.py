"""Oracle for the persistence descriptors and the pruning rule with its cap (Layer Lens,
test/unit/analysis/methods/persistence/pruningOracle.test.ts).

Re-run:  python3 test/oracles/persistence_pruning.py > test/oracles/persistence_pruning.json
(from the repository root; numpy only)

Written from the reference code of Gardinazzi et al., "Persistent topological features in large
language models" (github.com/YuriGardinazzi/conferenceProject), not from Layer Lens:
- src/benchmark/post_process.py, class POSTPROCESS: find_betti_curve / find_betti_layers (Betti
  numbers at the even zigzag positions, the layers), find_pis (a death × birth frequency array),
  find_eff_pis (zigzag position i → layer ceil(i/2), bars born and dead in one layer dropped),
  find_ph_sim (S_p(i, j): bars born at or before min(i, j) and alive after max(i, j));
- src/benchmark/benchmark.py: similarity_persistance (S̄(i) = mean_j S(i, j)/β(j)) and
  layers_to_cut_given_r (every layer but the final norm with S̄ ≥ p · max S̄).
A β(j) = 0 term counts 0, as the reference's own `div` helper does. The values are computed with
exact fractions, so the rule's comparisons are exact.

The cap is Layer Lens's (the reference has none): at most
min(L − 1, max(1, floor(share · L))) of the L decoder layers, those with the highest S̄, a tie
going to the deeper layer.

Input bars are over zigzag positions as Layer Lens reports them (positionBars: K_l at 2l, the
intersection of K_l and K_l+1 at 2l+1; birth = first position with the class, death = first
position without it, 2C - 1 = alive at the last of the C clouds). Random cases (seeded) and a flat
case where every layer shares every H1 bar, so the rule alone removes every decoder layer.
"""
import json
import math
import sys
from fractions import Fraction

import numpy as np

RATIOS = [1.0, 0.9, 0.8, 0.5]
SHARES = [0.5, 0.25, 0.95]


def betti_layers(bars, dim, clouds):
    """find_betti_curve over the positions, then the even positions (find_betti_layers)."""
    betti = [0] * (2 * clouds)
    for b in bars:
        if b["dim"] == dim:
            for d in range(b["birth"], b["death"]):
                betti[d] += 1
    return betti[::2]


def eff_pis(bars, dim, clouds):
    """find_pis then find_eff_pis: count[death layer][birth layer], position i → ceil(i/2)."""
    size = 2 * clouds + 1
    pis = np.zeros((size, size), dtype=np.int64)
    for b in bars:
        if b["dim"] == dim:
            pis[b["death"], b["birth"]] += 1
    res = np.zeros((size // 2 + 1, size // 2 + 1), dtype=np.int64)
    for i in range(size):
        for j in range(size):
            eff_d, eff_b = i // 2 + i % 2, j // 2 + j % 2
            if eff_d != eff_b:
                res[eff_d, eff_b] += pis[i, j]
    return res


def ph_sim(pis):
    """find_ph_sim: the diagonal from the counts, then one death row removed per step right."""
    n = pis.shape[0] - 1
    s = np.zeros((n, n), dtype=np.int64)
    for idx in range(n):
        s[idx, idx] = pis[idx + 1 :, : idx + 1].sum()
        for jdx in range(idx + 1, n):
            s[idx, jdx] = s[idx, jdx - 1] - pis[jdx, : idx + 1].sum()
            s[jdx, idx] = s[idx, jdx]
    return s


def average(betti, s):
    """similarity_persistance with the reference's div (0 where β(j) = 0), exactly."""
    n = len(betti)
    return [sum((Fraction(int(s[i, j]), betti[j]) if betti[j] else Fraction(0)) for j in range(n)) / n for i in range(n)]


def rule(r, p):
    """layers_to_cut_given_r with layer_norm_added: the last entry (final norm) is never cut."""
    m = max(r)
    if m == 0:
        return []  # no feature at all: nothing to compare (the reference would cut every layer at 0 >= 0)
    thr = Fraction(p).limit_denominator(1000) * m
    return [i for i in range(len(r) - 1) if r[i] >= thr]


def cap(r, layers, decoder_layers, share):
    most = max(0, min(decoder_layers - 1, max(1, math.floor(share * decoder_layers))))
    if len(layers) <= most:
        return most, sorted(layers), False
    chosen = sorted(layers, key=lambda l: (-r[l], -l))[:most]
    return most, sorted(chosen), True


def random_bars(rng, clouds, count):
    positions = 2 * clouds - 1
    bars = []
    for _ in range(count):
        dim = int(rng.choice([0, 1, 1, 1, 2, 3]))
        birth = int(rng.integers(0, positions))
        death = int(rng.integers(birth + 1, positions + 1))
        bars.append({"dim": dim, "birth": birth, "death": death})
    return bars


def near_tie(r, eps=1e-9):
    vals = sorted(float(v) for v in r)
    if any(0 < b - a < eps for a, b in zip(vals, vals[1:])):
        return True
    m = max(r)
    return any(0 < abs(float(v) - p * float(m)) < eps for v in r for p in RATIOS)


def describe(name, bars, clouds, max_dim=4):
    dims = list(range(max_dim))
    out = {"name": name, "clouds": clouds, "maxDim": max_dim, "positionBars": bars, "betti": [], "similarity": [], "average": []}
    for p in dims:
        betti = betti_layers(bars, p, clouds)
        s = ph_sim(eff_pis(bars, p, clouds))
        out["betti"].append(betti)
        out["similarity"].append(s.tolist())
        out["average"].append([float(v) for v in average(betti, s)])
    r1 = average(betti_layers(bars, 1, clouds), ph_sim(eff_pis(bars, 1, clouds)))
    out["suggestions"] = []
    for p in RATIOS:
        layers = rule(r1, p)
        for share in SHARES:
            most, kept, capped = cap(r1, layers, clouds - 1, share)
            out["suggestions"].append({"p": p, "share": share, "maxLayers": most, "ruleLayers": layers, "layers": kept, "capped": capped})
    return out, r1


def main():
    rng = np.random.default_rng(20240623)
    cases = []
    for clouds, count in [(3, 12), (5, 40), (6, 60), (9, 120), (17, 200), (33, 400)]:
        while True:
            case, r1 = describe(f"random {clouds} clouds, {count} bars", random_bars(rng, clouds, count), clouds)
            if not near_tie(r1):
                break
        cases.append(case)
    # Flat: every H1 bar alive from the first cloud to the end, so S̄1 is the same for every layer.
    clouds = 6
    flat = [{"dim": 1, "birth": 0, "death": 2 * clouds - 1} for _ in range(7)] + [{"dim": 0, "birth": 0, "death": 2 * clouds - 1}]
    cases.append(describe("flat: the rule removes every decoder layer", flat, clouds)[0])
    # One case a line, so a change shows up as a change of the cases it touches.
    sys.stdout.write('{"ratios": %s, "shares": %s, "cases": [\n' % (json.dumps(RATIOS), json.dumps(SHARES)))
    sys.stdout.write(",\n".join(json.dumps(c) for c in cases))
    sys.stdout.write("\n]}\n")


if __name__ == "__main__":
    main()
