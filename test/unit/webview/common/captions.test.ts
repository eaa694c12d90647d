// Every plot a panel draws says what it shows: each renderPlot call in webview/ (read from the
// sources, outside comments) passes a figure caption, a sentence of its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '..', '..', '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** The argument text of each renderPlot( … ) call (parentheses matched, strings skipped). */
function renderPlotCalls(text: string): string[] {
  const calls: string[] = [];
  const code = text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/\/\/[^\n]*/g, '');
  for (let i = code.indexOf('renderPlot('); i >= 0; i = code.indexOf('renderPlot(', i + 1)) {
    if (/function\s+$/.test(code.slice(Math.max(0, i - 20), i))) continue;
    let depth = 0;
    let quote = '';
    let k = i + 'renderPlot'.length;
    for (; k < code.length; k++) {
      const c = code[k]!;
      if (quote) {
        if (c === '\\') k++;
        else if (c === quote) quote = '';
      } else if (c === "'" || c === '"' || c === '`') quote = c;
      else if (c === '(') depth++;
      else if (c === ')' && --depth === 0) break;
    }
    calls.push(code.slice(i, k + 1));
  }
  return calls;
}

test('every renderPlot call in the panels passes a caption', () => {
  const missing: string[] = [];
  let count = 0;
  for (const file of sources(join(root, 'webview'))) {
    for (const call of renderPlotCalls(readFileSync(file, 'utf8'))) {
      count++;
      if (!/\bcaption:\s*(['"`])\S[^]*?\1|\bcaption[,\s}]/.test(call)) missing.push(`${relative(root, file)}: ${call.slice(0, 80).replace(/\s+/g, ' ')}`);
    }
  }
  assert.ok(count >= 30, `found the plots (${count})`);
  assert.deepEqual(missing, []);
});

test('the call scanner sees a call without a caption', () => {
  assert.deepEqual(renderPlotCalls("renderPlot(a, f(b, ')'), theme); // renderPlot(x)\n/* renderPlot(y) */"), ["renderPlot(a, f(b, ')'), theme)"]);
});
