"""Brute-force oracle for zigzag persistence of clique complexes (Layer Lens, test/unit/analysis/tda/zigzagOracle.test.ts).

Re-run:  python3 test/oracles/zigzag.py > test/oracles/zigzag.json   (from the repository root; numpy only)

For each random case: L+1 random graphs on n vertices, their clique complexes up to max_dim, and the
zigzag K0 ⊇ K0∩K1 ⊆ K1 ⊇ … ⊆ KL (positions 0..2L). The barcode is computed WITHOUT any persistence
algorithm: for every segment [s, e] of positions, the number of bars containing it is the rank of
the map from the limit to the colimit of the homology zigzag restricted to [s, e] (all linear
algebra over GF(2) on explicit homology bases and the maps induced by inclusion); multiplicities
of bars [s, e] follow by inclusion–exclusion. Bars are written half-open: [birth, death) with
death = e + 1.
"""
import itertools
import json
import sys

import numpy as np


def gf2_rref(m):
    """Row-reduce a 0/1 matrix over GF(2); returns (reduced copy, pivot columns)."""
    a = (np.array(m, dtype=np.uint8) & 1).copy()
    rows, cols = a.shape
    pivots = []
    r = 0
    for c in range(cols):
        if r >= rows:
            break
        hits = np.nonzero(a[r:, c])[0]
        if hits.size == 0:
            continue
        p = r + hits[0]
        if p != r:
            a[[r, p]] = a[[p, r]]
        others = np.nonzero(a[:, c])[0]
        for o in others:
            if o != r:
                a[o] ^= a[r]
        pivots.append(c)
        r += 1
    return a, pivots


def gf2_rank(m):
    m = np.asarray(m)
    if m.size == 0:
        return 0
    return len(gf2_rref(m)[1])


def gf2_nullspace(m, ncols):
    """Basis (as columns) of {x : m x = 0} over GF(2)."""
    if ncols == 0:
        return np.zeros((0, 0), dtype=np.uint8)
    m = np.asarray(m, dtype=np.uint8).reshape(-1, ncols)
    if m.shape[0] == 0:
        return np.eye(ncols, dtype=np.uint8)
    a, pivots = gf2_rref(m)
    free = [c for c in range(ncols) if c not in pivots]
    basis = []
    for f in free:
        x = np.zeros(ncols, dtype=np.uint8)
        x[f] = 1
        for i, pc in enumerate(pivots):
            x[pc] = a[i, f]
        basis.append(x)
    return np.array(basis, dtype=np.uint8).T.reshape(ncols, len(basis))


def gf2_solve(a, b):
    """One solution x of a x = b over GF(2) (a is full column rank here)."""
    rows, cols = a.shape
    aug = np.concatenate([a, b.reshape(-1, 1)], axis=1)
    r, pivots = gf2_rref(aug)
    assert cols not in pivots, 'not in the span'
    x = np.zeros(cols, dtype=np.uint8)
    for i, pc in enumerate(pivots):
        x[pc] = r[i, cols]
    return x


def clique_complex(n, edges, max_dim):
    adj = set(tuple(sorted(e)) for e in edges)
    out = [[(v,) for v in range(n)]]
    for p in range(1, max_dim + 1):
        out.append([s for s in itertools.combinations(range(n), p + 1)
                    if all(pair in adj for pair in itertools.combinations(s, 2))])
    return out


def boundary(simplices_p, simplices_pm1):
    """Matrix of ∂: C_p → C_{p-1} (rows: (p-1)-simplices)."""
    index = {s: i for i, s in enumerate(simplices_pm1)}
    m = np.zeros((len(simplices_pm1), len(simplices_p)), dtype=np.uint8)
    for j, s in enumerate(simplices_p):
        if len(s) == 1:
            continue
        for k in range(len(s)):
            m[index[s[:k] + s[k + 1:]], j] = 1
    return m


class Homology:
    """H_p of one complex: an explicit basis of cycles (columns of reps) complementing the boundaries."""

    def __init__(self, cx, p):
        self.simplices = cx[p] if p < len(cx) else []
        self.index = {s: i for i, s in enumerate(self.simplices)}
        k = len(self.simplices)
        d_p = boundary(self.simplices, cx[p - 1]) if p > 0 else np.zeros((0, k), dtype=np.uint8)
        z = gf2_nullspace(d_p, k)
        b = boundary(cx[p + 1], self.simplices) if p + 1 < len(cx) else np.zeros((k, 0), dtype=np.uint8)
        _, piv = gf2_rref(b.T) if b.shape[1] else (None, [])
        b_basis = b[:, self._independent(b)] if b.shape[1] else np.zeros((k, 0), dtype=np.uint8)
        reps = []
        current = b_basis
        for j in range(z.shape[1]):
            cand = np.concatenate([current, z[:, j:j + 1]], axis=1)
            if gf2_rank(cand.T) > current.shape[1]:
                current = cand
                reps.append(z[:, j])
        self.b = b_basis
        self.reps = np.array(reps, dtype=np.uint8).T.reshape(k, len(reps))
        self.dim = len(reps)

    @staticmethod
    def _independent(m):
        keep = []
        cur = np.zeros((m.shape[0], 0), dtype=np.uint8)
        for j in range(m.shape[1]):
            cand = np.concatenate([cur, m[:, j:j + 1]], axis=1)
            if gf2_rank(cand.T) > cur.shape[1]:
                cur = cand
                keep.append(j)
        return keep

    def coords(self, chain_by_simplex):
        vec = np.zeros(len(self.simplices), dtype=np.uint8)
        for s in chain_by_simplex:
            vec[self.index[s]] ^= 1
        a = np.concatenate([self.b, self.reps], axis=1)
        x = gf2_solve(a, vec)
        return x[self.b.shape[1]:]


