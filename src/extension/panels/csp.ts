/**
 * The security settings of every Layer Lens webview, kept free of `vscode` so unit tests check the
 * exact strings: a Content Security Policy that loads nothing remote and runs only scripts carrying
 * this page's nonce, and webview options whose only local resource root is the extension's media
 * folder (a webview can then never fetch a model file or anything else from disk by URL).
 */
import { randomBytes } from 'node:crypto';

/** 144 random bits, fresh for every page load. */
export function newNonce(): string {
  return randomBytes(18).toString('base64');
}

/**
 * `cspSource` is the webview's own origin for local resources (`webview.cspSource`). No directive
 * names a scheme or host beyond it; `data:`/`blob:` are allowed for images only (PNG export and
 * Plot's rasters), and no 'unsafe-inline' or 'unsafe-eval' appears anywhere.
 */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  if (!/^[A-Za-z0-9+/=]+$/.test(nonce)) throw new Error('a CSP nonce must be base64');
  return [
    "default-src 'none'",
    `img-src ${cspSource} data: blob:`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    "connect-src 'none'",
    "frame-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** Webview options: scripts on (the panels are scripts), one resource root, no command links. */
export function webviewOptionsFor<U>(mediaRoot: U): { enableScripts: true; enableCommandUris: false; localResourceRoots: U[]; enableFindWidget: true } {
  return { enableScripts: true, enableCommandUris: false, localResourceRoots: [mediaRoot], enableFindWidget: true };
}
