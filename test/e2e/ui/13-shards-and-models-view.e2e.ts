// Where models live: a click on one shard of a four-shard checkpoint shows the
// whole model (4 layers, 4 files, and a note naming the shard); the Explorer's Models view lists the
// workspace's model folder and a model in the Hugging Face cache (built here the way huggingface_hub
// lays it out: blobs named by hash, a snapshot of relative symlinks, refs/main), and a click on the
// cached model opens it. The cache is the one the extension host sees: code-server runs with
// XDG_CACHE_HOME in the e2e profile (scripts/vscode-host.mjs), so huggingface_hub's default is
// <profile>/xdg-cache/huggingface/hub unless HF_HUB_CACHE / HUGGINGFACE_HUB_CACHE / HF_HOME is set.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { hubCacheDir } from '../../../src/analysis/model/hfCache';
import { writeFixtureModel } from '../../fixtures/makeModel';
import { STORIES_260K, repoRoot, uiCase } from '../lib/uiCase';
import { waitFor } from '../lib/workbench';

const REVISION = 'e2e0000000000000000000000000000000000020';
const REPO_ID = 'layer-lens-e2e/stories260K';

/** The cache the extension host lists, or undefined when the environment points it at a real cache. */
function e2eHubCache(): string | undefined {
  if (process.env.HF_HUB_CACHE || process.env.HUGGINGFACE_HUB_CACHE || process.env.HF_HOME) return undefined;
  return hubCacheDir({ XDG_CACHE_HOME: join(repoRoot, '.cache', 'e2e', 'profile', 'xdg-cache') });
}

function writeCachedStories(hub: string): string {
  const repo = join(hub, `models--${REPO_ID.replace('/', '--')}`);
  rmSync(repo, { recursive: true, force: true });
  const snapshot = join(repo, 'snapshots', REVISION);
  mkdirSync(snapshot, { recursive: true });
  mkdirSync(join(repo, 'blobs'), { recursive: true });
  mkdirSync(join(repo, 'refs'), { recursive: true });
  for (const name of ['config.json', 'model.safetensors']) {
    const bytes = new Uint8Array(readFileSync(join(STORIES_260K, name)));
    const blob = join(repo, 'blobs', createHash('sha256').update(bytes).digest('hex'));
    writeFileSync(blob, bytes);
    symlinkSync(relative(snapshot, blob), join(snapshot, name));
  }
  writeFileSync(join(repo, 'refs', 'main'), REVISION);
  return repo;
}

export default uiCase({
  title: 'a shard opens as the whole model; the Models view lists workspace and cached models and opens one',
  timeoutMs: 180_000,
  setup: async (ws) => {
    await writeFixtureModel(ws.path('sharded'), { arch: 'llama', layers: 4, shards: 4, seed: 20 });
    const hub = e2eHubCache();
    if (hub) writeCachedStories(hub);
  },
  run: async (wb) => {
    // 1. One shard, clicked in the Explorer.
    await wb.openFromExplorer('sharded/model-00002-of-00004.safetensors');
    await wb.waitForTab('model-00002-of-00004.safetensors');
    const editor = await wb.webview('.me-facts', 45_000);
    const facts = (await editor.locator('.me-facts').innerText()).replace(/\s+/g, ' ');
    for (const fact of ['4 layers', '4 files']) if (!facts.includes(fact)) throw new Error(`the shard's overview says "${facts}", expected "${fact}"`);
    const notes = await editor.locator('.me-notes li').allInnerTexts();
    if (!notes.some((n) => n.includes('shard 2 of 4: showing the whole model from model.safetensors.index.json')))
      throw new Error(`no note naming the shard; notes: ${notes.join(' | ')}`);
    await wb.screenshot('shard-whole-model');

    // 2. The Models view.
    const page = wb.page;
    const header = page.locator('.pane-header').filter({ hasText: /^Models$/i });
    await header.first().waitFor({ timeout: 20_000 });
    if ((await header.first().getAttribute('aria-expanded')) === 'false') await header.first().click();
    const pane = page.locator('.pane').filter({ has: header });
    const row = (label: string) => pane.locator('.monaco-list-row').filter({ hasText: label }).first();
    await waitFor('the Models view to list the workspace model folder', async () => (await row('sharded').count()) > 0, 30_000);
    await wb.screenshot('models-view');
    const hub = e2eHubCache();
    if (!hub) {
      console.log('  HF_HUB_CACHE, HUGGINGFACE_HUB_CACHE or HF_HOME is set: the cached-model half of this case is skipped');
      return;
    }
    await waitFor(`the Models view to list ${REPO_ID}`, async () => (await row(REPO_ID).count()) > 0, 30_000);
    await row(REPO_ID).click();
    const title = `${REPO_ID} @ ${REVISION.slice(0, 7)}`;
    await wb.waitForTab(title);
    const cached = await waitFor(
      'the cached model to open',
      async () => {
        const frame = await wb.webview('.me-facts', 2_000).catch(() => undefined);
        if (!frame) return undefined;
        const text = (await frame.locator('.me-header').innerText()).replace(/\s+/g, ' ');
        return text.includes(title) ? text : undefined;
      },
      45_000,
    );
    if (!cached.includes('5 layers') || !cached.toLowerCase().includes('llama'))
      throw new Error(`the cached stories260K shows "${cached}", expected llama with 5 layers`);
    await wb.screenshot('cached-model-open');
  },
});
