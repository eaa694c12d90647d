/**
 * Pruning curves on the sample model: each method's layers are what its definition gives on the
 * run's own measurements (checked here by brute force over every candidate, not by the ranking
 * code), n = 0 is the whole model for every method, a layer set chosen twice is measured once,
 * the zigzag point at the suggestion's size is the suggestion, points stream as they are measured,
 * and a cancelled job stops. Also the multiple-choice reader and lm-eval's context/continuation split.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getEngine } from '../../../../../src/analysis/engine/engine';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { loadTokenizer } from '../../../../../src/analysis/model/tokenizer';
import { CancelledError } from '../../../../../src/analysis/jobs';
import { runPersistenceJob } from '../../../../../src/analysis/methods/persistence/job';
import { defaultMaxRemoved, persistenceParamsFor, runPruneCurvesJob, type CurvePoint } from '../../../../../src/analysis/methods/persistence/evaluation/job';
import { angularBlockRemoval, blockInfluenceRemoval, zigzagRemoval } from '../../../../../src/analysis/methods/persistence/evaluation/removal';
import { choiceAccuracy, encodePair } from '../../../../../src/analysis/methods/persistence/evaluation/scoring';
import { choiceItem, hellaswagPreprocess, loadChoicesFile, parseChoicesJsonl } from '../../../../../src/analysis/methods/persistence/evaluation/choices';
import { REPO_ROOT } from '../../../../paths';

const SAMPLE = join(REPO_ROOT, 'media/sample-model');
const PERSISTENCE = { prompts: [{ kind: 'builtin' as const, domains: ['prose', 'code'], perDomain: 4 }], k: 3, maxDim: 3 };
const HELD = { kind: 'text' as const, text: 'Once upon a time there was a little cat who liked to play in the garden with a red ball.' };

/** Every n-subset of 0..L−1. */
function subsets(L: number, n: number): number[][] {
  if (n === 0) return [[]];
  const out: number[][] = [];
  const rec = (start: number, acc: number[]) => {
    if (acc.length === n) return void out.push(acc);
    for (let l = start; l < L; l++) rec(l + 1, [...acc, l]);
  };
  rec(0, []);
  return out;
}
const sum = (xs: number[], v: number[]) => xs.reduce((s, l) => s + v[l], 0);

