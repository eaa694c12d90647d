/**
 * Saving what a panel exports (PNG/SVG drawn in the webview, CSV/JSON of the data, a figure's
 * table as CSV) through the save dialog. The webview never names the file: the user picks it here,
 * starting from a name made of safe characters only (exportNames.ts).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DataFormat, ImageFormat, ReportFormat } from '../../protocol/panel';
import { fileStem } from './exportNames';

/** Turns any label into a safe file name stem (exportNames.ts). */
export { fileStem };

const FILTERS: Record<ImageFormat | DataFormat | ReportFormat, Record<string, string[]>> = {
  html: { 'HTML report': ['html'] },
  png: { 'PNG image': ['png'] },
  svg: { 'SVG image': ['svg'] },
  csv: { 'CSV table': ['csv'] },
  json: { JSON: ['json'] },
};

/**
 * Asks where to save, writes the file, and returns its path (undefined if the user cancelled).
 * `nearPath` (the model) picks the dialog's starting folder.
 */
export async function saveExport(
  format: ImageFormat | DataFormat | ReportFormat,
  stem: string,
  contents: string | Uint8Array,
  nearPath?: string,
): Promise<string | undefined> {
  const folder = nearPath ? (path.extname(nearPath) ? path.dirname(nearPath) : nearPath) : undefined;
  const defaultUri = folder ? vscode.Uri.file(path.join(folder, `${fileStem(stem)}.${format}`)) : undefined;
  const target = await vscode.window.showSaveDialog({ defaultUri, filters: FILTERS[format], saveLabel: `Export ${format.toUpperCase()}` });
  if (!target) return undefined;
  const bytes = typeof contents === 'string' ? new TextEncoder().encode(contents) : contents;
  await vscode.workspace.fs.writeFile(target, bytes);
  return target.fsPath;
}

/** PNG bytes from the webview's base64; rejects anything that is not a PNG. */
export function decodePng(base64: string): Uint8Array {
  const bytes = Buffer.from(base64, 'base64');
  const magic = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < magic.length || magic.some((b, i) => bytes[i] !== b)) throw new Error('the exported image is not a PNG');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** After an export is saved: a notification with Open, Reveal in Explorer and Copy Path. */
export function announceExport(saved: string): void {
  const open = 'Open';
  const reveal = process.platform === 'darwin' ? 'Reveal in Finder' : 'Reveal in Explorer';
  const copy = 'Copy Path';
  void vscode.window.showInformationMessage(`Layer Lens: saved ${path.basename(saved)}`, open, reveal, copy).then(async (choice) => {
    const uri = vscode.Uri.file(saved);
    if (choice === open) await vscode.commands.executeCommand('vscode.open', uri);
    else if (choice === reveal) await vscode.commands.executeCommand('revealFileInOS', uri);
    else if (choice === copy) await vscode.env.clipboard.writeText(saved);
  });
}
