/**
 * How an expert is named in tables, CSV columns and plots: `e3` for routed expert 3, `shared` for
 * the shared expert. A leaf module (types only), so the extension host and the webviews can use it.
 */
import type { ExpertSelector } from '../../model/types';

export function expertLabel(expert: ExpertSelector): string {
  return expert === 'shared' ? 'shared' : `e${expert}`;
}
