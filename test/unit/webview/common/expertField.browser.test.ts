// The Expert field of the similarity, correlations and diff panels in headless Chromium: each
// panel's real bundle gets the host's `init` (src/protocol/panel.ts); the field is absent for a
// dense model, present for a mixture-of-experts one, present when the options name an expert, and
// appears when the model's structure arrives after `init` (the `modelInfo` message).
// Chromium as found by ../browserPage.ts; without one, the test is skipped.
import test from 'node:test';
import assert from 'node:assert/strict';
import { harnessPage, NO_CHROMIUM } from '../browserPage';

const PANELS = [
  { panel: 'similarity', options: { kind: 'up' }, withExpert: { kind: 'up', expert: 2 } },
  { panel: 'correlations', options: {}, withExpert: { expert: 'shared' } },
  { panel: 'diff', options: {}, withExpert: { expert: 'all' } },
] as const;

const harness = (panel: string) => `
const w = window as unknown as Record<string, any>;
w.posted = [];
w.acquireVsCodeApi = () => ({ postMessage: (m: unknown) => w.posted.push(m), getState: () => undefined, setState: () => undefined });
const root = document.createElement('div');
root.id = 'root';
document.body.append(root);
import('../${panel}/main');
`;

for (const p of PANELS) {
  test(`${p.panel} panel: the Expert field only for mixture-of-experts models`, { skip: NO_CHROMIUM, timeout: 30_000 }, async (t) => {
    const page = await harnessPage(t, harness(p.panel), { resolveDir: 'webview/common', bodyClass: 'vscode-dark' });
    await page.waitForFunction(() => (window as unknown as { posted: { type: string }[] }).posted.some((m) => m.type === 'ready'));
    const field = page.locator(`[data-testid="${p.panel}-expert"]`);
    const send = async (msg: unknown) => {
      await page.evaluate((m) => window.postMessage(m, '*'), msg);
      // The page handles a message in a task of its own; wait for it.
      await page.evaluate(() => new Promise((r) => setTimeout(r, 50)));
    };
    const init = (options: unknown, modelInfo?: { moe: boolean }) => ({
      type: 'init',
      panel: p.panel,
      title: p.panel,
      model: 'm',
      options,
      ...(modelInfo ? { modelInfo } : {}),
    });

    await send(init(p.options, { moe: false }));
    assert.equal(await field.count(), 0, 'dense model: no Expert field');
    await send(init(p.options, { moe: true }));
    assert.equal(await field.count(), 1, 'MoE model: the Expert field');
    await send(init(p.withExpert, { moe: false }));
    assert.equal(await field.count(), 1, 'options that name an expert keep the field');
    // Structure not known at init: the field stays; a dense answer afterwards removes it, a MoE one brings it back.
    await send({ type: 'init', panel: p.panel, title: p.panel, model: 'm', options: p.options });
    assert.equal(await field.count(), 1);
    await send({ type: 'modelInfo', modelInfo: { moe: false } });
    assert.equal(await field.count(), 0);
    await send({ type: 'modelInfo', modelInfo: { moe: true } });
    assert.equal(await field.count(), 1);
  });
}
