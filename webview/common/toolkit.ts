/**
 * The panels' controls, behind one file. Every dropdown, checkbox, text or number field, radio group
 * and button of a panel is made here from the @vscode/webview-ui-toolkit components, which follow
 * the VS Code theme by themselves; no other webview file imports the toolkit or names its tags, so a
 * move to another component library (its successor `@vscode-elements/elements`) changes this file
 * only. The factories give every control the same small API: a `value` (or `checked`) property that
 * reads and writes, a `disabled` property, `data-testid` and `aria-label` on the element the user
 * interacts with, and an `onChange` called with the new value after a user's change (not after a
 * write from code).
 *
 * Not registered: vscode-badge, vscode-tag and vscode-progress-ring, whose templates carry inline
 * style attributes that our CSP blocks; use `<span class="ll-badge">` and `<span class="ll-spinner">`
 * (media/shared.css) instead; nor the data grid, divider and panels, which no panel uses (add a
 * factory here first). The toolkit has no slider: `slider()` makes a native range input,
 * styled in media/shared.css. Tables stay HTML tables (row headers, copyable text, and the e2e
 * tests read their rows). Each factory registers the components it makes when first called, so a
 * panel's bundle holds only the components that panel shows.
 */
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeDropdown,
  vsCodeOption,
  vsCodeRadio,
  vsCodeRadioGroup,
  vsCodeTextField,
} from '@vscode/webview-ui-toolkit';
import { append, h } from './dom';

type DesignSystem = ReturnType<typeof provideVSCodeDesignSystem>;
type Component = () => Parameters<DesignSystem['register']>[number];

let designSystem: DesignSystem | undefined;
const defined = new Set<Component>();

/** Sets up the toolkit's design system (its theme tokens); the factories call it too. */
export function registerToolkit(): DesignSystem {
  designSystem ??= provideVSCodeDesignSystem();
  return designSystem;
}

/**
 * Creates a toolkit element. Its components are registered first: an element created before its
 * definition would keep the properties written to it as its own and hide the component's accessors.
 */
function element(
  components: readonly Component[],
  tag: string,
  attrs: Record<string, string | number | boolean | undefined>,
  ...children: (Node | string | null)[]
): HTMLElement {
  const fresh = components.filter((c) => !defined.has(c));
  if (fresh.length) {
    for (const c of fresh) defined.add(c);
    registerToolkit().register(...fresh.map((c) => c()));
  }
  return h(tag, attrs, ...children);
}

/** One entry of a dropdown or radio group. */
export interface Choice {
  value: string;
  label: string;
  disabled?: boolean;
}

/** What every control shares: a test id, an accessible name, a tooltip and a class for sizing. */
interface ControlOptions {
  testid?: string;
  /** The accessible name (`aria-label`), required: most controls sit next to a text, not in a `<label for>`. */
  label: string;
  title?: string;
  class?: string;
}

function common(o: ControlOptions): Record<string, string | undefined> {
  return { 'data-testid': o.testid, 'aria-label': o.label, title: o.title, class: o.class };
}

export type Dropdown = HTMLElement & { value: string; disabled: boolean };
export type Checkbox = HTMLElement & { checked: boolean; disabled: boolean };
export type TextField = HTMLElement & { value: string; placeholder: string; disabled: boolean };
export type RadioGroup = HTMLElement & { value: string; disabled: boolean };
export type Slider = HTMLInputElement;
export type Button = HTMLElement & { disabled: boolean };

/** Elements whose next change event comes from a write by code (the toolkit's checkbox announces those). */
const writing = new WeakSet<Element>();

function option(c: Choice, current: string | undefined): HTMLElement {
  const o = element([vsCodeOption], 'vscode-option', { value: c.value, disabled: c.disabled }, c.label) as HTMLElement & { selected: boolean };
  // The dropdown picks its first `selected` option when its options arrive (in the DOM, or replaced).
  o.selected = c.value === current;
  return o;
}

