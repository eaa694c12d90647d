/**
 * `npm run train-sample`: trains the bundled sample model (a 4-layer Llama with a byte-level
 * tokenizer) on the self-written corpus in media/sample-model/corpus/, using Layer Lens's own
 * executor for forward and backward and a hand-written AdamW. Seeded, on the CPU provider with 2
 * threads: the same command writes the same weights (two 20-step runs wrote byte-identical files).
 * Prints the loss curve next to the unigram entropy of the corpus, and writes model.safetensors,
 * config.json, tokenizer files and README.md.
 *
 * Options: --steps N (default 1500), --batch B (16), --seq T (128), --out DIR (media/sample-model),
 * --save-every N (default 0: off) to also save a checkpoint before the first step and every N steps
 * as Hugging Face Trainer does — `<out>/checkpoints/checkpoint-<step>/` with model.safetensors,
 * config.json and trainer_state.json written last (transformers/trainer.py `_save_checkpoint`) —
 * a deterministic training run for `layer-lens timeline`.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildCorpus, readCorpus } from './sample-model/buildCorpus';
import { byteLevelTokenizerJson, byteLevelTokenizerConfig, BOS_ID } from './sample-model/byteTokenizer';
import { mulberry32 } from './sample-model/rng';
import { AdamW, clipGradients } from './sample-model/adam';
import { SAMPLE_CONFIG, initParams, makeExecutor, lossAndGrads, type Params } from './sample-model/model';
import { writeSafetensorsF32 } from './sample-model/safetensorsWrite';
import { writeSampleReadme } from './sample-model/readme';
import type { DecoderExecutor } from '../src/analysis/model/executor/decoder';

const SEED = 1234;
const arg = (name: string, fallback: number | string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : String(fallback);
};
const STEPS = Number(arg('steps', 1500));
const BATCH = Number(arg('batch', 16));
const SEQ = Number(arg('seq', 128));
const OUT = arg('out', join(__dirname, '..', 'media', 'sample-model'));
const SAVE_EVERY = Number(arg('save-every', 0));
const PEAK_LR = 3e-3,
  WARMUP = 60,
  MIN_LR_FRACTION = 0.1;

function lrAt(step: number): number {
  if (step < WARMUP) return (PEAK_LR * (step + 1)) / WARMUP;
  const p = (step - WARMUP) / Math.max(1, STEPS - WARMUP);
  return PEAK_LR * (MIN_LR_FRACTION + (1 - MIN_LR_FRACTION) * 0.5 * (1 + Math.cos(Math.PI * p)));
}

/** Token stream: every document (blank-line separated) as <s> followed by its UTF-8 bytes. */
function tokenStreams(text: string, rand: () => number): { train: Uint16Array; valid: Uint16Array } {
  const docs = text
    .split(/\n\s*\n/)
    .map((d) => d.trim())
    .filter((d) => d.length > 0);
  for (let i = docs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [docs[i], docs[j]] = [docs[j], docs[i]];
  }
  const nValid = Math.max(8, Math.floor(docs.length * 0.04));
  const encode = (list: string[]) => {
    const ids: number[] = [];
    for (const d of list) ids.push(BOS_ID, ...Buffer.from(d + '\n', 'utf8'));
    return Uint16Array.from(ids);
  };
  return { valid: encode(docs.slice(0, nValid)), train: encode(docs.slice(nValid)) };
}

/** One Trainer-style checkpoint: weights and config first, trainer_state.json last (its presence means the checkpoint is whole). */
function saveCheckpoint(params: Params, step: number, logHistory: Array<{ step: number; loss: number; learning_rate: number }>): void {
  const dir = join(OUT, 'checkpoints', `checkpoint-${step}`);
  mkdirSync(dir, { recursive: true });
  writeSafetensorsF32(join(dir, 'model.safetensors'), params, { format: 'pt', source: 'layer-lens scripts/train-sample.ts' });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(SAMPLE_CONFIG, null, 2) + '\n');
  // The fields of transformers' TrainerState (trainer_callback.py) that a reader of the run uses.
  const state = { global_step: step, max_steps: STEPS, epoch: null, log_history: logHistory, train_batch_size: BATCH, is_world_process_zero: true };
  writeFileSync(join(dir, 'trainer_state.json'), JSON.stringify(state, null, 2) + '\n');
}

function unigramEntropy(tokens: Uint16Array): number {
  const counts = new Map<number, number>();
  for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / tokens.length;
    h -= p * Math.log(p);
  }
  return h;
}

function window(stream: Uint16Array, start: number): number[] {
  return Array.from(stream.subarray(start, start + SEQ));
}

async function validationLoss(ex: DecoderExecutor, valid: Uint16Array): Promise<number> {
  // Fixed, non-overlapping windows: the same every evaluation.
  const batch: number[][] = [];
  for (let s = 0; s + SEQ <= valid.length && batch.length < 16; s += SEQ) batch.push(window(valid, s));
  const r = await ex.run(batch, { logits: 'none' }, { objective: 'lm-loss' });
  return r.objectiveValue!;
}

