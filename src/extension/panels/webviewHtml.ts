/**
 * The HTML shell of every Layer Lens webview: a strict Content Security Policy (nothing remote,
 * scripts only with this page's nonce, styles and fonts only from the extension's media), the
 * panel's CSS and its bundle from media/dist/. Plot's generated <style> elements get the nonce too
 * (webview/common/plot.ts), and the toolkit (FAST) finds it in the csp-nonce meta tag, so no
 * 'unsafe-inline' is needed anywhere.
 */
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { RESTORE_META } from '../../protocol/panel';
import { contentSecurityPolicy, newNonce, webviewOptionsFor } from './csp';
import { colorSchemeMeta } from './colorSchemeSetting';

export interface WebviewPage {
  /** Bundle name: loads media/dist/<bundle>.js and, if present, media/<bundle>.css. */
  bundle: string;
  title: string;
  /** Extra CSS files under media/ (e.g. shared.css). */
  styles?: string[];
  /**
   * The panel's restore id (panels/panelRecipes.ts), written into a meta tag that the webview keeps
   * in its state, so that VS Code hands it back to the panel's serializer after a window reload.
   */
  restore?: string;
}

export function webviewOptions(mediaRoot: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return webviewOptionsFor(mediaRoot);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderWebviewHtml(webview: vscode.Webview, mediaRoot: vscode.Uri, page: WebviewPage): string {
  const nonce = newNonce();
  const src = (...parts: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(mediaRoot, ...parts)).toString();
  const csp = contentSecurityPolicy(webview.cspSource, nonce);
  const styles = ['shared.css', ...(page.styles ?? []), `${page.bundle}.css`]
    .filter((f) => existsSync(vscode.Uri.joinPath(mediaRoot, f).fsPath))
    .map((f) => `<link rel="stylesheet" href="${src(f)}">`)
    .join('\n    ');
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${csp}">
    <meta property="csp-nonce" content="${nonce}">${page.restore ? `\n    <meta name="${RESTORE_META}" content="${escapeHtml(page.restore)}">` : ''}
    ${colorSchemeMeta(webview)}
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    ${styles}
    <title>${escapeHtml(page.title)}</title>
  </head>
  <body>
    <div id="root"></div>
    <script nonce="${nonce}" src="${src('dist', `${page.bundle}.js`)}"></script>
  </body>
</html>`;
}
