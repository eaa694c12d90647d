"""Reference quantizers for test/unit/analysis/io/quant/*.test.ts.

Each case quantizes a seeded random matrix and packs it the way the format's own code does, written
from the public definitions (not from Layer Lens's decoders):

- GPTQ: AutoGPTQ `qlinear_cuda_old.py` `QuantLinear.pack` (2/3/4/8 bits; 3 bits packs 32 codes into
  3 words with values 10 and 21 split across words; checkpoint format "gptq" stores zeros − 1) and
  GPTQModel's dequantize `scales[g_idx] * (weight - zeros[g_idx])` in float16.
- AWQ: AutoAWQ `WQLinear_GEMM.from_linear` packing with AWQ_ORDER [0, 2, 4, 6, 1, 3, 5, 7] and
  `packing_utils.dequantize_gemm` `(iweight - izeros) * scales` in float16.
- compressed-tensors: `pack_to_int32` (codes offset by 2^(bits-1), packed along rows, zero points
  packed along columns), `_dequantize` `(x_q - zero_point) * scale` in the scale's dtype (bfloat16 /
  float16); FP8 E4M3 (OCP "FN" encoding) and int8 weights times per-channel / per-tensor scales.
- bitsandbytes 4-bit: NF4 / FP4 code tables of bitsandbytes `get_4bit_type`, blockwise absmax,
  two codes a byte (first in the high nibble), double quantization of absmax with a 256-entry code
  and an offset; dequantized as `(T)(code[q] * absmax)` with the product in float32. LLM.int8:
  `int8_vectorwise_dequant` `A * SCB * 7.874015718698502e-3` in float32.

Rounding to float16 uses numpy's float16 (round to nearest even); bfloat16, which numpy lacks, is
rounded from the float32 bits with round-to-nearest-even (the definition torch uses).

Tensors and dequantized weights are emitted as hex strings of their little-endian bytes so the
tests can compare bit for bit. Re-run from the repository root with:
    python3 test/oracles/quant_pack.py > test/oracles/quant_pack.json
(numpy >= 1.20; seeded, so the output is reproducible.)
"""
import json

import numpy as np

rng = np.random.default_rng(20261206)


def hexof(a):
    return np.ascontiguousarray(a).tobytes().hex()


def tensor(dtype, arr, raw=None):
    """A safetensors tensor: dtype name, shape, little-endian bytes (raw: bytes already in that dtype)."""
    data = raw if raw is not None else arr
    return {"dtype": dtype, "shape": list(arr.shape), "hex": hexof(data)}


def bf16_bits(x32):
    """bfloat16 bit patterns of float32 values, round to nearest even."""
    u = np.asarray(x32, dtype=np.float32).view(np.uint32).astype(np.uint64)
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    return r


