// The analysis panels' live-file decision (src/extension/panels/modelFileChange.ts): which changed
// paths concern a panel's model, what its watcher covers, and, on a real folder watched with
// fs.watch, that rewriting or truncating the weights (and config.json) is noticed while a training
// run's logs, optimizer state and checkpoint subfolders are not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { watch } from 'node:fs';
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { changedModel, concernsModel, filesChangedMessage, watchSpecFor } from '../../../../src/extension/panels/modelFileChange';

const folder = path.resolve('/data/runs/llama-ft');
const file = path.resolve('/data/ckpt/model.safetensors');

test('a .safetensors model: only that exact file counts', () => {
  assert.deepEqual(watchSpecFor(file), { base: path.dirname(file), glob: 'model.safetensors' });
  assert.equal(concernsModel(file, file), true);
  assert.equal(concernsModel(file, path.join(path.dirname(file), 'sub', '..', 'model.safetensors')), true);
  for (const other of ['model.safetensors.tmp', 'other.safetensors', 'config.json'])
    assert.equal(concernsModel(file, path.join(path.dirname(file), other)), false, other);
  assert.equal(concernsModel(file, '/data/ckpt'), false);
});

test('a model folder: its own shards, config, index and tokenizer files; nothing nested, nothing outside', () => {
  const spec = watchSpecFor(folder);
  assert.equal(spec.base, folder);
  assert.equal(spec.glob, '{*.safetensors,*.gguf,config.json,model.safetensors.index.json,tokenizer.json,tokenizer.model,tokenizer_config.json}');
  const yes = [
    'model-00001-of-00002.safetensors',
    'model.safetensors',
    'config.json',
    'model.safetensors.index.json',
    'tokenizer.json',
    'tokenizer.model',
    'tokenizer_config.json',
    'MODEL.SAFETENSORS',
  ];
  const no = [
    'trainer_state.json',
    'optimizer.pt',
    'training.log',
    'generation_config.json',
    'model.safetensors.incomplete',
    path.join('checkpoint-500', 'model.safetensors'),
    path.join('checkpoint-500', 'config.json'),
  ];
  for (const n of yes) assert.equal(concernsModel(folder, path.join(folder, n)), true, n);
  for (const n of no) assert.equal(concernsModel(folder, path.join(folder, n)), false, n);
  assert.equal(concernsModel(folder, folder), false);
  assert.equal(concernsModel(folder, path.join(path.dirname(folder), 'llama-ft-copy', 'model.safetensors')), false);
  assert.equal(concernsModel(folder, path.join(folder, '..', 'model.safetensors')), false);
});

test('a diff panel watches both models; the message names the file', () => {
  assert.equal(changedModel([folder, file], file), file);
  assert.equal(changedModel([folder, file], path.join(folder, 'config.json')), folder);
  assert.equal(changedModel([folder, file], path.join(folder, 'optimizer.pt')), undefined);
  assert.equal(
    filesChangedMessage(folder, path.join(folder, 'model-00002-of-00002.safetensors')),
    "The model's files changed on disk (model-00002-of-00002.safetensors); the results shown are from the old contents",
  );
  assert.match(filesChangedMessage(file, file), /changed on disk \(model\.safetensors\)/);
});

test('real events on a watched folder: a rewrite, a truncation and a config edit are noticed, training side files are not', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'll-panel-watch-'));
  const weights = path.join(dir, 'model.safetensors');
  await writeFile(weights, new Uint8Array(4096).fill(1));
  await writeFile(path.join(dir, 'config.json'), '{}');
  await mkdir(path.join(dir, 'checkpoint-10'));
  const concerned = new Set<string>(),
    ignored = new Set<string>();
  const watcher = watch(dir, (_event, name) => {
    if (!name) return;
    const changed = path.join(dir, name.toString());
    (concernsModel(dir, changed) ? concerned : ignored).add(path.basename(changed));
  });
  const settle = () => new Promise((r) => setTimeout(r, 150));
  try {
    await settle();
    await writeFile(path.join(dir, 'training.log'), 'step 10\n');
    await writeFile(path.join(dir, 'optimizer.pt'), new Uint8Array(64));
    await writeFile(path.join(dir, 'checkpoint-10', 'model.safetensors'), new Uint8Array(64));
    await settle();
    assert.deepEqual([...concerned], [], 'side files must not raise the banner');
    await writeFile(weights, new Uint8Array(4096).fill(2)); // rewritten in place
    await settle();
    assert.ok(concerned.has('model.safetensors'));
    concerned.clear();
    await truncate(weights, 100); // cut short
    await settle();
    assert.ok(concerned.has('model.safetensors'));
    await writeFile(path.join(dir, 'config.json'), '{"num_hidden_layers": 2}');
    await settle();
    assert.ok(concerned.has('config.json'));
    assert.ok(ignored.has('training.log') && ignored.has('optimizer.pt'));
  } finally {
    watcher.close();
    await rm(dir, { recursive: true, force: true });
  }
});
