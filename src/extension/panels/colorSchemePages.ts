/**
 * The open webview pages that hear about a change of `layerLens.colorScheme`: each page is tracked
 * once (weakly, so a closed panel's webview is not kept alive by this list) and forgotten as soon as
 * it refuses a message (a disposed webview). No vscode import, so it is tested with plain objects.
 */
import { COLOR_SCHEME_MESSAGE, type ColorSchemeMessage, type ColorSchemeName } from '../../protocol/colorScheme';

/** What this needs of a vscode.Webview. */
export interface MessageTarget {
  postMessage(message: unknown): Thenable<boolean> | Promise<boolean> | boolean;
}

export class ColorSchemePages {
  private readonly pages = new Set<WeakRef<MessageTarget>>();
  private readonly tracked = new WeakSet<MessageTarget>();

  track(page: MessageTarget): void {
    if (this.tracked.has(page)) return;
    this.tracked.add(page);
    this.pages.add(new WeakRef(page));
  }

  get size(): number {
    return this.pages.size;
  }

  /** Posts the new scheme to every page; resolves once every page answered. */
  async broadcast(scheme: ColorSchemeName): Promise<void> {
    const message: ColorSchemeMessage = { type: COLOR_SCHEME_MESSAGE, scheme };
    const sends: Promise<void>[] = [];
    for (const ref of this.pages) {
      const page = ref.deref();
      if (!page) {
        this.pages.delete(ref);
        continue;
      }
      const forget = () => void this.pages.delete(ref);
      try {
        sends.push(Promise.resolve(page.postMessage(message)).then((delivered) => (delivered ? undefined : forget()), forget));
      } catch {
        forget();
      }
    }
    await Promise.all(sends);
  }
}
