// Typed access to the WeightWatcher oracle (test/oracles/weightwatcher.py → .json): WeightWatcher's
// published algorithm re-implemented with numpy/scipy, checked against WeightWatcher's own code by
// test/oracles/weightwatcher_crosscheck.py.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Matrix } from '../../../../../src/analysis/linalg/matrix';
import { REPO_ROOT } from '../../../../paths';

export interface WwFit {
  alpha: number;
  xmin: number;
  D: number;
  sigma: number;
  nTail: number;
  numPlSpikes: number;
  n: number;
}

export interface ClausetFit {
  alpha: number;
  xmin: number;
  ks: number;
  nTail: number;
}

/** Every metric of one matrix as WeightWatcher computes it. */
export interface WwMatrixMetrics {
  N: number;
  M: number;
  logNorm: number;
  logSpectralNorm: number;
  stableRank: number;
  matrixRank: number;
  matrixEntropy: number;
  fit: WwFit | null;
  clauset: ClausetFit | null;
  alphaWeighted?: number;
  logAlphaNorm?: number;
  sigmaMp: number;
  mpSoftrank: number;
  bulkMax: number;
  lambdaMax: number;
}

export interface WwOracle {
  fits: { name: string; values: number[]; fit: WwFit | null; clauset: ClausetFit | null }[];
  matrices: ({ name: string; rows: number; cols: number; data: string } & WwMatrixMetrics)[];
  kde: { samples: number[]; bandwidth: number; density: number[] };
  residMp: { name: string; Q: number; samples: number[]; sigma0: number; points: [sigma: number, resid: number][] }[];
  fmin: { name: string; x0: number; x: number; fun: number; iterations: number; evaluations: number; status: number }[];
  stories260K: ({ layer: number; kind: string; shape: [number, number] } & WwMatrixMetrics)[];
  stories260KAlphaDiffers: { count: number; of: number; maxAbs: number };
}

export const wwOracle: WwOracle = JSON.parse(readFileSync(join(REPO_ROOT, 'test/oracles/weightwatcher.json'), 'utf8'));

/** The oracle's float32 matrix (base64 of little-endian bytes, row-major). */
export function oracleMatrix(c: { rows: number; cols: number; data: string }): Matrix {
  const bytes = Buffer.from(c.data, 'base64');
  const data = new Float32Array(c.rows * c.cols);
  for (let i = 0; i < data.length; i++) data[i] = bytes.readFloatLE(4 * i);
  return { rows: c.rows, cols: c.cols, data };
}
