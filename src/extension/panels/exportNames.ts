/**
 * The file names a save dialog proposes for an export (exportFile.ts). Kept apart from the dialog
 * itself so that they can be checked without VS Code. The webview's labels (a figure's name, a
 * tensor's name) are untrusted text: only [A-Za-z0-9._-] survive, so no label can name a folder.
 */

/** Turns any label into a safe file name stem. */
export function fileStem(label: string): string {
  return (
    label
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/^[_.]+|_+$/g, '')
      .slice(0, 120) || 'layer-lens'
  );
}

/** An analysis panel's export: `<panel>-<model>`, then the figure's name for one figure's export ("Save CSV…"). */
export function panelExportStem(panel: string, modelBaseName: string, figure?: string): string {
  return `${panel}-${fileStem(modelBaseName)}${figure ? `-${fileStem(figure)}` : ''}`;
}
