// Distribution of the two-sided one-sample Kolmogorov–Smirnov statistic Dₙ for finite n, chosen
// method by method as Simard & L'Ecuyer (J. Stat. Softw. 39(11), 2011) prescribe and as
// scipy.stats.kstwo (scipy/stats/_ksstats.py) implements it, so that p-values match scipy's
// kstest(method='auto'):
//   Ruben–Gambino closed forms at the two ends, 2·smirnov for x ≥ ½ and for large n·x²,
//   the Durbin matrix (Marsaglia–Tsang–Wang) or Pomeranz recursion for small n,
//   Durbin or the Pelz–Good asymptotic series for large n.
import { smirnovSf } from './smirnov';

const E128 = 128;
const EP128 = 2 ** 128;
const EM128 = 2 ** -128;
const LOG_2PI = Math.log(2 * Math.PI);
const SQRT_2PI = Math.sqrt(2 * Math.PI);
const MIN_LOG = -708;
const PI2 = Math.PI ** 2;
const PI4 = Math.PI ** 4;
const PI6 = Math.PI ** 6;
/** Stirling series coefficients B₂ⱼ/(2j(2j−1)), j = 8 … 1 (highest power first). */
const STIRLING = [
  -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3, 8.4175084175084175084e-4, -5.952380952380952381e-4, 7.9365079365079365079e-4,
  -2.7777777777777777778e-3, 8.3333333333333333333e-2,
];

/** x·2^e without the intermediate 2^e under- or overflowing (Math.pow(2, −1100) is 0). */
function ldexp(x: number, e: number): number {
  while (e > 1000) {
    x *= 2 ** 1000;
    e -= 1000;
  }
  while (e < -1000) {
    x *= 2 ** -1000;
    e += 1000;
  }
  return x * 2 ** e;
}

function clip01(p: number): number {
  return Math.min(1, Math.max(0, p));
}

/** log(n!/nⁿ) by Stirling's series with n·log n removed up front (no cancellation). */
function logFactorialOverPower(n: number): number {
  const rn = 1 / n;
  let poly = 0;
  for (const c of STIRLING) poly = poly * (rn / n) + c;
  return Math.log(n) / 2 - n + LOG_2PI / 2 + rn * poly;
}

/** Pr(Dₙ ≤ d) by the Durbin matrix algorithm, computed as Marsaglia, Tsang & Wang (2003). */
export function kolmogorovDurbinCdf(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = fac;
    fac /= j;
    v[j - 1] = (1 - h ** j) * fac;
  }
  const tt = Math.max(2 * h - 1, 0) ** m - 2 * h ** m;
  v[m - 1] = (1 + tt) * fac;
  let H: Float64Array = new Float64Array(m * m);
  for (let i = 1; i < m; i++) for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - (i - 1)];
  for (let r = 0; r < m; r++) H[r * m] = v[r];
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c];

  let power: Float64Array = identity(m);
  let nn = n;
  let exponent = 0; // scaling of `power` as a power of two
  let hExponent = 0; // scaling of H
  while (nn > 0) {
    if (nn % 2) {
      power = multiply(power, H, m);
      exponent += hExponent;
    }
    H = multiply(H, H, m);
    hExponent *= 2;
    if (Math.abs(H[(k - 1) * m + (k - 1)]) > EP128) {
      for (let i = 0; i < H.length; i++) H[i] /= EP128;
      hExponent += E128;
    }
    nn = Math.floor(nn / 2);
  }
  let p = power[(k - 1) * m + (k - 1)];
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < EM128) {
      p *= EP128;
      exponent -= E128;
    }
  }
  return clip01(ldexp(p, exponent));
}

function identity(m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) out[i * m + i] = 1;
  return out;
}

function multiply(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let l = 0; l < m; l++) {
      const ail = a[i * m + l];
      if (ail === 0) continue;
      for (let j = 0; j < m; j++) out[i * m + j] += ail * b[l * m + j];
    }
  }
  return out;
}

