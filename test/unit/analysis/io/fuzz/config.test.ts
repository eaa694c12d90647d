// Fuzzing config.json (fast-check, seeded): the architecture map of every fixture family under
// mutated configs (wrong types, zero/huge/fractional head counts, unknown or foreign model_type,
// nested text_config) and perturbed tensor shapes (zero, huge, wrong rank), in memory; plus byte
// mutations of a real config.json opened through openModel. Each case must map to layers whose role
// matrices lie inside their tensors and summarise, or fail with a ModelFileError, within the
// per-case limit (a head count of 10^15 over an empty fused tensor must not loop 10^15 times).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { mapArchitecture } from '../../../../../src/analysis/model/architectures/index';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { summarize } from '../../../../../src/analysis/model/summary';
import type { ModelHandle, TensorEntry } from '../../../../../src/analysis/model/types';
import { FIXTURE_ARCHS, writeFixtureModel, type FixtureArch } from '../../../../fixtures/makeModel';
import { assertTypedRejection, checkProperty, byteMutation, jsonMutation, report, startCaseClock, type CaseClock } from './fuzzHarness';

let root = '';
let clock: CaseClock;
let cases = 0;
const fixtures = new Map<FixtureArch, { dir: string; config: Record<string, unknown>; model: ModelHandle }>();

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'll-fuzz-cfg-'));
  for (const arch of FIXTURE_ARCHS) {
    const fx = await writeFixtureModel(join(root, arch), { arch, layers: 2 });
    fixtures.set(arch, { dir: fx.dir, config: fx.config, model: await openModel(fx.dir) });
  }
  clock = startCaseClock('config');
});
after(async () => {
  await clock.stop();
  rmSync(root, { recursive: true, force: true });
});

const T = { timeout: 60_000 };

/** Every role matrix must be a real slice of a real tensor: what readRole will cut out. */
function checkMapping(model: ModelHandle, label: string): void {
  for (const layer of model.layers) {
    for (const ref of Object.values(layer.roles)) {
      const t = model.tensors.get(ref.source.tensor);
      assert.ok(t, `${label}: role ${ref.role} of layer ${layer.index} names a missing tensor`);
      assert.equal(t.shape.length, 2, `${label}: role ${ref.role} is cut from a ${t.shape.length}-D tensor`);
      const [rows, cols] = ref.source.transpose ? [t.shape[1], t.shape[0]] : [t.shape[0], t.shape[1]];
      assert.equal(ref.shape[1], cols, `${label}: ${ref.role} columns`);
      const { rows: range, rowIndex } = ref.source;
      if (range)
        assert.ok(range[0] >= 0 && range[0] <= range[1] && range[1] <= rows && ref.shape[0] === range[1] - range[0], `${label}: ${ref.role} rows ${range}`);
      else if (rowIndex)
        assert.ok(rowIndex.length === ref.shape[0] && rowIndex.every((r) => Number.isInteger(r) && r >= 0 && r < rows), `${label}: ${ref.role} row index`);
      else assert.equal(ref.shape[0], rows, `${label}: ${ref.role} rows`);
    }
  }
  const att = model.attention;
  if (att)
    assert.ok(
      [att.numHeads, att.numKvHeads, att.headDim].every((x) => Number.isSafeInteger(x) && x > 0) && att.numHeads % att.numKvHeads === 0,
      `${label}: attention ${JSON.stringify(att)}`,
    );
  summarize(model);
}

function mapCase(base: ModelHandle, config: Record<string, unknown> | null, tensors: Map<string, TensorEntry>, label: string): 'mapped' | 'rejected' {
  cases++;
  clock.begin(cases);
  let mapped;
  try {
    mapped = mapArchitecture({ config, tensors });
  } catch (e) {
    assertTypedRejection(e, label);
    return 'rejected';
  } finally {
    clock.end();
  }
  checkMapping({ ...base, ...mapped, config, tensors }, label);
  return 'mapped';
}

