/**
 * The status bar item: whether the worker is stopped, idle, busy or crashed, and which execution
 * provider it computes on. Clicking it shows the worker's log.
 */
import * as vscode from 'vscode';
import { describeEngine, type EngineInfo } from '../analysis/engine/info';
import type { WorkerClient } from './worker/workerClient';
import type { WorkerState } from './worker/workerConnection';

export const SHOW_LOG_COMMAND = 'layerLens.showWorkerLog';

const ICONS: Record<WorkerState, string> = {
  stopped: '$(circle-outline)',
  idle: '$(pulse)',
  busy: '$(sync~spin)',
  crashed: '$(error)',
};

const WORDS: Record<WorkerState, string> = {
  stopped: 'worker not running (starts on the first analysis)',
  idle: 'worker idle',
  busy: 'worker computing',
  crashed: 'worker crashed (restarts on the next request)',
};

export class WorkerStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('layerLens.worker', vscode.StatusBarAlignment.Right, 100);
  private engine: EngineInfo | undefined;
  private engineError: string | undefined;
  private readonly subs: vscode.Disposable[] = [];

  constructor(private readonly worker: WorkerClient) {
    this.item.name = 'Layer Lens worker';
    this.item.command = SHOW_LOG_COMMAND;
    let probePending = false;
    this.subs.push(
      worker.onStateChange((state) => {
        this.render();
        // Loading onnxruntime to probe providers takes ~0.1 s: do it once the first request is
        // answered, so opening a model never waits for it.
        if (state === 'idle' && probePending) {
          probePending = false;
          this.probeEngine();
        }
      }),
    );
    const offStart = worker.connection.onStart(() => {
      this.engine = undefined;
      this.engineError = undefined;
      probePending = true;
    });
    this.subs.push({ dispose: offStart });
    this.render();
  }

  private probeEngine(): void {
    this.worker.request('engine/info', {}).then(
      (info) => {
        this.engine = info;
        this.render();
      },
      (err: unknown) => {
        this.engineError = err instanceof Error ? err.message : String(err);
        this.render();
      },
    );
  }

  private render(): void {
    const state = this.worker.state;
    const provider = this.engine ? ` · ${this.engine.provider}` : '';
    this.item.text = `${ICONS[state]} Layer Lens${state === 'idle' || state === 'busy' ? provider : ''}`;
    const lines = [`Layer Lens: ${WORDS[state]}`];
    if (this.engine) lines.push(`Engine: ${describeEngine(this.engine)}, onnxruntime ${this.engine.ortVersion}`);
    if (this.engineError) lines.push(`Engine could not start: ${this.engineError}`);
    lines.push('Click to show the worker log.');
    this.item.tooltip = lines.join('\n');
    this.item.backgroundColor = state === 'crashed' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
    for (const s of this.subs) s.dispose();
  }
}
