/**
 * The pruning curves' measurements against test/oracles/prune_curves.py (float64 numpy, written
 * from the public definitions): the sample model's perplexity on a held-out text with every set of
 * up to three of its four layers removed, and the multiple-choice log-likelihoods, acc and
 * acc_norm of the bundled sample items; n = 0 equals the "Prune and evaluate" perplexity.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getEngine } from '../../../../../src/analysis/engine/engine';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { loadTokenizer } from '../../../../../src/analysis/model/tokenizer';
import { perplexity } from '../../../../../src/analysis/methods/persistence/perplexity';
import { executorWithout } from '../../../../../src/analysis/methods/persistence/evaluation/layerSubset';
import { executorPerplexity, scoreChoices } from '../../../../../src/analysis/methods/persistence/evaluation/scoring';
import { loadChoicesFile } from '../../../../../src/analysis/methods/persistence/evaluation/choices';
import { REPO_ROOT } from '../../../../paths';

interface OracleCase {
  removed: number[];
  perplexity: number;
  tokens: number;
  loglikelihoods: number[][];
  acc: number;
  accNorm: number;
}
const ORACLE = JSON.parse(readFileSync(join(REPO_ROOT, 'test/oracles/prune_curves.json'), 'utf8')) as { cases: OracleCase[] };
const SAMPLE = join(REPO_ROOT, 'media/sample-model');
const HELDOUT = readFileSync(join(REPO_ROOT, 'test/oracles/prune_curves_heldout.txt'), 'utf8');
const CHOICES = join(REPO_ROOT, 'media/samples/pruning-choices.jsonl');

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

test('perplexity without each set of layers equals the numpy oracle (1e-4 relative); n = 0 equals perplexity()', async () => {
  const engine = await getEngine({ providers: ['cpu'], threads: 1 });
  const model = await openModel(SAMPLE);
  const ids = (await loadTokenizer(SAMPLE))!.encode(HELDOUT, { addBos: true });
  assert.equal(ORACLE.cases.length, 15, 'every set of at most 3 of the 4 layers');
  for (const c of ORACLE.cases) {
    const ex = executorWithout(model, c.removed, { engine });
    try {
      const r = await executorPerplexity(ex, ids);
      assert.equal(r.tokens, c.tokens);
      assert.ok(rel(r.perplexity, c.perplexity) < 1e-4, `without [${c.removed}]: ${r.perplexity} vs oracle ${c.perplexity}`);
    } finally {
      await ex.release();
    }
  }
  const whole = await perplexity(model, ids, { engine, maxTokens: 2048 });
  const ex = executorWithout(model, [], { engine });
  try {
    assert.equal((await executorPerplexity(ex, ids)).perplexity, whole.perplexity);
  } finally {
    await ex.release();
  }
  // Different layer sets give different numbers: the check above could not pass by ignoring `removed`.
  assert.ok(new Set(ORACLE.cases.map((c) => c.perplexity.toPrecision(6))).size === ORACLE.cases.length);
});

test('multiple-choice log-likelihoods, acc and acc_norm equal the oracle (lm-eval definitions)', async () => {
  const engine = await getEngine({ providers: ['cpu'], threads: 1 });
  const model = await openModel(SAMPLE);
  const tok = (await loadTokenizer(SAMPLE))!;
  const items = await loadChoicesFile(CHOICES);
  assert.equal(items.length, 12);
  const picked = ORACLE.cases.filter((c) => ['', '0,2,3'].includes(c.removed.join(',')));
  assert.equal(picked.length, 2);
  for (const c of picked) {
    const ex = executorWithout(model, c.removed, { engine });
    try {
      const s = await scoreChoices(ex, tok, items, 257);
      s.loglikelihoods.forEach((row, i) =>
        row.forEach((ll, j) => assert.ok(rel(ll, c.loglikelihoods[i][j]) < 1e-4, `[${c.removed}] item ${i} choice ${j}: ${ll} vs ${c.loglikelihoods[i][j]}`)),
      );
      assert.equal(s.acc, c.acc, `acc without [${c.removed}]`);
      assert.equal(s.accNorm, c.accNorm, `acc_norm without [${c.removed}]`);
    } finally {
      await ex.release();
    }
  }
});
