import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinPrompts, BUILTIN_DOMAINS } from '../../../../src/analysis/prompts/index';
import { loadPromptFile } from '../../../../src/analysis/prompts/loadPromptFile';

test('built-in prompt sets: four domains of several dozen distinct, short prompts', () => {
  const all = builtinPrompts();
  for (const d of BUILTIN_DOMAINS) {
    const texts = all.filter((p) => p.domain === d).map((p) => p.text);
    assert.ok(texts.length >= 36, `${d}: ${texts.length}`);
    assert.equal(new Set(texts).size, texts.length, `${d} has duplicates`);
    for (const t of texts) assert.ok(t.length > 5 && t.length < 200, `${d}: "${t}"`);
  }
  assert.deepEqual(
    builtinPrompts(['math'], 3).map((p) => p.text),
    ['12 + 7 = 19', '45 - 18 = 27', '6 * 8 = 48'],
  );
  assert.throws(() => builtinPrompts(['poetry']), /unknown prompt domain "poetry"/);
});

test('prompt files: JSONL lines and blank-line separated text with domain headers', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'll-prompts-'));
  try {
    const jsonl = join(dir, 'set.jsonl');
    writeFileSync(jsonl, '{"text": "a b", "domain": "d1"}\n\n"plain string"\n{"prompt": "p", "domain": "d2"}\n');
    assert.deepEqual(await loadPromptFile(jsonl), [
      { domain: 'd1', text: 'a b' },
      { domain: 'set', text: 'plain string' },
      { domain: 'd2', text: 'p' },
    ]);
    const txt = join(dir, 'mine.txt');
    writeFileSync(txt, 'first prompt\n\ndef f(x):\n    return x\n\n## domain: math\n1 + 1 = 2\n\n\n2 + 2 = 4\n');
    assert.deepEqual(await loadPromptFile(txt), [
      { domain: 'mine', text: 'first prompt' },
      { domain: 'mine', text: 'def f(x):\n    return x' },
      { domain: 'math', text: '1 + 1 = 2' },
      { domain: 'math', text: '2 + 2 = 4' },
    ]);
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"text": "ok"}\n{oops\n');
    await assert.rejects(loadPromptFile(bad), /bad\.jsonl:2: not valid JSON/);
    writeFileSync(bad, '{"domain": "x"}\n');
    await assert.rejects(loadPromptFile(bad), /bad\.jsonl:1: expected a string or an object with a "text" field/);
    const empty = join(dir, 'empty.txt');
    writeFileSync(empty, '\n\n');
    await assert.rejects(loadPromptFile(empty), /holds no prompts/);
    await assert.rejects(loadPromptFile(join(dir, 'missing.txt')), /cannot read prompt file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
