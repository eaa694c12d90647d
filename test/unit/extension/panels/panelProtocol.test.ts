// The messages this part adds to the panel protocol: error-area actions, the report export and a
// figure's "Save CSV…" are accepted only in their exact form; restore ids only of the form the host issues.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_EXPORT_CHARS,
  MAX_TABLE_CSV_CHARS,
  parseAnalysisMessage,
  parseModelEditorMessage,
  parseRestoreId,
  type AnalysisToWebview,
} from '../../../../src/protocol/panel';

test('error-area actions: only showLog and openSettings', () => {
  assert.deepEqual(parseAnalysisMessage({ type: 'action', action: 'showLog' }), { type: 'action', action: 'showLog' });
  assert.deepEqual(parseAnalysisMessage({ type: 'action', action: 'openSettings', extra: 1 }), { type: 'action', action: 'openSettings' });
  for (const action of ['runCommand', 'workbench.action.terminal.new', undefined, 1]) assert.equal(parseAnalysisMessage({ type: 'action', action }), undefined);
});

test('report export: an HTML document of bounded size', () => {
  const html = '<!DOCTYPE html><html><body>r</body></html>';
  assert.deepEqual(parseAnalysisMessage({ type: 'exportReport', html }), { type: 'exportReport', html });
  assert.equal(parseAnalysisMessage({ type: 'exportReport', html: '<svg></svg>' }), undefined);
  assert.equal(parseAnalysisMessage({ type: 'exportReport', html: 42 }), undefined);
  assert.equal(parseAnalysisMessage({ type: 'exportReport', html: '<!DOCTYPE html>' + ' '.repeat(MAX_EXPORT_CHARS) }), undefined);
});

test('restore ids', () => {
  assert.equal(parseRestoreId({ restore: 'Ab_-09' }), 'Ab_-09');
  for (const s of [undefined, null, {}, { restore: '' }, { restore: 'a/b' }, { restore: 'x'.repeat(65) }, { restore: ['a'] }])
    assert.equal(parseRestoreId(s), undefined);
});

test('"Save CSV…" of a figure: CSV text of bounded size and a name, from either webview', () => {
  const csv = 'layer,kind,value\n0,q,0.5\n';
  for (const parse of [parseAnalysisMessage, parseModelEditorMessage]) {
    assert.deepEqual(parse({ type: 'exportTable', csv, name: 'similarity-heatmap', extra: 1 }), { type: 'exportTable', csv, name: 'similarity-heatmap' });
    // The name is only a label the host turns into a file name stem (exportFile.ts fileStem): any text, but bounded.
    assert.deepEqual(parse({ type: 'exportTable', csv, name: '../../etc/passwd' }), { type: 'exportTable', csv, name: '../../etc/passwd' });
    for (const bad of [
      { type: 'exportTable', csv, name: '' },
      { type: 'exportTable', csv, name: 'x'.repeat(1025) },
      { type: 'exportTable', csv, name: 7 },
      { type: 'exportTable', csv, name: undefined },
      { type: 'exportTable', csv: '', name: 'f' },
      { type: 'exportTable', csv: 42, name: 'f' },
      { type: 'exportTable', csv: ['a,b'], name: 'f' },
      { type: 'exportTable', csv: 'a,b\n\0\x01', name: 'f' },
      { type: 'exportTable', csv: 'a'.repeat(MAX_TABLE_CSV_CHARS + 1), name: 'f' },
    ])
      assert.equal(parse(bad), undefined, JSON.stringify(bad).slice(0, 80));
  }
  assert.equal(MAX_TABLE_CSV_CHARS, 50 * 1024 * 1024);
  assert.deepEqual(parseAnalysisMessage({ type: 'exportTable', csv: 'a'.repeat(MAX_TABLE_CSV_CHARS), name: 'f' })?.type, 'exportTable');
});

test('init carries the model structure, and a later modelInfo message may bring it', () => {
  // Host → webview messages are typed, not parsed: the compiler checks these shapes.
  const init: AnalysisToWebview = { type: 'init', panel: 'diff', title: 'Checkpoint diff', model: 'b', options: {}, modelInfo: { moe: true } };
  const bare: AnalysisToWebview = { type: 'init', panel: 'diff', title: 'Checkpoint diff', model: 'b', options: {} };
  const late: AnalysisToWebview = { type: 'modelInfo', modelInfo: { moe: false } };
  assert.deepEqual(JSON.parse(JSON.stringify(init)).modelInfo, { moe: true });
  assert.equal('modelInfo' in bare, false);
  assert.equal(late.type, 'modelInfo');
});
