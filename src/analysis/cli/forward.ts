/**
 * `layer-lens forward <model> --tokens 1,2,3 | --text "..." [--top K] [--bos|--no-bos] [--json]`:
 * runs one prompt through the model and prints the top next tokens at the last position and the
 * hidden-state norms at every layer boundary — a quick check that a model runs right.
 */
import { forwardReport, type ForwardReport } from '../model/executor/forwardReport';
import { parseTokenIds } from '../model/tokenizer';
import { JSON_OPTION } from './help';
import { toJson, UsageError, type CliCommand } from './types';

function formatReport(r: ForwardReport): string {
  const show = (s: string) => JSON.stringify(s);
  const lines = [
    `${r.model} (${r.architecture}), ${r.tokens.length} tokens: ${r.tokens.map((t) => `${t.id}${t.text !== String(t.id) ? ` ${show(t.text)}` : ''}`).join(', ')}`,
    '',
    'Top next tokens (last position):',
    ...r.top.map(
      (t, i) =>
        `  ${String(i + 1).padStart(2)}. ${String(t.id).padStart(6)} ${show(t.text).padEnd(14)} logit ${t.logit.toFixed(4).padStart(9)}  p ${t.probability.toFixed(4)}`,
    ),
    '',
    'Hidden-state norm at the last position:',
    ...r.hiddenNorms.map(
      (n, l) =>
        `  ${l === 0 ? 'embeddings' : `after layer ${l - 1}`}`.padEnd(16) +
        n.toFixed(4) +
        (l > 0 ? `   (post-attention norm ${r.postAttentionNorms[l - 1].toFixed(4)})` : ''),
    ),
    `  final norm      ${r.finalNormNorm.toFixed(4)}`,
    ...(r.moe
      ? [
          '',
          `${r.moe.cost.charAt(0).toUpperCase()}${r.moe.cost.slice(1)}`,
          ...r.moe.lastTokenExperts.flatMap((e, l) => (e ? [`  layer ${l}: last token routed to experts ${e.join(', ')}`] : [])),
        ]
      : []),
    '',
    `${r.seconds.toFixed(2)} s`,
  ];
  return lines.join('\n');
}

export const forward: CliCommand = {
  name: 'forward',
  summary: 'Run a prompt through the model: top next tokens and hidden-state norms per layer',
  usage: '<model> (--tokens 1,2,3 | --text "...") [--top K] [--bos | --no-bos] [--json]',
  options: {
    tokens: { type: 'string', value: '1,2,3', help: 'the prompt as token ids, comma-separated' },
    text: { type: 'string', value: 'TEXT', help: "the prompt as text (needs the model's tokenizer)" },
    top: { type: 'string', value: 'K', help: 'next tokens listed (default 10)' },
    bos: { type: 'boolean', help: "prepend the BOS token (default: the tokenizer's own rule)" },
    'no-bos': { type: 'boolean', help: 'do not prepend the BOS token' },
    json: JSON_OPTION,
  },
  async run({ positionals, values }, ctx) {
    if (positionals.length !== 1) throw new UsageError('give exactly one model path');
    const hasTokens = typeof values.tokens === 'string',
      hasText = typeof values.text === 'string';
    if (hasTokens === hasText) throw new UsageError('give exactly one of --tokens and --text');
    if (values.bos && values['no-bos']) throw new UsageError('--bos and --no-bos contradict each other');
    const top = values.top === undefined ? 10 : Number(values.top);
    if (!Number.isInteger(top) || top < 1) throw new UsageError(`--top must be a positive integer, got '${values.top}'`);
    const model = await ctx.model(positionals[0]);
    const report = await forwardReport(
      model,
      {
        tokens: hasTokens ? parseTokenIds(values.tokens as string) : undefined,
        text: hasText ? (values.text as string) : undefined,
        addBos: values.bos ? true : values['no-bos'] ? false : undefined,
        top,
      },
      { signal: ctx.signal, onProgress: ctx.onProgress, engine: await ctx.engine() },
    );
    ctx.out(values.json ? toJson(report) : formatReport(report));
  },
};
