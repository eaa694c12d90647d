// When a panel shows its Expert field (webview/common/expertField.ts expertFieldShown): on a model
// with mixture-of-experts layers, when the options already name an expert, and while the host has
// not described the model; never on a model the host found dense.
import test from 'node:test';
import assert from 'node:assert/strict';
import { expertFieldShown } from '../../../../webview/common/expertField';

test('the Expert field: MoE models, a chosen expert, or unknown structure', () => {
  assert.equal(expertFieldShown({ moe: true }, undefined), true);
  assert.equal(expertFieldShown({ moe: false }, undefined), false);
  assert.equal(expertFieldShown(undefined, undefined), true);
  // A restored panel that ran with an expert keeps the field that shows it, so it can be cleared.
  for (const e of [0, 3, 'shared', 'all'] as const) assert.equal(expertFieldShown({ moe: false }, e), true, String(e));
});
