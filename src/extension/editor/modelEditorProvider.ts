/**
 * The read-only custom editor for *.safetensors files (the default editor for them). VS Code never
 * loads the file's bytes: the document is just its URI; the worker reads the header on demand.
 */
import * as vscode from 'vscode';
import type { LayerLensContext } from '../context';
import { MODEL_EDITOR_VIEW_TYPE, trackModelView } from './activeModel';
import { ModelView } from './modelView';

export class ModelEditorProvider implements vscode.CustomReadonlyEditorProvider {
  static register(ctx: LayerLensContext): vscode.Disposable {
    return vscode.window.registerCustomEditorProvider(MODEL_EDITOR_VIEW_TYPE, new ModelEditorProvider(ctx), {
      supportsMultipleEditorsPerDocument: true,
    });
  }

  private constructor(private readonly ctx: LayerLensContext) {}

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => undefined };
  }

  resolveCustomEditor(document: vscode.CustomDocument, panel: vscode.WebviewPanel): void {
    if (document.uri.scheme !== 'file') {
      panel.webview.html = `<!DOCTYPE html><html><body><p>Layer Lens reads local files only (this is a ${document.uri.scheme}: resource).</p></body></html>`;
      return;
    }
    const view = new ModelView(this.ctx, panel, document.uri.fsPath);
    const tracked = trackModelView(view);
    panel.onDidDispose(() => {
      tracked.dispose();
      view.dispose();
    });
  }
}
