/**
 * Clique (flag) complex of a graph up to a dimension: every set of p+1 pairwise-adjacent vertices
 * is a p-simplex. Cliques are grown from each vertex through its higher-numbered neighbours only,
 * so each clique is produced once, already in ascending vertex order and lexicographic order.
 */
import type { Complex } from './complex';

export interface Graph {
  vertexCount: number;
  /** Sorted neighbour lists (each edge appears in both lists). */
  neighbours: Int32Array[];
}

export function graphFromEdges(vertexCount: number, edges: Array<[number, number]>): Graph {
  const sets = Array.from({ length: vertexCount }, () => new Set<number>());
  for (const [a, b] of edges) {
    if (a === b) continue;
    if (!(a >= 0 && a < vertexCount && b >= 0 && b < vertexCount)) throw new Error(`edge (${a}, ${b}) has a vertex outside 0..${vertexCount - 1}`);
    sets[a].add(b);
    sets[b].add(a);
  }
  return { vertexCount, neighbours: sets.map((s) => Int32Array.from([...s].sort((x, y) => x - y))) };
}

export function cliqueComplex(g: Graph, maxDim: number): Complex {
  if (!Number.isInteger(maxDim) || maxDim < 0) throw new Error(`clique complex dimension must be a non-negative integer, got ${maxDim}`);
  const n = g.vertexCount;
  const out: number[][] = Array.from({ length: maxDim + 1 }, () => []);
  for (let v = 0; v < n; v++) out[0].push(v);
  // up[v]: neighbours greater than v; candidates shrink by intersection as the clique grows.
  const up = g.neighbours.map((nb, v) => nb.filter((u) => u > v));
  const clique: number[] = [];
  const grow = (candidates: Int32Array) => {
    const p = clique.length; // a clique of p vertices extends to dimension p
    for (let i = 0; i < candidates.length; i++) {
      const u = candidates[i];
      clique.push(u);
      const list = out[p];
      for (const w of clique) list.push(w);
      if (p + 1 <= maxDim) grow(intersect(candidates.subarray(i + 1), up[u]));
      clique.pop();
    }
  };
  if (maxDim >= 1) {
    for (let v = 0; v < n; v++) {
      clique.push(v);
      grow(up[v]);
      clique.pop();
    }
  }
  // Depth-first growth emits (0,1),(0,1,2),(0,2)… per dimension in lexicographic order already.
  return { vertexCount: n, byDim: out.map((l) => Int32Array.from(l)) };
}

function intersect(a: Int32Array, b: Int32Array): Int32Array {
  const out: number[] = [];
  let i = 0,
    j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push(a[i]);
      i++;
      j++;
    } else if (a[i] < b[j]) i++;
    else j++;
  }
  return Int32Array.from(out);
}