def bf16_value(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


def round_bf16(x):
    """Exact products (they fit float32) rounded once to bfloat16, as float32 values."""
    return bf16_value(bf16_bits(np.asarray(x, dtype=np.float32)))


# ---------------------------------------------------------------- GPTQ


def gptq_pack_rows(intweight, bits):
    """AutoGPTQ QuantLinear.pack: intweight [in, out] uint32 -> qweight [in*bits/32, out]."""
    rows = intweight.shape[0] // 32 * bits
    qweight = np.zeros((rows, intweight.shape[1]), dtype=np.uint32)
    i = 0
    row = 0
    while row < rows:
        if bits in (2, 4, 8):
            for j in range(i, i + 32 // bits):
                qweight[row] |= intweight[j] << np.uint32(bits * (j - i))
            i += 32 // bits
            row += 1
        else:
            for j in range(i, i + 10):
                qweight[row] |= intweight[j] << np.uint32(3 * (j - i))
            i += 10
            qweight[row] |= intweight[i] << np.uint32(30)
            row += 1
            qweight[row] |= (intweight[i] >> np.uint32(2)) & np.uint32(1)
            i += 1
            for j in range(i, i + 10):
                qweight[row] |= intweight[j] << np.uint32(3 * (j - i) + 1)
            i += 10
            qweight[row] |= intweight[i] << np.uint32(31)
            row += 1
            qweight[row] |= (intweight[i] >> np.uint32(1)) & np.uint32(3)
            i += 1
            for j in range(i, i + 10):
                qweight[row] |= intweight[j] << np.uint32(3 * (j - i) + 2)
            i += 10
            row += 1
    return qweight


def gptq_pack_cols(zeros, bits):
    """The same packing along columns (out must be a multiple of 32, as the reference's `out // 32 * bits` requires): zeros [groups, out] uint32 -> qzeros [groups, out*bits/32]."""
    return gptq_pack_rows(zeros.T.copy(), bits).T.copy()


def gptq_case(out, inn, bits, group_size, act_order, fmt, seed_scale=0.05):
    w = rng.normal(0, seed_scale, size=(out, inn)).astype(np.float32)
    maxq = 2**bits - 1
    gs = inn if group_size == -1 else group_size
    groups = (inn + gs - 1) // gs
    if act_order:
        perm = rng.permutation(inn)
        g_idx = np.empty(inn, dtype=np.int32)
        g_idx[perm] = np.arange(inn) // gs
    else:
        g_idx = (np.arange(inn) // gs).astype(np.int32)
    scales = np.zeros((groups, out), dtype=np.float16)
    zeros = np.zeros((groups, out), dtype=np.int64)
    for g in range(groups):
        cols = w[:, g_idx == g]
        lo = np.minimum(cols.min(axis=1), 0)
        hi = np.maximum(cols.max(axis=1), 0)
        s = ((hi - lo) / maxq).astype(np.float16)
        s[s == 0] = np.float16(1)
        z = np.clip(np.round(-lo / s.astype(np.float32)), 0, maxq).astype(np.int64)
        if fmt == "gptq":
            z = np.clip(z, 1, maxq)  # stored as z - 1; keeps every field within its bits
        scales[g] = s
        zeros[g] = z
    sc = scales[g_idx].astype(np.float32)  # [in, out]
    zz = zeros[g_idx]
    q = np.clip(np.round(w.T / sc) + zz, 0, maxq).astype(np.int64)  # [in, out]
    qweight = gptq_pack_rows(q.astype(np.uint32), bits).view(np.int32)
    stored_zeros = ((zeros - 1) if fmt == "gptq" else zeros) & maxq
    qzeros = gptq_pack_cols(stored_zeros.astype(np.uint32), bits).view(np.int32)
    deq = (scales[g_idx] * (q - zz).astype(np.float16)).astype(np.float32).T.copy()  # float16 product
    return qweight, qzeros, scales, g_idx, deq


def gptq_model_case(name, out, inn, bits, group_size, act_order, fmt, with_gidx=True):
    qweight, qzeros, scales, g_idx, deq = gptq_case(out, inn, bits, group_size, act_order, fmt)
    tensors = {
        f"{name}.qweight": tensor("I32", qweight),
        f"{name}.qzeros": tensor("I32", qzeros),
        f"{name}.scales": tensor("F16", scales),
    }
    if with_gidx:
        tensors[f"{name}.g_idx"] = tensor("I32", g_idx)
    return tensors, {f"{name}.weight": {"shape": [out, inn], "hex": hexof(deq)}}


def gptq_file(bits, group_size, act_order, fmt, out, inn, sym=False, with_gidx=True):
    tensors, weights = gptq_model_case("model.layers.0.mlp.down_proj", out, inn, bits, group_size, act_order, fmt, with_gidx)
    cfg = {"quant_method": "gptq", "bits": bits, "group_size": group_size, "desc_act": act_order, "sym": sym, "checkpoint_format": fmt}
    return {"config": cfg, "tensors": tensors, "weights": weights}


def gptq_llama():
    """Two Llama layers, every projection GPTQ int4 g32 act-order (hidden 32, intermediate 64)."""
    shapes = {"self_attn.q_proj": (32, 32), "self_attn.k_proj": (32, 32), "self_attn.v_proj": (32, 32), "self_attn.o_proj": (32, 32), "mlp.gate_proj": (64, 32), "mlp.up_proj": (64, 32), "mlp.down_proj": (32, 64)}
    tensors, weights = {}, {}
    for layer in range(2):
        for mod, (o, i) in shapes.items():
            t, w = gptq_model_case(f"model.layers.{layer}.{mod}", o, i, 4, 32, True, "gptq")
            tensors.update(t)
            weights.update(w)
    cfg = {"quant_method": "gptq", "bits": 4, "group_size": 32, "desc_act": True, "sym": False, "checkpoint_format": "gptq"}
    return {"config": cfg, "tensors": tensors, "weights": weights}


# ---------------------------------------------------------------- AWQ

AWQ_ORDER = [0, 2, 4, 6, 1, 3, 5, 7]


def awq_file(out, inn, gs):
    w = rng.normal(0, 0.05, size=(out, inn)).astype(np.float32)
    groups = inn // gs
    scales = np.zeros((groups, out), dtype=np.float16)
    zeros = np.zeros((groups, out), dtype=np.int64)
    for g in range(groups):
        cols = w[:, g * gs : (g + 1) * gs]
        lo, hi = cols.min(axis=1), cols.max(axis=1)
        s = ((hi - lo) / 15).astype(np.float16)
        scales[g] = s
        zeros[g] = np.clip(np.round(-lo / s.astype(np.float32)), 0, 15)
    sc = np.repeat(scales, gs, axis=0).astype(np.float32)  # [in, out]
    zz = np.repeat(zeros, gs, axis=0)
    iw = np.clip(np.round(w.T / sc) + zz, 0, 15).astype(np.uint32)  # [in, out]
    qweight = np.zeros((inn, out // 8), dtype=np.uint32)
    for col in range(out // 8):
        for i in range(8):
            qweight[:, col] |= iw[:, col * 8 + AWQ_ORDER[i]] << np.uint32(i * 4)
    qzeros = np.zeros((groups, out // 8), dtype=np.uint32)
    zu = zeros.astype(np.uint32)
    for col in range(out // 8):
        for i in range(8):
            qzeros[:, col] |= zu[:, col * 8 + AWQ_ORDER[i]] << np.uint32(i * 4)
    deq = ((iw.astype(np.int64) - zz).astype(np.float16) * np.repeat(scales, gs, axis=0)).astype(np.float32).T.copy()
    name = "model.layers.0.self_attn.q_proj"
    return {
        "config": {"quant_method": "awq", "bits": 4, "group_size": gs, "version": "gemm", "zero_point": True},
        "tensors": {f"{name}.qweight": tensor("I32", qweight.view(np.int32)), f"{name}.qzeros": tensor("I32", qzeros.view(np.int32)), f"{name}.scales": tensor("F16", scales)},
        "weights": {f"{name}.weight": {"shape": [out, inn], "hex": hexof(deq)}},
    }


# ---------------------------------------------------------------- compressed-tensors


def pack_to_int32(value, bits, packed_dim):
    """compressed-tensors pack_to_int32: signed codes -> unsigned (+2^(bits-1)), padded, packed."""
    v = (value + (1 << (bits - 1))).astype(np.uint32)
    pf = 32 // bits
    if packed_dim == 0:
        v = v.T
    size = (v.shape[1] + pf - 1) // pf
    v = np.pad(v, [(0, 0), (0, size * pf - v.shape[1])])
    packed = np.zeros((v.shape[0], size), dtype=np.uint32)
    for i in range(pf):
        packed |= v[:, i::pf] << np.uint32(bits * i)
    if packed_dim == 0:
        packed = packed.T
    return np.ascontiguousarray(packed).view(np.int32)


def ct_packed_file(out, inn, bits, gs, asym, scale_dtype):
    w = rng.normal(0, 0.05, size=(out, inn)).astype(np.float32)
    groups = 1 if gs is None else inn // gs
    gsz = inn if gs is None else gs
    qmin, qmax = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    s32 = np.zeros((out, groups), dtype=np.float32)
    zp = np.zeros((out, groups), dtype=np.int64)
    for g in range(groups):
        cols = w[:, g * gsz : (g + 1) * gsz]
        lo, hi = np.minimum(cols.min(axis=1), 0), np.maximum(cols.max(axis=1), 0)
        if asym:
            s = (hi - lo) / (qmax - qmin)
            zp[:, g] = np.clip(np.round(qmin - lo / s), qmin, qmax)
        else:
            s = np.maximum(np.abs(lo), hi) / ((qmax - qmin) / 2)
        s32[:, g] = s
    if scale_dtype == "BF16":
        sbits = bf16_bits(s32)
        sval = bf16_value(sbits)
        scale_t = tensor("BF16", s32, raw=sbits)
    else:
        sval = s32.astype(np.float16).astype(np.float32)
        scale_t = tensor("F16", s32, raw=s32.astype(np.float16))
    colg = np.arange(inn) // gsz
    q = np.clip(np.round(w / sval[:, colg]) + zp[:, colg], qmin, qmax).astype(np.int64)
    exact = (q - zp[:, colg]).astype(np.float32) * sval[:, colg]  # exact in float32
    deq = round_bf16(exact) if scale_dtype == "BF16" else exact.astype(np.float16).astype(np.float32)
    name = "model.layers.0.mlp.gate_proj"
    tensors = {f"{name}.weight_packed": tensor("I32", pack_to_int32(q, bits, 1)), f"{name}.weight_scale": scale_t, f"{name}.weight_shape": tensor("I64", np.array([out, inn], dtype=np.int64))}
    if asym:
        tensors[f"{name}.weight_zero_point"] = tensor("I32", pack_to_int32(zp, bits, 0))
    weights = {"num_bits": bits, "type": "int", "symmetric": not asym, "strategy": "channel" if gs is None else "group", "group_size": gs}
    cfg = {"quant_method": "compressed-tensors", "format": "pack-quantized", "config_groups": {"group_0": {"targets": ["Linear"], "weights": weights}}}
    return {"config": cfg, "tensors": tensors, "weights": {f"{name}.weight": {"shape": [out, inn], "hex": hexof(deq.astype(np.float32))}}}


def e4m3_value(code):
    """OCP FP8 E4M3 ('FN': no infinities; S.1111.111 is NaN): sign, 4 exponent bits (bias 7), 3 mantissa bits."""
    code = np.asarray(code, dtype=np.int64)
    sign = np.where(code & 0x80, -1.0, 1.0)
    e = (code >> 3) & 0xF
    m = code & 7
    val = np.where(e == 0, m / 8.0 * 2.0**-6, (1 + m / 8.0) * 2.0 ** (e - 7))
    return sign * val


def ct_fp8_file(out, inn, per_channel):
    codes = rng.integers(0, 256, size=(out, inn)).astype(np.uint8)
    codes[(codes & 0x7F) == 0x7F] = 0x10  # no NaN codes
    if per_channel:
        s32 = rng.uniform(0.001, 0.01, size=(out, 1)).astype(np.float32)
        sbits = bf16_bits(s32)
        sval = bf16_value(sbits)
        scale_t = tensor("BF16", s32, raw=sbits)
        deq = round_bf16(e4m3_value(codes).astype(np.float32) * sval)
        strategy = "channel"
    else:
        s32 = np.array([0.0037], dtype=np.float32)
        scale_t = tensor("F32", s32)
        deq = (e4m3_value(codes) * s32.astype(np.float64)).astype(np.float32)
        strategy = "tensor"
    name = "model.layers.0.self_attn.o_proj"
    weights = {"num_bits": 8, "type": "float", "symmetric": True, "strategy": strategy}
    cfg = {"quant_method": "compressed-tensors", "format": "float-quantized", "config_groups": {"group_0": {"targets": ["Linear"], "weights": weights}}}
    return {"config": cfg, "tensors": {f"{name}.weight": tensor("F8_E4M3", codes), f"{name}.weight_scale": scale_t}, "weights": {f"{name}.weight": {"shape": [out, inn], "hex": hexof(deq.astype(np.float32))}}}


def ct_int8_file(out, inn):
    w = rng.normal(0, 0.05, size=(out, inn)).astype(np.float32)
    lo, hi = w.min(axis=1, keepdims=True), w.max(axis=1, keepdims=True)
    s = ((hi - lo) / 255).astype(np.float16)
    zp = np.clip(np.round(-128 - lo / s.astype(np.float32)), -128, 127).astype(np.int64)
    q = np.clip(np.round(w / s.astype(np.float32)) + zp, -128, 127).astype(np.int64)
    deq = ((q - zp).astype(np.float32) * s.astype(np.float32)).astype(np.float16).astype(np.float32)
    name = "model.layers.0.self_attn.v_proj"
    weights = {"num_bits": 8, "type": "int", "symmetric": False, "strategy": "channel"}
    cfg = {"quant_method": "compressed-tensors", "format": "int-quantized", "config_groups": {"group_0": {"targets": ["Linear"], "weights": weights}}}
    return {
        "config": cfg,
        "tensors": {f"{name}.weight": tensor("I8", q.astype(np.int8)), f"{name}.weight_scale": tensor("F16", s), f"{name}.weight_zero_point": tensor("I8", zp.astype(np.int8))},
        "weights": {f"{name}.weight": {"shape": [out, inn], "hex": hexof(deq)}},
    }


# ---------------------------------------------------------------- bitsandbytes

NF4 = [-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
       0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0]
FP4 = [0, 0.0625, 8.0, 12.0, 4.0, 6.0, 2.0, 3.0, -0.0, -0.0625, -8.0, -12.0, -4.0, -6.0, -2.0, -3.0]


def bnb_file(shape, quant_type, blocksize, dtype, nested):
    n = int(np.prod(shape))
    w = rng.normal(0, 0.05, size=n).astype(np.float32)
    code = np.array(NF4 if quant_type == "nf4" else FP4, dtype=np.float32)
    code = (code / np.abs(code).max()).astype(np.float32)
    blocks = (n + blocksize - 1) // blocksize
    absmax = np.array([np.abs(w[b * blocksize : (b + 1) * blocksize]).max() for b in range(blocks)], dtype=np.float32)
    scaled = w / np.repeat(absmax, blocksize)[:n]
    q = np.argmin(np.abs(scaled[:, None] - code[None, :]), axis=1).astype(np.uint8)
    qp = np.pad(q, (0, (-n) % 2))
    packed = ((qp[0::2] << 4) | qp[1::2]).astype(np.uint8).reshape(-1, 1)
    base = "model.layers.0.mlp.up_proj.weight"
    state = {"quant_type": quant_type, "blocksize": blocksize, "dtype": dtype, "shape": list(shape)}
    tensors = {base: tensor("U8", packed), f"{base}.quant_map": tensor("F32", code)}
    if nested:
        nbs = 256
        offset = np.float32(absmax.mean())
        centred = (absmax - offset).astype(np.float32)
        ncode = np.linspace(-1, 1, 256).astype(np.float32)
        nblocks = (blocks + nbs - 1) // nbs
        nabs = np.array([np.abs(centred[b * nbs : (b + 1) * nbs]).max() for b in range(nblocks)], dtype=np.float32)
        qa = np.argmin(np.abs((centred / np.repeat(nabs, nbs)[:blocks])[:, None] - ncode[None, :]), axis=1).astype(np.uint8)
        absmax_used = ((ncode[qa] * np.repeat(nabs, nbs)[:blocks]).astype(np.float32) + offset).astype(np.float32)
        tensors[f"{base}.absmax"] = tensor("U8", qa)
        tensors[f"{base}.nested_absmax"] = tensor("F32", nabs)
        tensors[f"{base}.nested_quant_map"] = tensor("F32", ncode)
        state.update({"nested_blocksize": nbs, "nested_dtype": "float32", "nested_offset": float(offset)})
    else:
        absmax_used = absmax
        tensors[f"{base}.absmax"] = tensor("F32", absmax)
    js = np.frombuffer(json.dumps(state).encode(), dtype=np.uint8)
    tensors[f"{base}.quant_state.bitsandbytes__{quant_type}"] = tensor("U8", js)
    prod = (code[q].astype(np.float32) * np.repeat(absmax_used, blocksize)[:n]).astype(np.float32)
    if dtype == "bfloat16":
        deq = round_bf16(prod)
    elif dtype == "float16":
        deq = prod.astype(np.float16).astype(np.float32)
    else:
        deq = prod
    cfg = {"quant_method": "bitsandbytes", "load_in_4bit": True, "bnb_4bit_quant_type": quant_type, "bnb_4bit_use_double_quant": nested}
    return {"config": cfg, "tensors": tensors, "weights": {base: {"shape": list(shape), "hex": hexof(deq.reshape(shape).astype(np.float32))}}}


def bnb_int8_file(out, inn):
    """LLM.int8: row-wise absmax SCB, int8 codes round(W * 127 / SCB); dequantized as
    bitsandbytes int8_vectorwise_dequant: A * SCB * 7.874015718698502e-3, all in float32."""
    w = rng.normal(0, 0.05, size=(out, inn)).astype(np.float32)
    scb = np.abs(w).max(axis=1).astype(np.float32)
    cb = np.round(w * (np.float32(127) / scb[:, None])).astype(np.int8)
    deq = ((cb.astype(np.float32) * scb[:, None]).astype(np.float32) * np.float32(7.874015718698502e-3)).astype(np.float32)
    name = "model.layers.0.self_attn.k_proj"
    return {
        "config": {"quant_method": "bitsandbytes", "load_in_8bit": True},
        "tensors": {f"{name}.weight": tensor("I8", cb), f"{name}.SCB": tensor("F32", scb), f"{name}.weight_format": tensor("U8", np.array(0, dtype=np.uint8))},
        "weights": {f"{name}.weight": {"shape": [out, inn], "hex": hexof(deq)}},
    }


cases = {
    "gptq_int4_g32_actorder_v1": gptq_file(4, 32, True, "gptq", 32, 64),
    "gptq_int8_perchannel_v2": gptq_file(8, -1, False, "gptq_v2", 32, 32),
    "gptq_int3_g32_v1": gptq_file(3, 32, False, "gptq", 32, 64),
    "gptq_int2_g16_v1_no_gidx": gptq_file(2, 16, False, "gptq", 32, 32, with_gidx=False),
    "gptq_llama": gptq_llama(),
    "awq_int4_g32": awq_file(16, 64, 32),
    "ct_int4_g32_asym_bf16": ct_packed_file(16, 64, 4, 32, True, "BF16"),
    "ct_int4_channel_sym_f16_padded": ct_packed_file(8, 60, 4, None, False, "F16"),
    "ct_fp8_channel_bf16": ct_fp8_file(8, 32, True),
    "ct_fp8_tensor_f32": ct_fp8_file(8, 16, False),
    "ct_int8_channel_asym": ct_int8_file(8, 32),
    "bnb_nf4_bf16": bnb_file((16, 24), "nf4", 64, "bfloat16", False),
    "bnb_nf4_f32_partial_block": bnb_file((8, 20), "nf4", 64, "float32", False),
    "bnb_fp4_nested_f16": bnb_file((16, 64), "fp4", 64, "float16", True),
    "bnb_int8": bnb_int8_file(8, 32),
}
print(json.dumps({"cases": cases}, indent=None, separators=(",", ":")))
