/**
 * The `layerLens.colorScheme` setting on the host side: every webview page is written with the
 * current value in a meta tag (webviewHtml.ts), and a change of the setting is posted to every page
 * still open (colorSchemePages.ts), which re-draws its plots in the new colours
 * (webview/common/colorScheme.ts) without reloading, so no panel loses its state.
 */
import * as vscode from 'vscode';
import { COLOR_SCHEME_META } from '../../protocol/colorScheme';
import { readColorScheme } from '../config';
import { ColorSchemePages } from './colorSchemePages';

const pages = new ColorSchemePages();
let listener: vscode.Disposable | undefined;

/** The meta tag that gives a page the setting; the page also receives every later change. */
export function colorSchemeMeta(webview: vscode.Webview): string {
  pages.track(webview);
  // One listener for the extension's lifetime, made with the first page.
  listener ??= vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration('layerLens.colorScheme')) void pages.broadcast(readColorScheme());
  });
  return `<meta name="${COLOR_SCHEME_META}" content="${readColorScheme()}">`;
}
