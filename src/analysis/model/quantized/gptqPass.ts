/**
 * GPTQ checkpoints: each `<module>.qweight` with its `qzeros`, `scales` and (optional) `g_idx`
 * becomes one `<module>.weight` `[out, in]` decoded by io/quant/gptqDecode.ts. The layout and the
 * zero-point convention are described there; here the parts' shapes are checked against each other
 * so a damaged or mislabelled weight is reported by name instead of decoded into nonsense.
 */
import { ModelFileError } from '../../io/modelFileError';
import type { GptqParams } from '../../io/quant/gptqDecode';
import type { TensorEntry } from '../types';
import {
  markNotDecodable,
  numberField,
  quantizationConfig,
  quantMethod,
  replaceByQuantized,
  shapeText,
  stringField,
  type QuantizedStorageContext,
} from './quantConfig';

const BITS = new Set([2, 3, 4, 8]);

/** Which packed-integer scheme a `qweight` belongs to: the config's method, else what the shapes say (GPTQ scales `[groups, out]` match qweight's columns, AWQ's are 8× them). */
export function qweightMethod(method: string | undefined, qweight: TensorEntry, scales: TensorEntry | undefined): 'gptq' | 'awq' | undefined {
  if (method === 'gptq' || method === 'awq') return method;
  if (method !== undefined || !scales || qweight.shape.length !== 2 || scales.shape.length !== 2) return undefined;
  if (scales.shape[1] === qweight.shape[1]) return 'gptq';
  if (scales.shape[1] === qweight.shape[1] * 8) return 'awq';
  return undefined;
}

/** `GPTQ int4 g128`; `per-channel` when the checkpoint has one group per column (group_size −1). */
export function gptqLabel(bits: number, groupSize: number, perChannel: boolean): string {
  return `GPTQ int${bits} ${perChannel ? 'per-channel' : `g${groupSize}`}`;
}

/** Whether the checkpoint quantizes each column as one group: group_size −1 (or none given and a single row of scales). */
export function isPerChannel(q: Record<string, unknown> | null, groups: number): boolean {
  const g = numberField(q, 'group_size', 'q_group_size');
  return g === -1 || (g === undefined && groups === 1);
}

