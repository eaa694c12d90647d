// Webview security: the exact CSP string and webview options every Layer Lens page gets
// (src/extension/panels/csp.ts), a source scan proving every webview the extension creates uses
// them and validates every incoming message before use, and a fuzz of the message validators
// (src/protocol/panel.ts): any value a page can post is either refused or reduced to a well-typed message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseAnalysisMessage, parseModelEditorMessage } from '../../../../src/protocol/panel';
import { contentSecurityPolicy, newNonce, webviewOptionsFor } from '../../../../src/extension/panels/csp';
import { REPO_ROOT } from '../../../paths';

const SOURCE = 'https://file+.vscode-resource.vscode-cdn.net';

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .map(([name, ...values]) => [name, values]),
  );
}

test('the CSP loads nothing remote and runs only scripts with the page nonce', () => {
  const nonce = newNonce();
  const d = directives(contentSecurityPolicy(SOURCE, nonce));
  assert.deepEqual(d.get('default-src'), ["'none'"]);
  assert.deepEqual(d.get('script-src'), [`'nonce-${nonce}'`]);
  assert.deepEqual(d.get('style-src'), [SOURCE, `'nonce-${nonce}'`]);
  assert.deepEqual(d.get('img-src'), [SOURCE, 'data:', 'blob:']);
  assert.deepEqual(d.get('font-src'), [SOURCE]);
  for (const name of ['connect-src', 'frame-src', 'form-action', 'base-uri']) assert.deepEqual(d.get(name), ["'none'"], name);
  // Every source is the webview's own origin, the nonce, 'none', or data:/blob: for images.
  for (const [name, values] of d) {
    for (const v of values) {
      const allowed = v === SOURCE || v === `'nonce-${nonce}'` || v === "'none'" || (name === 'img-src' && (v === 'data:' || v === 'blob:'));
      assert.ok(allowed, `${name} allows ${v}`);
    }
  }
  assert.doesNotMatch(contentSecurityPolicy(SOURCE, nonce), /unsafe-|\*|http:|'self'/);
  assert.throws(() => contentSecurityPolicy(SOURCE, "x' 'unsafe-inline"), /base64/);
});

test('nonces are fresh and unguessable: 1000 draws, all distinct, 144 bits each', () => {
  const seen = new Set(Array.from({ length: 1000 }, newNonce));
  assert.equal(seen.size, 1000);
  for (const n of seen) assert.equal(Buffer.from(n, 'base64').length, 18);
});

test('webview options: the only local resource root is the media folder; command links are off', () => {
  const media = { fsPath: '/ext/media' };
  const o = webviewOptionsFor(media);
  assert.deepEqual(o.localResourceRoots, [media]);
  assert.equal(o.localResourceRoots[0], media);
  assert.equal(o.enableCommandUris, false);
  assert.equal(o.enableScripts, true);
});

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : n.endsWith('.ts') ? [p] : [];
  });
}
const extensionSources = sources(join(REPO_ROOT, 'src/extension')).map((file) => ({ file, text: readFileSync(file, 'utf8') }));

