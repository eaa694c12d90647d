/**
 * compressed-tensors checkpoints (llm-compressor; `quant_method: "compressed-tensors"`):
 * `pack-quantized` weights (`<module>.weight_packed` + `weight_scale` [+ `weight_zero_point`,
 * `weight_g_idx`, `weight_shape`]) and the one-byte formats `float-quantized` (FP8) /
 * `int-quantized` (int8) (`<module>.weight` + `weight_scale` [+ `weight_zero_point`]) each become
 * one `<module>.weight` decoded by io/quant/ctPackedDecode.ts or ctScaledDecode.ts. The scale's
 * shape says the strategy: one value (tensor), `[out, 1]` (channel), `[out, groups]` (group) or
 * `[rows/bh, in/bw]` (block).
 */
import { ModelFileError } from '../../io/modelFileError';
import type { CtPackedParams } from '../../io/quant/ctPackedDecode';
import type { CtScaledParams } from '../../io/quant/ctScaledDecode';
import { readElementsF32 } from '../../io/tensorReader';
import type { TensorEntry } from '../types';
import { markNotDecodable, quantizationConfig, quantMethod, replaceByQuantized, shapeText, type QuantizedStorageContext } from './quantConfig';

const ONE_BYTE = new Set(['F8_E4M3', 'F8_E5M2', 'I8', 'U8']);

/** `num_bits` of the weights, when every config group that quantizes weights agrees on it. */
function configuredBits(q: Record<string, unknown> | null): number | undefined {
  const groups = q?.config_groups;
  if (!groups || typeof groups !== 'object') return undefined;
  const bits = new Set<number>();
  for (const g of Object.values(groups as Record<string, unknown>)) {
    const w = (g as { weights?: { num_bits?: unknown } } | null)?.weights;
    if (typeof w?.num_bits === 'number') bits.add(w.num_bits);
  }
  return bits.size === 1 ? [...bits][0] : undefined;
}

interface ScaleLayout {
  groups: number;
  groupSize: number;
  rowsPerScale: number;
  label: string;
}

/** The strategy a scale's shape implies for an `[out, in]` weight, or a ModelFileError. */
function scaleLayout(name: string, scale: TensorEntry, out: number, inFeatures: number): ScaleLayout {
  const n = scale.shape.reduce((a, b) => a * b, 1);
  if (n === 1) return { groups: 1, groupSize: inFeatures, rowsPerScale: out, label: 'per-tensor' };
  if (scale.shape.length === 2) {
    const [r, g] = scale.shape;
    const groupSize = Math.ceil(inFeatures / g);
    if (r === out && g === 1) return { groups: 1, groupSize: inFeatures, rowsPerScale: 1, label: 'per-channel' };
    if (r === out && Math.ceil(inFeatures / groupSize) === g) return { groups: g, groupSize, rowsPerScale: 1, label: `g${groupSize}` };
    const bh = Math.ceil(out / r);
    // Blocks (FP8 block strategy, e.g. 128×128) have power-of-two sides; anything else is damage, not a layout.
    const pow2 = (x: number) => (x & (x - 1)) === 0;
    if (r < out && pow2(bh) && pow2(groupSize) && Math.ceil(out / bh) === r && Math.ceil(inFeatures / groupSize) === g)
      return { groups: g, groupSize, rowsPerScale: bh, label: `block ${bh}×${groupSize}` };
  }
  if (scale.shape.length === 1 && scale.shape[0] === out) return { groups: 1, groupSize: inFeatures, rowsPerScale: 1, label: 'per-channel' };
  throw new ModelFileError(
    `compressed-tensors weight '${name}': scale '${scale.name}' ${shapeText(scale)} fits no strategy (tensor, channel, group, block) of a [${out}, ${inFeatures}] weight`,
  );
}

