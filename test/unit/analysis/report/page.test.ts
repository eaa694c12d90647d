// The report page: everything user-derived stays text (a tensor named <script> included), the page
// is well formed and self-contained, and a long table shows its first rows with every row in the
// full CSV block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportFiles } from '../../../../src/analysis/report/modelFiles';
import { renderReport, TABLE_PREVIEW_ROWS } from '../../../../src/analysis/report/html';
import { FIGURE_BUDGET_CHARS, reportSections } from '../../../../src/analysis/report/sections/index';
import { reportTarget } from '../../../../src/analysis/report/writeReport';
import { UsageError } from '../../../../src/analysis/methods/common/cliArgs';
import type { ReportInput } from '../../../../src/analysis/report/types';
import { assertSelfContained, assertWellFormed, cellTexts, svgCount } from './reportChecks';

const EVIL = '<script>alert("x")</script>';
const IMG = '<img src="https://example.com/a.png" onerror="x()">';

function input(sections: ReportInput['sections']): ReportInput {
  return {
    title: `Title ${EVIL}`,
    analysis: 'similarity',
    models: [
      { path: `/models/${EVIL}`, architecture: IMG, files: [{ path: `/models/${IMG}.safetensors`, bytes: 2048, modified: '2026-01-01T00:00:00.000Z' }] },
    ],
    settings: { kind: EVIL, layers: [0, 1], threshold: Infinity },
    provider: `cpu ${EVIL}`,
    version: '9.9.9',
    date: '2026-01-02T03:04:05.000Z',
    sections,
  };
}

test('a tensor named <script> and other user text stay text: no element is created from them', () => {
  const csv = `kind,layer_a,layer_b,docs,reason\n"${EVIL.replace(/"/g, '""')}",0,1,0.5,"${IMG.replace(/"/g, '""')}"\n`;
  const tidyRows = [{ kind: EVIL, layer_a: 0, layer_b: 1, metric: 'docs', value: 0.5 }];
  const html = renderReport(
    input(reportSections('similarity', { tidyColumns: ['kind', 'layer_a', 'layer_b', 'metric', 'value'], tidyRows, wideCsv: [csv], notes: [`note ${EVIL}`] })),
  );
  assertSelfContained(html);
  const counts = assertWellFormed(html);
  assert.equal(counts.get('script'), undefined);
  assert.equal(counts.get('img'), undefined);
  const texts = cellTexts(html);
  assert.ok(texts.has(EVIL), 'the tensor name is a cell, as text');
  assert.ok(texts.has(IMG));
  assert.ok(texts.has(`/models/${EVIL}`));
  assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'));
  assert.equal(svgCount(html), 1, 'the heatmap of the one docs value');
  // The facet label (the kind) is inside the SVG, escaped too.
  assert.ok(/<svg [^]*&lt;script&gt;[^]*<\/svg>/.test(html));
});

test(`a table over ${TABLE_PREVIEW_ROWS} rows shows the first ${TABLE_PREVIEW_ROWS} and has every row in its CSV block`, () => {
  const n = TABLE_PREVIEW_ROWS + 57;
  const csv = `layer,value\n${Array.from({ length: n }, (_, i) => `${i},${(i * 0.125).toString()}`).join('\n')}\n`;
  const html = renderReport(input(reportSections('unknown-analysis', { tidyColumns: [], tidyRows: [], wideCsv: [csv] })));
  assertWellFormed(html);
  assertSelfContained(html);
  const tds = [...html.matchAll(/<tr><td class="num">(\d+)<\/td>/g)].map((m) => Number(m[1]));
  assert.deepEqual(
    tds,
    Array.from({ length: TABLE_PREVIEW_ROWS }, (_, i) => i),
  );
  assert.match(html, new RegExp(`The first ${TABLE_PREVIEW_ROWS} of ${n} rows`));
  const pre = /<pre>([^<]*)<\/pre>/.exec(html)![1]!;
  assert.equal(pre, csv.trimEnd(), 'the CSV block is the CSV, line for line');
  assert.equal(svgCount(html), 0, 'no figure plan for an unknown analysis');
});

test('model identity, settings, provider, version and date are on the page', () => {
  const html = renderReport(input([]));
  const texts = cellTexts(html);
  assert.ok(texts.has('2.0 KiB (2048 bytes)'));
  assert.ok(texts.has('2026-01-01T00:00:00.000Z'));
  assert.ok(texts.has('[0,1]'));
  assert.ok(texts.has('"Infinity"'), 'a non-finite setting is written, not dropped');
  assert.ok(texts.has('9.9.9'));
  assert.ok(texts.has('2026-01-02T03:04:05.000Z'));
  assert.ok(texts.has(`cpu ${'<script>alert("x")</script>'}`));
  assert.match(html, /@media \(prefers-color-scheme: dark\)/);
});

test('a file is listed with its size and modification time; a file that vanished is listed without them', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'll-report-files-'));
  try {
    const file = join(dir, 'model.safetensors');
    await writeFile(file, 'x'.repeat(1234));
    const [first, gone] = await reportFiles([file, join(dir, 'gone')]);
    assert.equal(first!.bytes, 1234);
    assert.match(first!.modified!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(gone, { path: join(dir, 'gone') });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('figures past the size budget are named in a note rather than drawn; the first ones are kept', () => {
  const indices = ['docs', 'pearson', 'cosine', 'r2', 'linreg', 'cka', 'hsic', 'cca', 'svcca', 'procrustes'];
  const tidyRows = [];
  for (const kind of ['q', 'up'])
    for (let a = 0; a < 80; a++)
      for (let b = a + 1; b < 80; b++) for (const metric of indices) tidyRows.push({ kind, layer_a: a, layer_b: b, metric, value: (a * b) / 6400 });
  const [figures] = reportSections('similarity', { tidyColumns: ['kind', 'layer_a', 'layer_b', 'metric', 'value'], tidyRows, wideCsv: [] });
  const chars = figures!.figures.reduce((n, f) => n + f.svg.length, 0);
  assert.ok(chars <= FIGURE_BUDGET_CHARS, `${chars} characters of SVG`);
  assert.ok(figures!.figures.length >= 5 && figures!.figures.length < 20, `${figures!.figures.length} drawn`);
  assert.equal(figures!.figures[0]!.caption, 'docs of every compared layer pair (kind q)');
  const note = figures!.notes[0]!;
  const omitted = 20 - figures!.figures.length;
  assert.match(note, new RegExp(`^${omitted} more figures are left out`));
  assert.match(note, /procrustes of every compared layer pair \(kind up\)\.$/);
});

test('--html is checked before the run: a missing folder or a folder as the file is a usage error', async () => {
  assert.equal(await reportTarget({}), undefined);
  await assert.rejects(
    reportTarget({ html: '/no/such/folder/r.html' }),
    (e: Error) => e instanceof UsageError && /--html: the folder \/no\/such\/folder does not exist/.test(e.message),
  );
  await assert.rejects(reportTarget({ html: tmpdir() }), /is a folder; give a file name/);
  assert.equal(await reportTarget({ html: join(tmpdir(), 'r.html') }), join(tmpdir(), 'r.html'));
});