/** Column range [j1, j2] of row i that can be non-zero in the Pomeranz recursion. */
function pomeranzRange(i: number, n: number, ll: number, ceilf: number, roundf: number): [number, number] {
  let j1: number, j2: number;
  if (i === 0) {
    j1 = -ll - ceilf - 1;
    j2 = ll + ceilf - 1;
  } else {
    const half = Math.floor((i + 1) / 2);
    if ((i + 1) % 2 === 0) {
      if (half === n + 1) {
        j1 = n - ll - ceilf - 1;
        j2 = n + ll + ceilf - 1;
      } else {
        j1 = half - 1 - ll - roundf - 1;
        j2 = half + ll - 1 + ceilf - 1;
      }
    } else {
      j1 = half - 1 - ll - 1;
      j2 = half + ll + roundf - 1;
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)];
}

/** Pr(Dₙ ≤ x) by the Pomeranz (1974) recursion. */
export function kolmogorovPomeranzCdf(n: number, x: number): number {
  const t = n * x;
  const ll = Math.floor(t);
  const f = t - ll;
  const g = Math.min(f, 1 - f);
  const ceilf = f > 0 ? 1 : 0;
  const roundf = f > 0.5 ? 1 : 0;
  const npwrs = 2 * (ll + 1);
  const gPower = new Float64Array(npwrs); // (g/n)^m / m!
  const twoGPower = new Float64Array(npwrs); // (2g/n)^m / m!
  const oneMinus2GPower = new Float64Array(npwrs); // ((1−2g)/n)^m / m!
  gPower[0] = twoGPower[0] = oneMinus2GPower[0] = 1;
  for (let m = 1; m < npwrs; m++) {
    gPower[m] = (gPower[m - 1] * (g / n)) / m;
    twoGPower[m] = (twoGPower[m - 1] * ((2 * g) / n)) / m;
    oneMinus2GPower[m] = (oneMinus2GPower[m - 1] * ((1 - 2 * g) / n)) / m;
  }
  let V0 = new Float64Array(npwrs);
  let V1 = new Float64Array(npwrs);
  V1[0] = 1;
  let V0s = 0;
  let V1s = 0;
  let exponent = 0;
  let [j1] = pomeranzRange(0, n, ll, ceilf, roundf);
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1;
    [V0, V1] = [V1, V0];
    [V0s, V1s] = [V1s, V0s];
    V1.fill(0);
    const range = pomeranzRange(i, n, ll, ceilf, roundf);
    j1 = range[0];
    const j2 = range[1];
    const pwrs = i === 1 || i === 2 * n + 1 ? gPower : i % 2 ? twoGPower : oneMinus2GPower;
    const len = j2 - k1 + 1;
    if (len > 0) {
      // Entries [j1 − k1, j2 − k1] of the full convolution of V0[k1 − V0s …] with pwrs[0 … len).
      const start = k1 - V0s;
      const aLen = Math.max(0, Math.min(len, npwrs - start));
      const bLen = Math.min(len, npwrs);
      let max = 0;
      for (let c = j1 - k1, o = 0; c <= j2 - k1; c++, o++) {
        let s = 0;
        for (let a = Math.max(0, c - bLen + 1); a <= Math.min(c, aLen - 1); a++) s += V0[start + a] * pwrs[c - a];
        V1[o] = s;
        if (s > max) max = s;
      }
      if (max > 0 && max < EM128) {
        for (let o = 0; o < npwrs; o++) V1[o] *= EP128;
        exponent -= E128;
      }
      V1s = V0s + j1 - k1;
    }
  }
  let ans = V1[n - V1s];
  for (let m = 1; m <= n; m++) {
    if (Math.abs(ans) > EP128) {
      ans *= EM128;
      exponent += E128;
    }
    ans *= m;
  }
  return clip01(ldexp(ans, exponent));
}

