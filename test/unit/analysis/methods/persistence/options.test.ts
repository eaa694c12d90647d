/** Panel options validation (untrusted webview input), the worker parameters they map to, and the CSV export. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_PERSISTENCE_OPTIONS,
  parsePersistenceJobParams,
  parsePersistenceOptions,
  persistenceJobParams,
} from '../../../../../src/analysis/methods/persistence/options';
import { checkPromptSources } from '../../../../../src/analysis/methods/common/promptSources';
import { persistenceCsv } from '../../../../../src/analysis/methods/persistence/csv';
import type { PersistenceResult } from '../../../../../src/analysis/methods/persistence/persistence';

test('options: defaults round-trip; bad fields are named', () => {
  assert.deepEqual(parsePersistenceOptions(JSON.parse(JSON.stringify(DEFAULT_PERSISTENCE_OPTIONS))), DEFAULT_PERSISTENCE_OPTIONS);
  assert.throws(() => parsePersistenceOptions({ ...DEFAULT_PERSISTENCE_OPTIONS, k: 0 }), /k must be an integer in \[1, 100\]/);
  assert.throws(() => parsePersistenceOptions({ ...DEFAULT_PERSISTENCE_OPTIONS, maxDim: 1 }), /maxDim/);
  assert.throws(() => parsePersistenceOptions({ ...DEFAULT_PERSISTENCE_OPTIONS, domains: ['poetry'] }), /domains/);
  assert.throws(() => parsePersistenceOptions({ ...DEFAULT_PERSISTENCE_OPTIONS, domains: [], useFile: false }), /at least one prompt source/);
  assert.throws(() => parsePersistenceOptions(null), /expected an object/);
  assert.throws(() => parsePersistenceOptions({ ...DEFAULT_PERSISTENCE_OPTIONS, keep: 'middle' }), /keep must be first or last/);
  for (const bad of [0, 1, -0.5, '0.5', null])
    assert.throws(() => parsePersistenceOptions({ ...DEFAULT_PERSISTENCE_OPTIONS, maxPrunedShare: bad }), /maxPrunedShare must be a number in \(0, 1\)/);
});

test("defaults: the paper's clique dimension 4 and 2048 tokens keeping the first; half the layers at most", () => {
  assert.equal(DEFAULT_PERSISTENCE_OPTIONS.maxDim, 4);
  assert.equal(DEFAULT_PERSISTENCE_OPTIONS.maxTokens, 2048);
  assert.equal(DEFAULT_PERSISTENCE_OPTIONS.keep, 'first');
  assert.equal(DEFAULT_PERSISTENCE_OPTIONS.maxPrunedShare, 0.5);
  const p = persistenceJobParams({ ...DEFAULT_PERSISTENCE_OPTIONS, keep: 'last', maxPrunedShare: 0.25 }, {});
  assert.equal(p.keep, 'last');
  assert.equal(p.maxPrunedShare, 0.25);
});

test('run options: keep and maxPrunedShare are validated like every other field', () => {
  const prompts = [{ kind: 'builtin', perDomain: 2 }];
  assert.deepEqual(parsePersistenceJobParams({ prompts, keep: 'last', maxPrunedShare: 0.3, maxTokens: 100 }), {
    prompts,
    keep: 'last',
    maxPrunedShare: 0.3,
    maxTokens: 100,
  });
  assert.deepEqual(parsePersistenceJobParams({ prompts }), { prompts });
  assert.throws(() => parsePersistenceJobParams({ prompts, keep: 'end' }), /persistence option 'keep' must be 'first' or 'last'/);
  for (const bad of [0, 1, 2, 'half', true])
    assert.throws(() => parsePersistenceJobParams({ prompts, maxPrunedShare: bad }), /persistence option 'maxPrunedShare' must be a number in \(0, 1\)/);
});

test('options → worker params: the prompt file only from the host', () => {
  const p = persistenceJobParams({ ...DEFAULT_PERSISTENCE_OPTIONS, useFile: true, perDomain: 3 }, { file: '/tmp/p.txt' });
  assert.deepEqual(p.prompts, [
    { kind: 'file', path: '/tmp/p.txt' },
    { kind: 'builtin', domains: ['prose', 'code', 'math', 'dialogue'], perDomain: 3 },
  ]);
  assert.throws(() => persistenceJobParams({ ...DEFAULT_PERSISTENCE_OPTIONS, useFile: true }, {}), /not opened with a prompt file/);
  assert.throws(() => checkPromptSources([{ kind: 'builtin', perDomain: -1 }]), /malformed prompt source/);
  assert.throws(() => checkPromptSources([]), /non-empty/);
});

test('CSV: one row per cloud with Betti numbers, S̄, baselines and suggestion flags', () => {
  const r = {
    cloudNames: ['layer 0 post-attention norm', 'final norm'],
    decoderLayers: 1,
    homologyDims: [0, 1],
    betti: [
      [1, 1],
      [2, 3],
    ],
    averageSimilarity: [
      [1, 1],
      [0.5, 0.25],
    ],
    residualStream: {
      representation: 'residual stream',
      states: 2,
      prompts: 3,
      tokens: 9,
      blockInfluence: [0.125],
      angularLastToken: [{ n: 1, values: [0.0625] }],
      angularAllTokens: [{ n: 1, values: [0.25] }],
    },
    suggestions: [{ p: 0.9, threshold: 0.45, layers: [0] }],
  } as unknown as PersistenceResult;
  assert.equal(
    persistenceCsv(r),
    [
      'cloud,name,betti_0,betti_1,avg_similarity_0,avg_similarity_1,residual_block_influence,residual_angular_last_n1,residual_angular_all_n1,suggested_p0.9',
      '0,"layer 0 post-attention norm",1,2,1,0.5,0.125,0.0625,0.25,1',
      '1,"final norm",1,3,1,0.25,,,,0',
    ].join('\n') + '\n',
  );
});
