"""Reference dequantization of ggml's i-quant and ternary types, for the GGUF decoder tests.

Written from ggml's public definitions (ggml/src/ggml-common.h `block_iq2_xxs`, `block_iq2_xs`,
`block_iq2_s`, `block_iq3_xxs`, `block_iq3_s`, `block_iq1_s`, `block_iq1_m`, `block_tq1_0`,
`block_tq2_0` and the formulas of ggml/src/ggml-quants.c `dequantize_row_*`), in numpy float32 with
the reference's order of operations, independently of Layer Lens's TypeScript decoder. The grid
tables are format data: they are read from gguf_iq_grids.json (written from ggml-common.h by
scripts/gen-iq-grids.mjs); the sign table `ksigns_iq2xs` is recomputed here from its definition (7
sign bits plus an 8th that makes the count of minus signs even) and checked against that file.

Any byte pattern is a valid encoding, so each type's blocks are seeded random bytes whose
half-precision scale is set to a finite value; the output is the raw block bytes and the float32
bit pattern of every dequantized value, in the same shape as gguf_quants.json.

Re-run:  python3 test/oracles/gguf_iq_quants.py > test/oracles/gguf_iq_quants.json
"""
import json
import os
import sys

import numpy as np

QK_K = 256
F = np.float32
HERE = os.path.dirname(os.path.abspath(__file__))

# name: (ggml type id, bytes per block, byte offset of the half-precision scale or None)
TYPES = {
    "IQ2_XXS": (16, 66, 0),
    "IQ2_XS": (17, 74, 0),
    "IQ3_XXS": (18, 98, 0),
    "IQ1_S": (19, 50, 0),
    "IQ3_S": (21, 110, 0),
    "IQ2_S": (22, 82, 0),
    "IQ1_M": (29, 56, None),
    "TQ1_0": (34, 54, 52),
    "TQ2_0": (35, 66, 64),
}


def load_grids():
    with open(os.path.join(HERE, "gguf_iq_grids.json")) as f:
        tables = json.load(f)["tables"]

    def grid(name, width, signed=False):
        words = tables[name].split()
        raw = b"".join(int(w, 16).to_bytes(width, "little") for w in words)
        return np.frombuffer(raw, dtype=np.int8 if signed else np.uint8).reshape(len(words), width).astype(np.int32)

    g = {
        "iq2xxs": grid("iq2xxs_grid", 8),
        "iq2xs": grid("iq2xs_grid", 8),
        "iq2s": grid("iq2s_grid", 8),
        "iq3xxs": grid("iq3xxs_grid", 4),
        "iq3s": grid("iq3s_grid", 4),
        "iq1s": grid("iq1s_grid", 8, signed=True),
    }
    ksigns = [i | ((bin(i).count("1") & 1) << 7) for i in range(128)]
    assert ksigns == [int(w, 16) for w in tables["ksigns_iq2xs"].split()], "ksigns_iq2xs differs from its definition"
    g["ksigns"] = ksigns
    # Structural checks on the grids: the magnitudes each type's quantizer uses.
    assert set(np.unique(g["iq2xxs"])) <= {8, 25, 43} and set(np.unique(g["iq2xs"])) <= {8, 25, 43}
    assert set(np.unique(g["iq2s"])) <= {8, 25, 43}
    assert set(np.unique(g["iq3xxs"])) <= {4, 12, 20, 28, 36, 44, 52, 62}
    assert set(np.unique(g["iq3s"])) <= {1, 3, 5, 7, 9, 11, 13, 15}
    assert set(np.unique(g["iq1s"])) <= {-1, 0, 1}
    for k in ("iq2xxs", "iq2xs", "iq2s", "iq3xxs", "iq3s", "iq1s"):
        assert len({tuple(r) for r in g[k]}) == len(g[k]), f"{k} has repeated entries"
    return g


G = load_grids()


def h(b, o):
    """ggml_half at byte o, widened to float32 (exact)."""
    return np.frombuffer(bytes(b[o:o + 2]), dtype="<f2")[0].astype(F)


def half_bits(bits):
    return np.array([bits], dtype=np.uint16).view(np.float16)[0].astype(F)


def u16(b, o):
    return int(b[o]) | (int(b[o + 1]) << 8)