def induced_map(small, big):
    m = np.zeros((big.dim, small.dim), dtype=np.uint8)
    for j in range(small.dim):
        chain = [small.simplices[i] for i in np.nonzero(small.reps[:, j])[0]]
        m[:, j] = big.coords(chain)
    return m


def zigzag_bars(layers, max_dim):
    positions = []
    for l, cx in enumerate(layers):
        positions.append(cx)
        if l + 1 < len(layers):
            positions.append([sorted(set(a) & set(b)) for a, b in zip(cx, layers[l + 1])])
    m = len(positions)
    bars = []
    for p in range(max_dim + 1):
        hom = [Homology(cx, p) for cx in positions]
        # arrows[i]: map between positions i and i+1, from the intersection (odd) to the layer (even)
        arrows = []
        for i in range(m - 1):
            small, big = (i + 1, i) if i % 2 == 0 else (i, i + 1)
            arrows.append((small, big, induced_map(hom[small], hom[big])))

        def rk(s, e):
            if s < 0 or e >= m:
                return 0
            offs, total = {}, 0
            for i in range(s, e + 1):
                offs[i] = total
                total += hom[i].dim
            if total == 0:
                return 0
            cons, rel = [], []
            for i in range(s, e):
                small, big, f = arrows[i]
                for r in range(hom[big].dim):
                    row = np.zeros(total, dtype=np.uint8)
                    row[offs[small]:offs[small] + hom[small].dim] = f[r]
                    row[offs[big] + r] ^= 1
                    cons.append(row)
                for c in range(hom[small].dim):
                    col = np.zeros(total, dtype=np.uint8)
                    col[offs[small] + c] = 1
                    col[offs[big]:offs[big] + hom[big].dim] ^= f[:, c]
                    rel.append(col)
            lim = gf2_nullspace(np.array(cons, dtype=np.uint8).reshape(-1, total), total)
            relm = np.array(rel, dtype=np.uint8).T.reshape(total, len(rel))
            # The canonical map lim → colim: a compatible family goes to the class of its component
            # at any one position (all give the same class); take position s.
            at_s = np.zeros_like(lim)
            at_s[:hom[s].dim] = lim[:hom[s].dim]
            both = np.concatenate([at_s, relm], axis=1)
            return gf2_rank(both.T) - gf2_rank(relm.T) if both.shape[1] else 0

        for s in range(m):
            for e in range(s, m):
                mult = rk(s, e) - rk(s - 1, e) - rk(s, e + 1) + rk(s - 1, e + 1)
                assert mult >= 0
                bars.extend([{'dim': p, 'birth': s, 'death': e + 1}] * mult)
    return bars


def random_case(rng, n, count, p_edge, max_dim, flips):
    edges_all = list(itertools.combinations(range(n), 2))
    cur = set(e for e in edges_all if rng.random() < p_edge)
    graphs = []
    for _ in range(count):
        graphs.append(sorted(cur))
        # next layer: flip a few edges, so that features persist over several layers
        for e in rng.choice(len(edges_all), size=flips, replace=False):
            cur ^= {edges_all[e]}
    layers = [clique_complex(n, g, max_dim) for g in graphs]
    return {
        'vertexCount': n,
        'maxDim': max_dim,
        'edges': [[list(e) for e in g] for g in graphs],
        'simplexCounts': [[len(x) for x in cx] for cx in layers],
        'bars': zigzag_bars(layers, max_dim),
    }


def main():
    rng = np.random.default_rng(20260522)
    cases = []
    for t in range(24):
        n = int(rng.integers(5, 8))
        count = int(rng.integers(3, 6))
        max_dim = 3 if t % 4 == 0 else 2
        cases.append(random_case(rng, n, count, float(rng.uniform(0.3, 0.7)), max_dim, int(rng.integers(1, 5))))
    json.dump({'generator': 'test/oracles/zigzag.py', 'cases': cases}, sys.stdout, indent=None, separators=(',', ':'))
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
