// Named points in the long computations (the Gram product, each stage of an eigen-decomposition,
// the spectra and diff steps) that a memory benchmark can listen to, so that a peak of resident
// memory is attributed to the phase that reached it (bench/memoryPhases.bench.ts). Without a
// listener a mark is one comparison.

type Listener = (label: string) => void;

let listener: Listener | undefined;

/** Marks the start of a phase; the label stays current until the next mark. */
export function memoryMark(label: string): void {
  listener?.(label);
}

/** Sets (or, with undefined, removes) the one listener; returns the previous one. */
export function setMemoryMarkListener(next: Listener | undefined): Listener | undefined {
  const previous = listener;
  listener = next;
  return previous;
}
