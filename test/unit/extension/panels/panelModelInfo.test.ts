// Whether a panel's models have mixture-of-experts layers (src/extension/panels/panelModelInfo.ts),
// from the worker's own header-only summary of real checkpoints written here: a Mixtral-style and a
// DeepSeek-V3-style MoE fixture say MoE, a dense Llama says dense, a diff of dense against MoE says
// MoE, and a model that cannot be opened leaves the answer unknown rather than guessing "dense".
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openModel } from '../../../../src/analysis/model/openModel';
import { summarize } from '../../../../src/analysis/model/summary';
import { describeModels, wantsModelInfo } from '../../../../src/extension/panels/panelModelInfo';
import { writeMoeFixture } from '../../../fixtures/moeLayouts';
import { writeFixtureModel } from '../../../fixtures/makeModel';

let root = '';
let mixtral = '';
let deepseek = '';
let llama = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-panel-info-'));
  mixtral = (await writeMoeFixture(join(root, 'mixtral'), { arch: 'mixtral' })).dir;
  deepseek = (await writeMoeFixture(join(root, 'deepseek'), { arch: 'deepseek_v3' })).dir;
  llama = join(root, 'llama');
  await writeFixtureModel(llama, { arch: 'llama' });
});
after(() => rm(root, { recursive: true, force: true }));

/** What the panel host asks the worker: `model/open`, i.e. summarize(openModel(path)). */
const open = async (path: string) => summarize(await openModel(path));

test('MoE checkpoints are MoE, a dense one is dense', async () => {
  assert.deepEqual(await describeModels([mixtral], open), { moe: true });
  assert.deepEqual(await describeModels([deepseek], open), { moe: true });
  assert.deepEqual(await describeModels([llama], open), { moe: false });
});

test('a diff is MoE when either model is', async () => {
  assert.deepEqual(await describeModels([llama, mixtral], open), { moe: true });
  assert.deepEqual(await describeModels([llama, llama], open), { moe: false });
});

test('a model that does not open leaves the structure unknown, unless another one is MoE', async () => {
  const missing = join(root, 'nowhere');
  assert.equal(await describeModels([missing], open), undefined);
  assert.equal(await describeModels([llama, missing], open), undefined);
  assert.deepEqual(await describeModels([missing, deepseek], open), { moe: true });
  assert.equal(await describeModels([], open), undefined);
});

test('only the panels with an Expert field ask', () => {
  for (const p of ['similarity', 'correlations', 'diff']) assert.equal(wantsModelInfo(p), true, p);
  for (const p of ['spectra', 'timeline', 'adapter', 'experts']) assert.equal(wantsModelInfo(p), false, p);
});

test('an opener that throws at once is a model that did not open, not a rejected promise', async () => {
  const throwing = (): Promise<{ experts?: unknown }> => {
    throw new Error('the worker is not running');
  };
  assert.equal(await describeModels(['a'], throwing), undefined);
});
