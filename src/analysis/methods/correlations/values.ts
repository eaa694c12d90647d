/**
 * The entries behind one head measure, for the panel's value scatter (click a head): the two hd×d
 * matrices a measure compares (M4 is formed from Wq and Wk), paired entry by entry, as a seeded
 * sample when they hold more than `maxPoints` entries. The same sample indices are used for both
 * matrices, so every point is one (row, column) position.
 */
import { pearson } from '../../engine/kernels/pearson';
import type { JobContext } from '../../jobs';
import type { Matrix } from '../../linalg/matrix';
import { headSlice, kvHeadOf, readRoleMatrix } from '../../model/readRole';
import type { ModelHandle } from '../../model/types';
import { headFlag } from '../common/checkedRead';
import { HEAD_MATRICES, type HeadMeasure } from './names';
import type { WeightFlag } from '../common/nonFinite';
import type { HeadValuesQuery } from './options';

export interface HeadValues {
  layer: number;
  head: number;
  kvHead: number;
  measure: HeadMeasure;
  xLabel: string;
  yLabel: string;
  /** Entries of the first matrix (sampled), and of the second at the same positions. */
  x: number[];
  y: number[];
  /** Entries per matrix (hd·d); x.length < total when sampled. */
  total: number;
  /** Pearson correlation of all entries (not only the sample); null when a slice holds NaN/Inf. */
  cc: number | null;
  /** Head slices holding NaN/Inf: their non-finite entries are left out of x and y. */
  nonFinite: WeightFlag[];
}

export const DEFAULT_MAX_POINTS = 4096;

/** k distinct indices of 0..n-1 in increasing order, from a seeded generator (mulberry32). */
export function sampleIndices(n: number, k: number, seed = 0x9e3779b9): number[] {
  if (k >= n) return Array.from({ length: n }, (_, i) => i);
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const chosen = new Set<number>();
  while (chosen.size < k) chosen.add(Math.floor(next() * n));
  return [...chosen].sort((a, b) => a - b);
}

export async function headValues(model: ModelHandle, query: HeadValuesQuery, ctx: JobContext = {}): Promise<HeadValues> {
  const { layer, head, measure } = query;
  const a = model.attention;
  if (!a) throw new Error(`${model.path}: the attention head layout is unknown, so heads cannot be sliced`);
  if (head >= a.numHeads) throw new Error(`head ${head} is out of range: the model has ${a.numHeads} query heads`);
  const kvHead = kvHeadOf(model, head);
  const flags: WeightFlag[] = [];
  const read = async (role: 'q' | 'k' | 'v' | 'o'): Promise<Matrix> => {
    const m = await readRoleMatrix(model, layer, role, { signal: ctx.signal });
    const h = role === 'k' || role === 'v' ? kvHead : head;
    const slice = headSlice(model, m, role, h);
    const flag = headFlag(model, layer, role, h, slice);
    if (flag) flags.push(flag);
    return slice;
  };
  const roles = { M1: ['q', 'k'], M2: ['q', 'v'], M3: ['k', 'v'], M4: ['q', 'k'], M5: ['o', 'v'] } as const;
  const [ra, rb] = roles[measure];
  const [A, B] = await Promise.all([read(ra), read(rb)]);
  // Non-finite entries cannot be drawn: keep the sample positions where both values are finite.
  const idx = sampleIndices(A.data.length, query.maxPoints ?? DEFAULT_MAX_POINTS).filter(
    (i) => !flags.length || (Number.isFinite(A.data[i]) && Number.isFinite(B.data[i])),
  );
  const [xLabel, yLabel] = HEAD_MATRICES[measure];
  return {
    layer,
    head,
    kvHead,
    measure,
    xLabel,
    yLabel,
    x: idx.map((i) => A.data[i]),
    y: idx.map((i) => B.data[i]),
    total: A.data.length,
    cc: flags.length ? null : pearson(A.data, B.data),
    nonFinite: flags,
  };
}
