// The control factories of webview/common/toolkit.ts against the real toolkit components, in
// headless Chromium: values read and written, onChange after a user's change only, the testid and
// accessible name on the element the user interacts with, and the e2e helpers (chooseOption,
// setChecked, fillField, controlValue) that drive the same elements in the VS Code tests.
// Chromium as found by ../browserPage.ts; without one, the test is skipped.
import test from 'node:test';
import assert from 'node:assert/strict';
import { harnessPage, NO_CHROMIUM } from '../browserPage';
import { chooseOption, controlValue, fillField, setChecked } from '../../../e2e/lib/workbench';

// The page: one control of each factory, whose callbacks append to window.log.
const HARNESS = `
import { button, checkbox, dropdown, enableChoices, numberField, radioGroup, setChecked, setDropdownOptions, slider, textField } from './toolkit';
const log: string[] = [];
const w = window as unknown as Record<string, unknown>;
w.log = log;
const dd = dropdown({ testid: 'dd', label: 'Letter', options: [{ value: 'a', label: 'A' }, { value: 'b', label: 'B' }, { value: 'c', label: 'C' }], value: 'b', onChange: (v) => log.push('dd:' + v) });
const cb = checkbox({ testid: 'cb', label: 'Box', checked: false, onChange: (c) => log.push('cb:' + c) });
const nf = numberField({ testid: 'nf', label: 'Ratio', min: 0, max: 1, step: 0.05, value: 0.5, onChange: (v) => log.push('nf:' + v) });
const tf = textField({ testid: 'tf', label: 'Layers', value: '0,1', onChange: (v) => log.push('tf:' + v) });
const sl = slider({ testid: 'sl', label: 'p', min: 0.5, max: 1, step: 0.01, value: 0.9, onChange: (v) => log.push('sl:' + v) });
const rg = radioGroup({ testid: 'rg', label: 'Side', options: [{ value: 'left', label: 'left' }, { value: 'right', label: 'right' }], value: 'left', onChange: (v) => log.push('rg:' + v) });
const bt = button({ testid: 'bt', label: 'Go', appearance: 'secondary', data: { format: 'png' }, onClick: () => log.push('bt') }, 'Go');
document.body.append(dd, cb, nf, tf, sl, rg, bt);
w.els = { dd, cb, nf, tf, sl, rg, bt };
w.setChecked = setChecked;
w.setDropdownOptions = setDropdownOptions;
w.enableChoices = enableChoices;
`;

interface Els {
  dd: HTMLElement & { value: string };
  cb: HTMLElement & { checked: boolean };
  nf: HTMLElement & { value: string };
  tf: HTMLElement & { value: string };
  sl: HTMLInputElement;
  rg: HTMLElement & { value: string };
  bt: HTMLElement & { disabled: boolean };
}
type Win = { els: Els; log: string[]; setChecked: (el: Els['cb'], v: boolean) => void } & Record<string, unknown>;

