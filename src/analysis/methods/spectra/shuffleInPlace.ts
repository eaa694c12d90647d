/**
 * The entry shuffle of rand_distance without a copy: the same Fisher–Yates walk with the same
 * seeded draws as stats/random.ts's `shuffled` (which shuffles a copy), so the result is identical,
 * for a matrix its caller no longer needs. At 70B shapes (28672 × 8192 float32, 940 MB) the copy
 * would double the matrix's memory.
 */
import { uniformSource } from '../../stats/random';

export function shuffleInPlace(data: Float32Array, seed: number): Float32Array {
  const uniform = uniformSource(seed);
  for (let i = data.length - 1; i > 0; i--) {
    const j = Math.floor(uniform() * (i + 1));
    const t = data[i];
    data[i] = data[j];
    data[j] = t;
  }
  return data;
}
