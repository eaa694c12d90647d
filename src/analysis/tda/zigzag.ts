/**
 * Barcode of the zigzag K₀ ⊇ K₀∩K₁ ⊆ K₁ ⊇ K₁∩K₂ ⊆ … ⊆ K_L by FastZigzag (Dey & Hou 2022,
 * arXiv 2204.11080), written from the paper.
 *
 * 1. Expand to a simplex-wise zigzag ∅ → K₀ → … → K_L → ∅: each step deletes K_ℓ∖K_{ℓ+1} (cofaces
 *    first) then adds K_{ℓ+1}∖K_ℓ (faces first). A simplex that leaves and comes back is a new
 *    *instance* (the paper's Δ-complex copies), whose faces are the instances alive when it enters.
 * 2. Up-down filtration: all additions in order, then all deletions in order. It has the same
 *    barcode with births/deaths tied to the same addition/deletion events (diamond principle).
 * 3. Cone it: up part, then the cone vertex ω, then ω·τ for every instance τ in REVERSE deletion
 *    order, so the complex after the cone of τ_k is K̂ ∪ ω·(K̂ minus τ₁..τ_{k-1}) — a filtration
 *    whose reduced homology is the relative homology of the down part. Reduce it (mod 2, twist).
 * 4. Map pairs back: (up, up) → [add, add); (up σ, cone ω·τ) → [add σ, deletion of τ) when σ enters
 *    before τ leaves in the zigzag, else [deletion of τ, add σ) one dimension lower;
 *    (ω·τ_i, ω·τ_j) → [deletion of τ_j, deletion of τ_i) in dimension dim τ_i; (ω, first cone) is the
 *    reduced-homology artefact and is skipped; the single essential vertex dies at the last deletion.
 *
 * Positions: K_ℓ is position 2ℓ, K_ℓ∩K_{ℓ+1} is 2ℓ+1. A bar is [birth, death): present at positions
 * birth..death-1; death = 2L+1 means alive at the last complex. Bars that live only between two
 * positions (inside one batch of additions or deletions) are not bars of this zigzag and are dropped.
 */
import { throwIfCancelled, yieldToEventLoop, type JobContext } from '../jobs';
import { keyFunction, type Complex } from './complex';
import { reduceBoundary } from './reduce';

export interface ZigzagBar {
  dim: number;
  /** First zigzag position where the class exists. */
  birth: number;
  /** First position where it no longer exists (2L+1 if it reaches K_L). */
  death: number;
}

export interface ZigzagResult {
  bars: ZigzagBar[];
  /** Simplex instances (additions) in the expanded zigzag; the coned filtration has 2·instances + 1 columns. */
  instances: number;
  columnAdditions: number;
  /** Milliseconds spent building the coned filtration and reducing it. */
  buildMs: number;
  reduceMs: number;
}

