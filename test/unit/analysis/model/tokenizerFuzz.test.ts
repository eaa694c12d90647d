// Fuzzing tokenizer loading (fast-check, seeded): structural mutations of the sample model's
// tokenizer.json and tokenizer_config.json (replaced, deleted or re-typed nodes: vocab, merges,
// added tokens, normalizer, pre-tokenizer, post-processor, decoder) in memory, plus byte mutations
// of the file loaded through loadTokenizer. Each case must give a tokenizer whose vocabulary size is
// a non-negative integer and whose encode yields integer ids, or fail with a ModelFileError.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ModelFileError } from '../../../../src/analysis/io/modelFileError';
import { loadTokenizer, tokenizerFromJson, type PromptTokenizer } from '../../../../src/analysis/model/tokenizer';
import { assertTypedRejection, byteMutation, checkProperty, jsonMutation, report, startCaseClock, type CaseClock } from '../io/fuzz/fuzzHarness';
import { REPO_ROOT } from '../../../paths';

const sample = join(REPO_ROOT, 'media/sample-model');
const tokText = new Uint8Array(readFileSync(join(sample, 'tokenizer.json')));
const tokJson = JSON.parse(new TextDecoder().decode(tokText)) as Record<string, unknown>;
const cfgJson = JSON.parse(readFileSync(join(sample, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;

let dir = '';
let clock: CaseClock;
let cases = 0;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'll-fuzz-tok-'));
  copyFileSync(join(sample, 'tokenizer_config.json'), join(dir, 'tokenizer_config.json'));
  clock = startCaseClock('tokenizer');
});
after(async () => {
  await clock.stop();
  rmSync(dir, { recursive: true, force: true });
});

const T = { timeout: 60_000 };

/** A loaded tokenizer must be usable: sizes are integers, encoding gives ids, not NaN or strings. */
function checkTokenizer(tok: PromptTokenizer, label: string): void {
  assert.ok(Number.isSafeInteger(tok.vocabSize) && tok.vocabSize >= 0, `${label}: vocabSize ${tok.vocabSize}`);
  assert.ok(tok.bosId === null || Number.isSafeInteger(tok.bosId), `${label}: bosId ${tok.bosId}`);
  let ids: number[];
  try {
    ids = tok.encode('Hello, wörld!', { addBos: false });
  } catch (e) {
    // The library may still refuse a text a damaged tokenizer cannot encode: that must be an Error.
    assert.ok(e instanceof Error, `${label}: encode threw ${String(e)}`);
    return;
  }
  assert.ok(Array.isArray(ids) && ids.every((id) => Number.isSafeInteger(id) && id >= 0), `${label}: ids ${JSON.stringify(ids)}`);
}

test('the unmodified sample tokenizer loads (the base every mutation starts from)', T, () => {
  const tok = tokenizerFromJson(structuredClone(tokJson), structuredClone(cfgJson));
  assert.equal(tok.vocabSize, 259);
  assert.throws(() => tokenizerFromJson([] as unknown as Record<string, unknown>, {}), ModelFileError);
});

test('structurally mutated tokenizer.json / tokenizer_config.json load usable or fail typed', T, async () => {
  const t0 = performance.now();
  const n = 1000;
  const outcomes = { loaded: 0, rejected: 0 };
  await checkProperty(
    fc.asyncProperty(jsonMutation(), fc.option(jsonMutation(), { freq: 4 }), async (mutateTok, mutateCfg) => {
      const tj = mutateTok(tokJson) as Record<string, unknown>;
      const cj = (mutateCfg ? mutateCfg(cfgJson) : structuredClone(cfgJson)) as Record<string, unknown>;
      cases++;
      clock.begin(cases);
      let tok: PromptTokenizer | undefined;
      try {
        tok = tokenizerFromJson(tj, cj);
      } catch (e) {
        assertTypedRejection(e, `tokenizer ${JSON.stringify(tj).slice(0, 300)}`);
      } finally {
        clock.end();
      }
      if (tok) checkTokenizer(tok, 'mutated tokenizer');
      outcomes[tok ? 'loaded' : 'rejected']++;
    }),
    n,
  );
  report('tokenizer structural', n, performance.now() - t0, clock, `${outcomes.loaded} loaded, ${outcomes.rejected} rejected`);
  assert.ok(outcomes.loaded > 0 && outcomes.rejected > 0);
});

test('byte-mutated tokenizer.json files load through loadTokenizer or fail typed', T, async () => {
  const t0 = performance.now();
  const n = 500;
  const outcomes = { loaded: 0, rejected: 0 };
  await checkProperty(
    fc.asyncProperty(byteMutation(), async (mutate) => {
      writeFileSync(join(dir, 'tokenizer.json'), mutate(tokText));
      cases++;
      clock.begin(cases);
      let tok: PromptTokenizer | null | undefined;
      try {
        tok = await loadTokenizer(dir);
      } catch (e) {
        assertTypedRejection(e, 'tokenizer.json bytes');
      } finally {
        clock.end();
      }
      if (tok) checkTokenizer(tok, 'byte-mutated tokenizer');
      outcomes[tok ? 'loaded' : 'rejected']++;
    }),
    n,
  );
  report('tokenizer files', n, performance.now() - t0, clock, `${outcomes.loaded} loaded, ${outcomes.rejected} rejected`);
  console.log(`# fuzz tokenizer total: ${cases} cases`);
  assert.ok(cases >= 1500);
});
