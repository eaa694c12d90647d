# Oracle for test/unit/analysis/model/tensorDetail.test.ts and test/unit/analysis/stats/quantiles.test.ts:
# numpy's np.quantile(x, q, method='linear') (its default) of a tensor's finite values and of their
# magnitudes, at the probabilities the model editor lists.
# Re-run from the repository root with:  python3 test/oracles/tensor_quantiles.py > test/oracles/tensor_quantiles.json
# (numpy >= 1.22 for method=; inputs are seeded, so the output is reproducible).
#
# Each case holds float32 values (printed exactly), where NaN and +/-Inf go (JSON has no spelling for
# them; they are left out of the quantiles), the shape the test writes them with, and the quantiles
# computed in float64 from the float32 values.
# - "f32_heavy": Student-t (3 degrees of freedom) values, a matrix [53, 61] with 3 NaN and 2 Inf.
# - "f32_ties": small integers and zeros, many ties, a 1-D tensor of 1000 values.
# - "bf16": normal values rounded to bfloat16 (round to nearest even), a matrix [64, 96]: every value
#   is a bfloat16 number, so the bf16-bin histogram reads them exactly.
import json

import numpy as np

PROBS = [0, 0.001, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 0.999, 1]
rng = np.random.default_rng(20261206)


def to_bf16(x):
    """float32 -> nearest bfloat16 (ties to even), returned as float32."""
    b = np.asarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    r = ((b + 0x7FFF + ((b >> 16) & 1)) >> 16) << 16
    return r.astype(np.uint32).view(np.float32)


def case(values, shape, nan_at=(), inf_at=()):
    v = np.asarray(values, dtype=np.float32).copy()
    full = v.astype(np.float64)
    finite = full.copy()
    keep = np.ones(v.size, dtype=bool)
    for i in nan_at:
        keep[i] = False
    for i in inf_at:
        keep[i] = False
    finite = full[keep]
    return {
        'shape': shape,
        'values': [float(x) for x in v],
        'nan_at': list(nan_at),
        'inf_at': list(inf_at),
        'quantiles': [float(x) for x in np.quantile(finite, PROBS, method='linear')],
        'abs_quantiles': [float(x) for x in np.quantile(np.abs(finite), PROBS, method='linear')],
    }


heavy = rng.standard_t(3, size=53 * 61).astype(np.float32) * np.float32(0.02)
nan_at, inf_at = [5, 700, 3000], [42, 1234]
out = {
    'probs': PROBS,
    'f32_heavy': case(heavy, [53, 61], nan_at, inf_at),
    'f32_ties': case(rng.integers(-3, 4, size=1000).astype(np.float32), [1000]),
    'bf16': case(to_bf16(rng.standard_normal(64 * 96).astype(np.float32) * np.float32(0.05)), [64, 96]),
}
print(json.dumps(out))
