/**
 * Ordinary persistence of a filtered simplicial complex: each simplex enters at a value (faces no
 * later than cofaces); bars are [birth value, death value), death Infinity for classes that never
 * die; zero-length bars (born and killed at the same value) are dropped.
 */
import type { JobContext } from '../jobs';
import { keyFunction } from './complex';
import { reduceBoundary } from './reduce';

export interface FilteredSimplex {
  vertices: number[];
  value: number;
}

export interface ValueBar {
  dim: number;
  birth: number;
  death: number;
}

export async function filtrationBarcode(simplices: FilteredSimplex[], opts: { clearing?: boolean } & JobContext = {}): Promise<ValueBar[]> {
  const vertexCount = simplices.reduce((m, s) => Math.max(m, ...s.vertices), -1) + 1;
  const maxDim = simplices.reduce((m, s) => Math.max(m, s.vertices.length - 1), 0);
  const key = keyFunction(vertexCount, maxDim);
  const sorted = simplices
    .map((s) => ({ vertices: [...s.vertices].sort((a, b) => a - b), value: s.value }))
    .sort((a, b) => a.value - b.value || a.vertices.length - b.vertices.length);
  const index = new Map<number | string, number>();
  sorted.forEach((s, i) => {
    const k = key(s.vertices);
    if (index.has(k)) throw new Error(`simplex [${s.vertices.join(',')}] appears twice in the filtration`);
    index.set(k, i);
  });
  const columns = sorted.map((s) => {
    if (s.vertices.length === 1) return new Int32Array(0);
    const rows: number[] = [];
    for (let i = 0; i < s.vertices.length; i++) {
      const face = s.vertices.filter((_, j) => j !== i);
      const r = index.get(key(face));
      if (r === undefined) throw new Error(`simplex [${s.vertices.join(',')}] enters the filtration without its face [${face.join(',')}]`);
      if (sorted[r].value > s.value)
        throw new Error(`simplex [${s.vertices.join(',')}] enters at ${s.value}, before its face [${face.join(',')}] (${sorted[r].value})`);
      rows.push(r);
    }
    return Int32Array.from(rows.sort((a, b) => a - b));
  });
  const red = await reduceBoundary({ dims: sorted.map((s) => s.vertices.length - 1), columns }, opts);
  const bars: ValueBar[] = [];
  for (const [b, d] of red.pairs) {
    if (sorted[b].value < sorted[d].value) bars.push({ dim: sorted[b].vertices.length - 1, birth: sorted[b].value, death: sorted[d].value });
  }
  for (const e of red.essential) bars.push({ dim: sorted[e].vertices.length - 1, birth: sorted[e].value, death: Infinity });
  return bars.sort((a, b) => a.dim - b.dim || a.birth - b.birth || a.death - b.death);
}
