// Fuzzing model.safetensors.index.json through openModel (fast-check, seeded): generated weight maps
// whose shard names include traversal ('../', absolute paths, 'sub/../'), folders, a named pipe,
// empty and NUL-bearing names and non-strings, plus byte mutations of a valid index. Each case
// opens the folder as a model: it must open with every file inside the folder, or be refused with a
// ModelFileError; no case may block on the pipe or run past the per-case limit (fuzzHarness.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, isAbsolute } from 'node:path';
import fc from 'fast-check';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { buildSafetensors } from '../../../../fixtures/safetensorsWriter';
import { assertTypedRejection, checkProperty, byteMutation, report, startCaseClock, type CaseClock } from './fuzzHarness';

let root = '';
let folder = '';
let clock: CaseClock;
let cases = 0;
const shardOf: Record<string, string> = { a: 's1.safetensors', b: 's1.safetensors', c: 's2.safetensors', d: 'sub/s3.safetensors' };

before(() => {
  root = mkdtempSync(join(tmpdir(), 'll-fuzz-idx-'));
  folder = join(root, 'model');
  mkdirSync(join(folder, 'sub'), { recursive: true });
  mkdirSync(join(folder, 'dir.safetensors'));
  const t = (name: string) => ({ name, dtype: 'F32' as const, shape: [2], values: [1, 2] });
  writeFileSync(join(folder, 's1.safetensors'), buildSafetensors([t('a'), t('b')]));
  writeFileSync(join(folder, 's2.safetensors'), buildSafetensors([t('c')]));
  writeFileSync(join(folder, 'sub', 's3.safetensors'), buildSafetensors([t('d')]));
  writeFileSync(join(root, 'outside.safetensors'), buildSafetensors([t('e')]));
  const fifo = spawnSync('mkfifo', [join(folder, 'fifo.safetensors')]);
  assert.equal(fifo.status, 0, 'mkfifo is needed to test named pipes');
  clock = startCaseClock('shard index');
});
after(async () => {
  await clock.stop();
  rmSync(root, { recursive: true, force: true });
});

const T = { timeout: 60_000 };

const shardName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('s1.safetensors', 's2.safetensors', 'sub/s3.safetensors', './s1.safetensors', 'sub/../s1.safetensors') },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'sub',
      'dir.safetensors',
      'fifo.safetensors',
      '../outside.safetensors',
      '../model/s1.safetensors',
      '/etc/hostname',
      '..',
      '.',
      '',
      'a\u0000b',
      's1.safetensors/',
      'missing.safetensors',
      '~/x',
      'sub\\..\\..\\outside.safetensors',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
);
const tensorName = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'zz', '__proto__') },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
);
const indexDoc = fc.record(
  {
    metadata: fc.oneof(fc.record({ total_size: fc.oneof(fc.nat(), fc.string()) }), fc.jsonValue({ maxDepth: 1 })),
    weight_map: fc.oneof(
      { weight: 8, arbitrary: fc.dictionary(tensorName, shardName, { maxKeys: 6 }) },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
    ),
  },
  { requiredKeys: [] },
);
const validIndex = new TextEncoder().encode(JSON.stringify({ metadata: { total_size: 32 }, weight_map: shardOf }));

async function openCase(indexBytes: Uint8Array | string, label: string): Promise<'opened' | 'rejected'> {
  writeFileSync(join(folder, 'model.safetensors.index.json'), indexBytes);
  cases++;
  clock.begin(cases);
  try {
    const model = await openModel(folder);
    for (const f of model.files) {
      const rel = relative(folder, f);
      assert.ok(rel !== '' && !rel.startsWith('..') && !isAbsolute(rel), `${label}: opened ${f}, outside the model folder`);
    }
    for (const t of model.tensors.values()) assert.ok(model.files.includes(t.file));
    return 'opened';
  } catch (e) {
    assertTypedRejection(e, label);
    return 'rejected';
  } finally {
    clock.end();
  }
}

test('the valid sharded index opens: four tensors from three shards, one in a subfolder', T, async () => {
  assert.equal(await openCase(validIndex, 'valid'), 'opened');
  const model = await openModel(folder);
  assert.deepEqual([...model.tensors.keys()].sort(), ['a', 'b', 'c', 'd']);
});

test('generated weight maps (traversal, folders, a FIFO, odd names) open inside the folder or fail typed', T, async () => {
  const t0 = performance.now();
  const n = 1500;
  const outcomes = { opened: 0, rejected: 0 };
  await checkProperty(
    fc.asyncProperty(indexDoc, async (doc) => {
      outcomes[await openCase(JSON.stringify(doc), JSON.stringify(doc))]++;
    }),
    n,
  );
  report('shard index generated', n, performance.now() - t0, clock, `${outcomes.opened} opened, ${outcomes.rejected} rejected`);
  assert.ok(outcomes.opened > 0 && outcomes.rejected > 0);
});

test('byte-mutated index files open inside the folder or fail typed', T, async () => {
  const t0 = performance.now();
  const n = 1000;
  const outcomes = { opened: 0, rejected: 0 };
  await checkProperty(
    fc.asyncProperty(byteMutation(), async (mutate) => {
      const bytes = mutate(validIndex);
      outcomes[await openCase(bytes, new TextDecoder().decode(bytes))]++;
    }),
    n,
  );
  report('shard index byte mutations', n, performance.now() - t0, clock, `${outcomes.opened} opened, ${outcomes.rejected} rejected`);
  console.log(`# fuzz shard index total: ${cases} cases`);
  assert.ok(cases >= 2500);
});
