// DOCS of unrelated matrices for the actual shape (docs/methods.md §1), against
// test/oracles/docs_chance.py: the same population value computed with scipy's incomplete beta and
// adaptive quadrature, and a simulation of the paper's procedure (Gaussian pairs, scipy's Gumbel
// fit) with its standard error. The classical Φ⁻¹(1 − 1/2m)/√n must be measurably off at small n.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { docsChanceLevel } from '../../../../../src/analysis/methods/similarity/chanceLevel';
import { REPO_ROOT } from '../../../../paths';

interface Case {
  n: number;
  m: number;
  analytic: number;
  simulated: number;
  se: number;
  approximation: number;
}
const oracle = JSON.parse(readFileSync(join(REPO_ROOT, 'test/oracles/docs_chance.json'), 'utf8')) as { cases: Case[] };

test('the chance level equals scipy’s population value and the simulated DOCS of Gaussian pairs', () => {
  assert.ok(oracle.cases.length >= 6);
  for (const c of oracle.cases) {
    const level = docsChanceLevel(c.n, c.m);
    assert.ok(Math.abs(level - c.analytic) < 1e-7, `${c.n}×${c.m}: ${level} vs scipy ${c.analytic}`);
    // The simulation carries sampling error and the Gumbel fit's small finite-m bias.
    assert.ok(Math.abs(level - c.simulated) < 4 * c.se + 5e-4, `${c.n}×${c.m}: ${level} vs simulated ${c.simulated} ± ${c.se}`);
  }
});

test('at n = 64 the classical approximation is 2–3 % high; the exact level is not', () => {
  const c = oracle.cases.find((x) => x.n === 64 && x.m === 172)!;
  assert.ok(c.approximation - c.simulated > 10 * c.se, 'the approximation is off by many standard errors');
  assert.ok(Math.abs(docsChanceLevel(64, 172) - c.simulated) < 3 * c.se);
});

test('the level falls with n, rises with m, and is cached', () => {
  assert.ok(docsChanceLevel(128, 128) < docsChanceLevel(64, 128));
  assert.ok(docsChanceLevel(64, 256) > docsChanceLevel(64, 64));
  const t0 = performance.now();
  docsChanceLevel(64, 172);
  assert.ok(performance.now() - t0 < 5, 'a repeated shape is served from the cache');
});
