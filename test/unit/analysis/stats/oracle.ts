// Typed access to the scipy/numpy oracle of the spectra method (test/oracles/spectra.py → .json).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../paths';

export interface SpectraOracle {
  erf: [x: number, erf: number, erfc: number][];
  kstwo: [n: number, d: number, sf: number, cdf: number][];
  smirnov: [n: number, d: number, sf: number][];
  kolmogorov: [x: number, sf: number][];
  kstest: { sample: number[]; variance: number; statistic: number; pValue: number; pValueAsymp: number }[];
  marchenkoPastur: {
    rows: number;
    cols: number;
    sigma: number;
    lower: number;
    upper: number;
    lowerTolerant: number;
    upperTolerant: number;
    points: [nu: number, density: number, cdf: number][];
  }[];
  powerLaw: {
    sample: number[];
    fit: { alpha: number; xmin: number; ks: number; nTail: number };
    at: { xmin: number; alpha: number; ks: number; nTail: number }[];
  };
  matrices: {
    name: string;
    rows: number;
    cols: number;
    data: number[];
    singularValues: number[];
    gramEigvalsh: number[];
    rightKsP: number[];
    leftKsP: number[];
    shuffleSeed: number;
    metrics: {
      sigma: number;
      logNorm: number;
      logSpectralNorm: number;
      stableRank: number;
      spikes: number;
      fractionOutside: number;
      ksMp: number;
      alpha: number;
      xmin: number;
      nTail: number;
      alphaKs: number;
      alphaWeighted: number;
      randDistance: number;
    };
  }[];
  jensenShannon: { p: number[]; q: number[]; distance: number; distanceBase2: number }[];
  stories260K: {
    heads: { layer: number; kind: string; head: number; shape: [number, number]; singularValues: number[]; rightKsP: number[] }[];
    randomnessByDepth: Record<'q' | 'k' | 'v' | 'o', number[]>;
    matrices: {
      layer: number;
      kind: string;
      shape: [number, number];
      singularValues: number[];
      fit: { alpha: number; xmin: number; ks: number; nTail: number };
    }[];
  };
}

export const oracle: SpectraOracle = JSON.parse(readFileSync(join(REPO_ROOT, 'test/oracles/spectra.json'), 'utf8'));

/** |a − b| ≤ atol + rtol·|b|, with a message naming the case. */
export function assertClose(actual: number, expected: number, rtol: number, atol: number, what: string): void {
  if (!(Math.abs(actual - expected) <= atol + rtol * Math.abs(expected))) {
    throw new Error(`${what}: got ${actual}, expected ${expected} (rtol ${rtol}, atol ${atol})`);
  }
}
