/**
 * The scaffolding of an activation-panel section that runs one host request on demand: a heading, a
 * note, a row of controls followed by a status line, and a result area redrawn from the last
 * result whenever it or the colour theme changes. The host's reply is shown when it comes and
 * again when the host replays it to a re-created webview; the status line says "Cancelled." or
 * "Failed: …". Test ids: `<testid>` on the section, `<testid>-status` and `<testid>-result`.
 */
import type { AnalysisPanelHandle } from '../common/analysisShell';
import { h } from '../common/dom';
import { onThemeChange, type Theme } from '../common/theme';

export interface RequestSectionOptions<R> {
  panel: AnalysisPanelHandle;
  /** The host request's name (also the name its replayed reply comes back under). */
  request: string;
  testid: string;
  title: string;
  note: string;
  /** The row's controls, left of the status line. */
  controls: HTMLElement[];
  /** Disabled while a request runs. */
  busy: Array<{ disabled: boolean }>;
  /** Fills `body` from a result (called again on each theme change). */
  draw(body: HTMLElement, result: R, theme: Theme): void;
}

export interface RequestSection {
  /** Sends the request, with `running` in the status line until the reply. */
  run(payload: unknown, running: string): void;
}

/** Appends the section to the panel's root and wires it to the host's request. */
export function mountRequestSection<R>(o: RequestSectionOptions<R>): RequestSection {
  let result: R | undefined;
  let theme: Theme | undefined;
  const status = h('span', { class: 'll-activation-note', 'data-testid': `${o.testid}-status` });
  const body = h('div', { 'data-testid': `${o.testid}-result` });
  const draw = () => {
    if (result === undefined || !theme) return;
    o.draw(body, result, theme);
  };
  const show = (data: unknown) => {
    result = data as R;
    draw();
  };
  const run = (payload: unknown, running: string) => {
    o.busy.forEach((b) => (b.disabled = true));
    status.textContent = running;
    o.panel
      .request(o.request, payload)
      .then(
        (data) => {
          status.textContent = data === null ? 'Cancelled.' : '';
          if (data !== null) show(data);
        },
        (err: unknown) => {
          status.textContent = `Failed: ${err instanceof Error ? err.message : String(err)}`;
        },
      )
      .finally(() => o.busy.forEach((b) => (b.disabled = false)));
  };
  const section = h(
    'section',
    { class: 'll-results', 'data-testid': o.testid },
    h('h2', {}, o.title),
    h('p', { class: 'll-activation-note' }, o.note),
    h('div', { class: 'll-row ll-activation-row' }, ...o.controls, status),
    body,
  );
  (document.getElementById('root') ?? document.body).append(section);
  o.panel.onReplayedReply(o.request, show);
  onThemeChange((t) => {
    theme = t;
    draw();
  });
  return { run };
}
