/**
 * bitsandbytes 4-bit checkpoints (transformers `load_in_4bit`, NF4 or FP4): `<module>.weight` U8
 * with its `weight.absmax`, `weight.quant_map`, the JSON `weight.quant_state.bitsandbytes__nf4`
 * (or `__fp4`), and with double quantization `weight.nested_absmax` and `weight.nested_quant_map`
 * (bitsandbytes `functional.py` `QuantState.as_dict(packed=True)` / `from_dict`). They become one
 * `<module>.weight` of the shape the JSON records, decoded by io/quant/bnb4bitDecode.ts. LLM.int8
 * checkpoints (`load_in_8bit`: int8 `<module>.weight` with `<module>.SCB`) are decoded by
 * io/quant/bnbInt8Decode.ts.
 */
import { ModelFileError } from '../../io/modelFileError';
import type { Bnb4bitParams } from '../../io/quant/bnb4bitDecode';
import { forEachRawChunk } from '../../io/tensorReader';
import type { TensorEntry } from '../types';
import { markNotDecodable, replaceByQuantized, shapeText, type QuantizedStorageContext } from './quantConfig';

const STATE = /\.weight\.quant_state\.bitsandbytes__(nf4|fp4)$/;
const DTYPES: Record<string, string> = { float32: 'F32', float16: 'F16', bfloat16: 'BF16' };

