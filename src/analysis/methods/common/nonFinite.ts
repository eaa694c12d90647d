/**
 * Non-finite weights (NaN, ±Inf: a diverged training step, a bad conversion) poison every sum they
 * enter, so an analysis must find them before computing and flag the matrix instead of drawing a
 * NaN cell. This is the one check every method shares: count once, name the matrix, and let the
 * caller skip it with the flag attached to its result entry.
 */
export interface NonFiniteCount {
  nan: number;
  posInf: number;
  negInf: number;
}

export interface NonFiniteFlag extends NonFiniteCount {
  /** Which matrix, as the result names it (e.g. `layer 3 q`). */
  matrix: string;
  /** One sentence for the panel and the CSV. */
  message: string;
}

/** NaN / +Inf / −Inf counts of `values` (one pass, no allocation). */
export function countNonFinite(values: ArrayLike<number>): NonFiniteCount {
  let nan = 0,
    posInf = 0,
    negInf = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    // x − x is 0 for every finite x and NaN for NaN and ±Inf: one branch in the common case.
    if (x - x !== 0) {
      if (x !== x) nan++;
      else if (x > 0) posInf++;
      else negInf++;
    }
  }
  return { nan, posInf, negInf };
}

/** A flag for `matrix` when `values` holds any non-finite entry, else null. */
export function nonFiniteFlag(matrix: string, values: ArrayLike<number>): NonFiniteFlag | null {
  const c = countNonFinite(values);
  const total = c.nan + c.posInf + c.negInf;
  if (total === 0) return null;
  const parts = [c.nan && `${c.nan} NaN`, c.posInf && `${c.posInf} +Inf`, c.negInf && `${c.negInf} −Inf`].filter(Boolean).join(', ');
  return {
    matrix,
    ...c,
    message: `${matrix} has ${total} non-finite value${total === 1 ? '' : 's'} of ${values.length} (${parts}); it is left out of this analysis rather than shown as NaN.`,
  };
}

/**
 * A role matrix (or one head of it) an analysis read and found non-finite: where it is, which tensor
 * holds it, and the counts. Every analysis result lists these in `nonFinite`, and reports the cells
 * that would have used the matrix as null with a reason instead of NaN.
 */
export interface WeightFlag extends NonFiniteFlag {
  layer: number;
  role: string;
  /** The head slice that was checked (per-head measures); absent when the whole matrix was. */
  head?: number;
  /** The stored tensor the matrix comes from. */
  tensor: string;
  /** `2 NaN, 1 Inf in model.layers.1.self_attn.q_proj.weight`: the panel's tooltip and the CLI's line. */
  summary: string;
}

export interface WeightLocation {
  layer: number;
  role: string;
  head?: number;
  tensor: string;
}

/** A WeightFlag for `values` at `where`, or null when every value is finite. */
export function weightFlag(where: WeightLocation, values: ArrayLike<number>): WeightFlag | null {
  const name = `layer ${where.layer} ${where.role}${where.head === undefined ? '' : ` head ${where.head}`}`;
  const base = nonFiniteFlag(name, values);
  if (!base) return null;
  const summary = `${base.nan} NaN, ${base.posInf + base.negInf} Inf in ${where.tensor}${where.head === undefined ? '' : ` (head ${where.head})`}`;
  return { ...base, ...where, summary };
}

/** The reason a value that needed the flagged matrices is null (one line, for cells, CSV and CLI). */
export function notComputableReason(flags: readonly WeightFlag[]): string {
  return `not computable: ${flags.map((f) => f.summary).join('; ')}`;
}

/** Text lines for the CLI: one per flagged matrix, or nothing. */
export function nonFiniteLines(flags: readonly WeightFlag[]): string[] {
  if (flags.length === 0) return [];
  return [
    `Non-finite weights: ${flags.length} flagged matri${flags.length === 1 ? 'x' : 'ces'}; the values that need them are not computable (null).`,
    ...flags.map((f) => `  ${f.matrix}: ${f.summary}`),
  ];
}