test('curves on the sample model: layers by definition, shared points, the suggestion, streaming', async () => {
  const engine = await getEngine({ providers: ['cpu'], threads: 1 });
  const model = await openModel(SAMPLE);
  const streamed: CurvePoint[] = [];
  const r = await runPruneCurvesJob(model, { persistence: PERSISTENCE, heldOut: HELD }, { engine, onPartial: (p) => streamed.push(p) });
  assert.equal(r.decoderLayers, 4);
  assert.equal(r.maxRemoved, defaultMaxRemoved(4));
  assert.equal(r.maxRemoved, 2);
  assert.equal(r.points.length, 3 * (r.maxRemoved + 1));
  assert.deepEqual(streamed, r.points, 'every point was streamed, in order');

  // The ranking values are the persistence run's own.
  const run = await runPersistenceJob(model, persistenceParamsFor(PERSISTENCE, 4, 2), { engine });
  assert.deepEqual(r.ranking.averageSimilarity, run.averageSimilarity[run.suggestionDim].slice(0, 4));
  assert.deepEqual(r.ranking.blockInfluence, run.residualStream!.blockInfluence);

  const { averageSimilarity: avg, blockInfluence: bi } = r.ranking;
  for (const p of r.points) {
    assert.equal(p.removed.length, p.n);
    if (p.method === 'zigzag') {
      // No other n-subset has a larger total S̄: the n largest values.
      const best = Math.max(...subsets(4, p.n).map((s) => sum(s, avg)));
      assert.ok(Math.abs(sum(p.removed, avg) - best) < 1e-12, `zigzag n=${p.n}: ${p.removed}`);
    } else if (p.method === 'bi') {
      const best = Math.min(...subsets(4, p.n).map((s) => sum(s, bi)));
      assert.ok(Math.abs(sum(p.removed, bi) - best) < 1e-12, `BI n=${p.n}: ${p.removed}`);
    } else if (p.n > 0) {
      const d = r.ranking.angularLastToken.find((a) => a.n === p.n)!.values;
      assert.equal(d.length, 4 - p.n + 1, 'd(ℓ, n) for ℓ = 0..L − n');
      const start = p.removed[0];
      assert.deepEqual(
        p.removed,
        Array.from({ length: p.n }, (_, i) => start + i),
        'a contiguous block',
      );
      assert.ok(
        d.every((v) => d[start] <= v),
        `angular n=${p.n}: block at ${start} has the smallest d`,
      );
    }
  }
  // n = 0: the whole model, the same number for every method.
  const zero = r.points.filter((p) => p.n === 0);
  assert.ok(zero.every((p) => p.removed.length === 0 && p.perplexity.perplexity === zero[0].perplexity.perplexity));
  const ids = (await loadTokenizer(SAMPLE))!.encode(HELD.text, { addBos: true });
  assert.equal(zero[0].perplexity.tokens, ids.length - 1);
  // Removing layers changes the number.
  assert.ok(r.points.some((p) => p.n > 0 && p.perplexity.perplexity !== zero[0].perplexity.perplexity));
  assert.equal(r.evaluations, new Set(r.points.map((p) => p.removed.join(','))).size);
  for (const s of r.suggestions) {
    if (s.n <= r.maxRemoved)
      assert.deepEqual(r.points.find((p) => p.method === 'zigzag' && p.n === s.n)!.removed, s.layers, `zigzag point at the p = ${s.p} suggestion`);
  }
});

