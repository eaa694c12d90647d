/**
 * The extension's long-lived state: settings, the worker client, the log, the status bar, and
 * every disposable, so that deactivation (or a reload) leaks nothing. Commands, editors and panels
 * receive this object instead of reaching for globals.
 */
import * as vscode from 'vscode';
import { enforceCacheCap } from '../analysis/cache/diskCap';
import { onConfigChange, readConfig, type LayerLensConfig } from './config';
import { PanelRecipes } from './panels/panelRecipes';
import { WorkerStatus } from './status';
import { WorkerClient } from './worker/workerClient';

export class LayerLensContext {
  readonly log: vscode.LogOutputChannel;
  readonly worker: WorkerClient;
  /** What each analysis panel needs to come back after a window reload (panels/panelRecipes.ts). */
  readonly panelRecipes: PanelRecipes;
  private currentConfig: LayerLensConfig;
  private capping: Promise<void> | undefined;
  private capAgain = false;

  constructor(readonly extension: vscode.ExtensionContext) {
    this.currentConfig = readConfig();
    this.log = vscode.window.createOutputChannel('Layer Lens', { log: true });
    this.worker = new WorkerClient(extension.extensionUri, this.currentConfig, this.log);
    this.panelRecipes = new PanelRecipes(extension.workspaceState);
    this.track(this.log, this.worker, new WorkerStatus(this.worker));
    this.track(
      onConfigChange((config) => {
        this.currentConfig = config;
        this.worker.applyConfig(config);
        void this.enforceCacheCap();
      }),
    );
  }

  /** The folder of finished results on disk (the extension's global storage). */
  get cacheDir(): string {
    return this.extension.globalStorageUri.fsPath;
  }

  /**
   * Holds the result cache to layerLens.cacheMaxMB, least recently used results first. Calls while
   * one pass runs are folded into one more pass; a disk problem is logged, never thrown.
   */
  enforceCacheCap(): Promise<void> {
    if (this.capping) {
      this.capAgain = true;
      return this.capping;
    }
    const pass = async (): Promise<void> => {
      do {
        this.capAgain = false;
        try {
          const r = await enforceCacheCap(this.cacheDir, this.currentConfig.cacheMaxMB * 1024 * 1024);
          if (r.removed)
            this.log.info(
              `result cache over ${this.currentConfig.cacheMaxMB} MB: removed ${r.removed} least recently used results (${mb(r.before)} → ${mb(r.after)} MB)`,
            );
        } catch (err) {
          this.log.warn(`could not hold the result cache to its size cap: ${err instanceof Error ? err.message : String(err)}`);
        }
      } while (this.capAgain);
    };
    this.capping = pass().finally(() => (this.capping = undefined));
    return this.capping;
  }

  get config(): LayerLensConfig {
    return this.currentConfig;
  }

  get extensionUri(): vscode.Uri {
    return this.extension.extensionUri;
  }

  /** Folder the webviews may load from: the extension's media only. */
  get mediaRoot(): vscode.Uri {
    return vscode.Uri.joinPath(this.extension.extensionUri, 'media');
  }

  /** Registers disposables with the extension so deactivation releases them. */
  track(...disposables: vscode.Disposable[]): void {
    this.extension.subscriptions.push(...disposables);
  }
}

function mb(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}
