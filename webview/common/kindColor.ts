/**
 * One colour per matrix kind, the same in every panel: q is the same blue in the activation stack,
 * the spectra depth lines, the diff depth lines and the model editor's depth plots. Ten slots of
 * the theme's kind palette (theme.ts `kindPalette`, Tableau 10 when a theme has none, or Okabe–Ito + 2 under the
 * colour-blind scheme). Kinds that never occur in the same model share a slot: an MLA attention
 * (DeepSeek) has q_a/q_b/kv_a/kv_b instead of q/k/v, so q_a takes q's colour, q_b k's and kv_a v's.
 */
import type * as Plot from '@observablehq/plot';
import { TABLEAU_10 } from './colorScheme';
import type { Theme } from './theme';

/** Palette slot of each kind. */
const KIND_SLOT: Record<string, number> = {
  q: 0,
  q_a: 0,
  k: 1,
  q_b: 1,
  v: 2,
  kv_a: 2,
  o: 3,
  gate: 4,
  up: 5,
  down: 6,
  router: 7,
  kv_b: 8,
  shared: 9,
};

/** The kind a series name stands for: "gate shared" → "gate", "e3 up" → "up", "head 2 q" → "q". */
function baseKind(name: string): string | undefined {
  if (name in KIND_SLOT) return name;
  const words = name.split(/[\s_.:/-]+/).filter(Boolean);
  // MLA names carry an underscore: try the whole name's last two words first.
  const pair = words.slice(-2).join('_');
  if (pair in KIND_SLOT) return pair;
  return words.find((w) => w in KIND_SLOT && w !== 'shared');
}

/** The fixed colour of a matrix kind, or undefined for a name that is no kind. */
export function kindColor(kind: string, theme: Pick<Theme, 'kindPalette'>): string | undefined {
  const slot = KIND_SLOT[kind] ?? (baseKind(kind) !== undefined ? KIND_SLOT[baseKind(kind)!] : undefined);
  const palette = theme.kindPalette ?? TABLEAU_10;
  return slot === undefined ? undefined : palette[slot % palette.length];
}

/**
 * Colours for the series of one plot: each kind its fixed colour; a name that is no kind, or whose
 * colour an earlier series of this plot already has ("gate shared" beside "gate"), the first
 * palette colour no series of the plot uses. Only past ten series do colours repeat.
 */
export function kindColors(names: readonly string[], theme: Pick<Theme, 'kindPalette'>): string[] {
  const palette = theme.kindPalette ?? TABLEAU_10;
  const fixed = names.map((n) => kindColor(n, theme));
  const taken = new Set<string>();
  const out: (string | undefined)[] = names.map(() => undefined);
  // Plain kinds first, so that "gate" keeps its colour even when "gate shared" comes before it.
  names.forEach((n, i) => {
    const c = fixed[i];
    if (c && KIND_SLOT[n] !== undefined && !taken.has(c)) {
      out[i] = c;
      taken.add(c);
    }
  });
  names.forEach((_, i) => {
    if (out[i]) return;
    const c = fixed[i];
    if (c && !taken.has(c)) {
      out[i] = c;
      taken.add(c);
      return;
    }
    const free = palette.find((p) => !taken.has(p));
    out[i] = free ?? palette[i % palette.length];
    if (free) taken.add(free);
  });
  return out as string[];
}

/** A Plot colour scale for series named by kind. */
export function kindColorScale(
  names: readonly string[],
  theme: Pick<Theme, 'kindPalette'>,
  opts: { legend?: boolean; label?: string } = {},
): Plot.ScaleOptions {
  return { domain: [...names], range: kindColors(names, theme), legend: opts.legend ?? true, label: opts.label };
}

/** The column order of layer × kind heatmaps: attention, MLP, router, then the MLA factors. */
export const MATRIX_KIND_ORDER: readonly string[] = ['q', 'k', 'v', 'o', 'gate', 'up', 'down', 'router', 'q_a', 'q_b', 'kv_a', 'kv_b'];
