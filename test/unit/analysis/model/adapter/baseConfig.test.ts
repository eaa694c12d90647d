// An adapter opened alone takes its base model's config.json for the role map when the base is found
// (here: a folder beside the adapter named by base_model_name_or_path), so it is mapped as the base's
// family rather than by the generic grouping; without a findable base the generic grouping remains.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { readMatrixKind } from '../../../../../src/analysis/model/readRole';
import { maxRelError, ORACLE, writeAdapter, writeBase } from './loraFixture';

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-lora-base-config-'));
  await writeBase(join(root, 'tiny-llama-base'));
});
after(() => rm(root, { recursive: true, force: true }));

test("with its base beside it, an adapter is mapped by the base's config.json: Llama roles, heads, and ΔW per role", async () => {
  const adapter = await writeAdapter(join(root, 'with-base'), { ...ORACLE.cases.plain.config, base_model_name_or_path: 'tiny-llama-base' });
  const model = await openModel(adapter);
  assert.equal(model.architecture, 'llama');
  assert.equal(model.attention?.numHeads, 4);
  assert.ok(
    model.notes!.some((n) => n.startsWith("Layers and roles are mapped with the base model's config.json")),
    model.notes!.join(' | '),
  );
  for (const m of ORACLE.cases.plain.modules) {
    const w = await readMatrixKind(model, m.layer, m.kind);
    assert.ok(maxRelError(w.data, m.delta, 1e-4) < 1e-5, m.module);
  }
});

test('without a findable base the generic grouping maps it, and says so', async () => {
  const adapter = await writeAdapter(join(root, 'no-base'), { ...ORACLE.cases.plain.config, base_model_name_or_path: 'nowhere/to-be-found' });
  const model = await openModel(adapter);
  assert.equal(model.architecture, 'generic');
  assert.ok(!model.notes!.some((n) => n.startsWith("Layers and roles are mapped with the base model's config.json")));
});
