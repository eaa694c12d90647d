// Completeness of a checkpoint being written: a missing shard, a safetensors file shorter than its
// header says (still growing), a missing trainer_state.json when the run writes one are not
// complete; a whole checkpoint is complete only after its files stayed unchanged for the quiet time.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompletenessTracker, snapshotCheckpoint } from '../../../../../src/analysis/methods/timeline/completeness';
import { writeCheckpoint } from './series';

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-timeline-complete-'));
});
after(() => rm(root, { recursive: true, force: true }));

test('a whole checkpoint is ready; a shard the index names but missing is not', async () => {
  const whole = await writeCheckpoint(join(root, 'a'), 1, { shards: 2 });
  assert.equal((await snapshotCheckpoint(whole, { expectTrainerState: true })).ready, true);
  await rm(join(whole, 'model-00002-of-00002.safetensors'));
  const snap = await snapshotCheckpoint(whole);
  assert.equal(snap.ready, false);
  assert.match(snap.reason ?? '', /model-00002-of-00002\.safetensors.*missing/);
});

test('a safetensors file still growing (shorter than its header says) is not ready', async () => {
  const dir = await writeCheckpoint(join(root, 'b'), 1);
  const file = join(dir, 'model.safetensors');
  const size = (await readFile(file)).length;
  await truncate(file, size - 100);
  const snap = await snapshotCheckpoint(dir);
  assert.equal(snap.ready, false);
  assert.match(snap.reason ?? '', /truncated/);
});

test('trainer_state.json is waited for when the run writes one', async () => {
  const dir = await writeCheckpoint(join(root, 'c'), 1, { trainerState: false });
  assert.equal((await snapshotCheckpoint(dir)).ready, true);
  const snap = await snapshotCheckpoint(dir, { expectTrainerState: true });
  assert.equal(snap.ready, false);
  assert.match(snap.reason ?? '', /trainer_state\.json is not written yet/);
  await writeFile(join(dir, 'trainer_state.json'), '{"global_step": 5');
  assert.match((await snapshotCheckpoint(dir, { expectTrainerState: true })).reason ?? '', /trainer_state\.json/);
});

test('the tracker needs the quiet time with an unchanged signature; a change starts again', () => {
  const t = new CompletenessTracker(3000);
  const snap = (signature: string, ready = true) => ({ path: '/run/checkpoint-5', ready, signature });
  assert.equal(t.observe(snap('a', false), 0), 'pending');
  assert.equal(t.observe(snap('a', false), 10_000), 'pending'); // never ready
  assert.equal(t.observe(snap('b'), 10_000), 'pending'); // ready now: the wait starts
  assert.equal(t.observe(snap('b'), 12_999), 'pending');
  assert.equal(t.observe(snap('c'), 13_000), 'pending'); // a file grew: the wait starts again
  assert.equal(t.observe(snap('c'), 15_999), 'pending');
  assert.equal(t.observe(snap('c'), 16_000), 'complete');
  t.forget('/run/checkpoint-5');
  assert.equal(t.observe(snap('c'), 16_001), 'pending');
  assert.equal(new CompletenessTracker(0).observe(snap('x'), 0), 'complete');
});

test('a checkpoint that is gone is not ready', async () => {
  const snap = await snapshotCheckpoint(join(root, 'never'));
  assert.deepEqual([snap.ready, snap.reason], [false, 'it no longer exists']);
});
