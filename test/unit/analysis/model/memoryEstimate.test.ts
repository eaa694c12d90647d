// Memory estimates against closed forms worked out by hand from the published config.json of
// Llama-3-8B and DeepSeek-V3.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kvCacheEstimate, memoryEstimate } from '../../../../src/analysis/model/memoryEstimate';

// meta-llama/Meta-Llama-3-8B config.json (the keys that matter).
const LLAMA3_8B = { num_hidden_layers: 32, num_attention_heads: 32, num_key_value_heads: 8, hidden_size: 4096, intermediate_size: 14336, vocab_size: 128256 };
const LLAMA3_8B_PARAMS = 8_030_261_248;

// deepseek-ai/DeepSeek-V3 config.json (the keys that matter).
const DEEPSEEK_V3 = {
  num_hidden_layers: 61,
  num_attention_heads: 128,
  num_key_value_heads: 128,
  hidden_size: 7168,
  kv_lora_rank: 512,
  q_lora_rank: 1536,
  qk_rope_head_dim: 64,
  qk_nope_head_dim: 128,
  v_head_dim: 128,
};

test('Llama-3-8B: weights at bf16 / int8 / int4 g128, KV cache 128 MiB per 1,024 tokens', () => {
  const m = memoryEstimate(LLAMA3_8B, LLAMA3_8B_PARAMS, 16_060_522_496);
  assert.equal(m.storedBytes, 16_060_522_496);
  assert.equal(m.bf16Bytes, 16_060_522_496);
  assert.equal(m.int8Bytes, 8_030_261_248);
  // 4 bits a weight + a 2-byte scale per 128 weights: 8,030,261,248 × (0.5 + 2/128) = 4,140,603,456.
  assert.equal(m.int4Bytes, 4_140_603_456);
  // 32 layers × 2 (k, v) × 8 kv heads × 128 head dim × 2 bytes = 131,072 B a token; × 1,024 = 128 MiB.
  assert.deepEqual(m.kvCache, {
    kind: 'heads',
    bytesPerToken: 131_072,
    bytes: 134_217_728,
    formula: '32 layers × 2 × 8 kv heads × 128 head dim × 2 B',
  });
});

test('DeepSeek-V3: the MLA latent cache (kv_lora_rank + qk_rope_head_dim per layer), and the expanded per-head cache beside it', () => {
  const kv = kvCacheEstimate(DEEPSEEK_V3)!;
  // 61 × (512 + 64) × 2 B = 70,272 B a token; × 1,024 = 71,958,528 B.
  assert.equal(kv.kind, 'mla');
  assert.equal(kv.bytesPerToken, 70_272);
  assert.equal(kv.bytes, 71_958_528);
  // 61 layers × 128 heads × (128 + 64 key + 128 value) × 2 B × 1,024 = 5,117,050,880 B.
  assert.equal(kv.expandedBytes, 5_117_050_880);
  assert.equal(kv.formula, '61 layers × (512 kv_lora_rank + 64 qk_rope_head_dim) × 2 B');
});

test('head dim from hidden / heads, an explicit head_dim, multimodal text_config, multi-query; nothing without a config', () => {
  assert.equal(kvCacheEstimate({ n_layer: 12, n_head: 12, n_embd: 768 })!.bytesPerToken, 12 * 2 * 12 * 64 * 2);
  // Gemma-style head_dim that is not hidden / heads.
  assert.equal(
    kvCacheEstimate({ num_hidden_layers: 26, num_attention_heads: 8, num_key_value_heads: 4, hidden_size: 2304, head_dim: 256 })!.bytesPerToken,
    26 * 2 * 4 * 256 * 2,
  );
  assert.equal(kvCacheEstimate({ model_type: 'llava', text_config: LLAMA3_8B })!.bytes, 134_217_728);
  assert.equal(kvCacheEstimate({ num_hidden_layers: 32, num_attention_heads: 71, hidden_size: 4544, multi_query: true })!.bytesPerToken, 32 * 2 * 1 * 64 * 2);
  assert.equal(kvCacheEstimate(null), null);
  assert.equal(kvCacheEstimate({ hidden_size: 64 }), null);
  assert.equal(memoryEstimate(null, 1000, 4000).kvCache, null);
});
