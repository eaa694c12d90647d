// MXFP4 experts whose E8M0 exponents are stored as the format's own F8_E8M0 dtype (instead of U8, as
// gpt-oss stores them) decode to the same matrices: readRole reads the exponent bytes raw rather than
// their decoded value 2^(e − 127), which would be exponentiated a second time.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openModel } from '../../../../src/analysis/model/openModel';
import { readMatrixKind } from '../../../../src/analysis/model/readRole';
import { EXPERT_ROLES } from '../../../../src/analysis/model/types';
import { writeMoeFixture, type MoeFixture } from '../../../fixtures/moeLayouts';
import { rawSafetensors } from '../../../fixtures/safetensorsWriter';

let root = '';
let fx: MoeFixture;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-e8m0-'));
  fx = await writeMoeFixture(join(root, 'gpt-oss'), { arch: 'gpt_oss_mxfp4' });
  // Same bytes, same offsets: only the scales' dtype changes from U8 to F8_E8M0.
  const p = join(fx.dir, 'model.safetensors');
  const bytes = new Uint8Array(await readFile(p));
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype: string }>;
  let changed = 0;
  for (const [name, t] of Object.entries(header))
    if (name.endsWith('_scales')) {
      assert.equal(t.dtype, 'U8');
      t.dtype = 'F8_E8M0';
      changed++;
    }
  assert.ok(changed > 0);
  await writeFile(p, rawSafetensors(header, bytes.subarray(8 + n)));
});
after(() => rm(root, { recursive: true, force: true }));

test('MXFP4 experts with F8_E8M0 scales equal the source matrices bit for bit', async () => {
  const model = await openModel(fx.dir);
  let checked = 0;
  for (const [l, truth] of fx.layers.entries()) {
    if (!truth.experts) continue;
    for (const [e, x] of truth.experts.entries())
      for (const r of EXPERT_ROLES) {
        const got = await readMatrixKind(model, l, r, e);
        const want = x[r];
        assert.deepEqual([got.rows, got.cols], [want.rows, want.cols]);
        assert.deepEqual(
          new Uint32Array(got.data.buffer, got.data.byteOffset, got.data.length),
          new Uint32Array(want.data.buffer, want.data.byteOffset, want.data.length),
          `layer ${l} expert ${e} ${r}`,
        );
        checked++;
      }
  }
  assert.ok(checked > 0);
});