test('toolkit controls in Chromium', { skip: NO_CHROMIUM, timeout: 30_000 }, async (t) => {
  const page = await harnessPage(t, HARNESS, { resolveDir: 'webview/common' });
  const log = () => page.evaluate(() => (window as unknown as Win).log.splice(0));

  await t.test('the test id and accessible name sit on the element the user interacts with', async () => {
    for (const [id, name] of [
      ['dd', 'Letter'],
      ['cb', 'Box'],
      ['nf', 'Ratio'],
      ['tf', 'Layers'],
      ['sl', 'p'],
      ['rg', 'Side'],
      ['bt', 'Go'],
    ] as const)
      assert.equal(await page.locator(`[data-testid="${id}"]`).getAttribute('aria-label'), name, id);
    assert.equal(await page.locator('[data-testid="bt"]').getAttribute('data-format'), 'png');
  });

  await t.test('initial values read back', async () => {
    assert.equal(await controlValue(page, 'dd'), 'b');
    assert.equal(await controlValue(page, 'nf'), '0.5');
    assert.equal(await controlValue(page, 'tf'), '0,1');
    assert.equal(await controlValue(page, 'sl'), '0.9');
    assert.equal(await controlValue(page, 'rg'), 'left');
    assert.equal(await page.evaluate(() => (window as unknown as Win).els.cb.checked), false);
    assert.deepEqual(await log(), []);
  });

  await t.test('dropdown: a write from code is silent, a user choice calls onChange', async () => {
    await page.evaluate(() => ((window as unknown as Win).els.dd.value = 'c'));
    assert.equal(await controlValue(page, 'dd'), 'c');
    assert.deepEqual(await log(), []);
    await chooseOption(page, 'dd', 'a');
    assert.equal(await controlValue(page, 'dd'), 'a');
    assert.deepEqual(await log(), ['dd:a']);
    // A user's click on the dropdown and then on an option.
    await page.locator('[data-testid="dd"]').click();
    await page.locator('[data-testid="dd"] [role="option"]', { hasText: 'C' }).click();
    assert.equal(await controlValue(page, 'dd'), 'c');
    assert.deepEqual(await log(), ['dd:c']);
    await assert.rejects(chooseOption(page, 'dd', 'zz', 600), /option "zz" of dd/);
    assert.equal(await controlValue(page, 'dd'), 'c');
  });

  await t.test('dropdown: new options show the wanted value, else the first; options can be disabled', async () => {
    const after = (value: string | undefined) =>
      page.evaluate((v) => {
        const w = window as unknown as Win;
        (w.setDropdownOptions as (el: unknown, o: unknown, v?: string) => void)(
          w.els.dd,
          ['x', 'y', 'z'].map((s) => ({ value: s, label: s.toUpperCase() })),
          v,
        );
        return w.els.dd.value;
      }, value);
    assert.equal(await after('y'), 'y');
    assert.equal(await after('missing'), 'x');
    await chooseOption(page, 'dd', 'z');
    assert.deepEqual(await log(), ['dd:z']);
    const disabled = await page.evaluate(() => {
      const w = window as unknown as Win;
      (w.enableChoices as (el: unknown, f: (v: string) => boolean) => void)(w.els.dd, (v) => v !== 'y');
      return Array.from(w.els.dd.children).map((o) => (o as HTMLElement & { disabled: boolean }).disabled);
    });
    assert.deepEqual(disabled, [false, true, false]);
  });

  await t.test('checkbox: setChecked from code is silent, a click calls onChange once', async () => {
    await page.evaluate(() => {
      const w = window as unknown as Win;
      w.setChecked(w.els.cb, true);
      w.setChecked(w.els.cb, false);
    });
    assert.deepEqual(await log(), []);
    await setChecked(page, 'cb', true);
    assert.equal(await page.evaluate(() => (window as unknown as Win).els.cb.checked), true);
    assert.deepEqual(await log(), ['cb:true']);
    await setChecked(page, 'cb', true);
    assert.deepEqual(await log(), []);
    await setChecked(page, 'cb', false);
    assert.deepEqual(await log(), ['cb:false']);
  });

  await t.test('number field: the value, onChange, and invalid text marked', async () => {
    const invalid = () => page.locator('[data-testid="nf"]').getAttribute('aria-invalid');
    await fillField(page, 'nf', '0.35');
    assert.deepEqual(await log(), ['nf:0.35']);
    assert.equal(await invalid(), null);
    for (const bad of ['abc', '1.5', '-0.05', '0.33']) {
      await fillField(page, 'nf', bad);
      assert.equal(await invalid(), 'true', bad);
    }
    await fillField(page, 'nf', '');
    assert.equal(await invalid(), null);
    assert.deepEqual(await log(), ['nf:abc', 'nf:1.5', 'nf:-0.05', 'nf:0.33', 'nf:']);
    // Typing into the field and leaving it, as a user does: onChange once the text is committed.
    await page.locator('[data-testid="nf"] input').fill('0.95');
    assert.equal(await controlValue(page, 'nf'), '0.95');
    assert.equal(await invalid(), null);
    assert.deepEqual(await log(), []);
    await page.locator('[data-testid="nf"] input').press('Tab');
    assert.deepEqual(await log(), ['nf:0.95']);
  });

  await t.test('text field, slider, radio group and button', async () => {
    await fillField(page, 'tf', '2,3');
    await fillField(page, 'sl', '0.8');
    assert.deepEqual(await log(), ['tf:2,3', 'sl:0.8']);
    await page.locator('[data-testid="rg"] [role="radio"]', { hasText: 'right' }).click();
    assert.equal(await controlValue(page, 'rg'), 'right');
    assert.deepEqual(await log(), ['rg:right']);
    await page.locator('[data-testid="bt"]').click();
    assert.deepEqual(await log(), ['bt']);
    await page.evaluate(() => ((window as unknown as Win).els.bt.disabled = true));
    // The toolkit reflects the property to its attribute and inner button on its next update.
    await page.locator('[data-testid="bt"][disabled]').waitFor({ state: 'attached', timeout: 2_000 });
    assert.equal(await page.locator('[data-testid="bt"] button').isDisabled(), true);
  });
});
