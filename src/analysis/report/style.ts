/**
 * The report's stylesheet: readable on paper and screen, light by default and dark where the
 * reader's system asks for it (prefers-color-scheme). Figures draw their axes and text in
 * currentColor, so they follow the same switch.
 */
export const REPORT_CSS = `
:root { color-scheme: light dark; --fg: #1f2328; --bg: #ffffff; --muted: #59636e; --line: #d1d9e0; --stripe: #f6f8fa; --missing: #e5e7eb; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1; --line: #3d444d; --stripe: #151b23; --missing: #2d333b; }
}
body { margin: 2rem auto; max-width: 72rem; padding: 0 1.5rem; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
h3 { font-size: 1rem; margin: 1.25rem 0 .25rem; }
.meta { color: var(--muted); margin: 0 0 1rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--line); padding: .15rem .5rem; text-align: left; vertical-align: top; }
td.num { text-align: right; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
tbody tr:nth-child(even) { background: var(--stripe); }
.scroll { overflow-x: auto; }
figure { margin: 1rem 0; }
figcaption { color: var(--muted); font-size: .9rem; }
svg.ll-figure { color: var(--fg); font: 11px system-ui, sans-serif; max-width: 100%; height: auto; }
svg.ll-figure text { fill: currentColor; }
svg.ll-figure .axis { stroke: currentColor; }
svg.ll-figure .grid { stroke: var(--line); }
svg.ll-figure .missing { fill: var(--missing); }
.note { color: var(--muted); }
pre { background: var(--stripe); border: 1px solid var(--line); padding: .5rem; overflow: auto; max-height: 30rem; font-size: 12px; }
details { margin: .25rem 0 1rem; }
footer { margin-top: 3rem; color: var(--muted); font-size: .85rem; }
@media print { details { display: none; } body { max-width: none; } }
`;
