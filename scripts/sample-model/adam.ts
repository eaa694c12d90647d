/**
 * AdamW (Loshchilov & Hutter) with bias correction, written out so that the training loop has no
 * dependency: m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², θ ← θ − lr·(m̂/(√v̂ + ε) + wd·θ).
 * Weight decay applies to 2-D matrices only (not to norm gains), as is customary.
 */
export interface AdamOptions {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

interface Slot {
  m: Float32Array;
  v: Float32Array;
  decay: boolean;
}

export class AdamW {
  private readonly slots = new Map<string, Slot>();
  private t = 0;

  constructor(private readonly opts: AdamOptions) {}

  /** One update of every parameter that has a gradient. */
  step(params: Map<string, { shape: number[]; data: Float32Array }>, grads: Map<string, Float64Array | Float32Array>, lr: number): void {
    this.t++;
    const { beta1, beta2, eps, weightDecay } = this.opts;
    const c1 = 1 - Math.pow(beta1, this.t),
      c2 = 1 - Math.pow(beta2, this.t);
    for (const [name, p] of params) {
      const g = grads.get(name);
      if (!g) throw new Error(`no gradient for ${name}`);
      let s = this.slots.get(name);
      if (!s) {
        s = { m: new Float32Array(p.data.length), v: new Float32Array(p.data.length), decay: p.shape.length === 2 };
        this.slots.set(name, s);
      }
      const wd = s.decay ? weightDecay : 0;
      const { m, v } = s;
      const w = p.data;
      for (let i = 0; i < w.length; i++) {
        m[i] = beta1 * m[i] + (1 - beta1) * g[i];
        v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
        w[i] -= lr * (m[i] / c1 / (Math.sqrt(v[i] / c2) + eps) + wd * w[i]);
      }
    }
  }
}

/** Scales all gradients so that their global L2 norm is at most maxNorm; returns the norm before clipping. */
export function clipGradients(grads: Map<string, Float64Array | Float32Array>, maxNorm: number): number {
  let sq = 0;
  for (const g of grads.values()) for (let i = 0; i < g.length; i++) sq += g[i] * g[i];
  const norm = Math.sqrt(sq);
  if (norm > maxNorm) {
    const s = maxNorm / norm;
    for (const g of grads.values()) for (let i = 0; i < g.length; i++) g[i] *= s;
  }
  return norm;
}
