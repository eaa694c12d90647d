/**
 * The host side of every analysis panel: opens a webview beside the active editor, loads the
 * panel's bundle (media/dist/<panel>.js) under a strict CSP, runs the panel's job in the worker
 * and streams its progress and partial results to the webview, cancels on request or when the
 * panel closes, keeps the last result so a re-created webview (hidden tab, moved panel) redraws
 * it, and saves exports through a save dialog. Each panel keeps a recipe (kind, model, options) under
 * a restore id its webview holds, and each finished result is stored with the panel results on
 * disk, so that after a window reload the serializer (panelSerializer.ts) brings the panel back
 * with its result and without a run. Every message from the webview is validated
 * (src/protocol/panel.ts) before use; options for a re-run go through the panel's own parseOptions.
 *
 *   AnalysisPanel.open(ctx, {
 *     panel: 'similarity', title: 'Layer similarity', model: modelPath, options,
 *     parseOptions: parseSimilarityOptions,
 *     run: (opts, job) => ctx.worker.request('similarity/docs', { path: modelPath, ...opts }, job),
 *     toCsv: similarityCsv,
 *   });
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatTimeLeft, ProgressEta } from '../../analysis/jobs/eta';
import type { CachedRun } from '../../protocol/worker';
import { parseAnalysisMessage, type AnalysisFromWebview, type AnalysisToWebview, type PanelError, type PanelModelInfo } from '../../protocol/panel';
import { modelFilesOnDisk, writePanelSnapshot, type PanelSnapshot } from '../../analysis/cache/panelSnapshot';
import { reportModel } from '../../analysis/report/modelFiles';
import type { LayerLensContext } from '../context';
import { WorkerRequestError, type RequestOptions } from '../worker/workerConnection';
import { announceExport, decodePng, saveExport } from './exportFile';
import { panelExportStem } from './exportNames';
import { newRestoreId, type PanelRecipe } from './panelRecipes';
import { describeModels, wantsModelInfo } from './panelModelInfo';
import { snapshotKeyFor } from './restorePlan';
import { concernsModel, filesChangedMessage, watchSpecFor } from './modelFileChange';
import { PageLoadWatchdog } from './pageLoadWatchdog';
import { renderWebviewHtml, webviewOptions } from './webviewHtml';

/** What a run receives: pass it straight to `ctx.worker.request` as its options. */
export interface PanelJob extends RequestOptions {
  signal: AbortSignal;
  onProgress: NonNullable<RequestOptions['onProgress']>;
  onPartial: (data: unknown) => void;
  /**
   * The worker's finished-run cache for this run: the extension's global storage, and force when
   * the user pressed "Run again". Spread it into the request of an analysis that keeps results.
   */
  cache: CachedRun;
}

export interface AnalysisPanelSpec<Options, Result> {
  /** Panel kind: the webview bundle media/dist/<panel>.js (source webview/<panel>/main.ts). */
  panel: string;
  /** Tab title; the model's name is appended. */
  title: string;
  /** The model file or folder analysed. */
  model: string;
  /** Options of the first run. */
  options: Options;
  /** Validates options the webview sends for a re-run; throws an Error whose message the user sees. */
  parseOptions(raw: unknown): Options;
  /** Runs the analysis, normally one worker request. */
  run(options: Options, job: PanelJob): Promise<Result>;
  /** CSV of a result, for "Export CSV"; without it only JSON is offered. */
  toCsv?(result: Result): string;
  /** Answers panel-specific requests from the webview (validate `payload` before use). */
  onRequest?(name: string, payload: unknown, job: PanelJob): Promise<unknown>;
  /** Start the first run as soon as the webview is ready (default true). */
  runOnOpen?: boolean;
  /** Other model paths the results depend on (a diff's second model); `model` is always watched. */
  alsoWatch?: string[];
  /**
   * What else (JSON) this panel's kind needs to reopen it after a window reload (a prompt file, a
   * diff's base): kept in the panel's recipe (panelRecipes.ts) for the kind's reopener.
   */
  reopen?: Record<string, unknown>;
  /** Requests whose answers are kept and replayed to a re-created webview (e.g. 'pruneAndEvaluate'). */
  keepReplies?: string[];
}

/** A panel brought back after a window reload: its restore id and its stored result, if any. */
export interface RevivedPanel {
  restoreId: string;
  snapshot?: PanelSnapshot;
  /** Shown with a Run button when there is no stored result. */
  notRunMessage?: string;
}

type Message = AnalysisToWebview;

interface RunProgress {
  done: number;
  total: number;
  message?: string;
}