/** A dropdown of `options`, showing `value` (the first option when `value` is not among them). */
export function dropdown(o: ControlOptions & { options: readonly Choice[]; value?: string; onChange?: (value: string) => void }): Dropdown {
  const el = element([vsCodeDropdown, vsCodeOption], 'vscode-dropdown', common(o)) as Dropdown;
  setDropdownOptions(el, o.options, o.value);
  const onChange = o.onChange;
  if (onChange) el.addEventListener('change', () => onChange(el.value));
  return el;
}

/** Replaces a dropdown's options and shows `value` (the first option when `value` is not among them). */
export function setDropdownOptions(el: Dropdown, options: readonly Choice[], value?: string): void {
  const shown = value !== undefined && options.some((c) => c.value === value) ? value : options[0]?.value;
  el.replaceChildren(...options.map((c) => option(c, shown)));
  // The toolkit's dropdown takes in new options when the slot announces them (a task later), and
  // refuses until then a value it does not know; hand them over now, so that `value` reads back at once.
  if (el.isConnected) (el as Dropdown & { slottedOptions: Element[] }).slottedOptions = Array.from(el.children);
  if (shown !== undefined) el.value = shown;
}

/** Enables the dropdown's options for which `enabled(value)` holds and disables the others. */
export function enableChoices(el: Dropdown, enabled: (value: string) => boolean): void {
  for (const o of Array.from(el.children) as (HTMLElement & { value: string; disabled: boolean })[]) o.disabled = !enabled(o.value);
}

/**
 * A checkbox showing `label` beside it (the toolkit makes its text the accessible name); `onChange`
 * gets the new state after a user's click.
 */
export function checkbox(o: ControlOptions & { checked: boolean; onChange?: (checked: boolean) => void }): Checkbox {
  const el = element([vsCodeCheckbox], 'vscode-checkbox', common(o), o.label) as Checkbox;
  // Written before the element is in the DOM: the toolkit announces nothing then.
  el.checked = o.checked;
  const onChange = o.onChange;
  el.addEventListener(
    'change',
    (e) => {
      if (!writing.has(el)) onChange?.(el.checked);
      else e.stopImmediatePropagation();
    },
    { capture: true },
  );
  return el;
}

/** Sets a checkbox from code without the change a user's click causes. */
export function setChecked(el: Checkbox, checked: boolean): void {
  writing.add(el);
  try {
    el.checked = checked;
  } finally {
    writing.delete(el);
  }
}

export interface FieldOptions extends ControlOptions {
  value?: string;
  placeholder?: string;
  /** The width in characters. */
  size?: number;
  /** After the user commits the text (Enter, leaving the field). */
  onChange?: (value: string) => void;
  /** After every keystroke. */
  onInput?: (value: string) => void;
}

/**
 * Keeps `aria-label` at `label`: the toolkit's text field names itself "Text field" (or after its
 * text, which it shows as a visible label) each time it enters the DOM.
 */
function keepLabel(el: HTMLElement, label: string): void {
  new MutationObserver(() => {
    if (el.getAttribute('aria-label') !== label) el.setAttribute('aria-label', label);
  }).observe(el, { attributes: true, attributeFilter: ['aria-label'] });
}

function field(o: FieldOptions, extra: Record<string, string | undefined> = {}): TextField {
  const el = element([vsCodeTextField], 'vscode-text-field', { ...common(o), placeholder: o.placeholder, size: o.size, ...extra }) as TextField;
  keepLabel(el, o.label);
  el.value = o.value ?? '';
  const { onChange, onInput } = o;
  if (onChange) el.addEventListener('change', () => onChange(el.value));
  if (onInput) el.addEventListener('input', () => onInput(el.value));
  return el;
}

/** A one-line text field. */
export function textField(o: FieldOptions): TextField {
  return field(o);
}

/**
 * A field for a number: the toolkit's text field (it has no number field) with a decimal keyboard;
 * text that is not a number within [min, max] on the `step` grid is marked invalid as it is typed,
 * and `numberValue` reads it. The panel's host still checks every option it is sent.
 */
