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
  let nan = 0, posInf = 0, negInf = 0;
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
  return { matrix, ...c, message: `${matrix} has ${total} non-finite value${total === 1 ? '' : 's'} of ${values.length} (${parts}); it is left out of this analysis rather than shown as NaN.` };
}
