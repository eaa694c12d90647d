/**
 * FP8 checkpoints with block-wise scales (DeepSeek-V3's own release and transformers' fine-grained
 * FP8): each `….weight` stored as F8_E4M3 has a sibling `….weight_scale_inv` holding one float per
 * block, and the weight is `stored[i, j] · scale_inv[i / bm, j / bn]` with `[bm, bn]` =
 * `quantization_config.weight_block_size` (transformers `integrations/finegrained_fp8.py`,
 * `Fp8Dequantize`; the scale key is the weight's name with `weight` → `weight_scale_inv`).
 * Attaching the scale to every matrix reference lets readRole return the dequantized matrix.
 */
import type { LayerInfo, RoleMatrixRef, TensorEntry } from '../types';
import type { MatrixKind } from '../types';

/** `quantization_config.weight_block_size` (DeepSeek-V3: [128, 128]); without it transformers scales the whole matrix as one block. */
function blockSize(config: Record<string, unknown> | null): [number, number] | undefined {
  const q = config?.quantization_config;
  if (!q || typeof q !== 'object') return undefined;
  const b = (q as Record<string, unknown>).weight_block_size;
  if (Array.isArray(b) && b.length === 2 && b.every((x) => typeof x === 'number' && Number.isInteger(x) && x > 0)) return [b[0] as number, b[1] as number];
  return undefined;
}

function scaleName(tensor: string): string {
  return tensor.endsWith('weight') ? tensor.slice(0, -'weight'.length) + 'weight_scale_inv' : tensor + '_scale_inv';
}

function refsOf(l: LayerInfo): RoleMatrixRef<MatrixKind>[] {
  const out: RoleMatrixRef<MatrixKind>[] = [...Object.values(l.roles), ...Object.values(l.extra ?? {})].filter((r): r is RoleMatrixRef<MatrixKind> => !!r);
  for (const x of [...(l.moe?.experts ?? []), ...(l.moe?.shared ? [l.moe.shared] : [])]) for (const r of Object.values(x)) if (r) out.push(r);
  return out;
}

/** Sets `source.blockScale` on every FP8 matrix that has a scale tensor; one note for those without, one when the block size is inferred. */
export function attachBlockScales(
  layers: LayerInfo[],
  tensors: ReadonlyMap<string, TensorEntry>,
  config: Record<string, unknown> | null,
  notes: Set<string>,
): void {
  const configured = blockSize(config);
  const unscaled = new Set<string>();
  let inferred = false;
  for (const l of layers) {
    for (const ref of refsOf(l)) {
      const t = tensors.get(ref.source.tensor);
      if (!t || (t.dtype !== 'F8_E4M3' && t.dtype !== 'F8_E5M2')) continue;
      const scale = scaleName(t.name);
      const s = tensors.get(scale);
      if (!s) {
        unscaled.add(t.name);
        continue;
      }
      let block = configured;
      if (!block) {
        // No weight_block_size: the block the scale grid implies (a [1, 1] grid is transformers' whole-matrix default).
        const lead = ref.source.expert === undefined ? 0 : 1;
        const [R, C] = t.shape.slice(lead);
        const [sr, sc] = s.shape.slice(lead);
        block = [Math.ceil(R / Math.max(1, sr ?? 1)), Math.ceil(C / Math.max(1, sc ?? 1))];
        inferred = true;
      }
      ref.source.blockScale = { tensor: scale, block };
    }
  }
  if (unscaled.size) {
    const [first] = unscaled;
    notes.add(
      `${unscaled.size} FP8 matri${unscaled.size === 1 ? 'x has' : 'ces have'} no '…weight_scale_inv' tensor (e.g. '${first}'); ${unscaled.size === 1 ? 'it is' : 'they are'} read unscaled.`,
    );
  }
  if (inferred)
    notes.add("config.json gives no quantization_config.weight_block_size; FP8 scales are applied in the blocks that the scale tensors' shapes imply.");
}
