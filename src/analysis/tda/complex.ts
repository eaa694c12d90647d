/**
 * A simplicial complex on vertices 0..n-1, stored per dimension as flat vertex tuples: `byDim[p]`
 * holds (p+1)-tuples of ascending vertex ids, one after another, in lexicographic order. Flat typed
 * arrays keep 33 layers × thousands of simplices cheap to hold and to compare.
 */
export interface Complex {
  vertexCount: number;
  byDim: Int32Array[];
}

export function simplexCount(c: Complex, dim?: number): number {
  if (dim !== undefined) return dim < c.byDim.length ? c.byDim[dim].length / (dim + 1) : 0;
  return c.byDim.reduce((s, a, p) => s + a.length / (p + 1), 0);
}

/** Vertices of simplex `i` of dimension `dim`. */
export function simplexAt(c: Complex, dim: number, i: number): number[] {
  return Array.from(c.byDim[dim].subarray(i * (dim + 1), (i + 1) * (dim + 1)));
}

/**
 * A key that names a simplex by its vertices. Numeric (base-n digits) while n^(dim+1) stays below
 * 2^53, so Map lookups avoid building strings; otherwise a joined string.
 */
export function keyFunction(vertexCount: number, maxDim: number): (verts: ArrayLike<number>, start?: number, len?: number) => number | string {
  const base = Math.max(2, vertexCount + 1);
  if (Math.pow(base, maxDim + 1) < Number.MAX_SAFE_INTEGER) {
    return (v, start = 0, len = v.length) => {
      let k = 0;
      for (let i = start; i < start + len; i++) k = k * base + (v[i] + 1);
      return k;
    };
  }
  return (v, start = 0, len = v.length) => {
    let s = '';
    for (let i = start; i < start + len; i++) s += (i > start ? ',' : '') + v[i];
    return s;
  };
}

/** A complex from explicit simplices (closed under faces is checked: a missing face is an error). */
export function complexFromSimplices(vertexCount: number, simplices: number[][]): Complex {
  const maxDim = simplices.reduce((m, s) => Math.max(m, s.length - 1), 0);
  const lists: number[][][] = Array.from({ length: maxDim + 1 }, () => []);
  const seen = new Set<string>();
  for (const s of simplices) {
    const sorted = [...s].sort((a, b) => a - b);
    for (let i = 0; i < sorted.length; i++) {
      if (!Number.isInteger(sorted[i]) || sorted[i] < 0 || sorted[i] >= vertexCount)
        throw new Error(`simplex [${s.join(',')}] has a vertex outside 0..${vertexCount - 1}`);
      if (i > 0 && sorted[i] === sorted[i - 1]) throw new Error(`simplex [${s.join(',')}] repeats a vertex`);
    }
    const key = sorted.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    lists[sorted.length - 1].push(sorted);
  }
  for (const s of seen) {
    const v = s.split(',');
    if (v.length < 2) continue;
    for (let i = 0; i < v.length; i++) {
      const face = v.filter((_, j) => j !== i).join(',');
      if (!seen.has(face)) throw new Error(`simplex [${s}] is listed without its face [${face}]`);
    }
  }
  const byDim = lists.map((l, p) => {
    l.sort((a, b) => {
      for (let i = 0; i <= p; i++) if (a[i] !== b[i]) return a[i] - b[i];
      return 0;
    });
    return Int32Array.from(l.flat());
  });
  return { vertexCount, byDim };
}
