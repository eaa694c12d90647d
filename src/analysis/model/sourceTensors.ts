/**
 * The stored tensors a matrix is read from, and how to name them to a user. Almost every matrix
 * comes from one tensor (`source.tensor`), but DeepSeek's kv_b in newer GGUF files is rebuilt from
 * two (`attn_k_b` and `attn_v_b`, RoleSource `mlaKvB`), and naming only the first would point a
 * user at half the matrix.
 */
import type { RoleSource } from './types';

/** The tensors whose values make up the matrix: `source.tensor`, plus `attn_v_b` for a rebuilt kv_b. */
export function sourceTensors(source: RoleSource): string[] {
  return source.mlaKvB ? [source.tensor, source.mlaKvB.vb] : [source.tensor];
}

/** The matrix's tensor as shown to users: `blk.3.attn_k_b.weight + blk.3.attn_v_b.weight` for a rebuilt kv_b. */
export function sourceLabel(source: RoleSource): string {
  return sourceTensors(source).join(' + ');
}
