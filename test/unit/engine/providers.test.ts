import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEngine } from '../../../src/analysis/engine/engine';
import { chooseProvider, normaliseOrder, probeProvider } from '../../../src/analysis/engine/providers';
import { describeEngine } from '../../../src/analysis/engine/info';

test('cpu provider starts and runs the probe graph', async () => {
  assert.equal(await probeProvider('cpu', 1), undefined);
});

test('an unavailable provider is reported in tried with its error, and the next one is used', async () => {
  // "tensorrt" needs binaries that onnxruntime-node never bundles, so it cannot start here (nor on CI).
  const choice = await chooseProvider(['tensorrt', 'cpu'], 1);
  assert.equal(choice.provider, 'cpu');
  assert.equal(choice.tried.length, 2);
  assert.equal(choice.tried[0].provider, 'tensorrt');
  assert.ok(choice.tried[0].error && choice.tried[0].error.length > 0, 'the failure carries its message');
  assert.deepEqual(choice.tried[1], { provider: 'cpu' });
});

test('default order tries cuda and webgpu before cpu, each recorded', async () => {
  const engine = await getEngine({ threads: 1 });
  const names = engine.info.tried.map((t) => t.provider);
  assert.equal(names[names.length - 1], engine.info.provider);
  assert.deepEqual(names, ['cuda', 'webgpu', 'cpu'].slice(0, names.length));
  for (const t of engine.info.tried.slice(0, -1)) assert.ok(t.error, `${t.provider} failed with a reason`);
  assert.equal(engine.info.threads, 1);
  assert.match(describeEngine(engine.info), /thread/);
});

test('getEngine caches per options; a user order is honoured', async () => {
  const a = await getEngine({ providers: ['cpu'], threads: 1 });
  const b = await getEngine({ providers: ['CPU'], threads: 1 });
  assert.equal(a, b);
  assert.equal(a.info.provider, 'cpu');
  assert.deepEqual(a.info.tried, [{ provider: 'cpu' }]);
});

test('bad settings get specific errors', async () => {
  assert.throws(() => normaliseOrder(['cpu', 'tpu']), /unknown execution provider "tpu"/);
  await assert.rejects(chooseProvider(['tensorrt'], 1), /no execution provider could start \(tensorrt: /);
  assert.throws(() => getEngine({ threads: 0 }), /positive integer/);
  assert.throws(() => getEngine({ memoryBudgetMB: -1 }), /memoryBudgetMB/);
});