test('accuracy on the bundled sample; a bad choices file fails before any forward pass, naming the file and line', async () => {
  const engine = await getEngine({ providers: ['cpu'], threads: 1 });
  const model = await openModel(SAMPLE);
  const r = await runPruneCurvesJob(
    model,
    { persistence: PERSISTENCE, heldOut: HELD, maxRemoved: 1, methods: ['bi'], choicesFile: join(REPO_ROOT, 'media/samples/pruning-choices.jsonl') },
    { engine },
  );
  assert.equal(r.points.length, 2);
  assert.equal(r.points[0].choices?.items, 12);
  assert.ok(r.points[0].choices!.acc > 0.5, 'the trained sample model gets most of its sample items');
  const dir = await mkdtemp(join(tmpdir(), 'll-curves-'));
  try {
    const bad = join(dir, 'bad.jsonl');
    await writeFile(bad, '{"ctx": "a", "endings": ["b", "c"], "label": 0}\n{"ctx": "a", "endings": ["b"], "label": 0}\n');
    await assert.rejects(
      runPruneCurvesJob(model, { persistence: PERSISTENCE, choicesFile: bad }, { engine }),
      new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} line 2: "endings"`),
    );
    await assert.rejects(runPruneCurvesJob(model, { persistence: PERSISTENCE, maxRemoved: 4 }, { engine }), /0\.\.3 for this 4-layer model/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('cancelling stops the job between points', async () => {
  const engine = await getEngine({ providers: ['cpu'], threads: 1 });
  const model = await openModel(SAMPLE);
  const abort = new AbortController();
  let seen = 0;
  await assert.rejects(
    runPruneCurvesJob(
      model,
      { persistence: PERSISTENCE, heldOut: HELD },
      {
        engine,
        signal: abort.signal,
        onPartial: () => {
          seen++;
          abort.abort();
        },
      },
    ),
    CancelledError,
  );
  assert.equal(seen, 1, 'no point after the cancel');
});

test('removal rules on small hand-made curves', () => {
  // zigzag: highest S̄, a tie to the deeper layer; the final-norm value (last) is never chosen.
  assert.deepEqual(zigzagRemoval([0.1, 0.5, 0.5, 0.2, 9], 4, 1), [2]);
  assert.deepEqual(zigzagRemoval([0.1, 0.5, 0.5, 0.2, 9], 4, 3), [1, 2, 3]);
  // BI: lowest, a tie to the shallower layer.
  assert.deepEqual(blockInfluenceRemoval([0.3, 0.1, 0.1, 0.2], 1), [1]);
  assert.deepEqual(blockInfluenceRemoval([0.3, 0.1, 0.1, 0.2], 3), [1, 2, 3]);
  // angular: the first smallest d(ℓ, n).
  assert.deepEqual(angularBlockRemoval([0.4, 0.2, 0.2], 2), [1, 2]);
  assert.deepEqual(angularBlockRemoval([0.4, 0.2, 0.2], 0), []);
  assert.throws(() => blockInfluenceRemoval([0.1], 2), /cannot remove 2 layers/);
});

test('multiple-choice rows: HellaSwag (ctx, raw dataset fields) and query/choices/gold; errors name the line', async () => {
  assert.deepEqual(choiceItem({ ctx: ' A man [title] sits.  He ', endings: ['stands [step] up.', 'sits'], label: '1' }, 'x'), {
    context: 'A man. sits. He',
    choices: ['stands up.', 'sits'],
    gold: 1,
  });
  assert.equal(hellaswagPreprocess('a  b [x] c'), 'a b c');
  assert.equal(
    choiceItem({ activity_label: 'Cooking', ctx_a: 'A cook stirs.', ctx_b: 'SHE adds salt', ctx: 'unused', endings: ['x', 'y'], label: 0 }, 'x').context,
    'Cooking: A cook stirs. She adds salt',
  );
  assert.deepEqual(choiceItem({ context: 'Q? ', choices: ['a', 'b', 'c'], gold: 2 }, 'x'), { context: 'Q? ', choices: ['a', 'b', 'c'], gold: 2 });
  assert.throws(() => parseChoicesJsonl('{"query": "q", "choices": ["a", "b"], "gold": 0}\n\nnot json\n', 'f.jsonl'), /f\.jsonl line 3: not valid JSON/);
  assert.throws(() => parseChoicesJsonl('{"query": "q", "choices": ["a", "b"], "gold": 5}\n', 'f.jsonl'), /f\.jsonl line 1: "gold" must be an index/);
  assert.throws(() => parseChoicesJsonl('{"text": "q"}\n', 'f.jsonl'), /f\.jsonl line 1: expected/);
  assert.throws(() => parseChoicesJsonl('\n', 'f.jsonl'), /holds no multiple-choice item/);
  await assert.rejects(loadChoicesFile('/nonexistent/choices.jsonl'), /cannot read the multiple-choice file \/nonexistent\/choices\.jsonl/);
});

test("lm-eval's context/continuation split and acc/acc_norm (closed forms)", async () => {
  const tok = (await loadTokenizer(SAMPLE))!;
  // Byte-level tokenizer: ids are the UTF-8 bytes; the context's trailing space moves to the continuation, no BOS.
  assert.deepEqual(encodePair(tok, 'ab ', 'cd', 257), { context: [97, 98], continuation: [32, 99, 100] });
  assert.deepEqual(encodePair(tok, '', 'x', 257), { context: [257], continuation: [120] });
  // acc: raw argmax; acc_norm: divided by the choice's length in characters (é is one character).
  const items = [{ context: 'c', choices: ['aaaa', 'é'], gold: 1 }];
  assert.deepEqual(choiceAccuracy(items, [[-8, -1.5]]), { acc: 1, accNorm: 1 });
  assert.deepEqual(choiceAccuracy(items, [[-2, -3]]), { acc: 0, accNorm: 0 });
  assert.deepEqual(choiceAccuracy(items, [[-3.6, -1]]), { acc: 1, accNorm: 0 });
});
