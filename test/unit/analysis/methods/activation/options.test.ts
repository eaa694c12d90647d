import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activationJobParams, DEFAULT_ACTIVATION_OPTIONS, parseActivationOptions } from '../../../../../src/analysis/methods/activation/options';
import { activationCsv } from '../../../../../src/analysis/methods/activation/csv';
import type { ActivationResult } from '../../../../../src/analysis/methods/activation/activation';

test('panel options: defaults parse; malformed webview input is refused', () => {
  assert.deepEqual(parseActivationOptions(DEFAULT_ACTIVATION_OPTIONS), DEFAULT_ACTIVATION_OPTIONS);
  const ok = { ...DEFAULT_ACTIVATION_OPTIONS, threshold: { kind: 'relative', factor: 2 } };
  assert.deepEqual(parseActivationOptions(ok).threshold, { kind: 'relative', factor: 2 });
  for (const [bad, msg] of [
    [null, /expected an object/],
    [{ ...DEFAULT_ACTIVATION_OPTIONS, domains: ['poetry'] }, /domains/],
    [{ ...DEFAULT_ACTIVATION_OPTIONS, targetPruneRatio: 1.5 }, /targetPruneRatio/],
    [{ ...DEFAULT_ACTIVATION_OPTIONS, threshold: { kind: 'absolute', tau: -1 } }, /tau/],
    [{ ...DEFAULT_ACTIVATION_OPTIONS, threshold: { kind: 'median' } }, /threshold/],
    [{ ...DEFAULT_ACTIVATION_OPTIONS, perDomain: 2.5 }, /perDomain/],
    [{ ...DEFAULT_ACTIVATION_OPTIONS, domains: [], useFile: false, useSelection: false }, /at least one prompt source/],
    [{ ...DEFAULT_ACTIVATION_OPTIONS, useFile: 'yes' }, /booleans/],
  ] as const)
    assert.throws(() => parseActivationOptions(bad), msg);
});

test('job parameters: the file and the selection come from the host, never from the options', () => {
  const o = { ...DEFAULT_ACTIVATION_OPTIONS, useSelection: true, useFile: true, domains: ['code'], perDomain: 2 };
  const p = activationJobParams(o, { file: '/tmp/p.jsonl', selection: 'x = 1' });
  assert.deepEqual(p.prompts, [
    { kind: 'text', text: 'x = 1', domain: 'selection' },
    { kind: 'file', path: '/tmp/p.jsonl' },
    { kind: 'builtin', domains: ['code'], perDomain: 2 },
  ]);
  assert.throws(() => activationJobParams(o, { selection: 'x' }), /not opened with a prompt file/);
  assert.throws(() => activationJobParams(o, { file: '/tmp/p.jsonl' }), /not opened on an editor selection/);
});

test('CSV: one row per layer with role fractions, pruning ratio and similarity medians', () => {
  const r = {
    numLayers: 2,
    roles: ['q', 'k'],
    layerFraction: [0.5, 0.25],
    roleFraction: [
      [0.4, 0.6],
      [0.2, 0.3],
    ],
    meanAbsActivation: [1e-5, 2e-6],
    pruneRatios: [0.4, 0.6],
    forwardSparsity: [0.1, 0.2],
    tau: 5e-6,
    similarityByDepth: { same: [{ median: 0.9 }, { median: 0.8 }], cross: [{ median: 0.7 }, null] },
  } as unknown as ActivationResult;
  assert.equal(
    activationCsv(r),
    'layer,activated_fraction,activated_q,activated_k,mean_abs_activation,prune_ratio,mlp_sparsity,similarity_same_median,similarity_cross_median,tau\n' +
      '0,0.5,0.4,0.6,0.00001,0.4,0.1,0.9,0.7,0.000005\n' +
      '1,0.25,0.2,0.3,0.000002,0.6,0.2,0.8,,0.000005\n',
  );
});
