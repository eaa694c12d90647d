/** Small DOM helpers for the webviews: element creation and number formatting. No framework. */

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | EventListener | undefined>;

/** `h('div', { class: 'row', onclick: fn }, 'text', child)`: attributes, listeners (on…), children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs, ...children: Child[]): HTMLElementTagNameMap[K];
export function h(tag: string, attrs?: Attrs, ...children: Child[]): HTMLElement;
export function h(tag: string, attrs: Attrs = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** Replaces every child of `el`. */
export function replaceChildren(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, ...children);
}

/** 1234567 → "1.23 M"; small counts stay exact. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs < 10_000) return n.toLocaleString('en-US');
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (const [scale, unit] of units) if (abs >= scale) return `${(n / scale).toPrecision(3)} ${unit}`;
  return String(n);
}

export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${units[i]}`;
}

/** A statistic for display: 4 significant digits, exponent form for tiny/huge values; null → "–". */
export function formatValue(v: number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '−Inf';
  if (v === 0) return '0';
  const abs = Math.abs(v);
  return abs >= 1e-3 && abs < 1e5 ? String(Number(v.toPrecision(4))) : v.toExponential(3);
}

export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return '–';
  const pct = fraction * 100;
  if (pct === 0 || pct >= 0.1) return `${pct.toFixed(pct >= 10 ? 1 : 2)} %`;
  return `${pct >= 1e-4 ? Number(pct.toPrecision(2)) : pct.toExponential(1)} %`;
}

/**
 * " · from the disk cache (computed in 42 s)" for a result served from the worker's cache of
 * finished runs, "" for one computed now: the status line's "Done in" is then the cache lookup.
 */
export function cachedNote(r: { cached?: false | 'memory' | 'disk'; seconds?: number }): string {
  if (!r.cached) return '';
  return ` · from the ${r.cached} cache${typeof r.seconds === 'number' ? ` (computed in ${r.seconds < 10 ? r.seconds.toFixed(2) : r.seconds.toFixed(1)} s)` : ''}`;
}
