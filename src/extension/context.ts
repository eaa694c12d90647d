/**
 * The extension's long-lived state: settings, the worker client, the log, the status bar, and
 * every disposable, so that deactivation (or a reload) leaks nothing. Commands, editors and panels
 * receive this object instead of reaching for globals.
 */
import * as vscode from 'vscode';
import { onConfigChange, readConfig, type LayerLensConfig } from './config';
import { WorkerStatus } from './status';
import { WorkerClient } from './worker/workerClient';

export class LayerLensContext {
  readonly log: vscode.LogOutputChannel;
  readonly worker: WorkerClient;
  private currentConfig: LayerLensConfig;

  constructor(readonly extension: vscode.ExtensionContext) {
    this.currentConfig = readConfig();
    this.log = vscode.window.createOutputChannel('Layer Lens', { log: true });
    this.worker = new WorkerClient(extension.extensionUri, this.currentConfig, this.log);
    this.track(this.log, this.worker, new WorkerStatus(this.worker));
    this.track(
      onConfigChange((config) => {
        this.currentConfig = config;
        this.worker.applyConfig(config);
      }),
    );
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
