// Messages from webviews are untrusted: the host accepts only well-formed ones (src/protocol/panel.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_EXPORT_CHARS, parseAnalysisMessage, parseModelEditorMessage } from '../../../src/protocol/panel';

const PNG_BASE64 = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]).toString('base64');

test('model editor: well-formed messages pass through with only their known fields', () => {
  assert.deepEqual(parseModelEditorMessage({ type: 'ready', extra: 'dropped' }), { type: 'ready' });
  assert.deepEqual(parseModelEditorMessage({ type: 'selectTensor', tensor: 'model.layers.0.mlp.up_proj.weight' }), {
    type: 'selectTensor',
    tensor: 'model.layers.0.mlp.up_proj.weight',
    bins: undefined,
  });
  assert.deepEqual(parseModelEditorMessage({ type: 'selectTensor', tensor: 'w', bins: 128 }), { type: 'selectTensor', tensor: 'w', bins: 128 });
  assert.deepEqual(parseModelEditorMessage({ type: 'exportImage', format: 'png', data: PNG_BASE64, name: 'w' }), {
    type: 'exportImage',
    format: 'png',
    data: PNG_BASE64,
    name: 'w',
  });
  assert.deepEqual(parseModelEditorMessage({ type: 'exportStats', format: 'csv', tensor: 'w' }), { type: 'exportStats', format: 'csv', tensor: 'w' });
});

test('model editor: malformed messages are rejected', () => {
  const bad: unknown[] = [
    null,
    'ready',
    42,
    [],
    { type: 'unknown' },
    { type: 'selectTensor' },
    { type: 'selectTensor', tensor: '' },
    { type: 'selectTensor', tensor: 7 },
    { type: 'selectTensor', tensor: 'x'.repeat(1025) },
    { type: 'selectTensor', tensor: 'w', bins: 0 },
    { type: 'selectTensor', tensor: 'w', bins: 1.5 },
    { type: 'selectTensor', tensor: 'w', bins: 100000 },
    { type: 'exportImage', format: 'gif', data: PNG_BASE64, name: 'w' },
    { type: 'exportImage', format: 'png', data: '<svg></svg>', name: 'w' },
    { type: 'exportImage', format: 'svg', data: '<script>alert(1)</script>', name: 'w' },
    { type: 'exportImage', format: 'png', data: PNG_BASE64 },
    { type: 'exportStats', format: 'xlsx', tensor: 'w' },
    { type: 'exportStats', format: 'json', path: '/etc/passwd' },
  ];
  for (const raw of bad) assert.equal(parseModelEditorMessage(raw), undefined, JSON.stringify(raw)?.slice(0, 80));
});

test('analysis panel: well-formed messages pass; options are handed on for the panel to validate', () => {
  assert.deepEqual(parseAnalysisMessage({ type: 'run', options: { layers: [0, 1] } }), { type: 'run', options: { layers: [0, 1] } });
  assert.deepEqual(parseAnalysisMessage({ type: 'run', options: {}, fresh: true }), { type: 'run', options: {}, fresh: true });
  assert.deepEqual(parseAnalysisMessage({ type: 'run', options: {}, fresh: 'yes' }), { type: 'run', options: {} });
  assert.deepEqual(parseAnalysisMessage({ type: 'cancel' }), { type: 'cancel' });
  assert.deepEqual(parseAnalysisMessage({ type: 'exportData', format: 'json' }), { type: 'exportData', format: 'json' });
  assert.deepEqual(parseAnalysisMessage({ type: 'exportImage', format: 'svg', data: ' <svg xmlns="http://www.w3.org/2000/svg"/>' }), {
    type: 'exportImage',
    format: 'svg',
    data: ' <svg xmlns="http://www.w3.org/2000/svg"/>',
  });
  assert.deepEqual(parseAnalysisMessage({ type: 'request', requestId: 3, name: 'cell', payload: { i: 1 } }), {
    type: 'request',
    requestId: 3,
    name: 'cell',
    payload: { i: 1 },
  });
});

test('analysis panel: malformed messages are rejected, including oversized exports', () => {
  const bad: unknown[] = [
    undefined,
    { type: 'exportData', format: 'png' },
    { type: 'exportImage', format: 'png', data: 'not base64!' },
    { type: 'exportImage', format: 'png', data: 'A'.repeat(MAX_EXPORT_CHARS + 4) },
    { type: 'request', requestId: -1, name: 'x', payload: null },
    { type: 'request', requestId: 1.5, name: 'x', payload: null },
    { type: 'request', requestId: 1, name: '', payload: null },
    { type: 'selectTensor', tensor: 'w' },
  ];
  bad.forEach((raw, i) => assert.equal(parseAnalysisMessage(raw), undefined, `case ${i}`));
});
