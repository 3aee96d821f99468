// Journey: the site header on a phone and on a desktop.
//
// Phone (375x812): the header is one short row (at most 60 px) with the brand
// and a "Menu" disclosure; an admin reaches "Menu" with Tab (focus visible),
// opens it with Enter, tabs to "Admin" and follows it; Escape closes the menu
// and puts focus back on "Menu"; every control in it is at least 24 px high
// (WCAG 2.2, 2.5.8); without script the menu still opens and lists every
// link; a signed-out visitor finds "Sign in" in it.
// Desktop (1280x800): an admin's navigation, with the waiting count, is on
// one line, as is the whole header row; there is no "Menu".
//
// Axe runs on every page, with the menu closed and open.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, VIEWPORTS, assertNoSidewaysScroll, tabTo } from '../lib/harness.mjs';
import { PRIYA, assertNoPageProblems, header, signInAs, text } from '../lib/people.mjs';

const app = useApp({ name: 'header', env: { CONVENE_AUTH__DEV_LOGIN: 'true' } });

const PHONE = { name: 'phone-375x812', width: 375, height: 812, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const TIMEOUT = 120_000;
const ADMIN_LINKS = ['Home', 'Events', 'Calendar', 'Meetings', 'Forum', 'Data', 'My events', 'Admin'];

const menu = (page) => page.locator('details.site-menu');
const menuButton = (page) => page.locator('details.site-menu > summary');
const mainNav = (page) => page.getByRole('navigation', { name: 'Main' });

async function headerHeight(page) {
  return page.locator('header.site-header').evaluate((h) => h.getBoundingClientRect().height);
}

/** Name, height and width of every control a visitor can use in the open menu and on "Menu". */
async function menuTargets(page) {
  return page.evaluate(() =>
    [document.querySelector('details.site-menu > summary'), ...document.querySelectorAll('.site-menu-panel a, .site-menu-panel button')].map((el) => {
      const r = el.getBoundingClientRect();
      return { name: el.textContent.trim().replace(/\s+/g, ' '), height: r.height, width: r.width };
    }),
  );
}

test('phone 375x812: the header is one short row, and an admin reaches every link through "Menu" with the keyboard', { timeout: TIMEOUT }, async () => {
  const page = await app.openPage(PHONE);
  await signInAs(app, page, PRIYA);
  await app.visit(page, '/');

  const height = await headerHeight(page);
  assert.ok(height <= 60, `the header is ${height} px tall on a 375 px phone, expected at most 60 px`);
  assert.ok(await menuButton(page).isVisible(), 'no "Menu" in the phone header');
  assert.equal(await menu(page).evaluate((d) => d.open), false, 'the menu starts open');
  assert.equal(await mainNav(page).count(), 0, 'the closed menu\'s navigation is exposed to screen readers');
  await assertNoSidewaysScroll(page, PHONE);
  await app.screenshot(page, 'phone-closed');
  await app.checkAccessibility(page, 'phone menu closed');

  // The count of things waiting for admins shows on "Menu" too.
  assert.match(text(await menuButton(page).textContent()), /^Menu \d+ waiting$/, 'the "Menu" of an admin does not carry the waiting count');

  // Keyboard: skip link, brand, then "Menu", with a visible focus ring.
  await tabTo(page, menuButton(page), '"Menu"', 5);
  await page.keyboard.press('Enter');
  assert.equal(await menu(page).evaluate((d) => d.open), true, 'Enter on "Menu" did not open it');
  const labels = (await mainNav(page).getByRole('link').allTextContents()).map(text).map((l) => l.replace(/ \d+ waiting$/, ''));
  assert.deepEqual(labels, ADMIN_LINKS, 'the open menu does not list every link of an admin');
  assert.equal(await header(page).getByRole('button', { name: 'Sign out', exact: true }).count(), 1, 'no "Sign out" in the open menu');

  const small = (await menuTargets(page)).filter((t) => t.height < 24 || t.width < 24);
  assert.deepEqual(small, [], 'controls of the menu are smaller than 24x24 px (WCAG 2.2, 2.5.8)');
  assert.ok(await headerHeight(page) <= 60, 'opening the menu made the header itself taller (it should drop down over the page)');
  await assertNoSidewaysScroll(page, PHONE);
  await app.screenshot(page, 'phone-open');
  await app.checkAccessibility(page, 'phone menu open');

  // Escape closes it and puts focus back on "Menu".
  await page.keyboard.press('Escape');
  assert.equal(await menu(page).evaluate((d) => d.open), false, 'Escape did not close the menu');
  assert.equal(await menuButton(page).evaluate((s) => s === document.activeElement), true, 'after Escape, focus is not back on "Menu"');

  // Space opens it again; Tab walks into it; Enter follows "Admin".
  await page.keyboard.press('Space');
  assert.equal(await menu(page).evaluate((d) => d.open), true, 'Space on "Menu" did not open it');
  const admin = mainNav(page).getByRole('link', { name: /^Admin\b/ });
  await tabTo(page, admin, 'the menu\'s "Admin" link', 10);
  const { res } = await app.navigation(page, () => page.keyboard.press('Enter'));
  assert.equal(res.status(), 200);
  assert.equal(new URL(page.url()).pathname, '/admin', `"Admin" in the menu led to ${page.url()}`);
  assert.ok(await headerHeight(page) <= 60, 'the header of /admin is taller than 60 px');

  // A tap outside the open menu closes it.
  await menuButton(page).tap();
  assert.equal(await menu(page).evaluate((d) => d.open), true, 'a tap on "Menu" did not open it');
  await page.touchscreen.tap(PHONE.width / 2, PHONE.height - 20);
  assert.equal(await menu(page).evaluate((d) => d.open), false, 'a tap outside the menu did not close it');
  await app.checkAccessibility(page, 'phone admin users');
  assertNoPageProblems(app, page);
});

test('phone without script: the menu still opens and lists every link', { timeout: TIMEOUT }, async () => {
  const page = await app.openPage(PHONE, { javaScriptEnabled: false });
  await signInAs(app, page, PRIYA);
  await app.visit(page, '/events');
  assert.ok(await headerHeight(page) <= 60, 'without script the header is taller than 60 px');
  await tabTo(page, menuButton(page), '"Menu" (no script)', 5);
  await page.keyboard.press('Enter');
  assert.equal(await menu(page).evaluate((d) => d.open), true, 'without script, Enter on "Menu" did not open it');
  const labels = (await mainNav(page).getByRole('link').allTextContents()).map(text).map((l) => l.replace(/ \d+ waiting$/, ''));
  assert.deepEqual(labels, ADMIN_LINKS, 'without script the open menu does not list every link');
  // No axe here: it needs script (and the markup is the one checked above).
  await app.screenshot(page, 'phone-open-no-script');
});

test('phone and 320 px: a signed-out visitor finds "Sign in" in the menu', { timeout: TIMEOUT }, async () => {
  for (const viewport of [PHONE, VIEWPORTS.narrow]) {
    const page = await app.openPage(viewport);
    await app.visit(page, '/events/bus-data-hack-day');
    // At most 60 px on a phone; a 320 px window may wrap a long site name.
    const limit = viewport.width >= 375 ? 60 : 80;
    const height = await headerHeight(page);
    assert.ok(height <= limit, `the header is ${height} px tall at ${viewport.width} px, expected at most ${limit}`);
    await assertNoSidewaysScroll(page, viewport);
    await menuButton(page).click();
    const signIn = header(page).getByRole('link', { name: 'Sign in', exact: true });
    assert.ok(await signIn.isVisible(), `no visible "Sign in" in the open menu at ${viewport.width} px`);
    await assertNoSidewaysScroll(page, viewport);
    await app.screenshot(page, `signed-out-${viewport.name}`);
    await app.checkAccessibility(page, `signed out menu ${viewport.name}`);
    const { res } = await app.navigation(page, () => signIn.click());
    assert.equal(res.status(), 200);
    assert.equal(new URL(page.url()).pathname, '/auth/signin');
  }
});

test('desktop 1280: an admin\'s navigation, waiting count included, is on one line, with no "Menu"', { timeout: TIMEOUT }, async () => {
  const page = await app.openPage(VIEWPORTS.desktop);
  await signInAs(app, page, PRIYA);
  for (const path of ['/', '/admin/moderation', '/events/northvale-open-data-forum']) {
    await app.visit(page, path);
    assert.equal(await menuButton(page).isVisible(), false, `"Menu" is shown at 1280 px on ${path}`);
    const links = await mainNav(page).getByRole('link').evaluateAll((as) =>
      as.map((a) => {
        const r = a.getBoundingClientRect();
        return { name: a.textContent.trim().replace(/\s+/g, ' '), top: r.top, bottom: r.bottom };
      }),
    );
    assert.deepEqual(
      links.map((l) => l.name.replace(/ \d+ waiting$/, '')),
      ADMIN_LINKS,
      `an admin's navigation on ${path}`,
    );
    const adminItem = links[ADMIN_LINKS.indexOf('Admin')].name;
    assert.ok(/^Admin \d+ waiting$/.test(adminItem), `the waiting count is missing: ${adminItem}`);
    const tops = links.map((l) => Math.round(l.top));
    assert.ok(Math.max(...tops) - Math.min(...tops) <= 2, `the navigation wraps at 1280 px on ${path}: link tops ${JSON.stringify(tops)}`);
    // The whole header row: brand, navigation and account side by side.
    const row = await page.evaluate(() =>
      ['.brand', '.site-header-end .site-nav', '.site-header-end .account'].map((sel) => {
        const r = document.querySelector(sel).getBoundingClientRect();
        return { sel, top: r.top, bottom: r.bottom };
      }),
    );
    const overlap = row.every((a) => row.every((b) => a.top < b.bottom && b.top < a.bottom));
    assert.ok(overlap, `the header is not one row at 1280 px on ${path}: ${JSON.stringify(row)}`);
    const height = await headerHeight(page);
    assert.ok(height <= 90, `the header is ${height} px tall at 1280 px on ${path}`);
  }
  await app.screenshot(page, 'desktop-admin');
  await app.checkAccessibility(page, 'desktop admin header');
  assertNoPageProblems(app, page);
});
