/**
 * What the decoding passes leave behind: a `quant_method` none of them (nor the FP8 block-scale and
 * MXFP4 readers of the architecture maps) knows, and packed tensors that no pass could pair with a
 * weight. Neither refuses the model; a note says which tensors are listed as stored.
 */
import { quantizationConfig, quantMethod, type QuantizedStorageContext } from './quantConfig';

/** Methods some part of Layer Lens decodes (fp8 and mxfp4 through the architecture maps' block scales). */
const KNOWN = new Set(['gptq', 'awq', 'compressed-tensors', 'bitsandbytes', 'fp8', 'mxfp4']);
const PACKED_SUFFIXES = ['.qweight', '.weight_packed', '.qzeros'];

export async function unknownQuantPass(ctx: QuantizedStorageContext): Promise<void> {
  const q = await quantizationConfig(ctx);
  const method = quantMethod(q);
  const leftover = [...ctx.tensors.keys()].filter((n) => PACKED_SUFFIXES.some((s) => n.endsWith(s)));
  if (method && !KNOWN.has(method)) {
    ctx.notes.add(
      `quantization_config.quant_method is '${method}', which Layer Lens does not decode: its tensors are listed as stored${leftover.length ? ` (${leftover.length} packed tensors such as '${leftover[0]}' are not dequantized)` : ''}`,
    );
    return;
  }
  if (leftover.length)
    ctx.notes.add(
      `${leftover.length} packed quantized tensor${leftover.length === 1 ? '' : 's'} (such as '${leftover[0]}') could not be paired with ${leftover.length === 1 ? 'its' : 'their'} scales, so ${leftover.length === 1 ? 'it is' : 'they are'} listed as stored, not dequantized`,
    );
}
