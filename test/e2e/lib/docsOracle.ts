// DOCS (methods.md §1) written out plainly in float64, as the e2e cases' independent reference for
// the values the similarity panel shows: cosines between the vectors of two matrices, row/column
// maxima of |cos|, a Gumbel maximum-likelihood fit to each, S = (u_X + u_Y) / 2.

/** Vectors of an [out, in] weight stored row-major: `rows` = its out rows, else its in columns. */
export function vectorsOf(weight: Float32Array, out: number, inn: number, rows: boolean): Float64Array[] {
  const vectors: Float64Array[] = [];
  if (rows) {
    for (let r = 0; r < out; r++) vectors.push(Float64Array.from(weight.subarray(r * inn, (r + 1) * inn)));
  } else {
    for (let c = 0; c < inn; c++) {
      const v = new Float64Array(out);
      for (let r = 0; r < out; r++) v[r] = weight[r * inn + c];
      vectors.push(v);
    }
  }
  return vectors.map((v) => {
    const norm = Math.hypot(...v) || 1;
    return v.map((x) => x / norm);
  });
}

/** Location of a right Gumbel fitted by maximum likelihood (scipy.stats.gumbel_r.fit). */
export function gumbelLocation(x: number[]): number {
  const max = Math.max(...x);
  if (x.every((v) => v === max)) return max;
  const mean = x.reduce((a, b) => a + b, 0) / x.length;
  // g(β) = mean − Σ x e^(−x/β) / Σ e^(−x/β) − β falls from mean − min > 0 (β → 0) to < 0: bisect.
  const g = (beta: number) => {
    let num = 0;
    let den = 0;
    for (const v of x) {
      const w = Math.exp(-(v - max) / beta);
      num += v * w;
      den += w;
    }
    return mean - num / den - beta;
  };
  let lo = 1e-12;
  let hi = Math.max(1e-6, max - Math.min(...x)) * 10;
  while (g(hi) > 0) hi *= 2;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (g(mid) > 0) lo = mid;
    else hi = mid;
  }
  const beta = (lo + hi) / 2;
  const meanExp = x.reduce((a, v) => a + Math.exp(-(v - max) / beta), 0) / x.length;
  return max - beta * Math.log(meanExp);
}

export function docs(a: Float64Array[], b: Float64Array[]): number {
  const rowMax = new Array<number>(a.length).fill(0);
  const colMax = new Array<number>(b.length).fill(0);
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < b.length; j++) {
      let dot = 0;
      const u = a[i];
      const v = b[j];
      for (let k = 0; k < u.length; k++) dot += u[k] * v[k];
      const c = Math.abs(dot);
      if (c > rowMax[i]) rowMax[i] = c;
      if (c > colMax[j]) colMax[j] = c;
    }
  }
  return (gumbelLocation(rowMax) + gumbelLocation(colMax)) / 2;
}