/** The run in progress: its cancel switch, latest progress and partial results (for a replay). */
interface Running {
  id: number;
  abort: AbortController;
  progress?: RunProgress;
  partials: unknown[];
  /** Forwards progress to the run's notification while one is shown. */
  notify?: (p: RunProgress) => void;
}

/** A run still going after this long gets a progress notification with a Cancel button. */
const NOTIFY_AFTER_MS = 1000;
/** A checkpoint write is many events: one banner once they settle. */
const CHANGE_DEBOUNCE_MS = 500;

function toPanelError(err: unknown): PanelError {
  if (err instanceof WorkerRequestError) return { code: err.code, message: err.message };
  return { code: 'bad-input', message: err instanceof Error ? err.message : String(err) };
}

export class AnalysisPanel<Options, Result> implements vscode.Disposable {
  private static readonly open_ = new Set<AnalysisPanel<unknown, unknown>>();

  /** Opens a new panel beside the active editor and starts its first run. */
  static open<Options, Result>(ctx: LayerLensContext, spec: AnalysisPanelSpec<Options, Result>): AnalysisPanel<Options, Result> {
    const webviewPanel = vscode.window.createWebviewPanel(
      analysisViewType(spec.panel),
      `${spec.title} · ${path.basename(spec.model)}`,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false },
      webviewOptions(ctx.mediaRoot),
    );
    return new AnalysisPanel(ctx, webviewPanel, spec);
  }

  /**
   * Takes over a webview panel VS Code restored after a window reload: shows the stored result,
   * or the options and a Run button; it never starts a run by itself.
   */
  static revive<Options, Result>(
    ctx: LayerLensContext,
    webviewPanel: vscode.WebviewPanel,
    spec: AnalysisPanelSpec<Options, Result>,
    revived: RevivedPanel,
  ): AnalysisPanel<Options, Result> {
    webviewPanel.webview.options = webviewOptions(ctx.mediaRoot);
    return new AnalysisPanel(ctx, webviewPanel, { ...spec, runOnOpen: false }, revived);
  }

  /** Panels currently open (e.g. for tests and for "cancel all"). */
  static get all(): ReadonlySet<AnalysisPanel<unknown, unknown>> {
    return AnalysisPanel.open_;
  }

  private options: Options;
  private runId = 0;
  private running: Running | undefined;
  private last: { id: number; result: Result; seconds: number } | undefined;
  private lastError: { id: number; error: PanelError } | undefined;
  /** Set when a watched model file changed after the last run started; cleared by the next run. */
  private filesChanged: string | undefined;
  private changeTimer: NodeJS.Timeout | undefined;
  private readonly subs: vscode.Disposable[] = [];
  private disposed = false;
  private readonly closeEmitter = new vscode.EventEmitter<void>();
  readonly onDidClose = this.closeEmitter.event;
  /** The id of this panel's recipe, kept by its webview for a restore after a window reload. */
  readonly restoreId: string;
  private notRunMessage: string | undefined;
  /** Answers to the requests named in spec.keepReplies, in order, for a re-created webview. */
  private readonly keptReplies: { name: string; data: unknown }[] = [];
  /** Loads the page again when it never says it is ready (pageLoadWatchdog.ts). */
  private readonly pageLoad: PageLoadWatchdog;
  /** The model's structure for the webview's options (panelModelInfo.ts), once the worker described it. */
  private modelInfo: PanelModelInfo | undefined;

  private constructor(
    private readonly ctx: LayerLensContext,
    readonly webviewPanel: vscode.WebviewPanel,
    private readonly spec: AnalysisPanelSpec<Options, Result>,
    revived?: RevivedPanel,
  ) {
    this.options = spec.options;
    this.restoreId = revived?.restoreId ?? newRestoreId();
    if (revived?.snapshot) this.last = { id: ++this.runId, result: revived.snapshot.result as Result, seconds: revived.snapshot.seconds };
    else this.notRunMessage = revived?.notRunMessage;
    this.saveRecipe();
    webviewPanel.iconPath = vscode.Uri.joinPath(ctx.mediaRoot, 'icon.svg');
    const setHtml = () => {
      webviewPanel.webview.html = renderWebviewHtml(webviewPanel.webview, ctx.mediaRoot, { bundle: spec.panel, title: spec.title, restore: this.restoreId });
    };
    setHtml();
    this.pageLoad = new PageLoadWatchdog({
      visible: () => !this.disposed && webviewPanel.visible,
      reload: setHtml,
      log: (m) => ctx.log.warn(`${spec.panel} panel: ${m}`),
    });
    this.subs.push(
      webviewPanel.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
      webviewPanel.onDidChangeViewState(() => this.pageLoad.viewStateChanged()),
      webviewPanel.onDidDispose(() => this.dispose()),
      ...[spec.model, ...(spec.alsoWatch ?? [])].map((m) => this.watchModel(m)),
    );
    AnalysisPanel.open_.add(this as AnalysisPanel<unknown, unknown>);
    if (wantsModelInfo(spec.panel)) void this.describeModel();
    if (spec.runOnOpen !== false) void this.run(this.options);
  }

  /**
   * Watches one model's files (a RelativePattern watcher also works outside the workspace). The
   * worker re-opens a model whose file identity changed (fileIdentity.ts), so a re-run reads the
   * new bytes; until then the panel says its results describe the old ones.
   */
  private watchModel(modelPath: string): vscode.Disposable {
    const spec = watchSpecFor(modelPath);
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(spec.base), spec.glob));
    const changed = (uri: vscode.Uri) => {
      if (!concernsModel(modelPath, uri.fsPath)) return;
      clearTimeout(this.changeTimer);
      this.changeTimer = setTimeout(() => {
        this.filesChanged = filesChangedMessage(modelPath, uri.fsPath);
        this.ctx.log.info(`${this.spec.title}: ${uri.fsPath} changed on disk`);
        this.post({ type: 'filesChanged', message: this.filesChanged });
      }, CHANGE_DEBOUNCE_MS);
    };
    return vscode.Disposable.from(watcher, watcher.onDidChange(changed), watcher.onDidCreate(changed), watcher.onDidDelete(changed));
  }

  /**
   * Asks the worker for the models' header-only summaries (the run opens the same models) and tells
   * the webview whether they have mixture-of-experts layers; until then `init` goes without it.
   */
  private async describeModel(): Promise<void> {
    const info = await describeModels([this.spec.model, ...(this.spec.alsoWatch ?? [])], (p) => this.ctx.worker.request('model/open', { path: p }));
    if (!info || this.disposed) return;
    this.modelInfo = info;
    this.post({ type: 'modelInfo', modelInfo: info });
  }

  /** The latest finished result, if any. */
  get result(): Result | undefined {
    return this.last?.result;
  }

  private cacheFor(fresh: boolean): CachedRun {
    return { cacheDir: this.ctx.cacheDir, force: fresh };
  }

  private recipe(): PanelRecipe {
    const { panel, model, reopen } = this.spec;
    return { panel, model, options: this.options, ...(reopen ? { extra: reopen } : {}) };
  }

  private saveRecipe(): void {
    void this.ctx.panelRecipes.put(this.restoreId, this.recipe());
  }

  /** Keeps a finished result with the panel results on disk, then holds the cache to its size cap. */
  private async saveSnapshot(result: Result, seconds: number): Promise<void> {
    try {
      await writePanelSnapshot(this.ctx.cacheDir, snapshotKeyFor(this.recipe()), { result, seconds, savedAt: Date.now() });
    } catch (err) {
      this.ctx.log.warn(`${this.spec.title}: could not keep the result for a later restore: ${err instanceof Error ? err.message : String(err)}`);
    }
    await this.ctx.enforceCacheCap();
  }

  /** Starts a run (cancelling the one in progress). Resolves when it ends, however it ends. */
  async run(options: Options, fresh = false): Promise<void> {
    this.cancel();
    const id = ++this.runId;
    const abort = new AbortController();
    const running: Running = { id, abort, progress: undefined, partials: [] };
    this.running = running;
    this.options = options;
    this.filesChanged = undefined;
    this.notRunMessage = undefined;
    this.saveRecipe();
    this.post({ type: 'running', runId: id, options });
    const job: PanelJob = {
      cache: this.cacheFor(fresh),
      signal: abort.signal,
      onProgress: (p) => {
        running.progress = { done: p.done, total: p.total, message: p.message };
        running.notify?.(running.progress);
        this.post({ type: 'progress', runId: id, done: p.done, total: p.total, message: p.message });
      },
      onPartial: (data) => {
        running.partials.push(data);
        this.post({ type: 'partial', runId: id, data });
      },
    };
    const t0 = performance.now();
    try {
      const result = await this.withProgress(running, this.spec.run(options, job));
      if (this.running !== running) return;
      this.last = { id, result, seconds: (performance.now() - t0) / 1000 };
      this.lastError = undefined;
      this.post({ type: 'result', runId: id, data: result, seconds: this.last.seconds });
      void this.saveSnapshot(result, this.last.seconds);
    } catch (err) {
      if (this.running !== running && !abort.signal.aborted) return;
      if (abort.signal.aborted || (err instanceof WorkerRequestError && err.code === 'cancelled')) {
        this.post({ type: 'cancelled', runId: id });
      } else {
        this.lastError = { id, error: toPanelError(err) };
        this.ctx.log.warn(`${this.spec.title} on ${this.spec.model} failed: ${this.lastError.error.message}`);
        this.post({ type: 'failed', runId: id, error: this.lastError.error });
      }
    } finally {
      if (this.running === running) this.running = undefined;
    }
  }

  /**
   * Shows a run's progress: a spinner in the status bar at once and, when the run is still going
   * after NOTIFY_AFTER_MS, a progress notification with a Cancel button (cancelling there is the
   * same as the panel's Cancel). The delay keeps quick runs from flashing a toast. Either closes
   * when `work` settles, however it settles.
   */
  private withProgress<T>(running: Running, work: Promise<T>): Promise<T> {
    const title = `Layer Lens: ${this.spec.title}`;
    const timer = setTimeout(() => {
      if (running.abort.signal.aborted) return;
      void vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `${title} · ${path.basename(this.spec.model)}`, cancellable: true },
        async (progress, token) => {
          const sub = token.onCancellationRequested(() => running.abort.abort());
          // withProgress takes increments of a percentage; the worker reports done/total.
          let reported = 0;
          const eta = new ProgressEta();
          running.notify = (p) => {
            const pct = p.total > 0 ? Math.min(100, (100 * p.done) / p.total) : 0;
            const left = formatTimeLeft(eta.update(p.done, p.total).secondsLeft);
            progress.report({ increment: Math.max(0, pct - reported), message: `${p.message ?? `${p.done} / ${p.total}`}${left ? ` — ${left}` : ''}` });
            reported = Math.max(reported, pct);
          };
          if (running.progress) running.notify(running.progress);
          try {
            await work;
          } catch {
            // The run reports its own failure; the notification only has to close.
          } finally {
            sub.dispose();
            running.notify = undefined;
          }
        },
      );
    }, NOTIFY_AFTER_MS);
    return Promise.resolve(vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title }, () => work)).finally(() => clearTimeout(timer));
  }

  cancel(): void {
    this.running?.abort.abort();
  }

  private post(message: Message): void {
    if (!this.disposed) void this.webviewPanel.webview.postMessage(message);
  }

  /** A new webview (first load, or re-created after being hidden) gets the whole state again. */
  private replay(): void {
    this.post({
      type: 'init',
      panel: this.spec.panel,
      title: this.spec.title,
      model: path.basename(this.spec.model),
      options: this.options,
      ...(this.modelInfo ? { modelInfo: this.modelInfo } : {}),
    });
    if (this.last) this.post({ type: 'result', runId: this.last.id, data: this.last.result, seconds: this.last.seconds });
    else if (this.lastError) this.post({ type: 'failed', runId: this.lastError.id, error: this.lastError.error });
    else if (this.notRunMessage && !this.running) this.post({ type: 'notRun', message: this.notRunMessage });
    for (const kept of this.keptReplies) this.post({ type: 'replayReply', name: kept.name, data: kept.data });
    void this.postReportMeta();
    const r = this.running;
    if (r) {
      this.post({ type: 'running', runId: r.id, options: this.options });
      for (const data of r.partials) this.post({ type: 'partial', runId: r.id, data });
      if (r.progress) this.post({ type: 'progress', runId: r.id, ...r.progress });
    }
    if (this.filesChanged) this.post({ type: 'filesChanged', message: this.filesChanged });
  }

  /** The models' files (sizes, times) and the version for the webview's "Export report". */
  private async postReportMeta(): Promise<void> {
    try {
      const paths = [...(this.spec.alsoWatch ?? []), this.spec.model];
      const models = await Promise.all(paths.map(async (p) => reportModel({ path: p, files: (await modelFilesOnDisk(p)).filter((f) => existsSync(f)) })));
      const version = String((this.ctx.extension.extension.packageJSON as { version?: unknown }).version ?? '');
      this.post({ type: 'reportMeta', analysis: this.spec.panel, models, version });
    } catch (err) {
      this.ctx.log.warn(`${this.spec.title}: could not describe the model for a report: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private receive(raw: unknown): void {
    const msg = parseAnalysisMessage(raw);
    if (!msg) {
      this.ctx.log.warn(`${this.spec.panel} panel: ignored a malformed message from the webview`);
      return;
    }
    void this.handle(msg);
  }

  private async handle(msg: AnalysisFromWebview): Promise<void> {
    switch (msg.type) {
      case 'ready':
        this.pageLoad.pageReady();
        this.replay();
        return;
      case 'run': {
        let options: Options;
        try {
          options = this.spec.parseOptions(msg.options);
        } catch (err) {
          this.post({ type: 'failed', runId: ++this.runId, error: { code: 'bad-input', message: err instanceof Error ? err.message : String(err) } });
          return;
        }
        await this.run(options, msg.fresh === true);
        return;
      }
      case 'cancel':
        this.cancel();
        return;
      case 'exportImage':
        await this.export(msg.format, () => (msg.format === 'png' ? decodePng(msg.data) : msg.data));
        return;
      case 'exportReport':
        await this.export('html', () => msg.html);
        return;
      case 'exportTable':
        // A figure's table ("Save CSV…"), saved as the webview wrote it; the figure's name ends the file name.
        await this.export('csv', () => msg.csv, msg.name);
        return;
      case 'exportData': {
        const last = this.last;
        if (!last) {
          this.post({ type: 'exportFailed', format: msg.format, message: 'There is no result to export yet.' });
          return;
        }
        if (msg.format === 'csv' && !this.spec.toCsv) {
          this.post({ type: 'exportFailed', format: 'csv', message: 'This panel exports JSON only.' });
          return;
        }
        await this.export(msg.format, () =>
          msg.format === 'csv'
            ? this.spec.toCsv!(last.result)
            : JSON.stringify({ model: this.spec.model, options: this.options, result: last.result }, jsonReplacer, 2),
        );
        return;
      }
      case 'request':
        await this.answer(msg.requestId, msg.name, msg.payload);
        return;
      case 'action':
        await runPanelAction(msg.action);
        return;
    }
  }

  private async export(format: 'png' | 'svg' | 'csv' | 'json' | 'html', contents: () => string | Uint8Array, figure?: string): Promise<void> {
    try {
      const saved = await saveExport(format, panelExportStem(this.spec.panel, path.basename(this.spec.model), figure), contents(), this.spec.model);
      if (saved) {
        this.post({ type: 'exported', format, path: saved });
        announceExport(saved);
      }
    } catch (err) {
      this.post({ type: 'exportFailed', format, message: err instanceof Error ? err.message : String(err) });
    }
  }

  private async answer(requestId: number, name: string, payload: unknown): Promise<void> {
    if (!this.spec.onRequest) {
      this.post({ type: 'reply', requestId, ok: false, error: { code: 'bad-input', message: `This panel answers no requests (got '${name}').` } });
      return;
    }
    const abort = new AbortController();
    const sub = this.onDidClose(() => abort.abort());
    try {
      const data = await this.spec.onRequest(name, payload, {
        cache: this.cacheFor(false),
        signal: abort.signal,
        onProgress: () => undefined,
        onPartial: () => undefined,
      });
      this.post({ type: 'reply', requestId, ok: true, data });
      // A cancelled dialog answers null: nothing to keep.
      if (this.spec.keepReplies?.includes(name) && data !== null && data !== undefined) this.keptReplies.push({ name, data });
    } catch (err) {
      this.post({ type: 'reply', requestId, ok: false, error: toPanelError(err) });
    } finally {
      sub.dispose();
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.cancel();
    clearTimeout(this.changeTimer);
    this.pageLoad.dispose();
    this.disposed = true;
    AnalysisPanel.open_.delete(this as AnalysisPanel<unknown, unknown>);
    this.closeEmitter.fire();
    this.closeEmitter.dispose();
    for (const s of this.subs) s.dispose();
    this.webviewPanel.dispose();
  }
}

/** The webview panel type of an analysis panel kind, e.g. 'layerLens.similarity' (package.json's onWebviewPanel events). */
export function analysisViewType(panel: string): string {
  return `layerLens.${panel}`;
}

/** The buttons of a panel's error area: the log and the Layer Lens settings. */
async function runPanelAction(action: 'showLog' | 'openSettings'): Promise<void> {
  if (action === 'showLog') await vscode.commands.executeCommand('layerLens.showWorkerLog');
  else await vscode.commands.executeCommand('workbench.action.openSettings', 'layerLens');
}

/** JSON for exports: typed arrays become plain arrays, non-finite numbers become strings. */
function jsonReplacer(_key: string, v: unknown): unknown {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return v;
}
