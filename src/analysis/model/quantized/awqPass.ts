/**
 * AWQ checkpoints (AutoAWQ): each `<module>.qweight` with its `qzeros` and `scales` becomes one
 * `<module>.weight` `[out, in]` decoded by io/quant/awqDecode.ts, for the GEMM layout (AutoAWQ's
 * default, and what transformers saves). GEMV and the kernel-specific layouts pack differently and
 * are listed as not decodable, by name.
 */
import { ModelFileError } from '../../io/modelFileError';
import type { AwqParams } from '../../io/quant/awqDecode';
import type { TensorEntry } from '../types';
import { isPerChannel, qweightMethod } from './gptqPass';
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

export function awqLabel(groupSize: number, perChannel: boolean): string {
  return `AWQ int4 ${perChannel ? 'per-channel' : `g${groupSize}`}`;
}

function awqParams(q: Record<string, unknown> | null, prefix: string, qw: TensorEntry, qz: TensorEntry | undefined, sc: TensorEntry | undefined): AwqParams {
  const name = `${prefix}.weight`;
  const version = (stringField(q, 'version') ?? 'gemm').toLowerCase();
  if (version !== 'gemm')
    throw new ModelFileError(`AWQ weight '${name}' is stored in AutoAWQ's '${version}' layout; Layer Lens decodes the GEMM layout (version "gemm")`);
  const bits = numberField(q, 'bits', 'w_bit') ?? 4;
  if (bits !== 4) throw new ModelFileError(`AWQ weight '${name}' uses ${bits}-bit codes; AutoAWQ's GEMM packing (AWQ_ORDER) is defined for 4 bits`);
  if (qw.dtype !== 'I32' || qw.shape.length !== 2)
    throw new ModelFileError(`AWQ weight '${name}': '${qw.name}' should be a 2-D I32 tensor, but it is ${qw.dtype} ${shapeText(qw)}`);
  if (!sc) throw new ModelFileError(`AWQ weight '${name}' has packed integers ('${qw.name}') but no scales tensor '${prefix}.scales'`);
  if (!qz) throw new ModelFileError(`AWQ weight '${name}' has packed integers ('${qw.name}') but no zero points tensor '${prefix}.qzeros'`);
  const [inFeatures, words] = qw.shape;
  const out = words * 8;
  if (sc.shape.length !== 2 || sc.shape[1] !== out)
    throw new ModelFileError(
      `AWQ weight '${name}': scales '${sc.name}' ${shapeText(sc)} should be [groups, ${out}] to match '${qw.name}' ${shapeText(qw)} (8 outputs a word)`,
    );
  const groups = sc.shape[0];
  if (qz.dtype !== 'I32' || qz.shape.length !== 2 || qz.shape[0] !== groups || qz.shape[1] !== words)
    throw new ModelFileError(`AWQ weight '${name}': zero points '${qz.name}' ${qz.dtype} ${shapeText(qz)} should be I32 [${groups}, ${words}]`);
  const cfgGroup = numberField(q, 'group_size', 'q_group_size');
  const groupSize = cfgGroup && cfgGroup > 0 ? cfgGroup : Math.ceil(inFeatures / groups);
  if (Math.ceil(inFeatures / groupSize) !== groups)
    throw new ModelFileError(
      `AWQ weight '${name}': scales '${sc.name}' ${shapeText(sc)} hold ${groups} groups, but ${inFeatures} input columns in groups of ${groupSize} make ${Math.ceil(inFeatures / groupSize)}`,
    );
  return { groupSize, groups, inFeatures, outFeatures: out, scaleDtype: sc.dtype };
}

export async function awqPass(ctx: QuantizedStorageContext): Promise<void> {
  const packed = [...ctx.tensors.values()].filter((t) => t.name.endsWith('.qweight'));
  if (!packed.length) return;
  const q = await quantizationConfig(ctx);
  const method = quantMethod(q);
  for (const qw of packed) {
    const prefix = qw.name.slice(0, -'.qweight'.length);
    const [qz, sc] = [ctx.tensors.get(`${prefix}.qzeros`), ctx.tensors.get(`${prefix}.scales`)];
    if (qweightMethod(method, qw, sc) !== 'awq') continue;
    const parts = [qw, qz, sc].filter((t): t is TensorEntry => !!t);
    const name = `${prefix}.weight`;
    try {
      const p = awqParams(q, prefix, qw, qz, sc);
      replaceByQuantized(ctx, name, [p.outFeatures, p.inFeatures], parts, {
        scheme: 'awq',
        label: awqLabel(p.groupSize, isPerChannel(q, p.groups)),
        params: { ...p },
      });
    } catch (e) {
      if (!(e instanceof ModelFileError)) throw e;
      markNotDecodable(ctx, name, qw.shape.length === 2 ? [qw.shape[1] * 8, qw.shape[0]] : qw.shape, parts, 'awq', 'AWQ int4', e.message);
    }
  }
}
