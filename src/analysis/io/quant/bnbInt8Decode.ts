/**
 * bitsandbytes LLM.int8 weights (transformers `load_in_8bit` checkpoints): `weight` int8 `[out, in]`
 * with `SCB` float32 `[out]`, each row's absolute maximum. Following bitsandbytes `functional.py`
 * `int8_vectorwise_dequant`: `A * stats.view(-1, 1) * 7.874015718698502e-3`, in float32 (the int8
 * value times its row's statistic, rounded to float32, then times the float32 reciprocal of 127).
 */
import type { QuantDecoder } from './types';
import { byRows } from './groupedInt';
import { readPartBytes, wholePartF32 } from './partBytes';

const INV_127 = Math.fround(7.874015718698502e-3);

export const decodeBnbInt8: QuantDecoder = (entry, first, count, opts, read, into) =>
  byRows(
    entry,
    first,
    count,
    async (o0, o1, dest) => {
      const [parts, n] = [entry.quant!.parts, entry.shape[1]];
      const [bytes, scb] = await Promise.all([readPartBytes(read, parts[0], o0 * n, (o1 - o0) * n, opts), wholePartF32(read, parts[1], opts)]);
      const q = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const res = dest ?? new Float32Array((o1 - o0) * n);
      const lut = new Float32Array(256);
      for (let r = 0; r < o1 - o0; r++) {
        const s = scb[o0 + r];
        for (let v = -128; v < 128; v++) lut[v & 255] = Math.fround(Math.fround(v * s) * INV_127);
        const at = r * n;
        for (let i = 0; i < n; i++) res[at + i] = lut[q[at + i] & 255];
      }
      return res;
    },
    into,
  );
