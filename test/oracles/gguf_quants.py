"""Reference dequantization of ggml's block-quantized types, for the GGUF decoder tests.

Written from ggml's public block definitions (ggml/src/ggml-common.h `block_*` structs and the
formulas of ggml/src/ggml-quants.c `dequantize_row_*`), in numpy float32 with the reference's order
of operations, independently of Layer Lens's TypeScript decoder. Any byte pattern is a valid
encoding, so each type's blocks are seeded random bytes whose scale fields are set to finite
half-precision (Q8_K: float32) values; the output is the raw block bytes and the float32 bit
pattern of every dequantized value.

Also emits a Llama-shaped q/k pair permuted as convert_hf_to_gguf.py `LlamaModel.permute` does
(`w.reshape(n_head, 2, rows // n_head // 2, cols).swapaxes(1, 2).reshape(rows, cols)`), so the
test can check that the role map undoes it.

Re-run:  python3 test/oracles/gguf_quants.py > test/oracles/gguf_quants.json
"""
import json

import numpy as np

QK_K = 256
F = np.float32
KVALUES_MXFP4 = np.array([0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12], dtype=np.int32)
KVALUES_IQ4NL = np.array([-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113], dtype=np.int32)

# name: (ggml type id, values per block, bytes per block)
TYPES = {
    "Q4_0": (2, 32, 18),
    "Q4_1": (3, 32, 20),
    "Q5_0": (6, 32, 22),
    "Q5_1": (7, 32, 24),
    "Q8_0": (8, 32, 34),
    "Q2_K": (10, QK_K, 84),
    "Q3_K": (11, QK_K, 110),
    "Q4_K": (12, QK_K, 144),
    "Q5_K": (13, QK_K, 176),
    "Q6_K": (14, QK_K, 210),
    "Q8_K": (15, QK_K, 292),
    "IQ4_NL": (20, 32, 18),
    "IQ4_XS": (23, QK_K, 136),
    "MXFP4": (39, 32, 17),
}

# Byte offsets of the half-precision scale fields in each block.
HALF_FIELDS = {
    "Q4_0": [0], "Q4_1": [0, 2], "Q5_0": [0], "Q5_1": [0, 2], "Q8_0": [0],
    "Q2_K": [80, 82], "Q3_K": [108], "Q4_K": [0, 2], "Q5_K": [0, 2], "Q6_K": [208],
    "IQ4_NL": [0], "IQ4_XS": [0],
}


def h(b, o):
    """ggml_half at byte o, widened to float32 (exact)."""
    return np.frombuffer(bytes(b[o:o + 2]), dtype="<f2")[0].astype(F)


def mul(a, b):
    return F(F(a) * F(b))


def q4_0(b):
    d = h(b, 0)
    qs = b[2:18]
    lo = [mul(int(x & 15) - 8, d) for x in qs]
    hi = [mul(int(x >> 4) - 8, d) for x in qs]
    return lo + hi


def q4_1(b):
    d, m = h(b, 0), h(b, 2)
    qs = b[4:20]
    return [F(mul(int(x & 15), d) + m) for x in qs] + [F(mul(int(x >> 4), d) + m) for x in qs]


def fifth_bits(b, o):
    qh = int.from_bytes(bytes(b[o:o + 4]), "little")
    return [(qh >> j) & 1 for j in range(32)]


def q5_0(b):
    d = h(b, 0)
    hb = fifth_bits(b, 2)
    qs = b[6:22]
    lo = [mul((int(qs[j] & 15) | (hb[j] << 4)) - 16, d) for j in range(16)]
    hi = [mul((int(qs[j] >> 4) | (hb[j + 16] << 4)) - 16, d) for j in range(16)]
    return lo + hi


def q5_1(b):
    d, m = h(b, 0), h(b, 2)
    hb = fifth_bits(b, 4)
    qs = b[8:24]
    lo = [F(mul(int(qs[j] & 15) | (hb[j] << 4), d) + m) for j in range(16)]
    hi = [F(mul(int(qs[j] >> 4) | (hb[j + 16] << 4), d) + m) for j in range(16)]
    return lo + hi


def q8_0(b):
    d = h(b, 0)
    return [mul(int(x), d) for x in np.frombuffer(bytes(b[2:34]), dtype=np.int8)]


