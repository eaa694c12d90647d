/**
 * Activated fraction per layer by prompt domain: the same density as `layerFraction` (a parameter
 * is activated when its mean |A| > τ; each matrix's fraction weighted by its real size, summed by
 * kind over the layer's parameters), with the mean taken over one domain's prompts only and the
 * run's τ. One domain gives `layerFraction` exactly: the per-parameter sums are accumulated in
 * float32 in prompt order and reduced by kind in the same order as the run's own summary.
 */
import { activatedCount } from './stats';

export interface DomainLayerFraction {
  domain: string;
  /** [layer]: activated parameters / parameters of the layer, over this domain's prompts. */
  fraction: number[];
}

/** Layer l's tracked matrices: their real sizes and kinds (the subset a pattern holds may be strided). */
export interface LayerMatrices {
  sizes: number[];
  kinds: string[];
}

/**
 * `patterns[p][l][i]`: prompt p's |A| on the tracked parameters of layer l's matrix i; `domains[p]`
 * its domain; `kindOrder` the order kinds are summed in. Domains come in order of first appearance.
 */
export function domainLayerFractions(
  patterns: Float32Array[][][],
  domains: string[],
  layers: LayerMatrices[],
  kindOrder: readonly string[],
  tau: number,
): DomainLayerFraction[] {
  if (patterns.length !== domains.length) throw new Error(`${patterns.length} activation patterns for ${domains.length} prompt domains`);
  const order = [...new Set(domains)];
  return order.map((domain) => {
    const members = patterns.filter((_, p) => domains[p] === domain);
    const fraction = layers.map((layer, l) => {
      const perLayer = layer.sizes.reduce((a, b) => a + b, 0);
      const matrixFraction = layer.sizes.map((_, i) => {
        const acc = new Float32Array(members[0][l][i].length);
        for (const prompt of members) {
          const a = prompt[l][i];
          for (let j = 0; j < acc.length; j++) acc[j] += a[j];
        }
        return acc.length ? activatedCount(acc, members.length, tau) / acc.length : 0;
      });
      let total = 0;
      for (const kind of kindOrder) {
        let activated = 0;
        layer.kinds.forEach((k, i) => {
          if (k === kind) activated += matrixFraction[i] * layer.sizes[i];
        });
        total += activated / perLayer;
      }
      return total;
    });
    return { domain, fraction };
  });
}
