/**
 * Two more layouts of a fused query/key/value tensor (rows of its `[out, in]` matrix), beside those in
 * split.ts, each cited where a family uses it:
 * - blockQkv: all query heads, then all key heads, then all value heads (ChatGLM `query_key_value`).
 * - kvGroupedQkv: one block per key/value head j, holding the r = heads / kv-heads query heads that
 *   read it, then k_j, then v_j (Falcon `query_key_value`, InternLM2 `wqkv`). With r = 1 this is
 *   GPT-NeoX's per-head interleave; with one key/value head it is the blocked layout.
 */
import type { Geometry } from '../roles';
import type { FusedPart } from './types';

type Split = (rows: number, g: Geometry) => FusedPart[] | string;

function headsOf(g: Geometry, what: string): { h: number; kv: number; hd: number } | string {
  if (!g.numHeads || !g.numKvHeads || !g.headDim)
    return `splitting ${what} needs the attention and key/value head counts (and hidden_size or head_dim) in config.json`;
  if (g.numHeads % g.numKvHeads !== 0) return `${what}: ${g.numHeads} attention heads do not divide into ${g.numKvHeads} key/value heads`;
  return { h: g.numHeads, kv: g.numKvHeads, hd: g.headDim };
}

/** `[q (heads·hd); k (kv·hd); v (kv·hd)]`, checked against the stored row count. */
export function blockQkv(what: string): Split {
  return (rows, g) => {
    const heads = headsOf(g, what);
    if (typeof heads === 'string') return heads;
    const q = heads.h * heads.hd;
    const kv = heads.kv * heads.hd;
    if (q + 2 * kv !== rows) return `${what} has ${rows} output rows but config.json implies ${q} + 2 × ${kv} = ${q + 2 * kv}`;
    return [
      { role: 'q', rows: [0, q] },
      { role: 'k', rows: [q, q + kv] },
      { role: 'v', rows: [q + kv, q + 2 * kv] },
    ];
  };
}

/**
 * Per key/value head j, rows `j·(r+2)·hd …`: query heads j·r … j·r+r−1, then k_j, then v_j, each hd
 * rows. The q, k and v matrices gather those rows in head order, so query head i is rows
 * i·hd … (i+1)·hd of q and reads key/value head floor(i / r), as readRole.ts's head slices expect.
 */
export function kvGroupedQkv(what: string): Split {
  return (rows, g) => {
    const heads = headsOf(g, what);
    if (typeof heads === 'string') return heads;
    const { h, kv, hd } = heads;
    const r = h / kv;
    if ((h + 2 * kv) * hd !== rows) return `${what} has ${rows} output rows but config.json implies (${h} + 2 × ${kv}) × ${hd} = ${(h + 2 * kv) * hd}`;
    const q: number[] = [];
    const k: number[] = [];
    const v: number[] = [];
    for (let j = 0; j < kv; j++) {
      const base = j * (r + 2) * hd;
      for (let i = 0; i < r * hd; i++) q.push(base + i);
      for (let i = 0; i < hd; i++) k.push(base + r * hd + i);
      for (let i = 0; i < hd; i++) v.push(base + (r + 1) * hd + i);
    }
    return [
      { role: 'q', rowIndex: q },
      { role: 'k', rowIndex: k },
      { role: 'v', rowIndex: v },
    ];
  };
}
