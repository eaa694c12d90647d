/**
 * The worker as the rest of the extension sees it: a WorkerConnection started from dist/worker.js
 * with the current settings, whose crashes become one clear notification (with the log one click
 * away), and whose long requests can run under a cancellable progress notification.
 */
import * as vscode from 'vscode';
import type { ResultOf, WorkerMethod } from '../../protocol/worker';
import { workerConfigOf, type LayerLensConfig } from '../config';
import { WorkerConnection, WorkerRequestError, type RequestOptions, type RequestParams, type WorkerState } from './workerConnection';

export class WorkerClient implements vscode.Disposable {
  readonly connection: WorkerConnection;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly stateEmitter = new vscode.EventEmitter<WorkerState>();
  readonly onStateChange = this.stateEmitter.event;

  constructor(
    extensionUri: vscode.Uri,
    config: LayerLensConfig,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.connection = new WorkerConnection({
      modulePath: vscode.Uri.joinPath(extensionUri, 'dist', 'worker.js').fsPath,
      cwd: extensionUri.fsPath,
      maxOldSpaceMB: config.workerMaxOldSpaceMB,
      config: workerConfigOf(config),
      log: (line) => log.info(line),
    });
    const offState = this.connection.onStateChange((s) => this.stateEmitter.fire(s));
    const offCrash = this.connection.onCrash((crash) => {
      log.error(`${crash.message}\n${crash.stderrTail}`);
      void vscode.window.showErrorMessage(`${crash.message} It restarts on the next request; open panels keep their results.`, 'Show Log').then((choice) => {
        if (choice === 'Show Log') log.show(true);
      });
    });
    this.disposables.push(this.stateEmitter, { dispose: offState }, { dispose: offCrash });
  }

  get state(): WorkerState {
    return this.connection.state;
  }

  request<M extends WorkerMethod>(method: M, params: RequestParams<M>, opts?: RequestOptions): Promise<ResultOf<M>> {
    // Restricted mode: no process is started and no model file is read.
    if (!vscode.workspace.isTrusted) {
      return Promise.reject(
        new WorkerRequestError('untrusted', 'Layer Lens reads model files only in a trusted workspace. Trust this workspace to analyse models.'),
      );
    }
    return this.connection.request(method, params, opts);
  }

  /**
   * Runs a request under a cancellable progress notification. Resolves to undefined when the user
   * cancelled; other failures are shown as an error message and rethrown.
   */
  withProgress<M extends WorkerMethod>(
    title: string,
    method: M,
    params: RequestParams<M>,
    opts: Omit<RequestOptions, 'signal'> = {},
  ): Promise<ResultOf<M> | undefined> {
    return Promise.resolve(
      vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
        const abort = new AbortController();
        const sub = token.onCancellationRequested(() => abort.abort());
        let reported = 0;
        try {
          return await this.request(method, params, {
            ...opts,
            signal: abort.signal,
            onProgress: (p) => {
              // withProgress takes increments; the worker reports totals.
              const pct = p.total > 0 ? (100 * p.done) / p.total : 0;
              progress.report({ increment: Math.max(0, pct - reported), message: p.message });
              reported = Math.max(reported, pct);
              opts.onProgress?.(p);
            },
          });
        } catch (err) {
          if (err instanceof WorkerRequestError && err.code === 'cancelled') return undefined;
          // Crashes were already announced by the crash handler.
          if (!(err instanceof WorkerRequestError && err.code === 'worker-crashed')) {
            void vscode.window.showErrorMessage(`${title}: ${err instanceof Error ? err.message : String(err)}`);
          }
          throw err;
        } finally {
          sub.dispose();
        }
      }),
    );
  }

  /** New settings apply to the next worker process (an idle worker is restarted at once). */
  applyConfig(config: LayerLensConfig): void {
    this.log.info('settings changed; the worker restarts with them on its next request');
    this.connection.reconfigure({ maxOldSpaceMB: config.workerMaxOldSpaceMB, config: workerConfigOf(config) });
  }

  restart(): void {
    this.connection.stop();
  }

  dispose(): void {
    this.connection.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