def u32(b, o):
    return int.from_bytes(bytes(b[o:o + 4]), "little")


def mul(a, b):
    return F(F(a) * F(b))


def signed(v, negative):
    return F(-v) if negative else F(v)


def iq2_xxs(b):
    d = h(b, 0)
    out = []
    for ib in range(8):
        q = 2 + 8 * ib
        a1 = u32(b, q + 4)
        db = mul(mul(d, F(0.5) + F(a1 >> 28)), 0.25)
        for l in range(4):
            grid = G["iq2xxs"][int(b[q + l])]
            signs = G["ksigns"][(a1 >> (7 * l)) & 127]
            out += [signed(mul(db, grid[j]), (signs >> j) & 1) for j in range(8)]
    return out


def iq2_xs(b):
    d = h(b, 0)
    out = []
    for ib in range(8):
        sc = int(b[66 + ib])
        db = [mul(mul(d, F(0.5) + F(sc & 15)), 0.25), mul(mul(d, F(0.5) + F(sc >> 4)), 0.25)]
        for l in range(4):
            q = u16(b, 2 + 2 * (4 * ib + l))
            grid = G["iq2xs"][q & 511]
            signs = G["ksigns"][q >> 9]
            out += [signed(mul(db[l // 2], grid[j]), (signs >> j) & 1) for j in range(8)]
    return out


def iq2_s(b):
    d = h(b, 0)
    qs, signs, qh, scales = b[2:34], b[34:66], b[66:74], b[74:82]
    out = []
    for ib in range(8):
        sc = int(scales[ib])
        db = [mul(mul(d, F(0.5) + F(sc & 15)), 0.25), mul(mul(d, F(0.5) + F(sc >> 4)), 0.25)]
        for l in range(4):
            high = (int(qh[ib]) >> (2 * l)) & 3  # bits 2l, 2l+1 of qh are index bits 8, 9
            grid = G["iq2s"][int(qs[4 * ib + l]) | (high << 8)]
            s = int(signs[4 * ib + l])
            out += [signed(mul(db[l // 2], grid[j]), (s >> j) & 1) for j in range(8)]
    return out


def iq3_xxs(b):
    d = h(b, 0)
    qs = b[2:66]
    out = []
    for ib in range(8):
        aux = u32(b, 66 + 4 * ib)
        db = mul(mul(d, F(0.5) + F(aux >> 28)), 0.5)
        for l in range(4):
            signs = G["ksigns"][(aux >> (7 * l)) & 127]
            vals = list(G["iq3xxs"][int(qs[8 * ib + 2 * l])]) + list(G["iq3xxs"][int(qs[8 * ib + 2 * l + 1])])
            out += [signed(mul(db, vals[j]), (signs >> j) & 1) for j in range(8)]
    return out


def iq3_s(b):
    d = h(b, 0)
    qs, qh, signs, scales = b[2:66], b[66:74], b[74:106], b[106:110]
    out = []
    for ib in range(8):
        s4 = (int(scales[ib // 2]) >> (4 * (ib % 2))) & 15
        db = mul(d, 1 + 2 * s4)
        for l in range(4):
            # Index bit 8 of the two grid entries of group l: bits 2l and 2l+1 of qh[ib].
            i1 = int(qs[8 * ib + 2 * l]) | (((int(qh[ib]) >> (2 * l)) & 1) << 8)
            i2 = int(qs[8 * ib + 2 * l + 1]) | (((int(qh[ib]) >> (2 * l + 1)) & 1) << 8)
            vals = list(G["iq3s"][i1]) + list(G["iq3s"][i2])
            s = int(signs[4 * ib + l])
            out += [signed(mul(db, vals[j]), (s >> j) & 1) for j in range(8)]
    return out


IQ1S_DELTA = F(0.125)


def iq1_s(b):
    d = h(b, 0)
    out = []
    for ib in range(8):
        qh = u16(b, 34 + 2 * ib)
        dl = mul(d, 2 * ((qh >> 12) & 7) + 1)
        delta = -IQ1S_DELTA if qh & 0x8000 else IQ1S_DELTA
        for l in range(4):
            grid = G["iq1s"][int(b[2 + 4 * ib + l]) | (((qh >> (3 * l)) & 7) << 8)]
            out += [mul(dl, F(grid[j]) + delta) for j in range(8)]
    return out


def iq1_m(b):
    qs, qh = b[0:32], b[32:48]
    sc = [u16(b, 48 + 2 * k) for k in range(4)]
    # The super-block half: bits 12-15 of each of the four scale words, lowest word first.
    d = half_bits(sum(((sc[k] >> 12) & 15) << (4 * k) for k in range(4)))
    out = []
    for ib in range(8):
        w = sc[ib // 2] >> (6 * (ib % 2))
        dls = [mul(d, 2 * (w & 7) + 1), mul(d, 2 * ((w >> 3) & 7) + 1)]
        for l in range(4):
            byte = int(qh[2 * ib + l // 2])
            nib = (byte >> (4 * (l % 2))) & 15  # low nibble for groups 0, 2; high for 1, 3
            grid = G["iq1s"][int(qs[4 * ib + l]) | ((nib & 7) << 8)]
            delta = -IQ1S_DELTA if nib & 8 else IQ1S_DELTA
            out += [mul(dls[l // 2], F(grid[j]) + delta) for j in range(8)]
    return out


def base3_digits(byte, count):
    """The `count` leading base-3 digits of byte/256 scaled by 3^5/256: TQ1_0's packing of 5 trits per byte."""
    out = []
    for n in range(count):
        q = (byte * 3 ** n) % 256
        out.append((q * 3) >> 8)
    return out


def tq1_0(b):
    d = h(b, 52)
    vals = [0] * 256
    for m in range(32):
        for n, t in enumerate(base3_digits(int(b[m]), 5)):
            vals[32 * n + m] = t
    for m in range(16):
        for n, t in enumerate(base3_digits(int(b[32 + m]), 5)):
            vals[160 + 16 * n + m] = t
    for j in range(4):
        for n, t in enumerate(base3_digits(int(b[48 + j]), 4)):
            vals[240 + 4 * n + j] = t
    return [mul(t - 1, d) for t in vals]


def tq2_0(b):
    d = h(b, 64)
    vals = [0] * 256
    for half in range(2):
        for l in range(4):
            for m in range(32):
                vals[128 * half + 32 * l + m] = (int(b[32 * half + m]) >> (2 * l)) & 3
    return [mul(t - 1, d) for t in vals]


DEQUANT = {
    "IQ2_XXS": iq2_xxs, "IQ2_XS": iq2_xs, "IQ2_S": iq2_s, "IQ3_XXS": iq3_xxs, "IQ3_S": iq3_s,
    "IQ1_S": iq1_s, "IQ1_M": iq1_m, "TQ1_0": tq1_0, "TQ2_0": tq2_0,
}


def finite_half(rng):
    # Finite halves, both signs, a few subnormal.
    v = rng.normal() * (1e-6 if rng.random() < 0.2 else 1e-2)
    return int(np.array([v], dtype="<f2").view(np.uint16)[0])


def make_blocks(rng, name, n):
    _, size, half_at = TYPES[name]
    raw = rng.integers(0, 256, size=(n, size), dtype=np.uint8)
    for blk in raw:
        hb = finite_half(rng)
        if half_at is not None:
            blk[half_at:half_at + 2] = [hb & 255, hb >> 8]
        else:
            # IQ1_M: nibble k of the half goes to the top 4 bits of scale word k (bytes 48 + 2k + 1).
            for k in range(4):
                o = 48 + 2 * k + 1
                blk[o] = (int(blk[o]) & 0x0F) | (((hb >> (4 * k)) & 15) << 4)
    return raw


def bits(values):
    return [int(x) for x in np.array(values, dtype=F).view(np.uint32)]


def main():
    rng = np.random.default_rng(20261207)
    out = {"types": {}}
    for name, (tid, size, _) in TYPES.items():
        rows, cols = 3, 2 * QK_K
        raw = make_blocks(rng, name, rows * cols // QK_K)
        vals = []
        for blk in raw:
            v = DEQUANT[name](blk)
            assert len(v) == QK_K, name
            vals += v
        out["types"][name] = {"id": tid, "ne": [cols, rows], "bytes": raw.tobytes().hex(), "bits": bits(vals)}
    json.dump(out, sys.stdout, separators=(",", ":"))


if __name__ == "__main__":
    main()