def iq4_nl(b):
    d = h(b, 0)
    qs = b[2:18]
    return [mul(d, KVALUES_IQ4NL[x & 15]) for x in qs] + [mul(d, KVALUES_IQ4NL[x >> 4]) for x in qs]


def q2_k(b):
    scales, qs = b[0:16], b[16:80]
    d, dmin = h(b, 80), h(b, 82)
    out = []
    # 256 values: two halves of 128; each half: 4 bit-planes (shift 0,2,4,6) of 32 bytes; each plane two groups of 16.
    s = 0
    for half in range(2):
        q = qs[32 * half:32 * half + 32]
        for shift in (0, 2, 4, 6):
            for g in range(2):
                sc = int(scales[s]); s += 1
                dl, ml = mul(d, sc & 15), mul(dmin, sc >> 4)
                out += [F(mul(dl, (int(q[16 * g + l]) >> shift) & 3) - ml) for l in range(16)]
    return out


def q3_k_scales(raw):
    """Sixteen 6-bit scales: low 4 bits from bytes 0-7 (low nibbles = scales 0-7, high = 8-15), high 2 bits from bytes 8-11."""
    raw = [int(x) for x in raw]
    out = []
    for j in range(16):
        low = (raw[j] & 15) if j < 8 else (raw[j - 8] >> 4)
        high = (raw[8 + (j % 4)] >> (2 * (j // 4))) & 3
        out.append(low | (high << 4))
    return out


def q3_k(b):
    hmask, qs, d = b[0:32], b[32:96], h(b, 108)
    sc = q3_k_scales(b[96:108])
    out = []
    s = 0
    bit = 0
    for half in range(2):
        q = qs[32 * half:32 * half + 32]
        for shift in (0, 2, 4, 6):
            for g in range(2):
                dl = mul(d, sc[s] - 32); s += 1
                for l in range(16):
                    low = (int(q[16 * g + l]) >> shift) & 3
                    high = (int(hmask[16 * g + l]) >> bit) & 1
                    out.append(mul(dl, low - (0 if high else 4)))
            bit += 1
    return out


def k4_scale_min(sc, j):
    """The j-th (scale, min) pair of a Q4_K/Q5_K block's 12 scale bytes."""
    sc = [int(x) for x in sc]
    if j < 4:
        return sc[j] & 63, sc[j + 4] & 63
    return (sc[j + 4] & 15) | ((sc[j - 4] >> 6) << 4), (sc[j + 4] >> 4) | ((sc[j] >> 6) << 4)


def q4_k(b):
    d, dmin, sc, qs = h(b, 0), h(b, 2), b[4:16], b[16:144]
    out = []
    for c in range(4):
        q = qs[32 * c:32 * c + 32]
        for nib in range(2):
            s, m = k4_scale_min(sc, 2 * c + nib)
            dl, ml = mul(d, s), mul(dmin, m)
            out += [F(mul(dl, (int(x) >> (4 * nib)) & 15) - ml) for x in q]
    return out


def q5_k(b):
    d, dmin, sc, qh, qs = h(b, 0), h(b, 2), b[4:16], b[16:48], b[48:176]
    out = []
    for c in range(4):
        q = qs[32 * c:32 * c + 32]
        for nib in range(2):
            s, m = k4_scale_min(sc, 2 * c + nib)
            dl, ml = mul(d, s), mul(dmin, m)
            bit = 2 * c + nib
            out += [F(mul(dl, ((int(q[l]) >> (4 * nib)) & 15) + (16 if (int(qh[l]) >> bit) & 1 else 0)) - ml) for l in range(32)]
    return out


def q6_k(b):
    ql, qh, d = b[0:128], b[128:192], h(b, 208)
    sc = np.frombuffer(bytes(b[192:208]), dtype=np.int8).astype(np.int32)
    out = [None] * 256
    for half in range(2):
        for l in range(32):
            for k in range(4):  # value l + 32k of this half
                lowbyte = int(ql[64 * half + l + 32 * (k & 1)])
                low = (lowbyte >> (4 * (k >> 1))) & 15
                high = (int(qh[32 * half + l]) >> (2 * k)) & 3
                q = (low | (high << 4)) - 32
                s = sc[8 * half + (l // 16) + 2 * k]
                out[128 * half + 32 * k + l] = mul(mul(d, s), q)
    return out


def q8_k(b):
    d = np.frombuffer(bytes(b[0:4]), dtype="<f4")[0]
    return [mul(d, int(x)) for x in np.frombuffer(bytes(b[4:260]), dtype=np.int8)]


def iq4_xs(b):
    d = h(b, 0)
    sh = int.from_bytes(bytes(b[2:4]), "little")
    sl, qs = b[4:8], b[8:136]
    out = []
    for ib in range(8):
        ls = ((int(sl[ib // 2]) >> (4 * (ib % 2))) & 15) | (((sh >> (2 * ib)) & 3) << 4)
        dl = mul(d, ls - 32)
        q = qs[16 * ib:16 * ib + 16]
        out += [mul(dl, KVALUES_IQ4NL[x & 15]) for x in q] + [mul(dl, KVALUES_IQ4NL[x >> 4]) for x in q]
    return out


def mxfp4(b):
    """block_mxfp4: E8M0 byte e, then 16 bytes of E2M1 nibbles; scale 2^(e-128) (ggml's half of 2^(e-127))."""
    d = F(np.ldexp(F(1), int(b[0]) - 128))
    qs = b[1:17]
    return [mul(KVALUES_MXFP4[x & 15], d) for x in qs] + [mul(KVALUES_MXFP4[x >> 4], d) for x in qs]


DEQUANT = {
    "Q4_0": q4_0, "Q4_1": q4_1, "Q5_0": q5_0, "Q5_1": q5_1, "Q8_0": q8_0, "Q2_K": q2_k, "Q3_K": q3_k,
    "Q4_K": q4_k, "Q5_K": q5_k, "Q6_K": q6_k, "Q8_K": q8_k, "IQ4_NL": iq4_nl, "IQ4_XS": iq4_xs, "MXFP4": mxfp4,
}


def make_blocks(rng, name, n):
    _, _, size = TYPES[name]
    raw = rng.integers(0, 256, size=(n, size), dtype=np.uint8)
    for blk in raw:
        if name == "MXFP4":
            continue  # every exponent byte is a valid scale
        if name == "Q8_K":
            blk[0:4] = np.frombuffer(np.array([rng.normal() * 1e-3], dtype="<f4").tobytes(), dtype=np.uint8)
            continue
        for o in HALF_FIELDS[name]:
            # Finite halves, both signs, a few subnormal.
            v = rng.normal() * (1e-6 if rng.random() < 0.2 else 1e-2)
            blk[o:o + 2] = np.frombuffer(np.array([v], dtype="<f2").tobytes(), dtype=np.uint8)
    return raw


def bits(values):
    return [int(x) for x in np.array(values, dtype=F).view(np.uint32)]


def llama_permute(w, n_head):
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def main():
    rng = np.random.default_rng(20261206)
    out = {"types": {}}
    for name, (tid, bs, size) in TYPES.items():
        rows, cols = 3, 2 * bs
        raw = make_blocks(rng, name, rows * cols // bs)
        vals = []
        for blk in raw:
            vals += DEQUANT[name](blk)
        out["types"][name] = {"id": tid, "ne": [cols, rows], "bytes": raw.tobytes().hex(), "bits": bits(vals)}
    # Llama q/k: hidden 16, 4 heads of 4, 2 key/value heads; integer values so float32 is exact.
    hidden, heads, kv, hd = 16, 4, 2, 4
    q = rng.integers(-50, 50, size=(heads * hd, hidden)).astype(F)
    k = rng.integers(-50, 50, size=(kv * hd, hidden)).astype(F)
    out["permute"] = {
        "hidden": hidden, "heads": heads, "kv_heads": kv,
        "q_hf": q.flatten().tolist(), "k_hf": k.flatten().tolist(),
        "q_gguf": llama_permute(q, heads).flatten().tolist(), "k_gguf": llama_permute(k, kv).flatten().tolist(),
    }
    json.dump(out, __import__("sys").stdout, separators=(",", ":"))


if __name__ == "__main__":
    main()
