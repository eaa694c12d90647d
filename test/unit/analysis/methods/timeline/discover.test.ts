// Checkpoint discovery: Trainer checkpoint-<step>/ folders ordered by trainer_state.json's
// global_step (numerically, not by name), by the name's number when there is no trainer_state.json,
// weight files named with a step or epoch, shards and unnumbered entries left out with a reason.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverCheckpoints, stepOfName, trainerStateStep } from '../../../../../src/analysis/methods/timeline/discover';
import { writeCheckpoint } from './series';

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-timeline-discover-'));
});
after(() => rm(root, { recursive: true, force: true }));

test('step numbers from names: Trainer folders, step/iter/epoch tags, else the last number', () => {
  assert.deepEqual(stepOfName('checkpoint-1200'), { step: 1200, unit: 'step' });
  assert.deepEqual(stepOfName('global_step300'), { step: 300, unit: 'step' });
  assert.deepEqual(stepOfName('model_step-45.safetensors'), { step: 45, unit: 'step' });
  assert.deepEqual(stepOfName('iter_7'), { step: 7, unit: 'step' });
  assert.deepEqual(stepOfName('edit5_step10'), { step: 10, unit: 'step' });
  assert.deepEqual(stepOfName('model-epoch3.safetensors'), { step: 3, unit: 'epoch' });
  assert.deepEqual(stepOfName('run2_ckpt_0500.gguf'), { step: 500, unit: 'step' });
  assert.equal(stepOfName('final'), undefined);
});

test('Trainer folders: numeric order, global_step from trainer_state.json wins over the name', async () => {
  const run = join(root, 'trainer');
  await writeCheckpoint(run, 0); // checkpoint-0, global_step 0
  await writeCheckpoint(run, 2); // checkpoint-120
  await writeCheckpoint(run, 3); // checkpoint-200
  await writeCheckpoint(run, 1, { name: 'checkpoint-1000', trainerState: false }); // no state: step 1000 from the name
  // A folder renamed by hand: the trainer's global_step says where it belongs.
  await writeCheckpoint(run, 1, { name: 'checkpoint-9' });
  await writeFile(join(run, 'checkpoint-9', 'trainer_state.json'), JSON.stringify({ global_step: 150 }));
  await mkdir(join(run, 'runs')); // TensorBoard logs: not a checkpoint, not reported
  await mkdir(join(run, 'checkpoint-300')); // being created: no weights yet
  await writeFile(join(run, 'README.md'), 'notes');
  const found = await discoverCheckpoints(run);
  assert.deepEqual(
    found.checkpoints.map((c) => [c.name, c.step, c.stepFrom]),
    [
      ['checkpoint-0', 0, 'trainer_state'],
      ['checkpoint-120', 120, 'trainer_state'],
      ['checkpoint-9', 150, 'trainer_state'],
      ['checkpoint-200', 200, 'trainer_state'],
      ['checkpoint-1000', 1000, 'name'],
    ],
  );
  assert.deepEqual(found.skipped, [{ name: 'checkpoint-300', reason: 'no weight files yet' }]);
  assert.ok(found.checkpoints.every((c) => c.kind === 'folder' && c.bytes > 0 && c.mtimeMs > 0));
  assert.equal(found.checkpoints.find((c) => c.name === 'checkpoint-1000')?.hasTrainerState, false);
});

test('weight files and model folders named with a step or epoch; shards and unnumbered ones are left out', async () => {
  const run = join(root, 'files');
  await mkdir(run, { recursive: true });
  for (const n of ['model-epoch10.safetensors', 'model-epoch2.safetensors', 'model-00001-of-00002.safetensors', 'final.safetensors', 'notes.txt'])
    await writeFile(join(run, n), 'x');
  await writeCheckpoint(run, 0, { name: 'step_40', trainerState: false });
  const found = await discoverCheckpoints(run);
  assert.deepEqual(
    found.checkpoints.map((c) => [c.name, c.step, c.unit, c.kind]),
    [
      ['step_40', 40, 'step', 'folder'],
      ['model-epoch2.safetensors', 2, 'epoch', 'file'],
      ['model-epoch10.safetensors', 10, 'epoch', 'file'],
    ],
  );
  assert.deepEqual(found.skipped, [{ name: 'final.safetensors', reason: 'its name carries no step or epoch number' }]);
});

test('a damaged trainer_state.json is named; a missing folder is a clear error', async () => {
  const run = join(root, 'damaged');
  const dir = await writeCheckpoint(run, 0);
  await writeFile(join(dir, 'trainer_state.json'), '{"global_step": "ten"}');
  await assert.rejects(trainerStateStep(dir), /trainer_state\.json: "global_step" must be a non-negative integer, got "ten"/);
  const found = await discoverCheckpoints(run);
  assert.equal(found.checkpoints.length, 0);
  assert.match(found.skipped[0].reason, /global_step/);
  await assert.rejects(discoverCheckpoints(join(root, 'nope')), /No such folder/);
});
