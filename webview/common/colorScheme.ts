/**
 * The palettes behind the `layerLens.colorScheme` setting, and how the setting reaches the page.
 *
 * "theme" keeps the VS Code theme's chart colours (six), Plot's `blues`/`viridis` sequential and
 * `rdbu` diverging schemes. "colorblind" uses colours that stay apart under the common colour-vision
 * deficiencies: the Okabe–Ito palette for categories (M. Okabe and K. Ito, "Color Universal Design
 * (CUD): how to make figures and presentations that are friendly to colorblind people", 2008,
 * https://jfly.uni-koeln.de/color/ — the eight colours as published, black replaced by the
 * editor's foreground so that it shows on a dark background), `cividis` for sequential scales
 * (Nuñez, Anderton and Renslow, PLOS ONE 2018: designed to read the same with deuteranopia) and
 * `puor` (ColorBrewer purple–orange, marked colour-blind safe by ColorBrewer) for diverging ones;
 * both are Observable Plot scheme names (@observablehq/plot src/scales/schemes.js).
 *
 * Matrix kinds need ten colours (kindColor.ts): Tableau 10 (d3-scale-chromatic schemeTableau10,
 * the values Plot's `tableau10` uses) under "theme"; Okabe–Ito plus R's ninth Okabe–Ito entry
 * (grey #999999, grDevices::palette.colors) and Paul Tol's "wine" (#882255, his muted scheme,
 * https://personal.sron.nl/~pault/) under "colorblind".
 */
import { COLOR_SCHEME_MESSAGE, COLOR_SCHEME_META, parseColorScheme, type ColorSchemeName } from '../../src/protocol/colorScheme';

export type { ColorSchemeName };

/** The attribute on <html> that holds the setting once the page has started (a change rewrites it). */
export const COLOR_SCHEME_ATTRIBUTE = 'data-ll-color-scheme';

/** Okabe & Ito (2008), in their order: black, orange, sky blue, bluish green, yellow, blue, vermillion, reddish purple. */
export const OKABE_ITO = ['#000000', '#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7'] as const;

/** d3-scale-chromatic schemeTableau10 ("4e79a7f28e2c…bab0ab"). */
export const TABLEAU_10 = ['#4e79a7', '#f28e2c', '#e15759', '#76b7b2', '#59a14f', '#edc949', '#af7aa1', '#ff9da7', '#9c755f', '#bab0ab'] as const;

export interface SchemeColours {
  categorical: string[];
  kindPalette: string[];
  sequentialScheme: string;
  divergingScheme: string;
}

/**
 * The colours of a scheme. Under "colorblind" the categorical order starts with blue, orange and
 * bluish green (the pairs panels draw most: "kept / removed", "same / cross") and leaves yellow late
 * (it is faint on a light background); black is the editor's foreground.
 */
export function schemeColours(scheme: ColorSchemeName, env: { light: boolean; foreground: string; themeCategorical: string[] }): SchemeColours {
  if (scheme === 'colorblind') {
    const [, orange, sky, green, yellow, blue, vermillion, purple] = OKABE_ITO;
    return {
      categorical: [blue, orange, green, purple, vermillion, sky, yellow, env.foreground],
      kindPalette: [blue, orange, green, vermillion, purple, sky, yellow, env.foreground, '#999999', '#882255'],
      sequentialScheme: 'cividis',
      divergingScheme: 'puor',
    };
  }
  return {
    categorical: env.themeCategorical,
    kindPalette: [...TABLEAU_10],
    sequentialScheme: env.light ? 'blues' : 'viridis',
    divergingScheme: 'rdbu',
  };
}

/** The setting in effect on this page: the attribute a change message wrote, else the meta tag the host wrote. */
export function colorSchemeFromPage(): ColorSchemeName {
  const attr = document.documentElement.getAttribute(COLOR_SCHEME_ATTRIBUTE);
  if (attr) return parseColorScheme(attr);
  return parseColorScheme(document.querySelector<HTMLMetaElement>(`meta[name="${COLOR_SCHEME_META}"]`)?.content);
}

/**
 * Applies the host's change messages: writes the new value on <html>, which onThemeChange (theme.ts)
 * observes and answers with a re-draw. Returns a function that stops listening.
 */
export function listenForColorScheme(): () => void {
  const onMessage = (event: MessageEvent) => {
    const msg = event.data as { type?: unknown; scheme?: unknown } | null;
    if (msg?.type !== COLOR_SCHEME_MESSAGE) return;
    document.documentElement.setAttribute(COLOR_SCHEME_ATTRIBUTE, parseColorScheme(msg.scheme));
  };
  window.addEventListener('message', onMessage);
  return () => window.removeEventListener('message', onMessage);
}
