// `layer-lens activation-sts` run in-process on media/sample-model: the table has a row per layer,
// --json and --csv carry the same numbers (the CSV read back by the CLI tests' own RFC 4180 reader),
// a pairs file is read, and mistakes are usage errors or name the file and line.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activationStsCommand } from '../../../../../../src/analysis/methods/activation/sts/cli';
import type { StsJobResult } from '../../../../../../src/analysis/methods/activation/sts/job';
import { UsageError, type CliContext, type CliValues } from '../../../../../../src/analysis/cli/types';
import { getEngine } from '../../../../../../src/analysis/engine/engine';
import { openModel } from '../../../../../../src/analysis/model/openModel';
import { parseCsv, sample } from '../../../cli/cliHarness';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'll-sts-cli-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function runCommand(values: CliValues, positionals = [sample]): Promise<{ out: string; progress: number }> {
  let out = '';
  let progress = 0;
  const ctx: CliContext = {
    signal: new AbortController().signal,
    onProgress: () => progress++,
    out: (t) => (out += t),
    err: () => undefined,
    model: (p) => openModel(p),
    engine: () => getEngine({ providers: ['cpu'], threads: 1 }),
  };
  await activationStsCommand.run({ positionals, values }, ctx);
  return { out, progress };
}

test('table, --json and --csv on the built-in sample', async () => {
  const table = await runCommand({ 'max-pairs': '4' });
  assert.match(table.out, /4 scored pairs from built-in sample \(first 4 of 40\)/);
  assert.equal(table.out.split('\n').filter((l) => /^\s+[0-3]\s+-?[0-9.]+\s/.test(l)).length, 4, table.out);
  assert.ok(table.progress >= 8, 'progress per sentence');
  const json = JSON.parse((await runCommand({ 'max-pairs': '4', json: true })).out) as StsJobResult;
  assert.equal(json.layers.length, 4);
  const rows = parseCsv((await runCommand({ 'max-pairs': '4', csv: true })).out);
  assert.deepEqual(rows[0], ['layer', 'pair', 'metric', 'value']);
  for (const c of json.layers) {
    const rho = rows.find((r) => r[0] === String(c.layer) && r[2] === 'spearman_rho');
    assert.equal(Number(rho![3]), c.rho);
  }
  const sim = rows.filter((r) => r[2] === 'similarity');
  assert.equal(sim.length, 16);
  for (const r of sim) assert.equal(Number(r[3]), json.pairs[Number(r[1]) - 1].similarity[Number(r[0])]);
});

test('a pairs file, and its mistakes', async () => {
  const file = join(dir, 'pairs.tsv');
  await writeFile(
    file,
    'sentence1\tsentence2\tscore\nA cat sleeps.\tA cat is asleep.\t5\nA dog runs.\tThe sky is blue.\t0\nIt rains.\tIt is raining hard.\t4\n',
  );
  const json = JSON.parse((await runCommand({ pairs: file, json: true })).out) as StsJobResult;
  assert.equal(json.source, file);
  assert.deepEqual(
    json.pairs.map((p) => p.score),
    [5, 0, 4],
  );
  const bad = join(dir, 'bad.tsv');
  await writeFile(bad, 'sentence1\tsentence2\tscore\na\tb\t1\nc\td\n');
  await assert.rejects(runCommand({ pairs: bad }), (e: Error) => e.message === `${bad}:3: expected 3 tab-separated columns as in the header, found 2`);
  await assert.rejects(runCommand({ 'max-pairs': '2' }), (e: unknown) => e instanceof UsageError && /maxPairs/.test(e.message));
  await assert.rejects(runCommand({ 'max-pairs': 'x' }), (e: unknown) => e instanceof UsageError && /--max-pairs must be an integer/.test(e.message));
  await assert.rejects(runCommand({}, []), UsageError);
});
