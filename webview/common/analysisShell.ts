/**
 * The webview side of every analysis panel (host: src/extension/panels/analysisPanel.ts): a
 * toolbar with the run's status and progress, Cancel, Run again and Export (PNG, SVG, CSV, JSON),
 * an error area (with Retry, Show Log and, where a setting can help, Open Settings), a Run banner
 * for a panel restored without a stored result, and a results area the panel draws into. A panel
 * keeps its view choices with panelViewState (viewState.ts) so that they survive a re-created
 * webview and a window reload. A panel's main.ts only supplies how to
 * draw its options, partial results and result:
 *
 *   startAnalysisPanel<SimilarityOptions, PairPartial, SimilarityResult>({
 *     renderResult: (el, result, theme) => renderPlot(el, heatmapOptions(cells(result), theme), theme),
 *   });
 */
import type { AnalysisFromWebview, AnalysisToWebview, DataFormat, ImageFormat, PanelError, PanelModelInfo } from '../../src/protocol/panel';
import { h, replaceChildren } from './dom';
import { drawThrottle } from './drawThrottle';
import { progressText } from './progressText';
import { exportImage } from './export';
import { exportReport, type PanelReportMeta } from './report';
import { onThemeChange, readTheme, type Theme } from './theme';
import { button, registerToolkit } from './toolkit';
import { hostChannel } from './vscodeApi';

export interface AnalysisView<Options, Partial, Result> {
  /**
   * Draws controls for the options; `rerun(options)` starts a new run with them. `modelInfo`: the
   * model's structure as far as the host knows it (drawn again when it arrives after `init`).
   */
  renderOptions?(container: HTMLElement, options: Options, rerun: (options: Options) => void, modelInfo: PanelModelInfo | undefined): void;
  /** Draws the partial results received so far (called after each one arrives). */
  renderPartial?(container: HTMLElement, partials: Partial[], theme: Theme): void;
  /** Draws the result; called again when the theme changes. */
  renderResult(container: HTMLElement, result: Result, theme: Theme): void;
  /** The element whose plot PNG/SVG export saves (default: the results area). */
  exportElement?(): Element | null | undefined;
  /** Offer "Export CSV" (the host's spec must define toCsv). Default true. */
  csv?: boolean;
}

export interface AnalysisPanelHandle {
  /** Asks the host a panel-specific question (AnalysisPanelSpec.onRequest). */
  request(name: string, payload: unknown): Promise<unknown>;
  /** Shows a message under the toolbar ('' hides it). */
  notify(text: string, kind?: 'info' | 'error'): void;
  /**
   * Receives the kept answers to `name` (AnalysisPanelSpec.keepReplies) that the host replays to a
   * re-created webview, after the result; answers this page asked for itself are not repeated.
   */
  onReplayedReply(name: string, handler: (data: unknown) => void): void;
  /** Draws the current result again (after a replayed answer changed what the panel shows). */
  redraw(): void;
}

type In<O, P, R> = AnalysisToWebview<O, P, R>;

/** " · cpu, 2 threads" from the worker's stamp on a result (src/protocol/worker.ts ComputedWith), or "". */
export function computedWithText(data: unknown): string {
  const c = (data as { computedWith?: { provider?: unknown; threads?: unknown } } | null)?.computedWith;
  if (!c || typeof c.provider !== 'string' || typeof c.threads !== 'number') return '';
  return ` · ${c.provider}, ${c.threads} thread${c.threads === 1 ? '' : 's'}`;
}