async function packedParams(
  q: Record<string, unknown> | null,
  prefix: string,
  packed: TensorEntry,
  scale: TensorEntry | undefined,
  zero: TensorEntry | undefined,
  gIdx: TensorEntry | undefined,
  shape: TensorEntry | undefined,
): Promise<CtPackedParams> {
  const name = `${prefix}.weight`;
  if (packed.dtype !== 'I32' || packed.shape.length !== 2)
    throw new ModelFileError(
      `compressed-tensors weight '${name}': '${packed.name}' should be a 2-D I32 tensor, but it is ${packed.dtype} ${shapeText(packed)}`,
    );
  if (!scale)
    throw new ModelFileError(`compressed-tensors weight '${name}' has packed integers ('${packed.name}') but no scale tensor '${prefix}.weight_scale'`);
  const [out, pc] = packed.shape;
  let inFeatures: number | undefined;
  if (shape) {
    const s = await readElementsF32(
      shape,
      0,
      Math.min(
        2,
        shape.shape.reduce((a, b) => a * b, 1),
      ),
    );
    if (s.length !== 2 || s[0] !== out)
      throw new ModelFileError(`compressed-tensors weight '${name}': '${shape.name}' says [${[...s].join(', ')}], but '${packed.name}' holds ${out} rows`);
    inFeatures = s[1];
  }
  const configured = configuredBits(q);
  // Without a config, the bits whose packing of `in` columns gives exactly the stored words.
  const bits = configured ?? (inFeatures !== undefined ? [4, 8, 2].find((b) => Math.ceil((inFeatures! * b) / 32) === pc) : 4);
  if (bits === undefined || ![2, 4, 8].includes(bits))
    throw new ModelFileError(`compressed-tensors weight '${name}' uses ${bits ?? 'an unknown number of'} bits; pack-quantized packs 2, 4 or 8`);
  const per = 32 / bits;
  inFeatures ??= pc * per;
  if (Math.ceil(inFeatures / per) !== pc)
    throw new ModelFileError(
      `compressed-tensors weight '${name}': '${packed.name}' ${shapeText(packed)} holds ${pc} words a row, but ${inFeatures} columns at ${bits} bits need ${Math.ceil(inFeatures / per)}`,
    );
  const layout = scaleLayout(name, scale, out, inFeatures);
  if (zero && (zero.dtype !== 'I32' || zero.shape.length !== 2 || zero.shape[0] !== Math.ceil(out / per) || zero.shape[1] !== layout.groups))
    throw new ModelFileError(
      `compressed-tensors weight '${name}': zero points '${zero.name}' ${zero.dtype} ${shapeText(zero)} should be I32 [${Math.ceil(out / per)}, ${layout.groups}]`,
    );
  if (gIdx && (gIdx.dtype !== 'I32' || gIdx.shape.length !== 1 || gIdx.shape[0] !== inFeatures))
    throw new ModelFileError(`compressed-tensors weight '${name}': g_idx '${gIdx.name}' ${gIdx.dtype} ${shapeText(gIdx)} should be I32 [${inFeatures}]`);
  if (layout.rowsPerScale !== 1 && layout.rowsPerScale !== out)
    throw new ModelFileError(`compressed-tensors weight '${name}': block scales are not defined for pack-quantized weights`);
  return {
    bits,
    groupSize: layout.groupSize,
    groups: layout.groups,
    inFeatures,
    outFeatures: out,
    packedCols: pc,
    scaleDtype: scale.dtype,
    scaleRows: layout.rowsPerScale === out && layout.groups === 1 && scale.shape.reduce((a, b) => a * b, 1) === 1 ? 1 : out,
    zeroPart: zero ? 2 : -1,
    gIdxPart: gIdx ? (zero ? 3 : 2) : -1,
  };
}

function scaledParams(weight: TensorEntry, scale: TensorEntry, zero: TensorEntry | undefined): { params: CtScaledParams; label: string } {
  const name = weight.name;
  if (weight.shape.length !== 2) throw new ModelFileError(`compressed-tensors weight '${name}' ${shapeText(weight)} should be 2-D`);
  const [out, inFeatures] = weight.shape;
  const layout = scaleLayout(name, scale, out, inFeatures);
  const scaleCount = scale.shape.reduce((a, b) => a * b, 1);
  if (zero && zero.shape.reduce((a, b) => a * b, 1) !== scaleCount)
    throw new ModelFileError(
      `compressed-tensors weight '${name}': zero points '${zero.name}' ${shapeText(zero)} should have the shape of its scale ${shapeText(scale)}`,
    );
  const kind = weight.dtype.startsWith('F8') ? 'FP8' : 'int8';
  return {
    params: {
      inFeatures,
      outFeatures: out,
      groupSize: layout.groupSize,
      groups: layout.groups,
      rowsPerScale: layout.rowsPerScale,
      scaleDtype: scale.dtype,
      zeroPart: zero ? 2 : -1,
    },
    label: `CT ${kind} ${layout.label}`,
  };
}

export async function compressedTensorsPass(ctx: QuantizedStorageContext): Promise<void> {
  const q = await quantizationConfig(ctx);
  if (quantMethod(q) !== 'compressed-tensors') return;
  for (const t of [...ctx.tensors.values()]) {
    if (t.name.endsWith('.weight_packed')) {
      const prefix = t.name.slice(0, -'.weight_packed'.length);
      const get = (s: string) => ctx.tensors.get(`${prefix}.${s}`);
      const [scale, zero, gIdx, shape] = [get('weight_scale'), get('weight_zero_point'), get('weight_g_idx'), get('weight_shape')];
      const parts = [t, scale, zero, gIdx].filter((x): x is TensorEntry => !!x);
      const name = `${prefix}.weight`;
      try {
        const p = await packedParams(q, prefix, t, scale, zero, gIdx, shape);
        if (shape) ctx.tensors.delete(shape.name);
        replaceByQuantized(ctx, name, [p.outFeatures, p.inFeatures], parts, {
          scheme: 'ct-packed',
          label: `CT int${p.bits} ${p.groups === 1 ? (p.scaleRows === 1 ? 'per-tensor' : 'per-channel') : `g${p.groupSize}`}`,
          params: { ...p },
        });
      } catch (e) {
        if (!(e instanceof ModelFileError)) throw e;
        if (shape) ctx.tensors.delete(shape.name);
        markNotDecodable(ctx, name, [t.shape[0], t.shape[1] * 8], parts, 'ct-packed', 'CT int', e.message);
      }
      continue;
    }
    if (t.name.endsWith('.weight') && ONE_BYTE.has(t.dtype)) {
      const prefix = t.name.slice(0, -'.weight'.length);
      const scale = ctx.tensors.get(`${prefix}.weight_scale`);
      if (!scale) continue;
      const zero = ctx.tensors.get(`${prefix}.weight_zero_point`);
      const parts = [t, scale, ...(zero ? [zero] : [])];
      try {
        const { params, label } = scaledParams(t, scale, zero);
        replaceByQuantized(ctx, t.name, t.shape, parts, { scheme: 'ct-scaled', label, params: { ...params } });
      } catch (e) {
        if (!(e instanceof ModelFileError)) throw e;
        markNotDecodable(ctx, t.name, t.shape, parts, 'ct-scaled', t.dtype.startsWith('F8') ? 'CT FP8' : 'CT int8', e.message);
      }
    }
  }
}
