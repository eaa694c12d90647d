// How a dead worker is described to the user (src/extension/worker/crash.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeCrash } from '../../../../src/extension/worker/crash';

test('V8 heap exhaustion is reported as out of memory, naming the limit and the setting', () => {
  const stderr = '<--- Last few GCs --->\nFATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n';
  const c = describeCrash(null, 'SIGABRT', stderr, 512);
  assert.equal(c.reason, 'out-of-memory');
  assert.match(c.message, /ran out of memory \(heap limit 512 MB\)/);
  assert.match(c.message, /layerLens\.workerMaxOldSpaceMB/);
});

test('SIGKILL points at the system OOM killer and the memory budget', () => {
  const c = describeCrash(null, 'SIGKILL', '', 4096);
  assert.equal(c.reason, 'killed');
  assert.match(c.message, /killed \(SIGKILL\)/);
  assert.match(c.message, /layerLens\.memoryBudgetMB/);
});

test('a plain exit quotes the last stderr line', () => {
  const c = describeCrash(3, null, 'loading\nError: cannot load onnxruntime_binding.node\n\n', 4096);
  assert.equal(c.reason, 'exit');
  assert.equal(c.message, 'The Layer Lens worker exited unexpectedly with code 3: Error: cannot load onnxruntime_binding.node');
  assert.equal(describeCrash(1, null, '', undefined).message, 'The Layer Lens worker exited unexpectedly with code 1.');
});

test('other signals are named', () => {
  assert.equal(describeCrash(null, 'SIGSEGV', '', 4096).message, 'The Layer Lens worker stopped on signal SIGSEGV.');
});
