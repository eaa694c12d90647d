// `layer-lens activation-prune` through its command object on stories260K (token-id prompts): the
// JSON result's figures are the ones printed in the table and in the tidy CSV; usage errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { activationPrune } from '../../../../../../src/analysis/methods/activation/experiments/cli';
import type { PruneExperimentJobResult } from '../../../../../../src/analysis/methods/activation/experiments/job';
import { getEngine } from '../../../../../../src/analysis/engine/engine';
import { openModel } from '../../../../../../src/analysis/model/openModel';
import type { CliContext, CliValues } from '../../../../../../src/analysis/cli/types';
import { REPO_ROOT } from '../../../../../paths';

const stories = path.join(REPO_ROOT, 'test', 'fixtures', 'models', 'stories260K');
const TOKENS = '1,403,422,422,422,422;1,12,330,295,389,377,377;1,250,330,401,315,466,290;1,300,422,422,422,287,315;1,64,330,295,389';

async function runCli(values: CliValues): Promise<string> {
  let out = '';
  const ctx: CliContext = {
    signal: new AbortController().signal,
    onProgress: () => {},
    out: (t) => (out += t),
    err: () => {},
    model: (p) => openModel(p),
    engine: () => Promise.resolve(getEngine()),
  };
  await activationPrune.run({ positionals: [stories], values }, ctx);
  return out;
}

test('activation-prune: JSON, table and tidy CSV agree', async () => {
  const base = { tokens: TOKENS, 'held-out': '1', target: '0.4', lambda: '0.1' };
  const r = JSON.parse(await runCli({ ...base, json: true })) as PruneExperimentJobResult;
  assert.equal(r.targetPruneRatio, 0.4);
  assert.equal(r.lambda, 0.1);
  // Token prompts form one domain "tokens": its last prompt is held out.
  assert.equal(r.calibrationPrompts, 4);
  assert.equal(r.heldOutSequences, 1);
  assert.equal(r.heldOutTokens, 4);
  assert.ok(Math.abs(r.derived.ratios.reduce((a, b) => a + b, 0) / 5 - 0.4) < 1e-12);
  assert.ok(Math.max(...r.derived.ratios.map((x) => Math.abs(x - 0.4))) <= 0.2 + 1e-12);
  const text = await runCli(base);
  assert.ok(text.includes(r.unpruned.toFixed(3)) && text.includes(r.uniform.perplexity.toFixed(3)) && text.includes(r.derived.perplexity.toFixed(3)), text);
  const csv = (await runCli({ ...base, csv: true })).trim().split('\n');
  assert.equal(csv[0], 'arm,calibration,evaluation,layer,metric,value');
  assert.ok(csv.includes(`derived,,,,perplexity,${r.derived.perplexity}`), csv.slice(0, 6).join('\n'));
});

test('activation-prune: usage errors', async () => {
  await assert.rejects(runCli({ tokens: TOKENS, lambda: '0.9' }), /'lambda' must be a number in \[0, 0.5\]/);
  await assert.rejects(runCli({ tokens: TOKENS, target: 'half' }), /--target must be a number/);
  await assert.rejects(runCli({ tokens: TOKENS, json: true, csv: true }), /--json and --csv/);
  await assert.rejects(runCli({ tokens: '1,2,3', 'held-out': '1' }), /domain "tokens" has 1 prompt/);
});