export function startAnalysisPanel<Options, Partial, Result>(view: AnalysisView<Options, Partial, Result>): AnalysisPanelHandle {
  registerToolkit();
  const host = hostChannel<In<Options, Partial, Result>, AnalysisFromWebview>();
  let theme = readTheme();
  let currentRun = 0;
  let partials: Partial[] = [];
  let result: Result | undefined;
  let options: Options | undefined;
  let modelInfo: PanelModelInfo | undefined;
  let nextRequest = 1;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const replayHandlers = new Map<string, (data: unknown) => void>();
  let reportMeta: Omit<PanelReportMeta, 'settings'> | undefined;

  const title = h('h1', { class: 'll-title' }, 'Layer Lens');
  const model = h('span', { class: 'll-model' });
  const statusText = h('span', { class: 'll-status-text' }, 'Waiting for the extension…');
  const progress = h('progress', { class: 'll-progress', max: 1, value: 0, hidden: true });
  const ring = h('span', { class: 'll-spinner', role: 'progressbar', 'aria-label': 'computing', hidden: true });
  const cancelButton = button({ appearance: 'secondary', disabled: true, onClick: () => host.post({ type: 'cancel' }) }, 'Cancel');
  const rerunButton = button(
    { appearance: 'secondary', disabled: true, onClick: () => options !== undefined && host.post({ type: 'run', options, fresh: true }) },
    'Run again',
  );
  const exportButtons = (['png', 'svg', 'csv', 'json'] as const)
    .filter((f) => f !== 'csv' || view.csv !== false)
    .map((format) =>
      button(
        {
          appearance: 'icon',
          title: `Export ${format.toUpperCase()}`,
          label: `Export ${format.toUpperCase()}`,
          data: { format },
          disabled: true,
          onClick: () => void doExport(format),
        },
        format.toUpperCase(),
      ),
    );
  const messageText = h('span', {});
  const messageActions = h('span', { class: 'll-message-actions' });
  // "Export report": one self-contained HTML file of the result (webview/common/report.ts).
  const reportButton = button(
    { appearance: 'icon', title: 'Export report (HTML)', label: 'Export report', data: { format: 'html' }, disabled: true, onClick: () => void doReport() },
    'Report',
  );
  const message = h('div', { class: 'll-message', role: 'status', hidden: true }, messageText, messageActions);
  // A panel restored after a window reload without a stored result: say so and offer the run.
  const notRunText = h('span', {});
  const notRunBanner = h(
    'div',
    { class: 'll-message ll-info', 'data-testid': 'not-run', hidden: true },
    notRunText,
    ' ',
    button({ appearance: 'primary', testid: 'not-run-run', onClick: () => options !== undefined && host.post({ type: 'run', options }) }, 'Run'),
  );
  // The model's files changed on disk after this run started: say so until the next run.
  const changedText = h('span', {});
  const changedButton = button({ appearance: 'primary', onClick: () => options !== undefined && host.post({ type: 'run', options }) }, 'Re-run');
  const changedBanner = h(
    'div',
    { class: 'll-message ll-warning ll-files-changed', role: 'alert', 'data-testid': 'files-changed', hidden: true },
    changedText,
    ' ',
    changedButton,
  );
  const optionsArea = h('section', { class: 'll-options' });
  const resultsArea = h('section', { class: 'll-results' });

  const root = document.getElementById('root') ?? document.body;
  replaceChildren(
    root,
    h(
      'header',
      { class: 'll-toolbar' },
      h('div', { class: 'll-heading' }, title, model),
      h('div', { class: 'll-status' }, ring, progress, statusText),
      h('div', { class: 'll-actions' }, cancelButton, rerunButton, h('span', { class: 'll-export' }, 'Export', ...exportButtons, reportButton)),
    ),
    changedBanner,
    notRunBanner,
    message,
    optionsArea,
    resultsArea,
  );

  function notify(text: string, kind: 'info' | 'error' = 'info', actions: { label: string; run: () => void }[] = []): void {
    message.hidden = !text;
    messageText.textContent = text;
    replaceChildren(messageActions, ...actions.map((a) => button({ appearance: 'secondary', onClick: a.run }, a.label)));
    message.className = `ll-message ll-${kind}`;
  }

  function setRunning(running: boolean): void {
    ring.hidden = !running;
    cancelButton.disabled = !running;
    rerunButton.disabled = running || options === undefined;
    if (!running) progress.hidden = true;
  }

  function setExportable(ok: boolean): void {
    for (const b of [...exportButtons, reportButton]) b.disabled = !ok;
  }

  async function doReport(): Promise<void> {
    try {
      if (!reportMeta) throw new Error('the model description has not arrived yet; try again in a moment');
      const settings = (typeof options === 'object' && options !== null ? options : {}) as Record<string, unknown>;
      await exportReport(result, { ...reportMeta, settings }, (html) => host.post({ type: 'exportReport', html }));
    } catch (err) {
      notify(`Export report failed: ${err instanceof Error ? err.message : String(err)}`, 'error');
    }
  }

  async function doExport(format: ImageFormat | DataFormat): Promise<void> {
    try {
      if (format === 'csv' || format === 'json') {
        host.post({ type: 'exportData', format });
        return;
      }
      const el = view.exportElement?.() ?? resultsArea;
      host.post({ type: 'exportImage', format, data: await exportImage(el, format, theme) });
    } catch (err) {
      notify(`Export failed: ${err instanceof Error ? err.message : String(err)}`, 'error');
    }
  }

  function showError(error: PanelError): void {
    const actions = [
      { label: 'Retry', run: () => options !== undefined && host.post({ type: 'run', options }) },
      { label: 'Show Log', run: () => host.post({ type: 'action', action: 'showLog' }) },
    ];
    // A crash (out of memory, killed) or a message naming a setting: the settings may be the fix.
    if (error.code === 'worker-crashed' || /layerLens\./.test(error.message))
      actions.push({ label: 'Open Settings', run: () => host.post({ type: 'action', action: 'openSettings' }) });
    notify(error.message, 'error', error.code === 'untrusted' ? [] : actions);
  }

  // Partials can arrive every few milliseconds; drawing each one would keep the workbench's main
  // thread (which this iframe shares) busy and delay the user's clicks: see drawThrottle.ts.
  const partialDraws = drawThrottle(() => {
    if (view.renderPartial && result === undefined) view.renderPartial(resultsArea, partials, theme);
  });

  function drawResult(): void {
    if (result === undefined) return;
    view.renderResult(resultsArea, result, theme);
  }

  host.listen((msg) => {
    switch (msg.type) {
      case 'init':
        title.textContent = msg.title;
        model.textContent = msg.model;
        document.title = `${msg.title} · ${msg.model}`;
        options = msg.options;
        modelInfo = msg.modelInfo;
        if (view.renderOptions) view.renderOptions(optionsArea, msg.options, (o) => host.post({ type: 'run', options: o }), modelInfo);
        setRunning(false);
        statusText.textContent = '';
        return;
      case 'running':
        currentRun = msg.runId;
        options = msg.options;
        partials = [];
        partialDraws.cancel();
        notify('');
        changedBanner.hidden = true;
        notRunBanner.hidden = true;
        statusText.textContent = 'Computing…';
        setRunning(true);
        return;
      case 'progress':
        if (msg.runId !== currentRun) return;
        progress.hidden = false;
        progress.max = Math.max(1, msg.total);
        progress.value = Math.min(msg.done, msg.total);
        statusText.textContent = progressText(msg);
        return;
      case 'partial':
        if (msg.runId !== currentRun) return;
        partials.push(msg.data);
        if (view.renderPartial && result === undefined) partialDraws.request();
        return;
      case 'result':
        currentRun = msg.runId;
        result = msg.data;
        partialDraws.cancel();
        setRunning(false);
        setExportable(true);
        statusText.textContent = `Done in ${msg.seconds < 10 ? msg.seconds.toFixed(2) : msg.seconds.toFixed(1)} s${computedWithText(msg.data)}`;
        drawResult();
        return;
      case 'failed':
        partialDraws.flush();
        setRunning(false);
        statusText.textContent = 'Failed';
        showError(msg.error);
        return;
      case 'cancelled':
        if (msg.runId !== currentRun) return;
        partialDraws.flush();
        setRunning(false);
        statusText.textContent = result === undefined ? 'Cancelled' : 'Cancelled (showing the previous result)';
        if (result !== undefined) drawResult();
        return;
      case 'notRun':
        notRunText.textContent = msg.message;
        notRunBanner.hidden = false;
        statusText.textContent = 'Not run yet';
        return;
      case 'modelInfo':
        modelInfo = msg.modelInfo;
        if (view.renderOptions && options !== undefined) view.renderOptions(optionsArea, options, (o) => host.post({ type: 'run', options: o }), modelInfo);
        return;
      case 'reportMeta':
        reportMeta = { analysis: msg.analysis, models: msg.models, version: msg.version };
        return;
      case 'replayReply':
        replayHandlers.get(msg.name)?.(msg.data);
        return;
      case 'filesChanged':
        changedText.textContent = `${msg.message} —`;
        changedBanner.hidden = false;
        return;
      case 'exported':
        notify(`Saved ${msg.path}`);
        return;
      case 'exportFailed':
        notify(`Export ${msg.format.toUpperCase()} failed: ${msg.message}`, 'error');
        return;
      case 'reply': {
        const w = waiting.get(msg.requestId);
        if (!w) return;
        waiting.delete(msg.requestId);
        if (msg.ok) w.resolve(msg.data);
        else w.reject(new Error(msg.error.message));
        return;
      }
    }
  });

  onThemeChange((t) => {
    const changed = t.kind !== theme.kind || t.foreground !== theme.foreground || t.background !== theme.background;
    theme = t;
    if (changed) drawResult();
  });
  host.post({ type: 'ready' });

  return {
    request(name, payload) {
      const requestId = nextRequest++;
      return new Promise((resolve, reject) => {
        waiting.set(requestId, { resolve, reject });
        host.post({ type: 'request', requestId, name, payload });
      });
    },
    notify,
    onReplayedReply(name, handler) {
      replayHandlers.set(name, handler);
    },
    redraw: drawResult,
  };
}
