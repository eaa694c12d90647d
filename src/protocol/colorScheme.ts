/**
 * The `layerLens.colorScheme` setting as it travels from the extension host to every webview: the
 * page carries the value in a meta tag when it is written (src/extension/panels/colorSchemeSetting.ts),
 * and a change of the setting arrives as one message, so open panels re-draw without reloading.
 * The webview side is webview/common/colorScheme.ts.
 */

/** "theme": the VS Code theme's chart colours; "colorblind": Okabe–Ito, cividis and PuOr. */
export type ColorSchemeName = 'theme' | 'colorblind';

export const COLOR_SCHEME_META = 'layer-lens-color-scheme';

/** The message a webview receives when the setting changes (outside each panel's own protocol). */
export const COLOR_SCHEME_MESSAGE = 'layerLens.colorScheme';

export interface ColorSchemeMessage {
  type: typeof COLOR_SCHEME_MESSAGE;
  scheme: ColorSchemeName;
}

/** The setting's value, or "theme" for anything else (a hand-edited settings.json may hold anything). */
export function parseColorScheme(v: unknown): ColorSchemeName {
  return v === 'colorblind' ? 'colorblind' : 'theme';
}
