/** The overview's memory card: the weights at bf16 / int8 / int4 g128 and as stored, and the KV cache per 1,024 tokens at bf16 (memoryEstimate.ts). */
import { formatBytes, formatCount, h } from '../common/dom';
import { INT4_GROUP, KV_TOKENS, memoryEstimate } from '../../src/analysis/model/memoryEstimate';
import type { EditorModel } from './viewModel';

export function renderMemory(model: EditorModel): HTMLElement {
  const m = memoryEstimate(model.rawConfig, model.totalParams, model.totalBytes);
  const row = (label: string, bytes: number, title?: string) =>
    h('tr', {}, h('th', { title: title ?? '' }, label), h('td', { class: 'll-num', title: `${bytes.toLocaleString('en-US')} bytes` }, formatBytes(bytes)));
  const kv = m.kvCache;
  return h(
    'section',
    { class: 'me-config me-memory', 'data-testid': 'memory-estimate' },
    h('h2', {}, 'Memory'),
    h(
      'table',
      { class: 'll-table' },
      h(
        'tbody',
        {},
        row('as stored', m.storedBytes, 'What the weight files hold'),
        row('bf16', m.bf16Bytes, '2 bytes a parameter'),
        row('int8', m.int8Bytes, '1 byte a parameter'),
        row(`int4 g${INT4_GROUP}`, m.int4Bytes, `4 bits a parameter plus one fp16 scale per ${INT4_GROUP} (zero points not counted)`),
        kv ? row(`KV cache, ${formatCount(KV_TOKENS)} tokens`, kv.bytes, kv.formula + ' per token, at bf16') : null,
        kv?.expandedBytes !== undefined
          ? row('  expanded per head', kv.expandedBytes, "transformers' eager attention caches every head's keys and values")
          : null,
      ),
    ),
    h(
      'p',
      { class: 'll-muted' },
      `Every parameter at that width; int4 adds one fp16 scale per ${INT4_GROUP} weights. ` +
        (kv
          ? `KV cache at bf16: ${kv.formula} per token${kv.kind === 'mla' ? " (DeepSeek's latent attention caches one compressed latent per layer)" : ''}.`
          : 'No KV cache figure: config.json does not give the layers, heads and head size.'),
    ),
  );
}