test('every webview the extension creates uses the shared options, CSP shell and media root', () => {
  let panels = 0;
  for (const { file, text } of extensionSources) {
    for (const m of text.matchAll(/createWebviewPanel\(([\s\S]*?)\);/g)) {
      panels++;
      assert.match(m[1], /webviewOptions\(ctx\.mediaRoot\)/, `${file}: createWebviewPanel without webviewOptions(ctx.mediaRoot)`);
    }
    for (const m of text.matchAll(/webview\.options\s*=\s*([^;]+);/g))
      assert.match(m[1], /^webviewOptions\(ctx\.mediaRoot\)$/, `${file}: webview.options = ${m[1]}`);
    for (const m of text.matchAll(/webview\.html\s*=\s*([^;]+);/g)) {
      // Either the CSP shell, or a static page with no script at all (scripts are off by default).
      const ok = /^renderWebviewHtml\(/.test(m[1]) || (/^`[^$]*`$|^`[\s\S]*\$\{document\.uri\.scheme\}[\s\S]*`$/.test(m[1].trim()) && !/<script/i.test(m[1]));
      assert.ok(ok, `${file}: webview.html = ${m[1].slice(0, 80)}`);
    }
    assert.doesNotMatch(text, /enableCommandUris:\s*true|localResourceRoots:\s*\[(?!mediaRoot\])/, file);
  }
  assert.ok(panels >= 2, `found ${panels} createWebviewPanel calls`);
  const context = extensionSources.find((s) => s.file.endsWith(join('extension', 'context.ts')))!.text;
  assert.match(context, /get mediaRoot\(\): vscode\.Uri \{\s*return vscode\.Uri\.joinPath\([^)]*extensionUri, 'media'\)/);
});

test('every message from a webview goes through a validator before it is used', () => {
  let receivers = 0;
  for (const { file, text } of extensionSources) {
    for (const m of text.matchAll(/onDidReceiveMessage\(\(raw: unknown\) => ([\s\S]{0,200})/g)) {
      receivers++;
      const body = m[1];
      const direct = /parse\w+Message\(raw\)/.test(body);
      const viaMethod = /this\.(\w+)\(raw\)/.exec(body);
      const ok =
        direct || (viaMethod !== null && new RegExp(`private ${viaMethod[1]}\\(raw: unknown\\)[^{]*\\{\\s*const msg = parse\\w+Message\\(raw\\)`).test(text));
      assert.ok(ok, `${file}: a webview message handler does not validate first: ${body.slice(0, 120)}`);
    }
    assert.doesNotMatch(text, /onDidReceiveMessage\(\((?!raw: unknown)/, `${file}: a message handler that does not take the message as unknown`);
  }
  assert.ok(receivers >= 2, `found ${receivers} message handlers`);
});

const anyMessage = fc.oneof(
  fc.anything(),
  fc.record(
    {
      type: fc.constantFrom(
        'ready',
        'selectTensor',
        'cancelStats',
        'depthStats',
        'cancelDepth',
        'reload',
        'trust',
        'exportImage',
        'exportStats',
        'run',
        'cancel',
        'exportData',
        'request',
        'open',
        '__proto__',
      ),
      tensor: fc.oneof(fc.string(), fc.anything()),
      bins: fc.oneof(fc.integer(), fc.double(), fc.anything()),
      format: fc.oneof(fc.constantFrom('png', 'svg', 'csv', 'json', 'exe'), fc.anything()),
      data: fc.oneof(fc.constantFrom('iVBORw0KGgo=', '<svg/>', 'javascript:alert(1)'), fc.string()),
      name: fc.oneof(fc.string({ maxLength: 2000 }), fc.anything()),
      requestId: fc.oneof(fc.integer(), fc.double(), fc.anything()),
      path: fc.constantFrom('/etc/passwd', '../../x'),
    },
    { requiredKeys: ['type'] },
  ),
);

test('fuzzed webview messages (3000) are refused or reduced to exactly the fields of their type', () => {
  const fields: Record<string, string[]> = {
    ready: [],
    cancelStats: [],
    depthStats: [],
    cancelDepth: [],
    reload: [],
    trust: [],
    cancel: [],
    selectTensor: ['tensor', 'bins'],
    exportImage: ['format', 'data', 'name'],
    exportStats: ['format', 'tensor'],
    run: ['options'],
    exportData: ['format'],
    request: ['requestId', 'name', 'payload'],
  };
  fc.assert(
    fc.property(anyMessage, (raw) => {
      for (const parse of [parseModelEditorMessage, parseAnalysisMessage]) {
        const msg = parse(raw) as Record<string, unknown> | undefined;
        if (msg === undefined) continue;
        const keys = Object.keys(msg).filter((k) => k !== 'type' && msg[k] !== undefined);
        for (const k of keys) assert.ok(fields[msg.type as string]?.includes(k), `${String(msg.type)} kept field ${k}`);
        // No message type carries a file path: the host never reads a path a webview names.
        assert.ok(!('path' in msg));
        if ('tensor' in msg) assert.ok(typeof msg.tensor === 'string' && msg.tensor.length > 0 && msg.tensor.length <= 1024);
        if ('bins' in msg && msg.bins !== undefined) assert.ok(Number.isInteger(msg.bins) && (msg.bins as number) >= 1 && (msg.bins as number) <= 4096);
        if ('format' in msg) assert.ok(['png', 'svg', 'csv', 'json'].includes(msg.format as string));
        if ('requestId' in msg) assert.ok(Number.isSafeInteger(msg.requestId) && (msg.requestId as number) >= 0);
        assert.deepEqual(parse(msg), msg, 'parsing is idempotent');
      }
    }),
    { seed: 20240611, numRuns: 3000 },
  );
});
