// The panel's report (webview/common/report.ts) of real results on stories260K: its "Values" table
// is the panel's "Export CSV" cell for cell, its figures are there, the provider comes from the
// worker's stamp, and it is the same page the command line writes for the same result.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { getEngine } from '../../../../src/analysis/engine/engine';
import { openModel } from '../../../../src/analysis/model/openModel';
import type { ModelHandle } from '../../../../src/analysis/model/types';
import { similarity } from '../../../../src/analysis/methods/similarity/index';
import { spectra } from '../../../../src/analysis/methods/spectra/index';
import { runDiff } from '../../../../src/analysis/methods/diff/diff';
import { diffCsv } from '../../../../src/analysis/methods/diff/csv';
import { parseDiffOptions } from '../../../../src/analysis/methods/diff/options';
import { cliReportHtml } from '../../../../src/analysis/report/writeReport';
import { cliVersion } from '../../../../src/analysis/cli/version';
import { exportReport, panelReportHtml } from '../../../../webview/common/report';
import { REPO_ROOT } from '../../../paths';
import { parseCsv } from '../cli/cliHarness';
import { assertSelfContained, assertWellFormed, svgCount, unescape } from './reportChecks';

const STORIES = join(REPO_ROOT, 'test', 'fixtures', 'models', 'stories260K');
let model: ModelHandle;
const cpu = () => getEngine({ providers: ['cpu'], threads: 1 });

before(async () => {
  model = await openModel(STORIES);
});

/** The cells of the first table after the "Values" heading. */
function valuesTable(html: string): string[][] {
  const at = html.indexOf('<h2>Values</h2>');
  assert.ok(at > 0);
  const table = /<table>([^]*?)<\/table>/.exec(html.slice(at))![1]!;
  return [...table.matchAll(/<tr>([^]*?)<\/tr>/g)].map((r) => [...r[1]!.matchAll(/<t[dh][^>]*>([^<]*)<\/t[dh]>/g)].map((c) => unescape(c[1]!)));
}

test('spectra: the Values table is the wide CSV cell for cell; one figure per metric by depth', async () => {
  const engine = await cpu();
  const options = spectra.parseOptions({});
  const result = { ...(await spectra.run(model, options, { engine })), computedWith: { provider: 'cpu', threads: 1 } };
  const meta = { analysis: 'spectra', models: [{ path: STORIES, architecture: 'LlamaForCausalLM', files: [] }], settings: options, version: '1.2.3' };
  const html = panelReportHtml(result, meta, new Date('2026-02-03T04:05:06Z'));
  assertWellFormed(html);
  assertSelfContained(html);
  const expected = parseCsv(spectra.toCsv(result));
  assert.ok(expected.length > 30);
  assert.deepEqual(valuesTable(html), expected);
  assert.equal(svgCount(html), 4);
  assert.match(html, /cpu, 1 thread</);
  assert.match(html, /2026-02-03T04:05:06.000Z/);
  let saved = '';
  await exportReport(result, meta, (h) => {
    saved = h;
  });
  assertWellFormed(saved);
  await assert.rejects(
    exportReport(undefined, meta, () => undefined),
    /no result/,
  );
});

test('similarity: the panel and the command line write the same sections for the same result', async () => {
  const engine = await cpu();
  const options = similarity.parseOptions({ kind: 'v', indices: ['docs', 'pearson'] });
  const result = await similarity.run(model, options, { engine });
  const date = new Date('2026-02-03T04:05:06Z');
  const panel = panelReportHtml(
    result,
    { analysis: 'similarity', models: [{ path: model.path, architecture: model.architectureLabel, files: [] }], settings: options, version: cliVersion() },
    date,
  );
  const cli = await cliReportHtml(
    {
      analysis: 'similarity',
      models: [{ path: model.path, architectureLabel: model.architectureLabel, files: [] }],
      settings: options as unknown as Record<string, unknown>,
      engine: result.engine,
      tidyColumns: similarity.tidy.columns,
      tidyRows: similarity.tidy.rows(result),
      wideCsv: [similarity.toCsv(result)],
      results: [result],
    },
    date,
  );
  assert.equal(panel, cli);
  assert.deepEqual(valuesTable(panel), parseCsv(similarity.toCsv(result)));
  assert.equal(svgCount(panel), 2, 'DOCS and Pearson heatmaps');
});

test('diff: both models are described, their architectures taken from the result where the host named none', async () => {
  const engine = await cpu();
  const options = parseDiffOptions({ spectra: false });
  const result = await runDiff(model, model, options, { engine });
  const html = panelReportHtml(result, {
    analysis: 'diff',
    models: [
      { path: `${STORIES}`, files: [] },
      { path: `${STORIES}-copy`, files: [] },
    ],
    settings: options,
    version: '1.2.3',
  });
  assertWellFormed(html);
  assertSelfContained(html);
  assert.equal((html.match(/<th scope="row">architecture<\/th><td>llama<\/td>/g) ?? []).length, 2);
  assert.deepEqual(valuesTable(html), parseCsv(diffCsv(result)));
  assert.equal(svgCount(html), 4, 'relative change, cosine, DOCS and the update’s stable rank by layer');
});
