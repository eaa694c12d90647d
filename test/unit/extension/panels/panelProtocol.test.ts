// The messages this part adds to the panel protocol: error-area actions and the report export are
// accepted only in their exact form; restore ids only of the form the host issues.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_EXPORT_CHARS, parseAnalysisMessage, parseRestoreId } from '../../../../src/protocol/panel';

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
