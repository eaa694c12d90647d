// Drives the VS Code workbench (code-server in Chromium) the way a user does: command palette,
// explorer clicks and context menus, editor tabs, notifications, and the extension's webviews.
// Every step that waits polls with a deadline and says what it was waiting for when it gives up.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';

export interface WorkbenchOptions {
  /** Folder screenshots of this case go to (test-results/e2e/<case>/). */
  shotsDir: string;
  /** The folder the workbench has open (the case's workspace). */
  workspace: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value other than undefined/false, or throws `what` at the deadline. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as T;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message.split('\n')[0]})` : '';
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${why}`);
    }
    await sleep(everyMs);
  }
}

export class Workbench {
  private shotIndex = 0;

  constructor(
    readonly page: Page,
    readonly options: WorkbenchOptions,
  ) {
    mkdirSync(options.shotsDir, { recursive: true });
  }

  /**
   * Loads the workbench URL and waits until the explorer shows the workspace folder and Layer
   * Lens's contributions are registered. Until then a click on a .safetensors file opens VS Code's
   * binary-file notice instead of the model editor (the custom editor is not known yet).
   */
  async open(url: string, readyCommand = 'Layer Lens: Open Model Folder'): Promise<void> {
    await this.page.goto(url);
    await this.page.locator('.monaco-workbench').waitFor({ timeout: 45_000 });
    await this.page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 45_000 });
    if (readyCommand) {
      await this.waitForCommand(readyCommand);
      await this.closePalette();
    }
  }

  /** Saves a numbered full-window screenshot under test-results/e2e/<case>/. */
  /**
   * Saves a screenshot of the whole page under the case's results folder. `docsImage` names the
   * picture of docs/images/ this shot is (README and docs show real runs): it is written there
   * only when LAYER_LENS_DOCS_IMAGES is set (`npm run docs:images`), so test runs leave the
   * working tree alone.
   */
  async screenshot(step: string, { docsImage }: { docsImage?: string } = {}): Promise<string> {
    this.shotIndex += 1;
    const file = join(this.options.shotsDir, `${String(this.shotIndex).padStart(2, '0')}-${step.replace(/[^a-z0-9-]+/gi, '-')}.png`);
    await this.page.screenshot({ path: file });
    if (docsImage && process.env.LAYER_LENS_DOCS_IMAGES) {
      const docsDir = join(__dirname, '..', '..', '..', 'docs', 'images');
      mkdirSync(docsDir, { recursive: true });
      copyFileSync(file, join(docsDir, `${docsImage}.png`));
    }
    return file;
  }

  // ---- command palette ----

  private palette(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  private async openPalette(query: string): Promise<void> {
    const input = this.palette().locator('.quick-input-box input');
    if (!(await input.isVisible())) {
      await this.page.keyboard.press('F1');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
    }
    // Short: an editor that opens meanwhile (a file in the startup URL) takes the focus and closes
    // the palette; the callers' retry loops then open it again instead of waiting out their whole
    // deadline in this one fill (Playwright's default action timeout is theirs, 30 s).
    await input.fill(`>${query}`, { timeout: 3_000 });
  }

  async closePalette(): Promise<void> {
    if (await this.palette().isVisible()) await this.page.keyboard.press('Escape');
  }

  /** The palette row whose label is exactly `title` (e.g. "Layer Lens: Open Model Folder"). */
  private paletteRow(title: string): Locator {
    return this.palette()
      .locator('.quick-input-list .monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: paletteLabel(title) }) });
  }

  /**
   * Waits until `title` is listed in the command palette. Commands appear a few seconds after the
   * workbench (extensions register late), so this re-queries until the deadline.
   */
  async waitForCommand(title: string, timeoutMs = 30_000): Promise<Locator> {
    return waitFor(
      `command "${title}" in the command palette`,
      async () => {
        await this.openPalette(title);
        const row = this.paletteRow(title);
        try {
          await row.first().waitFor({ state: 'visible', timeout: 1500 });
          return row.first();
        } catch {
          await this.openPalette(''); // re-typing makes the palette query the registry again
          return undefined;
        }
      },
      timeoutMs,
      300,
    );
  }

  /** Clicks the quick-pick row whose label is exactly `label` (e.g. a matrix kind "up"), once it is listed. */
  async pickQuickPickItem(label: string, timeoutMs = 20_000): Promise<void> {
    const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const row = this.page
      .locator('.quick-input-widget .quick-input-list .monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: new RegExp(`^\\s*${escaped}\\s*$`) }) });
    await row.first().waitFor({ timeout: timeoutMs });
    await row.first().click();
  }

  /** Runs a command by its palette title. */
  async runCommand(title: string, timeoutMs = 30_000): Promise<void> {
    const row = await this.waitForCommand(title, timeoutMs);
    await row.click();
    await this.palette()
      .waitFor({ state: 'hidden', timeout: 5_000 })
      .catch(() => undefined);
  }

  // ---- explorer ----

  /** The explorer row of a workspace-relative path (its last segment), parents not expanded. */
  explorerRow(relPath: string): Locator {
    const name = relPath.split('/').filter(Boolean).pop() ?? relPath;
    return this.page.locator('.explorer-folders-view .monaco-list-row[role="treeitem"]').filter({
      has: this.page.locator('.label-name', { hasText: exactText(name) }),
    });
  }

  /** Expands every folder on the way to `relPath` and returns its row. */
  async revealInExplorer(relPath: string): Promise<Locator> {
    const segments = relPath.split('/').filter(Boolean);
    for (let i = 0; i < segments.length; i += 1) {
      const partial = segments.slice(0, i + 1).join('/');
      const row = this.explorerRow(partial).first();
      await row.waitFor({ state: 'visible', timeout: 15_000 }).catch(() => {
        throw new Error(`explorer shows no "${segments[i]}" (looking for ${relPath})`);
      });
      if (i < segments.length - 1 && (await row.getAttribute('aria-expanded')) === 'false') {
        await row.click();
        await waitFor(`explorer folder ${partial} to expand`, async () => (await row.getAttribute('aria-expanded')) === 'true', 5_000);
      }
    }
    return this.explorerRow(relPath).first();
  }

  /** Opens a workspace file the way a user does: a click in the explorer. */
  async openFromExplorer(relPath: string): Promise<void> {
    const row = await this.revealInExplorer(relPath);
    await row.click();
  }

  /**
   * Right-clicks a file or folder in the explorer and picks `item` from its context menu. A menu
   * shows the contributions known when it opens, so a missing item is retried for a few seconds.
   */
  /**
   * "Developer: Reload Window", waiting until the reloaded workbench is there: a locator used while
   * the page navigates fails with "Execution context was destroyed".
   */
  async reloadWindow(timeoutMs = 60_000): Promise<void> {
    const navigated = this.page.waitForEvent('framenavigated', { predicate: (f) => f === this.page.mainFrame(), timeout: timeoutMs });
    await this.runCommand('Developer: Reload Window');
    await navigated;
    await this.page.waitForLoadState('domcontentloaded', { timeout: timeoutMs });
    await this.page.locator('.monaco-workbench').first().waitFor({ state: 'visible', timeout: timeoutMs });
  }

  async explorerContextMenu(relPath: string, item: string, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const row = await this.revealInExplorer(relPath);
      await row.click({ button: 'right' });
      try {
        await this.contextMenuItem(item);
        return;
      } catch (err) {
        if (Date.now() > deadline || !(err instanceof MissingMenuItem)) throw err;
        await sleep(500);
      }
    }
  }

  /**
   * Selects the whole text of the active editor and picks `item` from the editor's context menu.
   * The right click lands on the selected text itself (a right click outside the selection moves
   * the cursor and clears it, which hides selection-only items), and is retried for a few seconds:
   * the selection and the extension's menu contributions reach the menu asynchronously.
   */
  async editorSelectAllContextMenu(item: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const editor = this.page.locator('.editor-group-container.active .monaco-editor').first();
      await editor.locator('.view-lines').first().click();
      await this.page.keyboard.press('Control+A');
      const selected = editor.locator('.selected-text').first();
      try {
        await selected.waitFor({ state: 'visible', timeout: 2_000 });
        const box = await selected.boundingBox();
        if (!box) throw new MissingMenuItem('the selection has no box yet');
        await this.page.mouse.click(box.x + Math.min(10, box.width / 2), box.y + box.height / 2, { button: 'right' });
        await this.contextMenuItem(item);
        return;
      } catch (err) {
        const retriable = err instanceof MissingMenuItem || (err instanceof Error && err.name === 'TimeoutError');
        if (Date.now() > deadline || !retriable) throw err;
        await this.page.keyboard.press('Escape');
        await sleep(500);
      }
    }
  }

  /** Clicks `item` in the open context menu (VS Code draws its menus in a shadow root). */
  async contextMenuItem(item: string): Promise<void> {
    const menu = this.page.locator('.context-view .monaco-menu');
    await menu.first().waitFor({ state: 'visible', timeout: 5_000 });
    const entry = menu.locator('.action-item:not(.disabled) .action-label', { hasText: exactText(item) }).first();
    // The analyses sit in the extension's "Layer Lens" submenu: open it when the item is not at the top.
    const submenu = menu.locator('.action-item .action-label', { hasText: exactText('Layer Lens') }).first();
    if (!(await entry.count()) && (await submenu.count())) {
      await submenu.hover();
      await this.page.keyboard.press('ArrowRight');
      await entry.waitFor({ state: 'visible', timeout: 2_000 }).catch(() => undefined);
    }
    if (!(await entry.count())) {
      const labels = (await menu.locator('.action-label').allTextContents()).filter(Boolean);
      await this.page.keyboard.press('Escape');
      throw new MissingMenuItem(`context menu has no enabled "${item}"; it has: ${labels.join(' | ')}`);
    }
    // The menu ignores a click that comes right after it opened (the releasing right button must
    // not pick an item), so: hover (which focuses the item), click, and press Enter if it stayed open.
    await entry.hover();
    await entry.click();
    const closed = await menu
      .first()
      .waitFor({ state: 'hidden', timeout: 1_000 })
      .then(
        () => true,
        () => false,
      );
    if (!closed) {
      await this.page.keyboard.press('Enter');
      await menu.first().waitFor({ state: 'hidden', timeout: 3_000 });
    }
  }

  // ---- editors ----

  /** Titles of the open editor tabs, left to right, per group. */
  async editorTabs(): Promise<string[]> {
    return this.page.locator('.tabs-container .tab .label-name').allTextContents();
  }

  async waitForTab(title: string, timeoutMs = 15_000): Promise<void> {
    await waitFor(
      `an editor tab "${title}" (tabs: ${(await this.editorTabs()).join(', ')})`,
      async () => (await this.editorTabs()).some((t) => t.includes(title)),
      timeoutMs,
    );
  }

  // ---- webviews ----

  /** Each webview's content frame: outer `iframe.webview.ready` → inner `iframe#active-frame`. */
  private webviewFrames(): FrameLocator[] {
    return [0, 1, 2, 3, 4, 5, 6, 7].map((i) => this.page.locator('iframe.webview.ready').nth(i).contentFrame().locator('iframe#active-frame').contentFrame());
  }

  /**
   * The webview whose document contains `selector` (a custom editor and a panel beside it are two
   * webviews). Waits until one does; its error lists what each webview currently shows.
   */
  async webview(selector: string, timeoutMs = 30_000): Promise<FrameLocator> {
    return waitFor(
      `a webview containing ${selector}`,
      async () => {
        const count = await this.page.locator('iframe.webview.ready').count();
        for (const frame of this.webviewFrames().slice(0, count)) {
          if (
            (await frame
              .locator(selector)
              .count()
              .catch(() => 0)) > 0
          )
            return frame;
        }
        return undefined;
      },
      timeoutMs,
      250,
    );
  }

  /** Text of every webview body (for failure messages). */
  async webviewTexts(): Promise<string[]> {
    const count = await this.page.locator('iframe.webview.ready').count();
    const texts: string[] = [];
    for (const frame of this.webviewFrames().slice(0, count)) {
      texts.push(
        (
          (await frame
            .locator('body')
            .innerText({ timeout: 2_000 })
            .catch(() => '')) ?? ''
        ).slice(0, 400),
      );
    }
    return texts;
  }

  // ---- notifications ----

  /** Visible notification toasts whose text matches. */
  notification(text: string | RegExp): Locator {
    return this.page.locator('.notifications-toasts .notification-toast').filter({ hasText: text });
  }

  async notificationTexts(): Promise<string[]> {
    return this.page.locator('.notifications-toasts .notification-toast .notification-list-item-message').allTextContents();
  }

  /** Error messages VS Code shows as toasts (e.g. an extension command that threw). */
  async errorNotifications(): Promise<string[]> {
    return this.page.locator('.notifications-toasts .notification-toast:has(.codicon-error) .notification-list-item-message').allTextContents();
  }

  /** True while the workbench responds: the palette opens and closes. */
  async isResponsive(): Promise<boolean> {
    await this.openPalette('');
    const open = await this.palette().isVisible();
    await this.closePalette();
    return open && !(await this.palette().isVisible());
  }
}

