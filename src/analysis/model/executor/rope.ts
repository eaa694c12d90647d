/**
 * Rotary position embeddings: inverse frequencies for every `rope_scaling` type that Hugging Face
 * configs use, and the cos/sin tables fed to the block graphs (HF layout: the table is the
 * frequencies repeated twice, paired with rotate_half).
 */
import type { DecoderConfig } from './config';

export interface RopeFrequencies {
  invFreq: Float64Array;
  /** Multiplies cos and sin (YaRN's attention factor; 1 otherwise). */
  attentionScaling: number;
}

/**
 * Inverse frequencies for a sequence of `seqLen` tokens (only `dynamic` depends on it), each divided
 * by its stored frequency factor when the model has them (`cfg.ropeFreqFactors`).
 */
export function ropeFrequencies(cfg: DecoderConfig, seqLen: number): RopeFrequencies {
  const f = scaledFrequencies(cfg, seqLen);
  const ff = cfg.ropeFreqFactors;
  if (!ff) return f;
  if (ff.length !== f.invFreq.length) throw new Error(`the model has ${ff.length} RoPE frequency factors for ${f.invFreq.length} rotary frequencies`);
  return { ...f, invFreq: f.invFreq.map((v, i) => v / ff[i]) };
}

function scaledFrequencies(cfg: DecoderConfig, seqLen: number): RopeFrequencies {
  const dim = Math.floor(cfg.headDim * cfg.partialRotaryFactor);
  let base = cfg.ropeTheta;
  const half = dim / 2;
  const expo = (i: number) => (2 * i) / dim;
  const plain = (b: number) => Float64Array.from({ length: half }, (_, i) => 1 / Math.pow(b, expo(i)));
  const rope = cfg.rope;
  switch (rope.type) {
    case 'default':
      return { invFreq: plain(base), attentionScaling: 1 };
    case 'linear':
      return { invFreq: plain(base).map((v) => v / rope.factor), attentionScaling: 1 };
    case 'dynamic': {
      // NTK-aware: the base grows once the sequence is longer than the trained context.
      if (seqLen > cfg.maxPositions) {
        base *= Math.pow((rope.factor * seqLen) / cfg.maxPositions - (rope.factor - 1), dim / (dim - 2));
      }
      return { invFreq: plain(base), attentionScaling: 1 };
    }
    case 'llama3': {
      const inv = plain(base);
      const lowWl = rope.originalMaxPositions / rope.lowFreqFactor;
      const highWl = rope.originalMaxPositions / rope.highFreqFactor;
      const out = inv.map((f) => {
        const wl = (2 * Math.PI) / f;
        if (wl < highWl) return f; // high frequencies: unchanged
        if (wl > lowWl) return f / rope.factor; // low frequencies: interpolated
        const smooth = (rope.originalMaxPositions / wl - rope.lowFreqFactor) / (rope.highFreqFactor - rope.lowFreqFactor);
        return ((1 - smooth) * f) / rope.factor + smooth * f;
      });
      return { invFreq: out, attentionScaling: 1 };
    }
    case 'yarn': {
      const mscale = (s: number, m = 1) => (s <= 1 ? 1 : 0.1 * m * Math.log(s) + 1);
      let att = rope.attentionFactor;
      if (att === undefined) {
        att = rope.mscale && rope.mscaleAllDim ? mscale(rope.factor, rope.mscale) / mscale(rope.factor, rope.mscaleAllDim) : mscale(rope.factor);
      }
      const corrDim = (rot: number) => (dim * Math.log(rope.originalMaxPositions / (rot * 2 * Math.PI))) / (2 * Math.log(base));
      // modeling_rope_utils.py find_correction_range: floor/ceil unless rope_scaling.truncate is false.
      const round = (x: number, f: (v: number) => number) => (rope.truncate ? f(x) : x);
      const low = Math.max(round(corrDim(rope.betaFast), Math.floor), 0);
      let high = Math.min(round(corrDim(rope.betaSlow), Math.ceil), dim - 1);
      if (low === high) high += 0.001;
      const out = new Float64Array(half);
      for (let i = 0; i < half; i++) {
        const pos = Math.pow(base, expo(i));
        const ramp = Math.min(1, Math.max(0, (i - low) / (high - low)));
        const extrapolation = 1 - ramp;
        out[i] = (1 / (rope.factor * pos)) * (1 - extrapolation) + (1 / pos) * extrapolation;
      }
      return { invFreq: out, attentionScaling: att };
    }
  }
}

/**
 * cos and sin tables [seqLen, rotDim] (rotDim = 2·invFreq.length) in HF's layout: column j and
 * j + rotDim/2 share frequency j. Computed in float64, returned in the requested precision.
 */
export function ropeTables(freq: RopeFrequencies, seqLen: number, positionOffset = 0): { cos: Float64Array; sin: Float64Array; rotDim: number } {
  const half = freq.invFreq.length;
  const rotDim = 2 * half;
  const cos = new Float64Array(seqLen * rotDim);
  const sin = new Float64Array(seqLen * rotDim);
  for (let t = 0; t < seqLen; t++) {
    for (let j = 0; j < half; j++) {
      const a = (t + positionOffset) * freq.invFreq[j];
      const c = Math.cos(a) * freq.attentionScaling,
        s = Math.sin(a) * freq.attentionScaling;
      cos[t * rotDim + j] = c;
      cos[t * rotDim + j + half] = c;
      sin[t * rotDim + j] = s;
      sin[t * rotDim + j + half] = s;
    }
  }
  return { cos, sin, rotDim };
}
