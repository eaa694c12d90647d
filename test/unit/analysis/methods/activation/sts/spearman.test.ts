// Spearman's ρ, average ranks and the t-approximation p-value against scipy.stats.spearmanr
// (test/oracles/sts_spearman.py, committed output sts_spearman.json), and the incomplete beta
// behind the p-value against closed forms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { averageRanks, logGamma, regularizedBeta, spearman } from '../../../../../../src/analysis/methods/activation/sts/spearman';
import { REPO_ROOT } from '../../../../../paths';

interface OracleCase {
  name: string;
  x: number[];
  y: number[];
  ranks_x: number[];
  ranks_y: number[];
  rho: number | null;
  p: number | null;
  n: number;
}
const oracle = JSON.parse(readFileSync(join(REPO_ROOT, 'test/oracles/sts_spearman.json'), 'utf8')) as { cases: OracleCase[] };

function close(actual: number, expected: number, rel: number, abs: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= abs + rel * Math.abs(expected), `${what}: ${actual} vs ${expected}`);
}

test('average ranks, ρ and p equal scipy.stats.spearmanr, ties included', () => {
  assert.ok(oracle.cases.length >= 8);
  assert.ok(
    oracle.cases.some((c) => new Set(c.x).size < c.x.length && new Set(c.y).size < c.y.length),
    'the oracle has a case with ties on both sides',
  );
  for (const c of oracle.cases) {
    assert.deepEqual(averageRanks(c.x), c.ranks_x, `${c.name}: ranks of x`);
    assert.deepEqual(averageRanks(c.y), c.ranks_y, `${c.name}: ranks of y`);
    const r = spearman(c.x, c.y);
    assert.equal(r.n, c.n);
    if (c.rho === null) {
      assert.ok(Number.isNaN(r.rho) && Number.isNaN(r.p), `${c.name}: undefined for a constant vector`);
      continue;
    }
    close(r.rho, c.rho, 1e-12, 1e-14, `${c.name}: rho`);
    close(r.p, c.p!, 1e-9, 1e-15, `${c.name}: p`);
  }
});

test('incomplete beta and log Γ against closed forms', () => {
  // Γ(n) = (n − 1)!, Γ(1/2) = √π.
  close(logGamma(1), 0, 0, 1e-14, 'lnΓ(1)');
  close(logGamma(6), Math.log(120), 1e-14, 0, 'lnΓ(6)');
  close(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-14, 0, 'lnΓ(1/2)');
  // Γ(n + 1/2) = √π · (2n − 1)!! / 2^n, here n = 30.
  let half = 0.5 * Math.log(Math.PI);
  for (let k = 1; k <= 30; k++) half += Math.log((2 * k - 1) / 2);
  close(logGamma(30.5), half, 1e-13, 0, 'lnΓ(30.5)');
  for (const x of [0.01, 0.2, 0.5, 0.73, 0.999]) {
    close(regularizedBeta(x, 1, 1), x, 1e-14, 1e-15, `I_${x}(1,1) = x`);
    close(regularizedBeta(x, 2, 3), x * x * (6 - 8 * x + 3 * x * x), 1e-13, 1e-15, `I_${x}(2,3)`); // 1 − (1−x)^3(1+3x) expanded
    close(regularizedBeta(x, 0.5, 0.5), (2 / Math.PI) * Math.asin(Math.sqrt(x)), 1e-13, 1e-15, `I_${x}(1/2,1/2)`);
  }
  assert.equal(regularizedBeta(0, 2, 3), 0);
  assert.equal(regularizedBeta(1, 2, 3), 1);
  // One degree of freedom: Student's t is Cauchy, P(|T| > t) = 1 − (2/π) atan t.
  for (const t of [0.3, 1, 4, 40]) close(regularizedBeta(1 / (1 + t * t), 0.5, 0.5), 1 - (2 / Math.PI) * Math.atan(t), 1e-12, 1e-15, `Cauchy tail at ${t}`);
});
