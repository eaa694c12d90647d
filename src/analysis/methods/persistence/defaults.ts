/**
 * The persistence run's defaults, in a module of their own: the option validator (options.ts), which
 * the extension host imports, reads them without pulling in the k-NN graphs and the engine.
 */
export const DEFAULT_K = 5;
/**
 * 4 as in the paper and its code (src/zigzag/README.md of github.com/YuriGardinazzi/conferenceProject
 * runs run_fast_zigzag.py with --dim=4, i.e. gudhi's expansion(4)). Measured on two CPU cores,
 * 168 prompts: the sample model's whole run takes about as long at dim 4 as at 3 (docs/persistence.md).
 */
export const DEFAULT_MAX_DIM = 4;
export const DEFAULT_RATIOS = [0.9, 0.8];
/** At most half of the decoder layers are suggested for removal unless the run asks otherwise. */
export const DEFAULT_MAX_PRUNED_SHARE = 0.5;
