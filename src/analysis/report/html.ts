/**
 * One self-contained HTML report of an analysis result: the model's identity (path, architecture,
 * files with their sizes and modification times), the settings, the execution provider, Layer
 * Lens's version and the date, then sections of inline SVG figures, tables and notes. It makes no
 * request of any kind: no script, no font, no image or style by URL, and a Content-Security-Policy
 * that forbids them all (inline styles only), so it opens the same anywhere, offline.
 */
import { csvLine } from '../methods/common/csv';
import { escapeHtml as e } from './escape';
import { REPORT_CSS } from './style';
import type { ReportInput, ReportModel, ReportSection, ReportTable } from './types';

/** Rows of a table shown on the page; the rest are in its full CSV under <details>. */
export const TABLE_PREVIEW_ROWS = 200;

/** Nothing may load: no scripts, fonts, images, frames or connections; only the page's own <style>. */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

const NUMERIC = /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

function tableHtml(t: ReportTable): string {
  const shown = t.rows.slice(0, t.preview ?? TABLE_PREVIEW_ROWS);
  const head = `<tr>${t.columns.map((c) => `<th scope="col">${e(c)}</th>`).join('')}</tr>`;
  const body = shown.map((r) => `<tr>${r.map((c) => (NUMERIC.test(c) ? `<td class="num">${e(c)}</td>` : `<td>${e(c)}</td>`)).join('')}</tr>`).join('\n');
  const out = [t.caption ? `<h3>${e(t.caption)}</h3>` : ''];
  if (shown.length) out.push(`<div class="scroll"><table><thead>${head}</thead><tbody>\n${body}\n</tbody></table></div>`);
  if (t.rows.length > shown.length) {
    const csv = [csvLine(t.columns), ...t.rows.map((r) => csvLine(r))].join('\n');
    if (shown.length) out.push(`<p class="note">The first ${shown.length} of ${t.rows.length} rows; every row is in the CSV below.</p>`);
    out.push(`<details><summary>All ${t.rows.length} rows as CSV</summary><pre>${e(csv)}</pre></details>`);
  }
  return out.join('\n');
}

function sectionHtml(s: ReportSection): string {
  return [
    `<section>`,
    `<h2>${e(s.heading)}</h2>`,
    ...s.notes.map((n) => `<p class="note">${e(n)}</p>`),
    // The SVG markup is built by ./svg, which escapes every text it places.
    ...s.figures.map((f) => `<figure>${f.svg}<figcaption>${e(f.caption)}</figcaption></figure>`),
    ...s.tables.map(tableHtml),
    `</section>`,
  ].join('\n');
}

function bytesText(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]} (${n} bytes)`;
}

function modelHtml(m: ReportModel, label: string): string {
  const rows = m.files
    .map((f) => `<tr><td>${e(f.path)}</td><td class="num">${f.bytes === undefined ? '' : e(bytesText(f.bytes))}</td><td>${e(f.modified ?? '')}</td></tr>`)
    .join('\n');
  return [
    `<h3>${e(label)}</h3>`,
    `<table><tbody><tr><th scope="row">path</th><td>${e(m.path)}</td></tr><tr><th scope="row">architecture</th><td>${e(m.architecture ?? 'unknown')}</td></tr></tbody></table>`,
    m.files.length
      ? `<div class="scroll"><table><thead><tr><th>file</th><th>size</th><th>modified</th></tr></thead><tbody>\n${rows}\n</tbody></table></div>`
      : '',
  ].join('\n');
}

function settingText(v: unknown): string {
  return typeof v === 'string' ? v : (JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x)) ?? String(v));
}

export function renderReport(r: ReportInput): string {
  const settings = Object.entries(r.settings).filter(([, v]) => v !== undefined);
  const labels = r.models.length === 2 ? ['Model A (base)', 'Model B'] : r.models.map((_, i) => (r.models.length > 1 ? `Model ${i + 1}` : 'Model'));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${e(REPORT_CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Layer Lens ${e(r.version)}">
<title>${e(r.title)} · ${e(r.models.map((m) => m.path).join(' → '))}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header>
<h1>${e(r.title)}</h1>
<p class="meta">Layer Lens ${e(r.version)} · analysis <code>${e(r.analysis)}</code> · ${e(r.date)}${r.provider ? ` · ${e(r.provider)}` : ''}</p>
</header>
<section>
<h2>Model</h2>
${r.models.map((m, i) => modelHtml(m, labels[i]!)).join('\n')}
</section>
<section>
<h2>Settings</h2>
${settings.length ? `<table><tbody>\n${settings.map(([k, v]) => `<tr><th scope="row">${e(k)}</th><td>${e(settingText(v))}</td></tr>`).join('\n')}\n</tbody></table>` : '<p class="note">defaults</p>'}
<table><tbody><tr><th scope="row">execution provider</th><td>${e(r.provider ?? 'none (no engine run)')}</td></tr><tr><th scope="row">Layer Lens</th><td>${e(r.version)}</td></tr><tr><th scope="row">written</th><td>${e(r.date)}</td></tr></tbody></table>
</section>
${r.sections.map(sectionHtml).join('\n')}
<footer>Written by Layer Lens ${e(r.version)} on ${e(r.date)}. Self-contained: figures are inline SVG, every number is in the tables above.</footer>
</body>
</html>
`;
}
