import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ropeFrequencies, ropeTables } from '../../../../../src/analysis/model/executor/rope';
import { decoderConfigFromJson, parseRopeScaling, type DecoderConfig } from '../../../../../src/analysis/model/executor/config';
import { REPO_ROOT } from '../../../../paths';

// Inverse frequencies of every rope_scaling type against the numpy oracle (HF modeling_rope_utils re-implemented).
const oracle = JSON.parse(readFileSync(join(REPO_ROOT, 'test/oracles/llama_forward.json'), 'utf8'));

function cfgFrom(c: Record<string, any>): DecoderConfig {
  return decoderConfigFromJson(c, () => false);
}

for (const [name, c] of Object.entries<any>(oracle.synthetic)) {
  test(`rope inverse frequencies match the oracle: ${name}`, () => {
    const f = ropeFrequencies(cfgFrom(c.config), c.ids.length);
    assert.equal(f.invFreq.length, c.invFreq.length);
    for (let i = 0; i < f.invFreq.length; i++) {
      assert.ok(Math.abs(f.invFreq[i] - c.invFreq[i]) <= 1e-12 * Math.abs(c.invFreq[i]), `${name} [${i}] ${f.invFreq[i]} vs ${c.invFreq[i]}`);
    }
    assert.ok(Math.abs(f.attentionScaling - c.attentionScaling) < 1e-12);
  });
}

test('dynamic NTK scaling leaves frequencies unchanged within the trained context', () => {
  const c = cfgFrom(oracle.synthetic.llama_dynamic.config);
  const short = ropeFrequencies(c, c.maxPositions);
  const plain = ropeFrequencies({ ...c, rope: { type: 'default' } }, c.maxPositions);
  assert.deepEqual([...short.invFreq], [...plain.invFreq]);
});

test('rope tables repeat each frequency in both halves (HF rotate_half layout)', () => {
  const c = cfgFrom(oracle.synthetic.llama_default.config);
  const f = ropeFrequencies(c, 5);
  const { cos, sin, rotDim } = ropeTables(f, 5);
  assert.equal(rotDim, 8);
  for (let t = 0; t < 5; t++) {
    for (let j = 0; j < 4; j++) {
      assert.equal(cos[t * 8 + j], Math.cos(t * f.invFreq[j]));
      assert.equal(sin[t * 8 + j + 4], Math.sin(t * f.invFreq[j]));
    }
  }
});

test('unknown rope_scaling types are refused with their name', () => {
  assert.throws(() => parseRopeScaling({ rope_type: 'longrope', factor: 2 }), /longrope/);
});
