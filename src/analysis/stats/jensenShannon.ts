// Jensen–Shannon distance between two discrete distributions, as scipy.spatial.distance.jensenshannon
// computes it: both inputs are normalised to sum 1, JS = ½ KL(p‖m) + ½ KL(q‖m) with m = (p + q)/2,
// distance = √JS. Natural logarithm by default (then the distance lies in [0, √ln 2]); base 2 gives [0, 1].

/** x·ln(x/y) with the conventions 0·ln(0/y) = 0 (scipy's rel_entr). */
function relEntr(x: number, y: number): number {
  if (x === 0) return 0;
  return x * Math.log(x / y);
}

export function jensenShannonDistance(p: ArrayLike<number>, q: ArrayLike<number>, base = Math.E): number {
  if (p.length !== q.length) throw new Error(`Jensen–Shannon distance: the distributions have different lengths (${p.length} and ${q.length})`);
  if (p.length === 0) throw new Error('Jensen–Shannon distance: the distributions are empty');
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < p.length; i++) {
    if (!(p[i] >= 0) || !(q[i] >= 0)) throw new Error(`Jensen–Shannon distance: entries must be non-negative numbers (index ${i}: ${p[i]}, ${q[i]})`);
    sp += p[i];
    sq += q[i];
  }
  if (!(sp > 0) || !(sq > 0)) throw new Error('Jensen–Shannon distance: a distribution sums to zero');
  let js = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i] / sp;
    const b = q[i] / sq;
    const m = (a + b) / 2;
    js += relEntr(a, m) + relEntr(b, m);
  }
  js /= 2;
  if (base !== Math.E) js /= Math.log(base);
  return Math.sqrt(Math.max(0, js));
}
