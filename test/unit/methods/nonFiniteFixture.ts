/**
 * The non-finite fixture every analysis is tested on: a 3-layer Llama (hidden 16, 4 query heads over
 * 2 kv heads, head_dim 4) written twice from the same matrices, once clean and once with two NaN in
 * layer 1's q (both in query head 1's rows) and one +Inf in layer 2's down. Both copies supply every
 * role matrix, so the generator draws the same norms and embeddings for each: the copies differ
 * exactly in those three values, and an analysis must flag exactly those and agree elsewhere.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MatrixRole } from '../../../src/analysis/model/types';
import { writeFixtureModel } from '../../fixtures/makeModel';

export const NF = { layers: 3, hidden: 16, heads: 4, kvHeads: 2, headDim: 4, intermediate: 24 } as const;
/** Flat indices planted in the `[out, in]` matrices: q rows 5 and 6 lie in query head 1 (rows 4…7). */
export const Q_NAN = [5 * NF.hidden + 3, 6 * NF.hidden + 11];
export const DOWN_INF = 7 * NF.intermediate + 2;

export interface NonFinitePair {
  root: string;
  clean: string;
  poisoned: string;
}

export async function writeNonFinitePair(): Promise<NonFinitePair> {
  const root = await mkdtemp(join(tmpdir(), 'll-nonfinite-pair-'));
  const opts = { arch: 'llama' as const, ...NF, seed: 31 };
  const base = await writeFixtureModel(join(root, 'base'), opts);
  const supply = (poison: boolean) => (layer: number, role: MatrixRole) => {
    const m = Float32Array.from(base.source[layer][role]!.data);
    if (poison && layer === 1 && role === 'q') for (const i of Q_NAN) m[i] = NaN;
    if (poison && layer === 2 && role === 'down') m[DOWN_INF] = Infinity;
    return m;
  };
  await writeFixtureModel(join(root, 'clean'), { ...opts, matrices: supply(false) });
  await writeFixtureModel(join(root, 'poisoned'), { ...opts, matrices: supply(true) });
  return { root, clean: join(root, 'clean'), poisoned: join(root, 'poisoned') };
}

export const Q_TENSOR = 'model.layers.1.self_attn.q_proj.weight';
export const DOWN_TENSOR = 'model.layers.2.mlp.down_proj.weight';
