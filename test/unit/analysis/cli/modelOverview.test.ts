// The overview that `inspect` prints and the model editor draws, from hand-built model handles
// whose counts are worked out by hand below.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { modelOverview } from '../../../../src/analysis/model/overview';
import { overviewText } from '../../../../src/analysis/cli/overviewText';
import type { LayerInfo, ModelHandle, OtherRole, TensorEntry } from '../../../../src/analysis/model/types';

function entry(name: string, dtype: 'F32' | 'BF16', shape: number[]): TensorEntry {
  const bytes = shape.reduce((a, b) => a * b, 1) * (dtype === 'F32' ? 4 : 2);
  return { name, dtype, shape, file: '/m/model.safetensors', dataStart: 0, byteLength: bytes };
}

/** A 2-layer GPT-2-shaped model: d = 8, fused c_attn [8, 24] stored [in, out], MLP 8 → 32 → 8. */
function gpt2Like(): ModelHandle {
  const tensors = [entry('wte.weight', 'F32', [50, 8]), entry('wpe.weight', 'F32', [16, 8]), entry('ln_f.weight', 'F32', [8])];
  const layers: LayerInfo[] = [];
  for (let l = 0; l < 2; l++) {
    const names = {
      attn: `h.${l}.attn.c_attn.weight`,
      proj: `h.${l}.attn.c_proj.weight`,
      fc: `h.${l}.mlp.c_fc.weight`,
      out: `h.${l}.mlp.c_proj.weight`,
      ln1: `h.${l}.ln_1.weight`,
      bias: `h.${l}.attn.c_attn.bias`,
    };
    tensors.push(
      entry(names.attn, 'BF16', [8, 24]),
      entry(names.proj, 'BF16', [8, 8]),
      entry(names.fc, 'BF16', [8, 32]),
      entry(names.out, 'BF16', [32, 8]),
      entry(names.ln1, 'F32', [8]),
      entry(names.bias, 'F32', [24]),
    );
    const fused = (role: 'q' | 'k' | 'v', i: number) => ({
      role,
      layer: l,
      shape: [8, 8] as [number, number],
      source: { tensor: names.attn, transpose: true, rows: [8 * i, 8 * i + 8] as [number, number] },
    });
    layers.push({
      index: l,
      tensors: Object.values(names),
      roles: {
        q: fused('q', 0),
        k: fused('k', 1),
        v: fused('v', 2),
        o: { role: 'o', layer: l, shape: [8, 8], source: { tensor: names.proj, transpose: true } },
        up: { role: 'up', layer: l, shape: [32, 8], source: { tensor: names.fc, transpose: true } },
        down: { role: 'down', layer: l, shape: [8, 32], source: { tensor: names.out, transpose: true } },
      },
    });
  }
  const otherRoles = new Map<string, OtherRole>([
    ['wte.weight', 'embed'],
    ['wpe.weight', 'embed'],
    ['ln_f.weight', 'final_norm'],
  ]);
  return {
    path: '/m',
    kind: 'folder',
    files: ['/m/model.safetensors'],
    config: { model_type: 'gpt2', n_embd: 8, n_layer: 2, n_head: 2, vocab_size: 50, unused_key: 1 },
    architecture: 'gpt2',
    architectureLabel: 'GPT2LMHeadModel',
    attention: { numHeads: 2, numKvHeads: 2, headDim: 4 },
    tensors: new Map(tensors.map((t) => [t.name, t])),
    layers,
    otherRoles,
    metadata: { format: 'pt' },
  };
}

test('parameter counts by dtype and by role add up, fused c_attn split into q/k/v', () => {
  const o = modelOverview(gpt2Like());
  // 400 + 128 + 8 outside; per layer 192 + 64 + 256 + 256 + 8 + 24 = 800.
  assert.equal(o.totalParams, 536 + 2 * 800);
  assert.equal(o.tensorCount, 3 + 2 * 6);
  assert.deepEqual(
    o.byDtype.map((d) => [d.label, d.params, d.bytes]),
    [
      ['BF16', 2 * 768, 2 * 768 * 2],
      ['F32', 536 + 2 * 32, (536 + 2 * 32) * 4],
    ],
  );
  const role = Object.fromEntries(o.byRole.map((r) => [r.label, r.params]));
  assert.deepEqual(role, { q: 128, k: 128, v: 128, o: 128, up: 512, down: 512, embed: 528, norm: 16, final_norm: 8, bias: 48 });
  assert.equal(
    o.byRole.reduce((a, r) => a + r.params, 0),
    o.totalParams,
  );
  assert.deepEqual(
    o.byRole.slice(0, 6).map((r) => r.label),
    ['q', 'k', 'v', 'o', 'up', 'down'],
  );
});

test('tensors are grouped embeddings → layers → head, with roles per row', () => {
  const o = modelOverview(gpt2Like());
  assert.deepEqual(
    o.groups.map((g) => g.title),
    ['Embeddings', 'Layer 0', 'Layer 1', 'Final norm & head'],
  );
  const layer1 = o.groups[2]!;
  assert.equal(layer1.params, 800);
  assert.equal(layer1.tensors.length, 6);
  const byName = new Map(layer1.tensors.map((t) => [t.name, t]));
  assert.equal(byName.get('h.1.attn.c_attn.weight')!.role, 'q+k+v');
  assert.equal(byName.get('h.1.mlp.c_fc.weight')!.role, 'up');
  assert.equal(byName.get('h.1.ln_1.weight')!.role, 'norm');
  assert.equal(byName.get('h.1.attn.c_attn.bias')!.role, 'bias');
  assert.deepEqual(byName.get('h.1.attn.c_attn.weight')!.shape, [8, 24]);
});

test("config highlights use the architecture's own key names; attention geometry is summarised", () => {
  const o = modelOverview(gpt2Like());
  assert.deepEqual(o.config, [
    ['model_type', 'gpt2'],
    ['n_embd', '8'],
    ['n_layer', '2'],
    ['n_head', '2'],
    ['vocab_size', '50'],
    ['attention', '2 heads × 4, 2 KV heads'],
  ]);
  assert.deepEqual(o.notes, []);
});

test('an unrecognised model says how it was grouped', () => {
  const m = gpt2Like();
  m.architecture = 'generic';
  m.config = null;
  assert.match(modelOverview(m).notes[0]!, /No config\.json/);
});

test('the text form has every section and the layer table', () => {
  const text = overviewText(modelOverview(gpt2Like()), { tensors: true });
  for (const s of ['Configuration', 'Parameters by dtype', 'Parameters by role', 'Layers', 'h.0.attn.c_attn.weight']) assert.ok(text.includes(s), s);
  assert.match(text, /gpt2 \(GPT2LMHeadModel\) · 2136 parameters/);
  assert.match(text, /Layer 1\s+6\s+800\s+/);
});
