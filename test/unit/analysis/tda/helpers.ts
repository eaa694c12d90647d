/** Small builders for the TDA tests: clique complexes from edge lists, bars as sortable strings. */
import { cliqueComplex, graphFromEdges } from '../../../../src/analysis/tda/cliques';
import type { Complex } from '../../../../src/analysis/tda/complex';
import { barLayers, type ZigzagBar } from '../../../../src/analysis/tda/zigzag';

export function flag(n: number, edges: Array<[number, number]>, maxDim = 2): Complex {
  return cliqueComplex(graphFromEdges(n, edges), maxDim);
}

export function barStrings(bars: Array<{ dim: number; birth: number; death: number }>): string[] {
  return bars.map((b) => `H${b.dim}[${b.birth},${b.death})`).sort();
}

/** Bars in layer indices, zero-length ones dropped (methods.md §5). */
export function layerBars(bars: ZigzagBar[]): Array<{ dim: number; birth: number; death: number }> {
  return bars.map(barLayers).filter((b) => b.birth < b.death);
}

export const cycle4: Array<[number, number]> = [
  [0, 1],
  [1, 2],
  [2, 3],
  [0, 3],
];
