// Error function and its complement by W. J. Cody's rational Chebyshev approximations (CALERF,
// Math. Comp. 1969; netlib specfun), accurate to a few ulps in double precision. erfc is computed
// directly rather than as 1 − erf, so that normal tail probabilities keep their relative accuracy.

const THRESHOLD = 0.46875;
const SQRT_PI_INV = 5.6418958354775628695e-1;
/** Beyond this, erfc(x) underflows to 0 in double precision. */
const ERFC_BIG = 26.543;

const A = [3.1611237438705656, 1.13864154151050156e2, 3.77485237685302021e2, 3.20937758913846947e3, 1.85777706184603153e-1];
const B = [2.36012909523441209e1, 2.44024637934444173e2, 1.28261652607737228e3, 2.84423683343917062e3];
const C = [
  5.64188496988670089e-1, 8.88314979438837594, 6.61191906371416295e1, 2.98635138197400131e2, 8.8195222124176909e2, 1.71204761263407058e3, 2.05107837782607147e3,
  1.23033935479799725e3, 2.15311535474403846e-8,
];
const D = [
  1.57449261107098347e1, 1.17693950891312499e2, 5.37181101862009858e2, 1.62138957456669019e3, 3.29079923573345963e3, 4.36261909014324716e3,
  3.43936767414372164e3, 1.23033935480374942e3,
];
const P = [3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2];
const Q = [2.56852019228982242, 1.87295284992346047, 5.27905102951428412e-1, 6.05183413124413191e-2, 2.33520497626869185e-3];

/** exp(−y²) split as exp(−ŷ²)·exp(−(y−ŷ)(y+ŷ)) with ŷ = y rounded to 1/16, which avoids the rounding of y² for large y. */
function expMinusSquare(y: number): number {
  const ySq = Math.trunc(y * 16) / 16;
  const del = (y - ySq) * (y + ySq);
  return Math.exp(-ySq * ySq) * Math.exp(-del);
}

/** erfc(y) for y > THRESHOLD. */
function erfcPositive(y: number): number {
  if (y <= 4) {
    let num = C[8] * y;
    let den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + C[i]) * y;
      den = (den + D[i]) * y;
    }
    return expMinusSquare(y) * ((num + C[7]) / (den + D[7]));
  }
  if (y >= ERFC_BIG) return 0;
  const ySqInv = 1 / (y * y);
  let num = P[5] * ySqInv;
  let den = ySqInv;
  for (let i = 0; i < 4; i++) {
    num = (num + P[i]) * ySqInv;
    den = (den + Q[i]) * ySqInv;
  }
  const r = (ySqInv * (num + P[4])) / (den + Q[4]);
  return expMinusSquare(y) * ((SQRT_PI_INV - r) / y);
}

/** erf(x) for |x| ≤ THRESHOLD. */
function erfSmall(x: number): number {
  const ySq = x * x;
  let num = A[4] * ySq;
  let den = ySq;
  for (let i = 0; i < 3; i++) {
    num = (num + A[i]) * ySq;
    den = (den + B[i]) * ySq;
  }
  return (x * (num + A[3])) / (den + B[3]);
}

export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const y = Math.abs(x);
  if (y <= THRESHOLD) return erfSmall(x);
  const r = 0.5 - erfcPositive(y) + 0.5;
  return x < 0 ? -r : r;
}

export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const y = Math.abs(x);
  if (y <= THRESHOLD) return 1 - erfSmall(x);
  const r = erfcPositive(y);
  return x < 0 ? 2 - r : r;
}

/**
 * CDF of N(0, variance) at x: ½·erfc(−x/√(2·variance)), the form that stays accurate in the lower
 * tail (½ + ½·erf would lose everything below ~1e-16).
 */
export function normalCdf(x: number, variance = 1): number {
  if (!(variance > 0)) throw new Error(`normalCdf: variance must be positive, got ${variance}`);
  return 0.5 * erfc(-x / Math.sqrt(2 * variance));
}
