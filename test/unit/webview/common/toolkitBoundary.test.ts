// The rule of docs/architecture.md "Webview controls": only webview/common/toolkit.ts imports the
// component library or names its tags, and no panel makes a native control the toolkit has, so a
// move to another library changes that one file.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '..', '..', '..', '..');
const webview = join(root, 'webview');
const TOOLKIT = 'webview/common/toolkit.ts';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? sources(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : [],
  );
}

/** What a webview file other than toolkit.ts must not contain, with the reason. */
const FORBIDDEN: [RegExp, string][] = [
  [/from\s+['"]@vscode\/webview-ui-toolkit['"]|import\(\s*['"]@vscode\/webview-ui-toolkit/, 'imports the toolkit'],
  [/from\s+['"]@vscode-elements\//, 'imports a component library'],
  [
    /['"`]vscode-(?:button|checkbox|data-grid[a-z-]*|divider|dropdown|option|panels|panel-tab|panel-view|radio|radio-group|text-field|text-area|link|badge|tag|progress-ring)\b/,
    'names a toolkit tag',
  ],
  [/\bh\(\s*['"](?:select|option|input|textarea|button)['"]/, 'makes a native control'],
  [/createElement\(\s*['"](?:select|option|input|textarea|button|vscode-[a-z-]+)['"]/, 'makes a control with createElement'],
];

/**
 * The offences in one file's text: "line: reason". A native control the toolkit's would not serve
 * (say, a menu item) is allowed where the line before it says why in a `// native control: …` comment.
 */
function offences(text: string): string[] {
  const out: string[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (i > 0 && /\/\/ native control: \S/.test(lines[i - 1]!)) return;
    for (const [re, why] of FORBIDDEN) if (re.test(line)) out.push(`${i + 1}: ${why}: ${line.trim()}`);
  });
  return out;
}

test('the rule catches each kind of offence and lets theme class names through', () => {
  for (const bad of [
    "import { vsCodeButton } from '@vscode/webview-ui-toolkit';",
    "const b = h('vscode-button', {}, 'Go');",
    "const s = h('select', { 'data-testid': 'x' });",
    "const i = h('input', { type: 'range' });",
    "const b = h('button', { type: 'button' }, 'Go');",
    "document.createElement('vscode-text-field')",
  ])
    assert.ok(offences(bad).length > 0, bad);
  assert.deepEqual(offences("if (c.contains('vscode-high-contrast')) return 'high-contrast';"), []);
  assert.deepEqual(offences("const b = button({ testid: 'go' }, 'Go');"), []);
  assert.deepEqual(offences("// native control: a menu item, not a button\nh('button', { role: 'menuitem' }, 'PNG');"), []);
  assert.equal(offences("// a menu item\nh('button', { role: 'menuitem' }, 'PNG');").length, 1);
});

test('only webview/common/toolkit.ts imports the toolkit, names its tags or makes controls', () => {
  const found = sources(webview)
    .map((f) => relative(root, f).split('\\').join('/'))
    .filter((f) => f !== TOOLKIT)
    .flatMap((f) => offences(readFileSync(join(root, f), 'utf8')).map((o) => `${f}:${o}`));
  assert.deepEqual(found, []);
});

test('toolkit.ts itself is where the toolkit is imported', () => {
  assert.match(readFileSync(join(root, TOOLKIT), 'utf8'), /from '@vscode\/webview-ui-toolkit'/);
});