class MissingMenuItem extends Error {}

/** Escapes a string for an exact-text RegExp match. */
export function exactText(text: string): RegExp {
  return new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
}

/** Palette rows show "Category: Title" as one label; match it exactly. */
function paletteLabel(title: string): RegExp {
  return exactText(title);
}

// Panel controls (webview/common/toolkit.ts): toolkit elements, which Playwright's selectOption,
// check and fill do not drive (they are custom elements, not <select>/<input>), and the native
// range slider. Each helper finds the control by data-testid, changes it as a user's choice does
// and sends the events the panel listens to.

/** Where a control is looked up: a webview's frame (or, in the toolkit's own tests, a page). */
export type ControlScope = Pick<FrameLocator, 'locator'>;

function control(frame: ControlScope, testid: string): Locator {
  return frame.locator(`[data-testid="${testid}"]`);
}

/** Chooses the option whose value is `value` in a dropdown, once that option is there, and sends `change`. */
export async function chooseOption(frame: ControlScope, testid: string, value: string, timeoutMs = 10_000): Promise<void> {
  const el = control(frame, testid);
  await el.waitFor({ state: 'attached', timeout: timeoutMs });
  // Until the dropdown has taken in a new option list, a write of a value it lacks is refused: retry.
  await waitFor(
    `option "${value}" of ${testid} to be chosen`,
    () =>
      el.evaluate((node, v) => {
        const c = node as HTMLElement & { value: string };
        // The options are the children (<option>s of a native select, option elements of the toolkit's).
        if (!Array.from(c.children).some((o) => (o as Element & { value?: unknown }).value === v)) return false;
        c.value = v;
        if (c.value !== v) return false;
        c.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
        c.dispatchEvent(new Event('change', { bubbles: true }));
        return true;
      }, value),
    timeoutMs,
  );
}