const count = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 64 }) },
  { weight: 2, arbitrary: fc.constantFrom(1e15, 2 ** 31, 2 ** 53, 1e300, -4, 0.5, 3.0000001, Number.MAX_SAFE_INTEGER) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 0 }) },
);
const GEOMETRY_KEYS = [
  'num_attention_heads',
  'num_key_value_heads',
  'head_dim',
  'hidden_size',
  'n_head',
  'n_embd',
  'intermediate_size',
  'vocab_size',
  'n_inner',
  'ffn_dim',
];
const modelType = fc.oneof(
  fc.constantFrom(
    'llama',
    'mistral',
    'qwen2',
    'qwen3',
    'gemma',
    'gemma2',
    'gemma3',
    'gemma3_text',
    'phi3',
    'gpt2',
    'gpt_neox',
    'opt',
    'unknown_arch',
    '__proto__',
    'constructor',
  ),
  fc.jsonValue({ maxDepth: 0 }),
);
const configEdit = fc.oneof(
  fc.tuple(fc.constantFrom(...GEOMETRY_KEYS), count).map(([k, v]) => (c: Record<string, unknown>) => ({ ...c, [k]: v })),
  modelType.map((t) => (c: Record<string, unknown>) => ({ ...c, model_type: t })),
  fc.boolean().map((top) => (c: Record<string, unknown>) => (top ? { model_type: 'gemma3', text_config: c } : { ...c, text_config: c })),
  jsonMutation().map((m) => (c: Record<string, unknown>) => {
    const out = m(c);
    return out !== null && typeof out === 'object' && !Array.isArray(out) ? (out as Record<string, unknown>) : {};
  }),
  fc.constant(() => null),
);
const shapeEdit = fc.tuple(
  fc.nat(),
  fc.oneof(
    fc.constantFrom<number[]>([0, 16], [16, 0], [0, 0], [48], [3, 16, 16]),
    fc.tuple(fc.integer({ min: 0, max: 2 ** 20 }), fc.integer({ min: 0, max: 256 })).map(([a, b]) => [a, b]),
  ),
);

test('mutated configs and tensor shapes of every family map to slices inside their tensors, or fail typed', T, async () => {
  const t0 = performance.now();
  const n = 2000;
  const outcomes = { mapped: 0, rejected: 0 };
  await checkProperty(
    fc.asyncProperty(
      fc.constantFrom(...FIXTURE_ARCHS),
      fc.array(configEdit, { maxLength: 4 }),
      fc.array(shapeEdit, { maxLength: 3 }),
      async (arch, edits, shapes) => {
        const fx = fixtures.get(arch)!;
        const config = edits.reduce<Record<string, unknown> | null>((c, e) => e(c ?? {}), structuredClone(fx.config));
        const tensors = new Map(fx.model.tensors);
        const names = [...tensors.keys()];
        for (const [pick, shape] of shapes) {
          const name = names[pick % names.length];
          tensors.set(name, { ...tensors.get(name)!, shape });
        }
        outcomes[mapCase(fx.model, config, tensors, `${arch} ${JSON.stringify(config)?.slice(0, 300)} shapes ${JSON.stringify(shapes)}`)]++;
      },
    ),
    n,
  );
  report('config in memory', n, performance.now() - t0, clock, `${outcomes.mapped} mapped, ${outcomes.rejected} rejected`);
});

test('byte-mutated config.json files open through openModel or fail typed', T, async () => {
  const t0 = performance.now();
  const n = 400;
  const outcomes = { opened: 0, rejected: 0 };
  await checkProperty(
    fc.asyncProperty(fc.constantFrom(...FIXTURE_ARCHS), byteMutation(), async (arch, mutate) => {
      const fx = fixtures.get(arch)!;
      writeFileSync(join(fx.dir, 'config.json'), mutate(new TextEncoder().encode(JSON.stringify(fx.config, null, 1))));
      cases++;
      clock.begin(cases);
      let model: ModelHandle | undefined;
      try {
        model = await openModel(fx.dir);
        outcomes.opened++;
      } catch (e) {
        assertTypedRejection(e, `${arch} config.json`);
        outcomes.rejected++;
      } finally {
        clock.end();
        writeFileSync(join(fx.dir, 'config.json'), JSON.stringify(fx.config));
      }
      if (model) checkMapping(model, arch);
    }),
    n,
  );
  report('config.json files', n, performance.now() - t0, clock, `${outcomes.opened} opened, ${outcomes.rejected} rejected`);
  console.log(`# fuzz config total: ${cases} cases`);
  assert.ok(cases >= 2400);
});

test('regression: 10^15 heads over an empty fused query_key_value is ignored, not looped over', T, () => {
  const fx = fixtures.get('gpt_neox')!;
  const tensors = new Map(fx.model.tensors);
  const qkv = [...tensors.keys()].find((k) => k.endsWith('.0.attention.query_key_value.weight'))!;
  tensors.set(qkv, { ...tensors.get(qkv)!, shape: [0, 16] });
  const t0 = performance.now();
  const mapped = mapArchitecture({ config: { ...fx.config, num_attention_heads: 1e15, head_dim: 1e300 }, tensors });
  assert.ok(performance.now() - t0 < 200);
  // The absurd counts are dropped, so the geometry falls back to none rather than 10^15 heads.
  assert.equal(mapped.attention, undefined);
});
