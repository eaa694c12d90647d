/** Writes the sample model's README.md: what it is, how it was trained, the loss curve, samples. */
import { writeFileSync } from 'node:fs';

export interface TrainingReport {
  params: number;
  steps: number;
  batch: number;
  seq: number;
  seed: number;
  peakLr: number;
  unigram: number;
  initialValid: number;
  curve: Array<{ step: number; train: number; valid?: number; seconds: number }>;
  samples: Array<[string, string]>;
  corpus: Array<{ name: string; bytes: number }>;
  trainTokens: number;
  validTokens: number;
  seconds: number;
}

export function writeSampleReadme(path: string, r: TrainingReport): void {
  const bits = (n: number) => (n / Math.LN2).toFixed(3);
  const last = r.curve[r.curve.length - 1];
  const rows = r.curve
    .filter((c, i) => c.valid !== undefined || i % 4 === 3)
    .map((c) => `| ${c.step} | ${c.train.toFixed(4)} | ${c.valid !== undefined ? c.valid.toFixed(4) : ''} | ${c.seconds.toFixed(0)} |`);
  const text = `# Layer Lens sample model

A small Llama (4 decoder layers, hidden size 128, 4 query heads and 2 key/value heads of size 32,
SwiGLU MLP of width 344, RoPE, RMSNorm, tied embeddings; ${r.params.toLocaleString('en-US')} float32
parameters) with a byte-level tokenizer (token id = UTF-8 byte, plus \`<s>\` = 256, \`</s>\` = 257,
\`<pad>\` = 258). It exists so that Layer Lens has a model that has learned something to open,
analyse and run offline (\`npm start\` opens it).

## Training

Trained from scratch by \`npm run train-sample\` (scripts/train-sample.ts) with Layer Lens's own
executor (forward and backward on onnxruntime) and a hand-written AdamW (β = 0.9/0.95, weight
decay 0.01 on matrices, gradient clipping at norm 1, peak learning rate ${r.peakLr}, linear warm-up then
cosine decay), seed ${r.seed}, ${r.steps} steps of ${r.batch} sequences × ${r.seq} tokens, in ${r.seconds.toFixed(0)} s of
wall time on 2 CPU cores (the time depends on what else the machine runs; the weights do not).

Corpus (\`corpus/\`, all written for this project; template-expanded by scripts/sample-model/):
${r.corpus.map((f) => `\`${f.name}\` (${f.bytes.toLocaleString('en-US')} bytes)`).join(', ')} — simple stories, dialogue, arithmetic, small
Python/JavaScript functions and a few hand-written essays. Documents are shuffled; ${r.validTokens.toLocaleString('en-US')} tokens are
held out for validation, ${r.trainTokens.toLocaleString('en-US')} are trained on.

| | nats/token | bits/token |
|---|---|---|
| unigram entropy of the training tokens | ${r.unigram.toFixed(4)} | ${bits(r.unigram)} |
| validation loss before training | ${r.initialValid.toFixed(4)} | ${bits(r.initialValid)} |
| validation loss after training | ${last.valid!.toFixed(4)} | ${bits(last.valid!)} |

Loss curve (train loss averaged over the preceding 25 steps):

| step | train loss | validation loss | seconds |
|---|---|---|---|
${rows.join('\n')}

## Greedy continuations

${r.samples.map(([p, s]) => `- prompt \`${p}\`:\n\n  \`\`\`\n  ${s.replace(/\n/g, '\n  ')}\n  \`\`\``).join('\n')}

## Licence

Weights, tokenizer and corpus are part of Layer Lens (MIT).
`;
  writeFileSync(path, text);
}
