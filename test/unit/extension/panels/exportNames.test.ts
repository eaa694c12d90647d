// The file names the save dialog proposes for exports (src/extension/panels/exportNames.ts): a
// figure's "Save CSV…" of an analysis panel is `<panel>-<model>-<figure>`, and whatever label a
// webview sends, the stem holds only [A-Za-z0-9._-], never a path separator, never a leading dot.
import test from 'node:test';
import assert from 'node:assert/strict';
import { fileStem, panelExportStem } from '../../../../src/extension/panels/exportNames';

test('an analysis panel’s exports: the panel, the model, then the figure', () => {
  assert.equal(panelExportStem('similarity', 'Llama-3.1-8B'), 'similarity-Llama-3.1-8B');
  assert.equal(panelExportStem('similarity', 'Llama-3.1-8B', 'similarity-heatmap'), 'similarity-Llama-3.1-8B-similarity-heatmap');
  assert.equal(panelExportStem('diff', 'model.safetensors', 'Δ relative change'), 'diff-model.safetensors-relative_change');
});

test('labels from a webview become safe stems', () => {
  assert.equal(fileStem('../../etc/passwd'), 'etc_passwd');
  assert.equal(fileStem('..\\..\\Windows\\system32'), 'Windows_system32');
  assert.equal(fileStem('.hidden'), 'hidden');
  assert.equal(fileStem('model.layers.0.mlp.up_proj.weight'), 'model.layers.0.mlp.up_proj.weight');
  assert.equal(fileStem('/// '), 'layer-lens');
  assert.equal(fileStem('x'.repeat(500)).length, 120);
  for (const label of ['a/b', 'a\\b', 'a:b', 'a\0b', '<x>', 'é', '..']) assert.match(fileStem(label), /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/, label);
});
