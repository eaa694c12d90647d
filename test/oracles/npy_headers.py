#!/usr/bin/env python3
"""numpy's own .npy v1.0 headers for float32 C-order arrays (oracle for src/analysis/cli/npy.ts).

Re-run:  python3 test/oracles/npy_headers.py > test/oracles/npy_headers.json   (numpy only)

For each shape, the bytes numpy.save writes before the data (magic, version, header length and
the padded header dict), as latin-1 text, and that the same bytes come from
numpy.lib.format.write_array_header_1_0, which is used for shapes too large to allocate.
"""
import io
import json

import numpy as np

SHAPES = [(64, 64), (32, 64), (172, 64), (1, 1), (7, 11), (3,), (0, 5), (152064, 8192), (1234567890123, 2)]


def header(shape):
    f = io.BytesIO()
    np.lib.format.write_array_header_1_0(f, {'descr': '<f4', 'fortran_order': False, 'shape': shape})
    return f.getvalue()


def main():
    out = {'numpy': np.__version__, 'headers': []}
    for shape in SHAPES:
        h = header(shape)
        if np.prod(shape) <= 1 << 20:
            f = io.BytesIO()
            np.save(f, np.zeros(shape, dtype='<f4'))
            assert f.getvalue()[: len(h)] == h, shape
        out['headers'].append({'shape': list(shape), 'header': h.decode('latin-1')})
    print(json.dumps(out, indent=1))


if __name__ == '__main__':
    main()
