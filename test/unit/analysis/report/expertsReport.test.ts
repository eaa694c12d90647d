// `layer-lens experts <model> --html FILE` on a Mixtral-layout fixture: an expert × expert heatmap
// of the layer and kind, every value of `--csv` in the report.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getEngine, type Engine } from '../../../../src/analysis/engine/engine';
import { openModel } from '../../../../src/analysis/model/openModel';
import { commands } from '../../../../src/analysis/cli/index';
import type { CliContext } from '../../../../src/analysis/cli/types';
import { writeMoeFixture } from '../../../fixtures/moeLayouts';
import { assertHoldsCsv, assertSelfContained, assertWellFormed, svgCount } from './reportChecks';

let root = '';
let engine: Engine;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-experts-report-'));
  engine = await getEngine({ providers: ['cpu'], threads: 1 });
});
after(() => rm(root, { recursive: true, force: true }));

test('experts --csv --html: one heatmap per layer, kind and index; every tidy value', async () => {
  const fx = await writeMoeFixture(join(root, 'mixtral'), { arch: 'mixtral', seed: 5 });
  const file = join(root, 'experts.html');
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
  const experts = commands.find((c) => c.name === 'experts')!;
  await experts.run({ positionals: [fx.dir], values: { csv: true, html: file, index: 'docs,cka' } }, ctx);
  assert.deepEqual(err, [`wrote ${file}`]);
  const html = await readFile(file, 'utf8');
  assertWellFormed(html);
  assertSelfContained(html);
  assert.equal(svgCount(html), 2);
  assert.match(html, /<figcaption>cka of every expert pair \(layer \d+, kind \w+\)<\/figcaption>/);
  assert.ok(assertHoldsCsv(html, out.join(''), ['comparable']) > 0);
});