export async function zigzagBarcode(layers: Complex[], ctx: JobContext = {}): Promise<ZigzagResult> {
  const t0 = performance.now();
  if (layers.length === 0) throw new Error('zigzag: no complexes');
  const n = layers[0].vertexCount;
  if (layers.some((c) => c.vertexCount !== n)) throw new Error('zigzag: every complex must live on the same vertex set');
  const maxDim = Math.max(...layers.map((c) => c.byDim.length - 1));
  const key = keyFunction(n, maxDim);
  const L = layers.length - 1;

  // Global simplex ids, and each layer's simplices as ids grouped by dimension.
  const gidOf = new Map<number | string, number>();
  const gidVerts: Int32Array[] = [];
  const layerGids: number[][][] = layers.map((c) =>
    c.byDim.map((flat, p) => {
      const ids: number[] = [];
      for (let s = 0; s < flat.length; s += p + 1) {
        const k = key(flat, s, p + 1);
        let g = gidOf.get(k);
        if (g === undefined) {
          g = gidVerts.length;
          gidOf.set(k, g);
          gidVerts.push(flat.slice(s, s + p + 1));
        }
        ids.push(g);
      }
      return ids;
    }),
  );

  // Instances, in addition order; faces recorded as instance ids.
  const G = gidVerts.length;
  const current = new Int32Array(G).fill(-1);
  const instGid: number[] = [],
    instAdd: number[] = [],
    instDel: number[] = [];
  const instFaces: Int32Array[] = [];
  const delOrder: number[] = [];
  const faceScratch: number[] = [];
  const add = (g: number, batch: number) => {
    const v = gidVerts[g];
    faceScratch.length = 0;
    if (v.length > 1) {
      const face = new Int32Array(v.length - 1);
      for (let i = 0; i < v.length; i++) {
        for (let j = 0, t = 0; j < v.length; j++) if (j !== i) face[t++] = v[j];
        const fg = gidOf.get(key(face));
        const fi = fg === undefined ? -1 : current[fg];
        if (fi < 0) throw new Error(`zigzag: simplex [${Array.from(v).join(',')}] is present without its face [${Array.from(face).join(',')}]`);
        faceScratch.push(fi);
      }
    }
    current[g] = instGid.length;
    instGid.push(g);
    instAdd.push(batch);
    instDel.push(-1);
    instFaces.push(Int32Array.from(faceScratch).sort());
  };
  const del = (g: number, batch: number) => {
    const i = current[g];
    instDel[i] = batch;
    delOrder.push(i);
    current[g] = -1;
  };
  const present = new Uint8Array(G);
  const addLayer = (l: number, batch: number) => {
    for (const ids of layerGids[l]) for (const g of ids) if (current[g] < 0) add(g, batch);
  };
  addLayer(0, 0);
  for (let l = 0; l < L; l++) {
    throwIfCancelled(ctx.signal);
    present.fill(0);
    for (const ids of layerGids[l + 1]) for (const g of ids) present[g] = 1;
    for (let p = layerGids[l].length - 1; p >= 0; p--) for (const g of layerGids[l][p]) if (!present[g]) del(g, 2 * l + 1);
    addLayer(l + 1, 2 * l + 2);
  }
  for (let p = layerGids[L].length - 1; p >= 0; p--) for (const g of layerGids[L][p]) del(g, 2 * L + 1);

  // The coned filtration: instances 0..N-1, ω at N, cone of deletion rank r at 2N - r.
  const N = instGid.length;
  const delRank = new Int32Array(N);
  delOrder.forEach((inst, r) => {
    delRank[inst] = r;
  });
  const cone = (inst: number) => 2 * N - delRank[inst];
  const columns: Int32Array[] = new Array(2 * N + 1);
  const dims = new Int8Array(2 * N + 1);
  for (let i = 0; i < N; i++) {
    columns[i] = instFaces[i];
    dims[i] = gidVerts[instGid[i]].length - 1;
  }
  columns[N] = new Int32Array(0);
  for (let i = 0; i < N; i++) {
    const f = instFaces[i];
    // ∂(ω·τ) = τ + ω·∂τ, and ∂(ω·v) = v + ω for a vertex.
    const col = new Int32Array(Math.max(f.length, 1) + 1);
    col[0] = i;
    if (f.length === 0) col[1] = N;
    else for (let t = 0; t < f.length; t++) col[t + 1] = cone(f[t]);
    col.subarray(1).sort();
    columns[cone(i)] = col;
    dims[cone(i)] = dims[i] + 1;
  }
  const buildMs = performance.now() - t0;
  await yieldToEventLoop();

  const t1 = performance.now();
  const red = await reduceBoundary({ dims, columns }, { signal: ctx.signal });
  const reduceMs = performance.now() - t1;

  const bars: ZigzagBar[] = [];
  const push = (dim: number, birth: number, death: number) => {
    if (birth < death) bars.push({ dim, birth, death });
  };
  const instOfCone = (j: number) => delOrder[2 * N - j];
  for (const [i, j] of red.pairs) {
    if (j < N) push(dims[i], instAdd[i], instAdd[j]);
    else if (i < N) {
      // Extended pair: an addition and a deletion. If the addition comes first in the zigzag the
      // p-class lives from one to the other; if the deletion comes first, the pair stands for a
      // (p-1)-class born at the deletion and killed by the addition (e.g. a component split off by
      // deleting an edge and merged back when the edge returns: a 1-cycle in the Δ-complex).
      const a = instAdd[i],
        r = instDel[instOfCone(j)];
      if (a < r) push(dims[i], a, r);
      else push(dims[i] - 1, r, a);
    } else if (i > N) {
      const ti = instOfCone(i),
        tj = instOfCone(j);
      push(dims[ti], instDel[tj], instDel[ti]);
    }
  }
  if (N > 0) {
    if (red.essential.length !== 1 || red.essential[0] >= N || dims[red.essential[0]] !== 0) {
      throw new Error(`zigzag: the coned complex should have exactly one essential vertex class, found ${red.essential.length}`);
    }
    push(0, instAdd[red.essential[0]], 2 * L + 1);
  }
  bars.sort((a, b) => a.dim - b.dim || a.birth - b.birth || a.death - b.death);
  return { bars, instances: N, columnAdditions: red.additions, buildMs, reduceMs };
}

/** Layer indices of a bar (methods.md §5): birth ⌈b/2⌉, death ⌈d/2⌉ = first layer without it (L+1: never dies). */
export function barLayers(bar: ZigzagBar): { dim: number; birth: number; death: number } {
  return { dim: bar.dim, birth: Math.ceil(bar.birth / 2), death: Math.ceil(bar.death / 2) };
}
