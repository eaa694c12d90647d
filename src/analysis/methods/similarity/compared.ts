/**
 * One matrix made ready for pairwise comparison (layer similarity across layers, expert similarity
 * within a layer): oriented for the baseline indices, its compared vectors normalised for DOCS,
 * and the per-matrix work of the indices done once — or only the flag when it holds NaN/Inf.
 */
import type { Engine } from '../../engine/engine';
import type { JobContext } from '../../jobs';
import type { Matrix } from '../../linalg/matrix';
import type { WeightFlag } from '../common/nonFinite';
import { normalizeRowsInPlace, normalizedColumns, orientForDocs } from './docs';
import { prepareIndexFeatures, type IndexFeatures } from './indices';
import type { SimilarityIndex } from './names';

export interface ComparedMatrix {
  /** The oriented matrix (n×m), kept when a baseline index needs it. */
  raw?: Matrix;
  /** Its compared vectors normalised, as rows (m×n), kept when DOCS is computed. */
  normalized?: Matrix;
  features: IndexFeatures;
  /** Set when the matrix holds NaN/Inf: nothing else is prepared, no index can use it. */
  flag?: WeightFlag;
}

/**
 * Prepares a matrix read for comparison. It takes `read.matrix` over: comparing rows, its memory is
 * reused for the normalised rows, so the caller must hand in a matrix nothing else holds (a fresh read).
 */
export async function prepareCompared(
  engine: Engine,
  read: { matrix: Matrix; flag: WeightFlag | null },
  side: 'rows' | 'columns',
  needs: { raw: boolean; docs: boolean },
  indices: readonly SimilarityIndex[],
  ctx: JobContext = {},
): Promise<ComparedMatrix> {
  if (read.flag) return { features: {}, flag: read.flag };
  const weight = read.matrix;
  // Comparing rows, the normalised form is W with unit rows: no transpose for DOCS alone. The
  // oriented matrix is then W's transpose, a copy, so nothing else holds W: its rows are scaled in
  // its own memory, and a layer in preparation costs one float32 matrix rather than two (at 70B
  // shapes with a 2 GiB budget, that copy was the peak of the whole job).
  const raw = needs.raw ? orientForDocs(weight, side) : undefined;
  let normalized: Matrix | undefined;
  if (needs.docs) normalized = side === 'rows' ? normalizeRowsInPlace(weight) : await normalizedColumns(engine, weight);
  return { raw, normalized, features: raw ? await prepareIndexFeatures(engine, raw, indices, ctx) : {} };
}