export function numberField(o: Omit<FieldOptions, 'value'> & { value?: number; min?: number; max?: number; step?: number | 'any' }): TextField {
  const range = o.min !== undefined || o.max !== undefined ? `${o.min ?? '−∞'} … ${o.max ?? '∞'}` : undefined;
  const el = field(
    { ...o, value: o.value === undefined ? '' : String(o.value), title: o.title ?? (range ? `A number in ${range}` : undefined) },
    { inputmode: 'decimal' },
  );
  const check = () => {
    const v = numberValue(el);
    const ok = v === undefined || numberAllowed(v, o.min, o.max, o.step);
    if (ok) el.removeAttribute('aria-invalid');
    else el.setAttribute('aria-invalid', 'true');
    el.classList.toggle('ll-invalid', !ok);
  };
  el.addEventListener('input', check);
  check();
  return el;
}

/** Whether `v` is finite, within [min, max] and (for a numeric step) a whole number of steps above min (or 0). */
export function numberAllowed(v: number, min?: number, max?: number, step?: number | 'any'): boolean {
  if (!Number.isFinite(v) || (min !== undefined && v < min) || (max !== undefined && v > max)) return false;
  if (step === undefined || step === 'any') return true;
  const k = (v - (min ?? 0)) / step;
  return Math.abs(k - Math.round(k)) < 1e-9 * Math.max(1, Math.abs(k));
}

/** The number in a field: undefined for empty text, NaN for text that is not a number. */
export function numberValue(el: { value: string }): number | undefined {
  const t = el.value.trim();
  return t === '' ? undefined : Number(t);
}

/** Radio buttons, one per choice; `onChange` gets the chosen value. */
export function radioGroup(
  o: ControlOptions & { options: readonly Choice[]; value?: string; onChange?: (value: string) => void; vertical?: boolean },
): RadioGroup {
  const el = element([vsCodeRadioGroup, vsCodeRadio], 'vscode-radio-group', {
    ...common(o),
    orientation: o.vertical ? 'vertical' : 'horizontal',
  }) as RadioGroup;
  for (const c of o.options) {
    const r = element([vsCodeRadio], 'vscode-radio', { value: c.value, disabled: c.disabled }, c.label) as HTMLElement & { checked: boolean };
    r.checked = c.value === o.value;
    el.append(r);
  }
  if (o.value !== undefined) el.value = o.value;
  const onChange = o.onChange;
  if (onChange) el.addEventListener('change', () => onChange(el.value));
  return el;
}

/**
 * A slider (a native range input: the toolkit has none). `onChange` when the user lets go,
 * `onInput` while it moves.
 */
export function slider(
  o: ControlOptions & { min: number; max: number; step: number; value: number; onChange?: (value: number) => void; onInput?: (value: number) => void },
): Slider {
  const el = h('input', { ...common(o), type: 'range', min: String(o.min), max: String(o.max), step: String(o.step) });
  el.classList.add('ll-slider');
  el.value = String(o.value);
  const { onChange, onInput } = o;
  if (onChange) el.addEventListener('change', () => onChange(Number(el.value)));
  if (onInput) el.addEventListener('input', () => onInput(Number(el.value)));
  return el;
}

/**
 * A button: `primary` (the default) for the panel's main action, `secondary` for the others, `icon`
 * for a compact one in a toolbar. `data` becomes data-* attributes.
 */
export function button(
  o: Partial<ControlOptions> & {
    appearance?: 'primary' | 'secondary' | 'icon';
    disabled?: boolean;
    data?: Record<string, string>;
    onClick?: (e: MouseEvent) => void;
  },
  ...content: (Node | string)[]
): Button {
  const data = Object.fromEntries(Object.entries(o.data ?? {}).map(([k, v]) => [`data-${k}`, v]));
  const el = element([vsCodeButton], 'vscode-button', {
    ...data,
    'data-testid': o.testid,
    'aria-label': o.label,
    title: o.title,
    class: o.class,
    appearance: o.appearance ?? 'primary',
    disabled: o.disabled,
  }) as Button;
  append(el, ...content);
  const onClick = o.onClick;
  if (onClick) el.addEventListener('click', (e) => onClick(e));
  return el;
}
