// `layer-lens <analysis> --html FILE` on the trained stories260K model: the report of similarity,
// spectra, correlations and a checkpoint diff (against a copy with one matrix changed) is well-formed
// and self-contained HTML, has its figures, and holds every value that `--csv` prints for the same
// run, as the same text.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../../paths';
import { parseCsv } from '../cli/cliHarness';
import { assertHoldsCsv, assertSelfContained, assertWellFormed, cellTexts, svgCount } from './reportChecks';

const MAIN = join(REPO_ROOT, 'src', 'analysis', 'cli', 'main.ts');
const STORIES = join(REPO_ROOT, 'test', 'fixtures', 'models', 'stories260K');
const Q2 = 'model.layers.2.self_attn.q_proj.weight';

let dir = '';
let changed = '';

async function layerLens(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, ['--import', 'tsx', MAIN, ...args, '--providers', 'cpu'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    timeout: 120_000,
  });
}

/** A copy of stories260K whose layer-2 q matrix has its first 64 entries scaled by 1.5 (F32 bytes edited in place). */
async function changedCopy(to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  await copyFile(join(STORIES, 'config.json'), join(to, 'config.json'));
  const bytes = new Uint8Array(await readFile(join(STORIES, 'model.safetensors')));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype: string; data_offsets: [number, number] }>;
  const t = header[Q2]!;
  assert.equal(t.dtype, 'F32');
  for (let i = 0; i < 64; i++) {
    const at = 8 + n + t.data_offsets[0] + 4 * i;
    view.setFloat32(at, view.getFloat32(at, true) * 1.5, true);
  }
  await writeFile(join(to, 'model.safetensors'), bytes);
}

async function report(name: string, ...args: string[]): Promise<{ html: string; csv: string }> {
  const file = join(dir, `${name}.html`);
  const { stdout, stderr } = await layerLens(...args, '--csv', '--html', file);
  assert.match(stderr, new RegExp(`wrote ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  const html = await readFile(file, 'utf8');
  assertWellFormed(html);
  assertSelfContained(html);
  return { html, csv: stdout };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'll-report-'));
  changed = join(dir, 'changed');
  await changedCopy(changed);
});
after(() => rm(dir, { recursive: true, force: true }));

test('similarity: one DOCS and one CKA heatmap per kind, every pair value in the tables, the model file with its size', async () => {
  const { html, csv } = await report('similarity', 'similarity', STORIES, '--kind', 'q,o', '--index', 'docs,cka');
  assert.equal(svgCount(html), 4);
  assert.ok(assertHoldsCsv(html, csv, ['comparable']) >= 2 * 10 * 6);
  const texts = cellTexts(html);
  assert.ok(texts.has(join(STORIES, 'model.safetensors')));
  assert.ok(texts.has('1020.5 KiB (1045024 bytes)'));
  assert.ok(texts.has('LlamaForCausalLM'));
  assert.match(html, /<h1>Layer similarity<\/h1>/);
  assert.match(html, /<h3>kind q<\/h3>[^]*<h3>kind o<\/h3>/, 'one values table per kind, named');
});

test('spectra and correlations: their figures, and every value of --csv', async () => {
  const [spectra, correlations] = await Promise.all([report('spectra', 'spectra', STORIES), report('correlations', 'correlations', STORIES)]);
  assert.ok(svgCount(spectra.html) >= 3, 'α, log spectral norm, stable rank (and randomness) by depth');
  assert.ok(assertHoldsCsv(spectra.html, spectra.csv, ['alpha_reliable']) > 100);
  assert.ok(svgCount(correlations.html) >= 5, 'M1…M5 per layer and head, M7/M8 by layer');
  assert.ok(assertHoldsCsv(correlations.html, correlations.csv) > 100);
});

test('diff: the changed matrix is the one with a non-zero relative change in the report; both models are named', async () => {
  const { html, csv } = await report('diff', 'diff', STORIES, changed);
  assert.ok(svgCount(html) >= 3);
  assert.ok(assertHoldsCsv(html, csv, ['alpha_reliable_a', 'alpha_reliable_b']) > 100);
  const [header, ...rows] = parseCsv(csv);
  const col = (n: string) => header!.indexOf(n);
  const movedRows = rows.filter((r) => r[col('metric')] === 'rel_change' && r[col('tensor')] === '' && Number(r[col('value')]) > 0);
  assert.deepEqual(
    movedRows.map((r) => `${r[col('layer')]} ${r[col('kind')]}`),
    ['2 q'],
  );
  assert.match(html, /Model A \(base\)/);
  assert.ok(cellTexts(html).has(join(changed, 'model.safetensors')));
});
