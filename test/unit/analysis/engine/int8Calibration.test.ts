import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEngine } from '../../../../src/analysis/engine/engine';
import { calibrationLength, chooseDocsPath, int8Calibration, integerProductsExact } from '../../../../src/analysis/engine/int8Calibration';
import { MAX_INT8_INNER } from '../../../../src/analysis/engine/kernels/int8Quantize';

const cpu = () => getEngine({ providers: ['cpu'], threads: 2 });

test('calibration lengths: powers of two within 256…4096', () => {
  assert.deepEqual([1, 100, 300, 2048, 3000, 14336].map(calibrationLength), [256, 256, 256, 2048, 4096, 4096]);
});

test('calibration: measured once per engine and length; the decision follows the timings', async () => {
  const engine = await cpu();
  const exact = await integerProductsExact(engine);
  const first = int8Calibration(engine, 300);
  assert.equal(int8Calibration(engine, 256), first, 'cached for the same power of two');
  const c = await first;
  assert.equal(c.provider, 'cpu');
  assert.equal(c.n, 256);
  assert.equal(c.exactProducts, exact);
  if (!exact) {
    assert.equal(c.useExact || c.useFast, false);
    assert.match(c.reason ?? '', /saturates/);
    return;
  }
  for (const ms of [c.float32Ms, c.exactMs, c.fastMs]) assert.ok(ms > 0 && Number.isFinite(ms));
  assert.equal(c.useExact, c.exactMs < 0.9 * c.float32Ms);
  assert.equal(c.useFast, c.fastMs < 0.9 * c.float32Ms);
  assert.equal(c.reason === undefined, c.useExact);
  assert.equal(await chooseDocsPath(engine, 256, 'exact'), c.useExact ? 'int8-refined' : 'float32');
  assert.equal(await chooseDocsPath(engine, 256, 'fast'), c.useFast ? 'int8-fast' : 'float32');
});

test('path choice: vectors too long for int32 sums stay on float32, even when forced', async () => {
  const engine = await cpu();
  assert.equal(MAX_INT8_INNER, 33155);
  assert.equal(await chooseDocsPath(engine, MAX_INT8_INNER + 1, 'exact', 'always'), 'float32');
  const exact = await integerProductsExact(engine);
  assert.equal(await chooseDocsPath(engine, MAX_INT8_INNER, 'fast', 'always'), exact ? 'int8-fast' : 'float32');
});
