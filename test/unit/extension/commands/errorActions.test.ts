// The buttons of a command's error notification follow what went wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorActions } from '../../../../src/extension/commands/errorActions';

const labels = (m: string) => errorActions(m).map((a) => a.label);

test('Restricted Mode offers the trust settings, not a retry', () => {
  assert.deepEqual(labels('layer similarity needs a trusted workspace: the analysis worker does not run in Restricted Mode.'), [
    'Manage Workspace Trust',
    'Show Log',
  ]);
});

test('a message naming a setting opens that setting', () => {
  const actions = errorActions(
    'The Layer Lens worker ran out of memory (heap limit 4096 MB). Raise the setting layerLens.workerMaxOldSpaceMB or analyse a smaller model.',
  );
  assert.deepEqual(
    actions.map((a) => a.label),
    ['Open Settings', 'Retry', 'Show Log'],
  );
  assert.deepEqual(actions[0], { label: 'Open Settings', kind: 'command', command: ['workbench.action.openSettings', 'layerLens.workerMaxOldSpaceMB'] });
});

test('other failures offer Retry and the log; a wrong choice is not retried', () => {
  assert.deepEqual(labels('/m/model.safetensors: header length 99999999999 exceeds the file size'), ['Retry', 'Show Log']);
  assert.deepEqual(labels('select exactly two models in the explorer to compare them (1 selected).'), ['Show Log']);
  assert.deepEqual(errorActions('x').at(-1), { label: 'Show Log', kind: 'command', command: ['layerLens.showWorkerLog'] });
});