async function stateJson(t: TensorEntry): Promise<Record<string, unknown>> {
  if (t.dtype !== 'U8' || t.byteLength > 1 << 16)
    throw new ModelFileError(`bitsandbytes quant state '${t.name}' should be a small U8 tensor holding JSON, but it is ${t.dtype} ${shapeText(t)}`);
  const bytes = new Uint8Array(t.byteLength);
  await forEachRawChunk(t, 0, t.byteLength, {}, (b, first) => bytes.set(b, first));
  try {
    const j = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    if (j && typeof j === 'object' && !Array.isArray(j)) return j as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new ModelFileError(`bitsandbytes quant state '${t.name}' is not a JSON object`);
}

function count(t: TensorEntry): number {
  return t.shape.reduce((a, b) => a * b, 1);
}

async function bnbParams(
  base: string,
  state: TensorEntry,
  weight: TensorEntry | undefined,
  absmax: TensorEntry | undefined,
  map: TensorEntry | undefined,
  nAbsmax: TensorEntry | undefined,
  nMap: TensorEntry | undefined,
): Promise<{ params: Bnb4bitParams; shape: number[] }> {
  const j = await stateJson(state);
  const quantType = String(j.quant_type ?? '');
  const blocksize = Number(j.blocksize);
  const dtype = DTYPES[String(j.dtype)];
  const shape = Array.isArray(j.shape) && j.shape.every((x) => Number.isSafeInteger(x) && (x as number) >= 0) ? (j.shape as number[]) : null;
  if (!shape || !dtype || !(blocksize > 0) || (quantType !== 'nf4' && quantType !== 'fp4'))
    throw new ModelFileError(
      `bitsandbytes quant state '${state.name}' lacks a valid quant_type, blocksize, dtype or shape (${JSON.stringify(j).slice(0, 200)})`,
    );
  const n = shape.reduce((a, b) => a * b, 1);
  if (!weight || weight.dtype !== 'U8' || count(weight) !== Math.ceil(n / 2))
    throw new ModelFileError(
      `bitsandbytes weight '${base}' should be U8 with ${Math.ceil(n / 2)} bytes (two 4-bit codes each for shape [${shape.join(', ')}])${weight ? `, but it is ${weight.dtype} ${shapeText(weight)}` : ', but it is missing'}`,
    );
  const blocks = Math.ceil(n / blocksize);
  const nested = j.nested_absmax !== undefined || nAbsmax !== undefined || j.nested_blocksize !== undefined;
  if (!absmax || count(absmax) !== blocks || (nested ? absmax.dtype !== 'U8' : absmax.dtype !== 'F32'))
    throw new ModelFileError(
      `bitsandbytes weight '${base}': '${base}.absmax' should hold ${blocks} ${nested ? 'U8 codes' : 'F32 scales'} (one per ${blocksize} values)${absmax ? `, but it is ${absmax.dtype} ${shapeText(absmax)}` : ', but it is missing'}`,
    );
  if (!map || count(map) !== 16)
    throw new ModelFileError(
      `bitsandbytes weight '${base}': '${base}.quant_map' should hold the 16 code values${map ? `, but it is ${shapeText(map)}` : ', but it is missing'}`,
    );
  let nestedBlocksize = 0;
  let nestedOffset = 0;
  if (nested) {
    nestedBlocksize = Number(j.nested_blocksize);
    nestedOffset = Number(j.nested_offset);
    if (!(nestedBlocksize > 0) || !Number.isFinite(nestedOffset))
      throw new ModelFileError(`bitsandbytes quant state '${state.name}' lacks a valid nested_blocksize or nested_offset`);
    if (!nAbsmax || count(nAbsmax) !== Math.ceil(blocks / nestedBlocksize))
      throw new ModelFileError(
        `bitsandbytes weight '${base}': '${base}.nested_absmax' should hold ${Math.ceil(blocks / nestedBlocksize)} scales${nAbsmax ? `, but it is ${shapeText(nAbsmax)}` : ', but it is missing'}`,
      );
    if (!nMap || count(nMap) !== 256)
      throw new ModelFileError(
        `bitsandbytes weight '${base}': '${base}.nested_quant_map' should hold 256 code values${nMap ? `, but it is ${shapeText(nMap)}` : ', but it is missing'}`,
      );
  }
  return { params: { quantType, blocksize, dtype, nested, nestedBlocksize, nestedOffset }, shape };
}

/** The LLM.int8 weight of `scb` (`<module>.SCB`): int8 `[out, in]` with one float32 statistic per row, in the row-major ("row", 0) weight format. */
async function int8Weight(ctx: QuantizedStorageContext, scb: TensorEntry): Promise<void> {
  const prefix = scb.name.slice(0, -'.SCB'.length);
  const weight = ctx.tensors.get(`${prefix}.weight`);
  const format = ctx.tensors.get(`${prefix}.weight_format`);
  if (!weight) return;
  const parts = [weight, scb, ...(format ? [format] : [])];
  try {
    if (weight.dtype !== 'I8' || weight.shape.length !== 2)
      throw new ModelFileError(`bitsandbytes int8 weight '${weight.name}' should be a 2-D I8 tensor, but it is ${weight.dtype} ${shapeText(weight)}`);
    if (scb.dtype !== 'F32' || count(scb) !== weight.shape[0])
      throw new ModelFileError(
        `bitsandbytes int8 weight '${weight.name}': '${scb.name}' should hold ${weight.shape[0]} F32 row statistics, but it is ${scb.dtype} ${shapeText(scb)}`,
      );
    if (format && count(format) === 1) {
      let code = 0;
      await forEachRawChunk(format, 0, 1, {}, (b) => void (code = b[0]));
      // bitsandbytes' format_to_int: 0 is "row", the layout every current checkpoint uses; the others are GPU tile layouts.
      if (code !== 0)
        throw new ModelFileError(
          `bitsandbytes int8 weight '${weight.name}' is stored in a GPU tile layout ('${format.name}' = ${code}); Layer Lens decodes the row layout`,
        );
    }
    replaceByQuantized(ctx, weight.name, weight.shape, parts, { scheme: 'bnb-int8', label: 'LLM.int8', params: {} });
  } catch (e) {
    if (!(e instanceof ModelFileError)) throw e;
    markNotDecodable(ctx, weight.name, weight.shape, parts, 'bnb-int8', 'LLM.int8', e.message);
  }
}

export async function bitsandbytesPass(ctx: QuantizedStorageContext): Promise<void> {
  for (const scb of [...ctx.tensors.values()]) if (scb.name.endsWith('.SCB')) await int8Weight(ctx, scb);
  for (const state of [...ctx.tensors.values()]) {
    const m = STATE.exec(state.name);
    if (!m) continue;
    const base = state.name.slice(0, state.name.length - m[0].length) + '.weight';
    const get = (s: string) => ctx.tensors.get(`${base}${s}`);
    const [weight, absmax, map, nAbsmax, nMap] = [get(''), get('.absmax'), get('.quant_map'), get('.nested_absmax'), get('.nested_quant_map')];
    // Decoder order: weight, absmax, quant_map, nested_absmax, nested_quant_map; the JSON last.
    const parts = [weight, absmax, map, nAbsmax, nMap, state].filter((x): x is TensorEntry => !!x);
    const label = `${m[1].toUpperCase()}`;
    try {
      const { params, shape } = await bnbParams(base, state, weight, absmax, map, nAbsmax, nMap);
      replaceByQuantized(ctx, base, shape, parts, {
        scheme: 'bnb4bit',
        label: `${label} b${params.blocksize}${params.nested ? ' dq' : ''}`,
        params: { ...params },
      });
    } catch (e) {
      if (!(e instanceof ModelFileError)) throw e;
      markNotDecodable(ctx, base, weight ? [count(weight) * 2] : [0], parts, 'bnb4bit', label, e.message);
    }
  }
}