async function generate(ex: DecoderExecutor, prompt: string, n: number): Promise<string> {
  const ids = [BOS_ID, ...Buffer.from(prompt, 'utf8')];
  for (let i = 0; i < n; i++) {
    const r = await ex.run([ids.slice(-SAMPLE_CONFIG.max_position_embeddings)], { logits: 'last' });
    let best = 0;
    for (let v = 1; v < 256; v++) if (r.logits![v] > r.logits![best]) best = v; // greedy over byte tokens
    ids.push(best);
  }
  return Buffer.from(ids.slice(1)).toString('utf8');
}

async function main(): Promise<void> {
  const corpusDir = join(OUT, 'corpus');
  mkdirSync(corpusDir, { recursive: true });
  buildCorpus(corpusDir);
  const corpus = readCorpus(corpusDir);
  const rand = mulberry32(SEED);
  const { train, valid } = tokenStreams(corpus.text, rand);
  const hUnigram = unigramEntropy(train);
  console.log(`corpus: ${corpus.files.map((f) => `${f.name} ${f.bytes} B`).join(', ')}`);
  console.log(
    `tokens: ${train.length} train, ${valid.length} validation; unigram entropy ${hUnigram.toFixed(4)} nats/token (${(hUnigram / Math.LN2).toFixed(3)} bits)`,
  );

  const params: Params = initParams(rand);
  const nParams = [...params.values()].reduce((s, p) => s + p.data.length, 0);
  console.log(
    `model: ${SAMPLE_CONFIG.num_hidden_layers} layers, hidden ${SAMPLE_CONFIG.hidden_size}, ${nParams} parameters; ${STEPS} steps of ${BATCH}×${SEQ} tokens`,
  );
  const ex = await makeExecutor(params);
  const adam = new AdamW({ beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.01 });
  const curve: Array<{ step: number; train: number; valid?: number; seconds: number }> = [];
  const t0 = Date.now();
  const v0 = await validationLoss(ex, valid);
  console.log(`step     0  validation loss ${v0.toFixed(4)}`);
  let running = 0,
    runningN = 0;
  const logHistory: Array<{ step: number; loss: number; learning_rate: number }> = [];
  if (SAVE_EVERY > 0) saveCheckpoint(params, 0, logHistory);
  for (let step = 0; step < STEPS; step++) {
    const batch = Array.from({ length: BATCH }, () => window(train, Math.floor(rand() * (train.length - SEQ))));
    const { loss, grads } = await lossAndGrads(ex, params, batch);
    clipGradients(grads, 1.0);
    adam.step(params, grads, lrAt(step));
    running += loss;
    runningN++;
    if (SAVE_EVERY > 0) {
      logHistory.push({ step: step + 1, loss, learning_rate: lrAt(step) });
      if ((step + 1) % SAVE_EVERY === 0 || step === STEPS - 1) saveCheckpoint(params, step + 1, logHistory);
    }
    const last = step === STEPS - 1;
    if ((step + 1) % 25 === 0 || last) {
      const entry: { step: number; train: number; valid?: number; seconds: number } = {
        step: step + 1,
        train: running / runningN,
        seconds: (Date.now() - t0) / 1000,
      };
      if ((step + 1) % 200 === 0 || last) entry.valid = await validationLoss(ex, valid);
      curve.push(entry);
      console.log(
        `step ${String(step + 1).padStart(5)}  train loss ${entry.train.toFixed(4)}${entry.valid !== undefined ? `  validation loss ${entry.valid.toFixed(4)}` : ''}  lr ${lrAt(step).toExponential(2)}  ${entry.seconds.toFixed(0)} s`,
      );
      running = 0;
      runningN = 0;
    }
  }
  const finalValid = curve[curve.length - 1].valid!;
  console.log(
    `final validation loss ${finalValid.toFixed(4)} nats/token vs unigram entropy ${hUnigram.toFixed(4)} (${((finalValid / hUnigram) * 100).toFixed(1)}%)`,
  );
  const samples: Array<[string, string]> = [];
  for (const p of ['Once upon a time', 'Alice: Good morning', 'What is 12 plus 7?', 'def total(']) {
    const s = await generate(ex, p, 80);
    samples.push([p, s]);
    console.log(`sample: ${JSON.stringify(s)}`);
  }
  await ex.release();

  writeSafetensorsF32(join(OUT, 'model.safetensors'), params, { format: 'pt', source: 'layer-lens scripts/train-sample.ts' });
  writeFileSync(join(OUT, 'config.json'), JSON.stringify(SAMPLE_CONFIG, null, 2) + '\n');
  writeFileSync(join(OUT, 'tokenizer.json'), JSON.stringify(byteLevelTokenizerJson(), null, 1) + '\n');
  writeFileSync(join(OUT, 'tokenizer_config.json'), JSON.stringify(byteLevelTokenizerConfig(), null, 2) + '\n');
  writeSampleReadme(join(OUT, 'README.md'), {
    params: nParams,
    steps: STEPS,
    batch: BATCH,
    seq: SEQ,
    seed: SEED,
    peakLr: PEAK_LR,
    unigram: hUnigram,
    initialValid: v0,
    curve,
    samples,
    corpus: corpus.files,
    trainTokens: train.length,
    validTokens: valid.length,
    seconds: (Date.now() - t0) / 1000,
  });
  console.log(`wrote ${OUT}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
