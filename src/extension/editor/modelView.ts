/**
 * One model shown in a webview: the custom editor of a .safetensors file and the panel of a model
 * folder both use it. It asks the worker for the header-only summary, computes a tensor's
 * statistics when the user clicks it (cancelling the previous one), watches the model's files and
 * offers a reload when they change, and exports the histogram or the statistics. The webview only
 * ever names a tensor; the worker checks the name against the model it opened from this path. A
 * shard of an indexed checkpoint opens as the whole model (the worker follows the folder's index),
 * so its view then watches the whole folder.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TensorStats } from '../../analysis/model/summary';
import { parseModelEditorMessage, type ModelEditorFromWebview, type ModelEditorToWebview, type PanelError } from '../../protocol/panel';
import type { LayerLensContext } from '../context';
import { announceExport, decodePng, fileStem, saveExport } from '../panels/exportFile';
import { renderWebviewHtml, webviewOptions } from '../panels/webviewHtml';
import { WorkerRequestError } from '../worker/workerConnection';
import { modelDisplayName } from '../views/modelsTree';
import { statsCsv } from './statsCsv';
import { isModelFile, MODEL_FILE_GLOB } from '../../analysis/io/modelFileKinds';

const CHANGE_DEBOUNCE_MS = 500;

function toPanelError(err: unknown): PanelError {
  if (err instanceof WorkerRequestError) return { code: err.code, message: err.message };
  return { code: 'internal', message: err instanceof Error ? err.message : String(err) };
}

export class ModelView implements vscode.Disposable {
  private readonly subs: vscode.Disposable[] = [];
  private readonly stats = new Map<string, TensorStats>();
  private statsJob: { tensor: string; abort: AbortController } | undefined;
  /** The running "weights over depth" request (model/depthStats), cancelled by a new one or the panel closing. */
  private depthJob: AbortController | undefined;
  private changeTimer: NodeJS.Timeout | undefined;
  private loaded = false;
  private disposed = false;
  private readonly name: string;
  /** The file watcher and the path it covers (the model, or the whole folder a shard opened). */
  private watched: { path: string; watcher: vscode.Disposable };

  constructor(
    private readonly ctx: LayerLensContext,
    readonly panel: vscode.WebviewPanel,
    /** Absolute path of the .safetensors file or model folder. */
    readonly modelPath: string,
    /** A model-folder panel's restore id (custom editors are restored by VS Code itself). */
    restore?: string,
  ) {
    this.name = modelDisplayName(modelPath);
    panel.webview.options = webviewOptions(ctx.mediaRoot);
    panel.iconPath = vscode.Uri.joinPath(ctx.mediaRoot, 'icon.svg');
    panel.webview.html = renderWebviewHtml(panel.webview, ctx.mediaRoot, { bundle: 'modelEditor', title: this.name, restore });
    this.subs.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => {
        const msg = parseModelEditorMessage(raw);
        if (msg) void this.handle(msg);
        else ctx.log.warn('model editor: ignored a malformed message from the webview');
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.load()),
    );
    this.watched = { path: modelPath, watcher: this.watchFiles(modelPath) };
  }

  private post(message: ModelEditorToWebview): void {
    if (!this.disposed) void this.panel.webview.postMessage(message);
  }

  private watchFiles(target: string): vscode.Disposable {
    const isFile = isModelFile(target);
    const pattern = isFile
      ? new vscode.RelativePattern(vscode.Uri.file(path.dirname(target)), path.basename(target))
      : new vscode.RelativePattern(vscode.Uri.file(target), `{${MODEL_FILE_GLOB.slice(1, -1)},*.json}`);
    const watcher = vscode.workspace.createFileSystemWatcher(pattern);
    const changed = () => {
      clearTimeout(this.changeTimer);
      this.changeTimer = setTimeout(() => {
        // Cached statistics describe the old bytes; the worker re-opens the model by itself.
        this.stats.clear();
        if (this.loaded) this.post({ type: 'changed' });
      }, CHANGE_DEBOUNCE_MS);
    };
    return vscode.Disposable.from(watcher, watcher.onDidChange(changed), watcher.onDidCreate(changed), watcher.onDidDelete(changed));
  }

  private async handle(msg: ModelEditorFromWebview): Promise<void> {
    switch (msg.type) {
      case 'ready':
      case 'reload':
        if (msg.type === 'reload') this.stats.clear();
        await this.load();
        return;
      case 'selectTensor':
        await this.computeStats(msg.tensor, msg.bins);
        return;
      case 'cancelStats':
        this.statsJob?.abort.abort();
        return;
      case 'depthStats':
        await this.computeDepth();
        return;
      case 'cancelDepth':
        this.depthJob?.abort();
        return;
      case 'trust':
        await vscode.commands.executeCommand('workbench.trust.manage');
        return;
      case 'exportImage':
        await this.export(msg.format, `${fileStem(msg.name)}-histogram`, () => (msg.format === 'png' ? decodePng(msg.data) : msg.data));
        return;
      case 'exportTable':
        // A figure's table ("Save CSV…" of its ⤓ menu), saved as the webview wrote it.
        await this.export('csv', fileStem(msg.name), () => msg.csv);
        return;
      case 'exportStats': {
        const stats = this.stats.get(msg.tensor);
        if (!stats) {
          this.post({ type: 'exportFailed', format: msg.format, message: `No statistics computed for '${msg.tensor}' yet.` });
          return;
        }
        await this.export(msg.format, `${fileStem(msg.tensor)}-stats`, () =>
          msg.format === 'csv' ? statsCsv(msg.tensor, stats) : JSON.stringify({ model: this.modelPath, tensor: msg.tensor, stats }, null, 2),
        );
        return;
      }
    }
  }

  async load(): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      this.post({ type: 'untrusted', name: this.name });
      return;
    }
    this.post({ type: 'loading', name: this.name });
    try {
      const overview = await this.ctx.worker.request('model/open', { path: this.modelPath });
      // A shard opened as the whole model: a change to any shard, the index or config.json matters.
      const covers = overview.kind === 'folder' ? overview.path : this.modelPath;
      if (covers !== this.watched.path && !this.disposed) {
        this.watched.watcher.dispose();
        this.watched = { path: covers, watcher: this.watchFiles(covers) };
      }
      this.loaded = true;
      this.post({ type: 'summary', name: this.name, overview });
    } catch (err) {
      this.post({ type: 'failed', name: this.name, error: toPanelError(err) });
    }
  }

  private async computeStats(tensor: string, bins?: number): Promise<void> {
    const cached = this.stats.get(tensor);
    if (cached) {
      this.post({ type: 'stats', tensor, stats: cached });
      return;
    }
    if (!vscode.workspace.isTrusted) return;
    this.statsJob?.abort.abort();
    const job = { tensor, abort: new AbortController() };
    this.statsJob = job;
    try {
      const stats = await this.ctx.worker.request(
        'tensor/stats',
        { path: this.modelPath, tensor, bins: bins ?? this.ctx.config.histogramBins },
        { signal: job.abort.signal, onProgress: (p) => this.post({ type: 'statsProgress', tensor, done: p.done, total: p.total }) },
      );
      this.stats.set(tensor, stats);
      this.post({ type: 'stats', tensor, stats });
    } catch (err) {
      this.post({ type: 'statsFailed', tensor, error: toPanelError(err) });
    } finally {
      if (this.statsJob === job) this.statsJob = undefined;
    }
  }

  /** ‖W‖_F, σ and max |w| of every matrix per layer × kind, streamed by the worker with progress. */
  private async computeDepth(): Promise<void> {
    if (!vscode.workspace.isTrusted) return;
    this.depthJob?.abort();
    const abort = new AbortController();
    this.depthJob = abort;
    try {
      const stats = await this.ctx.worker.request(
        'model/depthStats',
        { path: this.modelPath },
        { signal: abort.signal, onProgress: (p) => this.post({ type: 'depthProgress', done: p.done, total: p.total, message: p.message }) },
      );
      this.post({ type: 'depth', stats });
    } catch (err) {
      this.post({ type: 'depthFailed', error: toPanelError(err) });
    } finally {
      if (this.depthJob === abort) this.depthJob = undefined;
    }
  }

  private async export(format: 'png' | 'svg' | 'csv' | 'json', stem: string, contents: () => string | Uint8Array): Promise<void> {
    try {
      const saved = await saveExport(format, stem, contents(), this.modelPath);
      if (saved) {
        this.post({ type: 'exported', format, path: saved });
        announceExport(saved);
      }
    } catch (err) {
      this.post({ type: 'exportFailed', format, message: err instanceof Error ? err.message : String(err) });
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.statsJob?.abort.abort();
    this.depthJob?.abort();
    clearTimeout(this.changeTimer);
    this.watched.watcher.dispose();
    for (const s of this.subs) s.dispose();
  }
}
