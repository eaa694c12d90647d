// Typed access to the scipy/numpy oracle of the DOCS method (test/oracles/gumbel_fit.py → .json).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../paths';

export interface GumbelOracle {
  samples: { name: string; sample: number[]; loc: number; scale: number; logLikelihood: number }[];
  docs: {
    name: string;
    rows: number;
    cols: number;
    x: number[];
    y: number[];
    rowMax: number[];
    colMax: number[];
    uX: number;
    betaX: number;
    uY: number;
    betaY: number;
    docs: number;
  }[];
}

export const gumbelOracle: GumbelOracle = JSON.parse(readFileSync(join(REPO_ROOT, 'test/oracles/gumbel_fit.json'), 'utf8'));
