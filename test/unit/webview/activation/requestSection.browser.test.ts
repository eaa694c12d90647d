// The request-section scaffolding of the activation panel (webview/activation/requestSection.ts),
// in headless Chromium with a stand-in panel whose requests the test answers: the section's DOM
// (heading, note, controls then the status line, result area, test ids), the status line and the
// disabled controls while a request runs and after each kind of reply (result, cancelled, failed),
// the host's replayed reply drawn, and a theme switch redrawing the last result.
// Chromium as found by ../browserPage.ts; without one, the test is skipped.
import test from 'node:test';
import assert from 'node:assert/strict';
import { harnessPage, NO_CHROMIUM } from '../browserPage';

const HARNESS = `
import { mountRequestSection } from './requestSection';
const w = window as unknown as Record<string, any>;
w.sent = [];
w.pending = [];
w.replay = {};
w.draws = [];
const panel = {
  request: (name: string, payload: unknown) =>
    new Promise((resolve, reject) => {
      w.sent.push({ name, payload });
      w.pending.push({ resolve, reject });
    }),
  notify: () => {},
  redraw: () => {},
  onReplayedReply: (name: string, handler: (data: unknown) => void) => (w.replay[name] = handler),
};
const field = document.createElement('input');
const go = document.createElement('button');
const section = mountRequestSection<{ n: number }>({
  panel,
  request: 'demo',
  testid: 'demo',
  title: 'Demo',
  note: 'A note.',
  controls: [field, go],
  busy: [go],
  draw: (body, result, theme) => {
    w.draws.push({ n: result.n, kind: theme.kind });
    body.textContent = 'result ' + result.n;
  },
});
w.run = (payload: unknown, running: string) => section.run(payload, running);
w.state = () => ({
  status: document.querySelector('[data-testid="demo-status"]')!.textContent,
  body: document.querySelector('[data-testid="demo-result"]')!.textContent,
  goDisabled: go.disabled,
  fieldDisabled: field.disabled,
  draws: w.draws.slice(),
});
`;

type State = { status: string; body: string; goDisabled: boolean; fieldDisabled: boolean; draws: Array<{ n: number; kind: string }> };
type Win = {
  run(payload: unknown, running: string): void;
  state(): State;
  sent: Array<{ name: string; payload: unknown }>;
  pending: Array<{ resolve(v: unknown): void; reject(e: unknown): void }>;
  replay: Record<string, (data: unknown) => void>;
};

test('request section in Chromium', { skip: NO_CHROMIUM, timeout: 30_000 }, async (t) => {
  const page = await harnessPage(t, HARNESS, { resolveDir: 'webview/activation', bodyClass: 'vscode-dark' });
  const state = () => page.evaluate(() => (window as unknown as Win).state());
  const settle = () => page.evaluate(() => new Promise((r) => setTimeout(r, 0)));

  await t.test('heading, note, the controls then the status line, and an empty result area', async () => {
    const section = page.locator('section[data-testid="demo"]');
    assert.equal(await section.getAttribute('class'), 'll-results');
    assert.deepEqual(
      await section.evaluate((s) =>
        Array.from(s.children, (c) => `${c.tagName} ${c.getAttribute('class') ?? ''} ${c.getAttribute('data-testid') ?? ''}`.trim()),
      ),
      ['H2', 'P ll-activation-note', 'DIV ll-row ll-activation-row', 'DIV  demo-result'],
    );
    assert.equal(await section.locator('h2').textContent(), 'Demo');
    assert.equal(await section.locator('p').textContent(), 'A note.');
    assert.deepEqual(
      await section
        .locator('.ll-row')
        .evaluate((r) => Array.from(r.children, (c) => c.tagName + (c.getAttribute('data-testid') ? ` ${c.getAttribute('data-testid')}` : ''))),
      ['INPUT', 'BUTTON', 'SPAN demo-status'],
    );
    assert.deepEqual(await state(), { status: '', body: '', goDisabled: false, fieldDisabled: false, draws: [] });
  });

  await t.test('a run: the request sent, busy controls disabled and the running text shown; the reply drawn with the theme', async () => {
    await page.evaluate(() => (window as unknown as Win).run({ a: 1 }, 'Running…'));
    assert.deepEqual(await page.evaluate(() => (window as unknown as Win).sent), [{ name: 'demo', payload: { a: 1 } }]);
    assert.deepEqual(await state(), { status: 'Running…', body: '', goDisabled: true, fieldDisabled: false, draws: [] });
    await page.evaluate(() => (window as unknown as Win).pending[0].resolve({ n: 1 }));
    await settle();
    assert.deepEqual(await state(), { status: '', body: 'result 1', goDisabled: false, fieldDisabled: false, draws: [{ n: 1, kind: 'dark' }] });
  });

  await t.test('a cancelled run keeps the last result; a failed one says why', async () => {
    await page.evaluate(() => (window as unknown as Win).run({}, 'Running…'));
    await page.evaluate(() => (window as unknown as Win).pending[1].resolve(null));
    await settle();
    let s = await state();
    assert.equal(s.status, 'Cancelled.');
    assert.equal(s.body, 'result 1');
    assert.equal(s.goDisabled, false);
    await page.evaluate(() => (window as unknown as Win).run({}, 'Running…'));
    await page.evaluate(() => (window as unknown as Win).pending[2].reject(new Error('no tokenizer')));
    await settle();
    s = await state();
    assert.equal(s.status, 'Failed: no tokenizer');
    assert.equal(s.body, 'result 1');
    assert.equal(s.goDisabled, false);
    assert.equal(s.draws.length, 1);
  });

  await t.test("the host's replayed reply is drawn; a theme switch redraws the last result", async () => {
    await page.evaluate(() => (window as unknown as Win).replay.demo({ n: 2 }));
    assert.equal((await state()).body, 'result 2');
    await page.evaluate(() => document.body.setAttribute('class', 'vscode-light'));
    await settle();
    assert.deepEqual((await state()).draws, [
      { n: 1, kind: 'dark' },
      { n: 2, kind: 'dark' },
      { n: 2, kind: 'light' },
    ]);
  });
});
