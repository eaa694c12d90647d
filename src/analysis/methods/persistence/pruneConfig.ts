/**
 * config.json settings that name decoder layers by index without being a per-layer list, renumbered
 * for a pruned copy so that every kept layer keeps its dense or mixture-of-experts MLP:
 * - Qwen2-MoE / Qwen3-MoE (Qwen2MoeDecoderLayer, Qwen3MoeDecoderLayer): layer ℓ is sparse when
 *   ℓ ∉ `mlp_only_layers` and (ℓ + 1) % `decoder_sparse_step` == 0. Removing layers shifts that
 *   pattern, so the copy lists its dense layers explicitly (`decoder_sparse_step` 1).
 * - DeepSeek-V2/V3 (DeepseekV2DecoderLayer, DeepseekV3DecoderLayer): the first
 *   `first_k_dense_replace` layers are dense; the copy counts the ones it keeps.
 * Per-layer lists of length L (`layer_types`) are cut by prune.ts itself.
 */

const QWEN_MOE = new Set(['qwen2_moe', 'qwen3_moe']);

export function renumberLayerSettings(config: Record<string, unknown>, numLayers: number, remove: readonly number[]): void {
  const kept = Array.from({ length: numLayers }, (_, l) => l).filter((l) => !remove.includes(l));
  if (QWEN_MOE.has(String(config.model_type))) {
    const step = typeof config.decoder_sparse_step === 'number' ? config.decoder_sparse_step : 1;
    const only = Array.isArray(config.mlp_only_layers) ? (config.mlp_only_layers as unknown[]) : [];
    const dense = kept.map((l, i) => (only.includes(l) || step <= 0 || (l + 1) % step !== 0 ? i : -1)).filter((i) => i >= 0);
    config.decoder_sparse_step = 1;
    config.mlp_only_layers = dense;
  }
  if (typeof config.first_k_dense_replace === 'number') {
    const k = config.first_k_dense_replace;
    config.first_k_dense_replace = kept.filter((l) => l < k).length;
  }
}
