/**
 * Loads a panel's page again when it never says it is ready. Right after a window reload, VS Code
 * for the web (code-server, Codespaces) sometimes restores a webview whose page never runs: the tab
 * is there, its frame is empty and no message ever arrives (its scripts are served by a service
 * worker that is still starting). A visible page that has not posted 'ready' within `delayMs` has
 * its HTML set again (a fresh nonce makes it a new document), at most `attempts` times.
 *
 * A webview's page is re-created each time a hidden panel becomes visible again, so "ready" is
 * per showing: becoming visible after being hidden starts a new wait.
 */

export interface PageLoadWatchdogOptions {
  /** Whether the panel is visible now. */
  visible(): boolean;
  /** Sets the panel's HTML again. */
  reload(): void;
  /** Told once per reload (and when it gives up). */
  log(message: string): void;
  delayMs?: number;
  attempts?: number;
  /** Injected in tests. */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export class PageLoadWatchdog {
  private ready = false;
  private wasVisible: boolean;
  private timer: unknown;
  private reloads = 0;
  private disposed = false;
  private readonly delayMs: number;
  private readonly attempts: number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;

  constructor(private readonly o: PageLoadWatchdogOptions) {
    this.delayMs = o.delayMs ?? 5000;
    this.attempts = o.attempts ?? 3;
    this.setTimer = o.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = o.clearTimer ?? ((h) => clearTimeout(h as NodeJS.Timeout));
    this.wasVisible = o.visible();
    this.arm();
  }

  /** The page posted 'ready'. */
  pageReady(): void {
    this.ready = true;
    this.reloads = 0;
    this.stop();
  }

  /** The panel's visibility may have changed (onDidChangeViewState). */
  viewStateChanged(): void {
    const visible = this.o.visible();
    if (visible && !this.wasVisible) this.ready = false;
    this.wasVisible = visible;
    if (visible) this.arm();
    else this.stop();
  }

  dispose(): void {
    this.disposed = true;
    this.stop();
  }

  private arm(): void {
    if (this.disposed || this.ready || this.timer !== undefined || !this.o.visible()) return;
    this.timer = this.setTimer(() => this.expired(), this.delayMs);
  }

  private expired(): void {
    this.timer = undefined;
    if (this.disposed || this.ready || !this.o.visible()) return;
    if (this.reloads >= this.attempts) {
      this.o.log(`the page did not load after ${this.attempts} attempts; close and reopen the panel`);
      return;
    }
    this.reloads++;
    this.o.log(`the page did not load within ${this.delayMs / 1000} s; loading it again (attempt ${this.reloads} of ${this.attempts})`);
    this.o.reload();
    this.arm();
  }

  private stop(): void {
    if (this.timer !== undefined) this.clearTimer(this.timer);
    this.timer = undefined;
  }
}
