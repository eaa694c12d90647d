// Small seeded random generators, so that every randomised step (the shuffled-entries comparison of
// rand_distance, synthetic test matrices) is reproducible from a seed.

/** Uniform [0, 1) from a 32-bit seed (mulberry32: tiny, fast, passes the usual statistical batteries). */
export function uniformSource(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws by the Box–Muller transform. */
export function normalSource(seed: number): () => number {
  const uniform = uniformSource(seed);
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = uniform();
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** A shuffled copy (Fisher–Yates). */
export function shuffled(data: Float32Array, seed: number): Float32Array {
  const out = data.slice();
  const uniform = uniformSource(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(uniform() * (i + 1));
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}
