// Small helpers the journeys that run with the development sign-in share
// (useApp({ env: { CONVENE_AUTH__DEV_LOGIN: 'true' } })).

import assert from 'node:assert/strict';
import { closeMenu, openMenu } from './harness.mjs';

export const PRIYA = 'Priya Shah'; // admin
export const GARETH = 'Gareth Lloyd'; // member, author of the draft "Street Works Data Surgery"
export const AISHA = 'Aisha Rahman'; // member, author of "Bus Data Hack Day"
export const DAN = 'Dan Kowalski'; // member

/** Whitespace folded, ends trimmed. */
export function text(s) {
  return (s ?? '').trim().replace(/\s+/g, ' ');
}

export const main = (page) => page.getByRole('main');
export const header = (page) => page.getByRole('banner');

/**
 * An accessible name "ACTION: DETAIL" whose detail is visually hidden
 * (Chromium may put a space before the colon).
 */
export function named(action, detail) {
  const esc = (x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${esc(action)}\\s*:\\s*${esc(detail)}$`);
}

/** The page's <h1> texts. */
export async function h1s(page) {
  return (await page.locator('h1').allTextContents()).map(text);
}

export async function assertH1(page, expected) {
  const found = await h1s(page);
  if (expected instanceof RegExp) {
    assert.equal(found.length, 1, `expected one <h1> on ${page.url()}: ${JSON.stringify(found)}`);
    assert.match(found[0], expected, `the <h1> of ${page.url()}`);
  } else {
    assert.deepEqual(found, [expected], `expected one <h1> "${expected}" on ${page.url()}`);
  }
}

/** The flash message `expected` is shown, visibly, with the role that makes it announced. */
export async function assertFlash(page, expected, role = 'status') {
  const found = await page.evaluate(() =>
    [...document.querySelectorAll('.flash')].map((el) => ({
      role: el.getAttribute('role'),
      text: el.textContent.trim().replace(/\s+/g, ' '),
      visible: el.getClientRects().length > 0,
    })),
  );
  const match = found.find((f) => (expected instanceof RegExp ? expected.test(f.text) : f.text === expected));
  assert.ok(match, `no flash message ${expected} on ${page.url()}; flashes: ${JSON.stringify(found)}`);
  assert.ok(match.visible, `the flash message "${match.text}" is not visible`);
  assert.equal(match.role, role, `the flash message "${match.text}" should have role="${role}"`);
}

/** No script errors, console errors (a CSP refusal is one) or failed sub-resources. */
export function assertNoPageProblems(app, page) {
  const p = app.pageProblems(page);
  const all = [
    ...p.pageErrors.map((e) => `script error: ${e}`),
    // A page that is itself an error (a 404 after a deletion, a 422) logs "Failed to load
    // resource"; failed sub-resources are in failedRequests.
    ...p.consoleErrors.filter((e) => !e.startsWith('Failed to load resource')).map((e) => `console error: ${e}`),
    ...p.failedRequests.map((r) => `failed request: ${r}`),
  ];
  assert.deepEqual(all, [], `${page.url()} had problems:\n  ${all.join('\n  ')}`);
}

/**
 * Sign in through /auth/dev as `name` and check the header shows them (opening
 * the phone menu to look, and closing it again).
 */
export async function signInAs(app, page, name) {
  const res = await app.visit(page, '/auth/dev');
  assert.equal(res.status(), 200, `/auth/dev answered HTTP ${res.status()}: is CONVENE_AUTH__DEV_LOGIN=true applied?`);
  const button = main(page).getByRole('button', { name: `Sign in as ${name}`, exact: true });
  assert.equal(await button.count(), 1, `no "Sign in as ${name}" button on /auth/dev`);
  const { res: done, chain } = await app.navigation(page, () => button.click());
  assert.equal(done.status(), 200, `signing in as ${name} ended with HTTP ${done.status()} (${chain.join(' -> ')})`);
  const opened = await openMenu(page);
  const profile = header(page).getByRole('link', { name: `${name} (your profile)`, exact: true });
  assert.equal(await profile.count(), 1, `the header does not show ${name} after signing in`);
  if (opened) await closeMenu(page);
}

/**
 * Run axe on the page as it is (at its viewport), then again at 375x812 if it
 * was wider (or at 1280x800 if it was narrower), checking the page fits the
 * phone; puts the viewport back afterwards.
 */
export async function checkBothSizes(app, page, label) {
  const size = page.viewportSize();
  await app.checkAccessibility(page, `${label} ${size.width}`);
  const other = size.width > 375 ? { width: 375, height: 812 } : { width: 1280, height: 800 };
  await page.setViewportSize(other);
  try {
    if (other.width === 375) await app.assertNoSidewaysScroll(page, other);
    await app.checkAccessibility(page, `${label} ${other.width}`);
  } finally {
    await page.setViewportSize(size);
  }
}