/** Pelz–Good (1976) asymptotic series for Pr(Dₙ ≤ x), in the form scipy evaluates (as the CDF or the SF). */
export function kolmogorovPelzGood(n: number, x: number, cdf: boolean): number {
  if (x <= 0) return cdf ? 0 : 1;
  if (x >= 1) return cdf ? 1 : 0;
  const z = Math.sqrt(n) * x;
  const z2 = z * z,
    z3 = z2 * z,
    z4 = z2 * z2,
    z6 = z4 * z2;
  const qlog = -PI2 / 8 / z2;
  if (qlog < MIN_LOG) return cdf ? 0 : 1;
  let q = Math.exp(qlog);
  const k1a = -z2,
    k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4,
    k2b = ((2 * z4 - 5 * z2) * PI2) / 4,
    k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;
  const K = [0, 0, 0, 0];
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const m2 = m * m,
      m4 = m2 * m2,
      m6 = m4 * m2;
    const qpower = Math.pow(q, 8 * k);
    const coeffs = [1, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6];
    for (let i = 0; i < 4; i++) K[i] = K[i] * qpower + coeffs[i];
  }
  const divisors = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) K[i] = (K[i] * q * SQRT_2PI) / divisors[i];
  q = Math.exp(-PI2 / 2 / z2);
  let k2extra = 0;
  let k3extra = 0;
  const sqrt3z = Math.sqrt(3) * z;
  for (let k = maxk; k > 0; k--) {
    const k2 = k * k;
    const qp = Math.pow(q, k2);
    k2extra += k2 * qp;
    k3extra += (sqrt3z + Math.PI * k) * (sqrt3z - Math.PI * k) * k2 * qp;
  }
  K[2] += (k2extra * PI2 * SQRT_2PI) / (-36 * z3);
  K[3] += (k3extra * PI2 * SQRT_2PI) / (216 * z6);
  for (let i = 1; i < 4; i++) K[i] /= Math.pow(n, i / 2);
  if (!cdf) {
    for (let i = 0; i < 4; i++) K[i] = -K[i];
    K[0] += 1;
  }
  return K[0] + K[1] + K[2] + K[3];
}

/**
 * Pr(Dₙ ≤ x) (cdf = true) or Pr(Dₙ > x) (cdf = false) for the two-sided statistic of a sample of
 * size n: scipy.stats.kstwo.cdf / .sf.
 */
export function kolmogorovN(n: number, x: number, cdf = true): number {
  if (!Number.isInteger(n) || n < 1) throw new Error(`Kolmogorov distribution: n must be a positive integer, got ${n}`);
  if (Number.isNaN(x)) return NaN;
  const pick = (cdfProb: number, sfProb: number) => clip01(cdf ? cdfProb : sfProb);
  if (x >= 1) return pick(1, 0);
  if (x <= 0) return pick(0, 1);
  const t = n * x;
  if (t <= 1) {
    if (t <= 0.5) return pick(0, 1);
    let prob: number;
    if (n <= 140) {
      prob = 1;
      for (let i = 1; i <= n; i++) prob *= (i / n) * (2 * t - 1);
    } else {
      prob = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
    }
    return pick(prob, 1 - prob);
  }
  if (t >= n - 1) {
    const prob = 2 * (1 - x) ** n;
    return pick(1 - prob, prob);
  }
  if (x >= 0.5) {
    const prob = 2 * smirnovSf(n, x);
    return pick(1 - prob, prob);
  }
  const nx2 = t * x;
  if (n <= 140) {
    if (nx2 <= 0.754693) {
      const prob = kolmogorovDurbinCdf(n, x);
      return pick(prob, 1 - prob);
    }
    if (nx2 <= 4) {
      const prob = kolmogorovPomeranzCdf(n, x);
      return pick(prob, 1 - prob);
    }
    const prob = 2 * smirnovSf(n, x);
    return pick(1 - prob, prob);
  }
  if (!cdf) {
    if (nx2 >= 370) return 0;
    if (nx2 >= 2.2) return clip01(2 * smirnovSf(n, x));
  }
  let cdfProb: number;
  if (nx2 >= 18) cdfProb = 1;
  else if (n <= 100000 && n * x ** 1.5 <= 1.4) cdfProb = kolmogorovDurbinCdf(n, x);
  else cdfProb = kolmogorovPelzGood(n, x, true);
  return pick(cdfProb, 1 - cdfProb);
}
