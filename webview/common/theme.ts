/**
 * Plot colours from the VS Code theme. VS Code sets `--vscode-*` CSS variables and a body class
 * (vscode-light / vscode-dark / vscode-high-contrast[-light]) on every webview; plots read the
 * resolved values (not `var(...)`) so exported SVG/PNG files keep their colours outside VS Code.
 * `onThemeChange` re-renders when the user switches theme or the `layerLens.colorScheme` setting
 * (colour-blind-safe palettes, colorScheme.ts) changes.
 */
import { COLOR_SCHEME_ATTRIBUTE, colorSchemeFromPage, listenForColorScheme, schemeColours, type ColorSchemeName } from './colorScheme';

export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

export interface Theme {
  kind: ThemeKind;
  /** The `layerLens.colorScheme` setting in effect: the theme's chart colours or the colour-blind-safe set. */
  colorScheme?: ColorSchemeName;
  foreground: string;
  background: string;
  /** Secondary text, axes, grid lines. */
  muted: string;
  grid: string;
  accent: string;
  /** Distinct series colours: the theme's chart palette, or Okabe–Ito under the colour-blind scheme. */
  categorical: string[];
  /** Ten distinct colours for matrix kinds (kindColor.ts): Tableau 10, or Okabe–Ito + 2 under the colour-blind scheme. */
  kindPalette?: string[];
  /** Observable Plot scheme names that read well on this background. */
  sequentialScheme: string;
  divergingScheme: string;
  fontFamily: string;
  fontSize: number;
  monoFontFamily: string;
}

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}

function themeKind(): ThemeKind {
  const c = document.body.classList;
  if (c.contains('vscode-high-contrast-light')) return 'high-contrast-light';
  if (c.contains('vscode-high-contrast')) return 'high-contrast';
  if (c.contains('vscode-light')) return 'light';
  return 'dark';
}

export function readTheme(): Theme {
  const kind = themeKind();
  const light = kind === 'light' || kind === 'high-contrast-light';
  const foreground = cssVar('--vscode-editor-foreground', cssVar('--vscode-foreground', light ? '#333333' : '#cccccc'));
  const colorScheme = colorSchemeFromPage();
  const themeCategorical = ['blue', 'orange', 'green', 'purple', 'red', 'yellow'].map((c, i) =>
    cssVar(`--vscode-charts-${c}`, ['#3794ff', '#d18616', '#89d185', '#b180d7', '#f14c4c', '#cca700'][i]!),
  );
  const colours = schemeColours(colorScheme, { light, foreground, themeCategorical });
  return {
    kind,
    colorScheme,
    foreground,
    background: cssVar('--vscode-editor-background', light ? '#ffffff' : '#1e1e1e'),
    muted: cssVar('--vscode-descriptionForeground', light ? '#717171' : '#9d9d9d'),
    grid: cssVar('--vscode-charts-lines', light ? 'rgba(0,0,0,0.15)' : 'rgba(255,255,255,0.15)'),
    accent: colorScheme === 'colorblind' ? colours.categorical[0]! : cssVar('--vscode-charts-blue', cssVar('--vscode-focusBorder', '#3794ff')),
    categorical: colours.categorical,
    kindPalette: colours.kindPalette,
    sequentialScheme: colours.sequentialScheme,
    divergingScheme: colours.divergingScheme,
    fontFamily: cssVar('--vscode-font-family', 'system-ui, sans-serif'),
    fontSize: Number.parseFloat(cssVar('--vscode-font-size', '13')) || 13,
    monoFontFamily: cssVar('--vscode-editor-font-family', 'monospace'),
  };
}

/** Calls `render(theme)` now and again after every theme switch; returns an unsubscribe function. */
export function onThemeChange(render: (theme: Theme) => void): () => void {
  let last = '';
  const check = () => {
    const theme = readTheme();
    const key = JSON.stringify(theme);
    if (key === last) return;
    last = key;
    render(theme);
  };
  // On a theme switch VS Code swaps the body class and rewrites the variables in <html style>.
  const observer = new MutationObserver(check);
  observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  // The host's setting arrives as an attribute on <html> (colorScheme.ts listenForColorScheme).
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class', COLOR_SCHEME_ATTRIBUTE] });
  const stopListening = listenForColorScheme();
  check();
  return () => {
    observer.disconnect();
    stopListening();
  };
}
