// Checks shared by the report tests, written independently of the report code: a small HTML
// tokenizer that proves the tags balance, the cell texts of every table and full-CSV block, and
// the self-containment rules (no script, no URL of any kind, the CSP meta).
import assert from 'node:assert/strict';
import { parseCsv } from '../cli/cliHarness';

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);
// SVG elements the figures write as self-closing (`<line/>`), also fine when written with an end tag.

export function unescape(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Every start tag has its end tag, in order; the text between tags holds no raw `<`; returns the element count by name. */
export function assertWellFormed(html: string): Map<string, number> {
  assert.match(html, /^<!DOCTYPE html>\n/);
  const body = html.replace(/^<!DOCTYPE html>\n/, '');
  const stack: string[] = [];
  const counts = new Map<string, number>();
  const tag = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s=>/]+(?:="[^"]*")?)*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(body); m; m = tag.exec(body)) {
    const between = body.slice(last, m.index);
    // Inside <style> CSS may hold '>' selectors but never '<'.
    assert.ok(!between.includes('<'), `a raw '<' in text before ${m[0].slice(0, 40)}: ${between.slice(-60)}`);
    last = tag.lastIndex;
    const [, close, rawName, , selfClose] = m;
    const name = rawName!.toLowerCase();
    if (close) {
      assert.equal(stack.pop(), name, `</${name}> closes the element that is open`);
      continue;
    }
    counts.set(name, (counts.get(name) ?? 0) + 1);
    if (!selfClose && !VOID.has(name)) stack.push(name);
  }
  assert.ok(!body.slice(last).includes('<'), 'a raw < after the last tag');
  assert.deepEqual(stack, [], 'every element is closed');
  return counts;
}

/**
 * No script, nothing fetched: no tag carries src/href/srcset/action/on… attributes or a URL, the
 * stylesheet has no url() or @import, and a CSP forbids every load. (User text may mention a URL:
 * as text it fetches nothing.)
 */
export function assertSelfContained(html: string): void {
  assert.doesNotMatch(html, /<script/i);
  for (const m of html.matchAll(/<[a-zA-Z][^<>]*>/g)) {
    const t = m[0];
    assert.doesNotMatch(t, /\s(src|href|srcset|xlink:href|action|formaction|poster|background|on[a-z]+)=/i, `a tag that loads or runs something: ${t}`);
    assert.doesNotMatch(t.replace('xmlns="http://www.w3.org/2000/svg"', ''), /[a-z]+:\/\//i, `a URL in a tag: ${t}`);
  }
  for (const m of html.matchAll(/<style>([^<]*)<\/style>/g)) assert.doesNotMatch(m[1]!, /url\(|@import|@font-face/i);
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
  assert.ok(csp, 'a Content-Security-Policy meta');
  const policy = unescape(csp[1]!);
  assert.match(policy, /default-src 'none'/);
  assert.doesNotMatch(policy, /script-src|unsafe-eval/);
}

/** The text of every <td> and <th>, and every cell of the full-CSV <pre> blocks. */
export function cellTexts(html: string): Set<string> {
  const out = new Set<string>();
  for (const m of html.matchAll(/<t[dh][^>]*>([^<]*)<\/t[dh]>/g)) out.add(unescape(m[1]!));
  for (const m of html.matchAll(/<pre>([^<]*)<\/pre>/g)) for (const line of unescape(m[1]!).split('\n')) for (const c of line.split(',')) out.add(c);
  return out;
}

/** The <svg> elements of the page (figures). */
export function svgCount(html: string): number {
  return (html.match(/<svg /g) ?? []).length;
}

/** Every value of the tidy CSV is a cell of the report, as the same text (booleans excepted: the wide CSV writes true/false). */
export function assertHoldsCsv(html: string, csv: string, booleans: readonly string[] = []): number {
  const [header, ...rows] = parseCsv(csv);
  const metric = header!.indexOf('metric');
  const value = header!.indexOf('value');
  const texts = cellTexts(html);
  let checked = 0;
  for (const r of rows) {
    if (r[value] === '' || booleans.includes(r[metric]!)) continue;
    assert.ok(texts.has(r[value]!), `${r.join(',')}: the value ${r[value]} is not in the report`);
    checked++;
  }
  return checked;
}