/** Checks or unchecks a checkbox with a click, as a user does, unless it already is in that state. */
export async function setChecked(frame: ControlScope, testid: string, checked: boolean, timeoutMs = 10_000): Promise<void> {
  const el = control(frame, testid);
  const isChecked = () => el.evaluate((node) => (node as HTMLElement & { checked: boolean }).checked === true);
  await el.waitFor({ state: 'visible', timeout: timeoutMs });
  if ((await isChecked()) !== checked) await el.click();
  await waitFor(`${testid} to be ${checked ? 'checked' : 'unchecked'}`, async () => (await isChecked()) === checked, timeoutMs);
}

/** Replaces a text or number field's text (or a slider's value) and sends `input` and `change`, as typing and Enter do. */
export async function fillField(frame: ControlScope, testid: string, text: string, timeoutMs = 10_000): Promise<void> {
  const el = control(frame, testid);
  await el.waitFor({ state: 'attached', timeout: timeoutMs });
  await el.evaluate((node, t) => {
    const f = node as HTMLElement & { value: string };
    f.value = t;
    f.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
    f.dispatchEvent(new Event('change', { bubbles: true }));
  }, text);
}

/** The value of a dropdown, text field or slider. */
export async function controlValue(frame: ControlScope, testid: string): Promise<string> {
  return control(frame, testid).evaluate((node) => String((node as HTMLElement & { value: unknown }).value));
}
