/** The heading of each analysis's report. */
const TITLES: Record<string, string> = {
  similarity: 'Layer similarity',
  spectra: 'Weight spectra',
  correlations: 'Weight correlations',
  activation: 'Parameter activation',
  persistence: 'Persistence similarity',
  experts: 'Expert similarity',
  adapter: 'LoRA adapter',
  timeline: 'Training timeline',
  diff: 'Checkpoint diff',
};

export function reportTitle(analysis: string): string {
  return TITLES[analysis] ?? analysis;
}