/** The checked parameters of one GPTQ weight, or a ModelFileError naming the part at fault. */
function gptqParams(
  q: Record<string, unknown> | null,
  prefix: string,
  qw: TensorEntry,
  qz: TensorEntry | undefined,
  sc: TensorEntry | undefined,
  gi: TensorEntry | undefined,
): GptqParams {
  const name = `${prefix}.weight`;
  if (qw.dtype !== 'I32' || qw.shape.length !== 2)
    throw new ModelFileError(`GPTQ weight '${name}': '${qw.name}' should be a 2-D I32 tensor, but it is ${qw.dtype} ${shapeText(qw)}`);
  if (!sc) throw new ModelFileError(`GPTQ weight '${name}' has packed integers ('${qw.name}') but no scales tensor '${prefix}.scales'`);
  if (!qz) throw new ModelFileError(`GPTQ weight '${name}' has packed integers ('${qw.name}') but no zero points tensor '${prefix}.qzeros'`);
  const out = qw.shape[1];
  if (sc.shape.length !== 2 || sc.shape[1] !== out)
    throw new ModelFileError(`GPTQ weight '${name}': scales '${sc.name}' ${shapeText(sc)} should be [groups, ${out}] to match '${qw.name}' ${shapeText(qw)}`);
  const groups = sc.shape[0];
  if (qz.dtype !== 'I32' || qz.shape.length !== 2 || qz.shape[0] !== groups)
    throw new ModelFileError(
      `GPTQ weight '${name}': zero points '${qz.name}' ${qz.dtype} ${shapeText(qz)} should be I32 [${groups}, out·bits/32] like its scales ${shapeText(sc)}`,
    );
  // Bits per code: the config's, unless GPTQModel's per-module `dynamic` overrides may change them
  // (or there is no config): then what the zero points' packing implies.
  const implied = (qz.shape[1] * 32) / out;
  const configured = numberField(q, 'bits', 'w_bit');
  const bits = (q?.dynamic || configured === undefined) && BITS.has(implied) ? implied : (configured ?? 4);
  if (!BITS.has(bits)) throw new ModelFileError(`GPTQ weight '${name}' uses ${bits}-bit codes; GPTQ defines 2, 3, 4 and 8`);
  if (qz.shape[1] * 32 !== out * bits)
    throw new ModelFileError(
      `GPTQ weight '${name}': zero points '${qz.name}' ${shapeText(qz)} should have ${(out * bits) / 32} columns for ${out} outputs at ${bits} bits`,
    );
  const packedIn = (qw.shape[0] * 32) / bits;
  if (!Number.isInteger(packedIn))
    throw new ModelFileError(`GPTQ weight '${name}': '${qw.name}' ${shapeText(qw)} is not a whole number of ${bits}-bit codes per column`);
  const inFeatures = gi ? gi.shape[0] : packedIn;
  if (gi && (gi.shape.length !== 1 || gi.dtype !== 'I32' || inFeatures !== packedIn))
    throw new ModelFileError(
      `GPTQ weight '${name}': g_idx '${gi.name}' ${gi.dtype} ${shapeText(gi)} should be I32 [${packedIn}], one group index per input column packed in '${qw.name}' ${shapeText(qw)}`,
    );
  const cfgGroup = numberField(q, 'group_size', 'q_group_size');
  const groupSize = cfgGroup && cfgGroup > 0 ? cfgGroup : Math.ceil(inFeatures / groups);
  if (Math.ceil(inFeatures / groupSize) !== groups)
    throw new ModelFileError(
      `GPTQ weight '${name}': scales '${sc.name}' ${shapeText(sc)} hold ${groups} groups, but ${inFeatures} input columns in groups of ${groupSize} make ${Math.ceil(inFeatures / groupSize)}`,
    );
  const format = (stringField(q, 'checkpoint_format', 'format') ?? 'gptq').toLowerCase();
  if (format !== 'gptq' && format !== 'gptq_v2')
    throw new ModelFileError(
      `GPTQ weight '${name}' is stored in the '${format}' checkpoint format, which repacks the integers for one kernel; Layer Lens decodes the 'gptq' and 'gptq_v2' formats`,
    );
  return {
    bits,
    groupSize,
    groups,
    inFeatures,
    outFeatures: out,
    zeroOffset: format === 'gptq' ? 1 : 0,
    scaleDtype: sc.dtype,
    hasGIdx: !!gi,
  };
}

export async function gptqPass(ctx: QuantizedStorageContext): Promise<void> {
  const packed = [...ctx.tensors.values()].filter((t) => t.name.endsWith('.qweight'));
  if (!packed.length) return;
  const q = await quantizationConfig(ctx);
  const method = quantMethod(q);
  for (const qw of packed) {
    const prefix = qw.name.slice(0, -'.qweight'.length);
    const get = (s: string) => ctx.tensors.get(`${prefix}.${s}`);
    const [qz, sc, gi] = [get('qzeros'), get('scales'), get('g_idx')];
    if (qweightMethod(method, qw, sc) !== 'gptq') continue;
    const parts = [qw, qz, sc, gi].filter((t): t is TensorEntry => !!t);
    const name = `${prefix}.weight`;
    try {
      const p = gptqParams(q, prefix, qw, qz, sc, gi);
      replaceByQuantized(ctx, name, [p.outFeatures, p.inFeatures], parts, {
        scheme: 'gptq',
        label: gptqLabel(p.bits, p.groupSize, isPerChannel(q, p.groups)),
        params: { ...p },
      });
    } catch (e) {
      if (!(e instanceof ModelFileError)) throw e;
      const bits = numberField(q, 'bits') ?? 4;
      markNotDecodable(ctx, name, qw.shape.length === 2 ? [qw.shape[1], (qw.shape[0] * 32) / bits] : qw.shape, parts, 'gptq', `GPTQ int${bits}`, e.message);
    }
  }
}
