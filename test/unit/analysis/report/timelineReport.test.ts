// `layer-lens timeline <run> --html FILE`: the report of a training run (the timeline oracle's
// checkpoints) has one figure per metric against the step, every value of `--csv`, and the
// checkpoints as the model's files.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getEngine, type Engine } from '../../../../src/analysis/engine/engine';
import { openModel } from '../../../../src/analysis/model/openModel';
import { timelineCommand } from '../../../../src/analysis/methods/timeline/command';
import type { CliContext } from '../../../../src/analysis/cli/types';
import { ORACLE, writeCheckpoint } from '../methods/timeline/series';
import { assertHoldsCsv, assertSelfContained, assertWellFormed, cellTexts, svgCount } from './reportChecks';

let root = '';
let engine: Engine;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-timeline-report-'));
  engine = await getEngine({ providers: ['cpu'], threads: 1 });
});
after(() => rm(root, { recursive: true, force: true }));

test('timeline --csv --html: figures by step, every tidy value, the checkpoints listed', async () => {
  const run = join(root, 'run');
  const dirs: string[] = [];
  for (let t = 0; t < 3; t++) dirs.push(await writeCheckpoint(run, t));
  const file = join(root, 'timeline.html');
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CliContext = {
    signal: new AbortController().signal,
    onProgress: () => {},
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    model: (p) => openModel(p),
    engine: () => Promise.resolve(engine),
  };
  await timelineCommand.run({ positionals: [run], values: { csv: true, html: file, metrics: 'drift_first,stable_rank', kinds: 'q,k' } }, ctx);
  assert.ok(err.includes(`wrote ${file}`));
  const html = await readFile(file, 'utf8');
  assertWellFormed(html);
  assertSelfContained(html);
  assert.equal(svgCount(html), 2, 'drift_first and stable_rank against the step');
  assert.equal(assertHoldsCsv(html, out.join('')), 3 * 2 * ORACLE.dims.layers * 2);
  const texts = cellTexts(html);
  for (const d of dirs) assert.ok(texts.has(d), `${d} is listed`);
  assert.match(html, /<h1>Training timeline<\/h1>/);
  await assert.rejects(timelineCommand.run({ positionals: [run], values: { watch: true, html: file } }, ctx), /does not combine with --watch/);
});
