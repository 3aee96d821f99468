// Journey: a person signs in with their organisation's account through
// OpenID Connect, using the provider's real login form in the browser.
//
// Priya was made an admin at the command line before she ever signed in, so
// her first sign-in makes her an admin: she sees the Admin area, finds herself
// there and the grant in the audit log, fixes her display name on her profile
// (after a validation error) and signs out. On a phone she is sent to sign in
// from the admin area and brought back there. A newcomer who is nobody's admin
// gets a fresh member account and is kept out of the admin area.
//
// Axe runs on every page of ours; never on the provider's pages.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeMenu, openMenu, tabTo, useApp, VIEWPORTS } from '../lib/harness.mjs';

const PRIYA = 'priya.shah@northvale-council.example';

// `seed-demo` already lists Priya as an admin, which would make the grant a
// no-op (and leave nothing in the audit log). Revoking first makes the Admin
// area depend on the grant below, run before her first sign-in.
const app = useApp({
  name: 'signin',
  oidc: true,
  before: [
    ['admin', 'revoke', PRIYA],
    ['admin', 'grant', PRIYA],
  ],
});

// ---------------------------------------------------------------------------
// Helpers

/**
 * Run `action` (which makes the page navigate, possibly through redirects)
 * and return the final document response. Every document response on the
 * way is kept in `chain` for messages.
 */
async function navigation(page, action, { expectOrigin = app.baseUrl } = {}) {
  const chain = [];
  const onResponse = (res) => {
    const req = res.request();
    if (req.isNavigationRequest() && req.frame() === page.mainFrame()) chain.push(`${res.status()} ${req.method()} ${res.url()}`);
  };
  page.on('response', onResponse);
  try {
    const [res] = await Promise.all([page.waitForNavigation({ waitUntil: 'load', timeout: 20_000 }), action()]);
    assert.ok(res, `no document response after the navigation (chain: ${chain.join(' -> ') || 'none'})`);
    if (expectOrigin) {
      assert.equal(
        new URL(page.url()).origin,
        expectOrigin,
        `expected to end on ${expectOrigin}, but ended on ${page.url()} (chain: ${chain.join(' -> ')})`,
      );
    }
    for (const step of chain) {
      assert.ok(!/^5\d\d /.test(step), `a server error on the way: ${chain.join(' -> ')}`);
    }
    return { res, chain };
  } finally {
    page.off('response', onResponse);
  }
}

/** Where a sign-in link brings the person back to (no return_to means the home page). */
function returnTo(href) {
  return new URL(href, app.baseUrl).searchParams.get('return_to') ?? '/';
}

function text(s) {
  return (s ?? '').trim().replace(/\s+/g, ' ');
}

async function h1s(page) {
  return (await page.locator('h1').allTextContents()).map(text);
}

async function assertH1(page, expected) {
  assert.deepEqual(await h1s(page), [expected], `expected one <h1> "${expected}" on ${page.url()}`);
}

/** The texts of the flash messages, each required to be a live region. */
async function flashes(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('.flash')].map((el) => ({
      role: el.getAttribute('role'),
      text: el.textContent.trim().replace(/\s+/g, ' '),
      visible: el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden',
    })),
  );
}

async function assertFlash(page, expected, role = 'status') {
  const found = await flashes(page);
  const match = found.find((f) => (expected instanceof RegExp ? expected.test(f.text) : f.text === expected));
  assert.ok(match, `no flash message ${expected} on ${page.url()}; flashes: ${JSON.stringify(found)}`);
  assert.ok(match.visible, `the flash message "${match.text}" is not visible`);
  assert.equal(match.role, role, `the flash message "${match.text}" should have role="${role}" so it is announced`);
  return match.text;
}

const header = (page) => page.getByRole('banner');
const mainNav = (page) => page.getByRole('navigation', { name: 'Main' });
const signInLink = (page) => header(page).getByRole('link', { name: 'Sign in', exact: true });
const signOutButton = (page) => header(page).getByRole('button', { name: 'Sign out', exact: true });
const providerLink = (page) => page.getByRole('main').getByRole('link', { name: 'Sign in with Northvale Council', exact: true });

/**
 * The header's link to the profile: its text is the display name. On narrow
 * screens it opens the "Menu" first, and leaves it open.
 */
async function headerName(page) {
  await openMenu(page);
  const link = header(page).locator('a[href="/profile"]:visible');
  const count = await link.count();
  assert.equal(count, 1, `expected one link to /profile in the header when signed in, found ${count}`);
  const accessible = await header(page).getByRole('link', { name: /\(your profile\)$/ }).count();
  assert.equal(accessible, 1, 'the header link to /profile should be named "<name> (your profile)" for screen readers');
  const visibleName = await link.evaluate((a) => {
    const clone = a.cloneNode(true);
    clone.querySelectorAll('.visually-hidden').forEach((n) => n.remove());
    return clone.textContent.trim().replace(/\s+/g, ' ');
  });
  assert.ok(await link.isVisible(), 'the header link with the display name is not visible');
  return visibleName;
}

async function assertSignedOutHeader(page) {
  const opened = await openMenu(page);
  const link = signInLink(page);
  assert.equal(await link.count(), 1, `no "Sign in" link in the header of ${page.url()}`);
  assert.ok(await link.isVisible(), 'the "Sign in" link is not visible');
  assert.match((await link.getAttribute('class')) ?? '', /\bbutton\b/, 'the "Sign in" link should look like a button (class "button")');
  const href = await link.getAttribute('href');
  assert.equal(new URL(href ?? '', app.baseUrl).pathname, '/auth/signin', `the "Sign in" link goes to ${href}`);
  assert.equal(await header(page).locator('a[href="/profile"]').count(), 0, 'a signed-out header still links to a profile');
  assert.equal(await signOutButton(page).count(), 0, 'a signed-out header still has a "Sign out" button');
  assert.equal(await mainNav(page).getByRole('link', { name: /^Admin\b/ }).count(), 0, 'a signed-out visitor sees "Admin" in the navigation');
  if (opened) await closeMenu(page);
  return href;
}

/** The sign-in page: heading, provider link (checked), accessibility. Returns the provider link's href. */
async function checkSignInPage(page, label, expectedReturnTo) {
  await assertH1(page, 'Sign in');
  const link = providerLink(page);
  assert.equal(await link.count(), 1, 'the sign-in page has no "Sign in with Northvale Council" link');
  assert.ok(await link.isVisible(), 'the "Sign in with Northvale Council" link is not visible');
  const href = await link.getAttribute('href');
  const u = new URL(href, app.baseUrl);
  assert.equal(u.pathname, '/auth/council/start', `the provider link goes to ${href}`);
  assert.equal(returnTo(href), expectedReturnTo, `the provider link should return to ${expectedReturnTo}, but is ${href}`);
  await app.screenshot(page, `${label}-signin-page`);
  await app.checkAccessibility(page, `${label} signin page`);
  return href;
}

/** On the provider's own login form (not ours: no axe here), log in as `login`. */
async function logInAtProvider(page, login, label) {
  const here = new URL(page.url());
  assert.equal(here.origin, app.oidc.issuer, `expected the provider's login page at ${app.oidc.issuer}, but the browser is at ${page.url()}`);
  assert.match(here.pathname, /^\/interaction\//, `expected the provider's login form, but the browser is at ${page.url()}`);
  const form = page.locator('form:has(input[name="login"])');
  assert.equal(await form.count(), 1, 'the provider page has no login form');
  await form.locator('input[name="login"]').fill(login);
  await form.locator('input[name="password"]').fill('any password at all');
  await app.screenshot(page, `${label}-provider-login`);
  return navigation(page, () => form.locator('[type="submit"]').first().click());
}

async function assertNoSidewaysScroll(page, viewport) {
  const m = await page.evaluate((width) => {
    // Name the culprit: the elements whose right edge is the page's right edge
    // (they set its width), else the outermost ones past the screen's edge.
    const tag = (el) =>
      `<${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.classList.length ? '.' + [...el.classList].join('.') : ''}>`;
    const describe = (el) =>
      `${tag(el)} (${getComputedStyle(el).position}, in ${tag(el.parentElement)}, ` +
      `text ${JSON.stringify(el.textContent.trim().replace(/\s+/g, ' ').slice(0, 30))}) ` +
      `right edge at ${Math.round(el.getBoundingClientRect().right)} px`;
    const scrollWidth = document.documentElement.scrollWidth;
    const all = [...document.body.querySelectorAll('*')];
    let culprits = [];
    if (scrollWidth > width) {
      culprits = all.filter((el) => {
        const r = el.getBoundingClientRect();
        return r.width > 0 && Math.abs(r.right + window.scrollX - scrollWidth) <= 1;
      });
    }
    if (!culprits.length) {
      culprits = all.filter((el) => {
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.right <= width + 1) return false;
        const parent = el.parentElement;
        return !parent || parent === document.body || parent.getBoundingClientRect().right <= width + 1;
      });
    }
    return { scrollWidth, innerWidth: window.innerWidth, culprits: culprits.slice(0, 3).map(describe), more: Math.max(0, culprits.length - 3) };
  }, viewport.width);
  const why = m.culprits.length
    ? `; wider than the screen: ${m.culprits.join(', ')}${m.more ? ` and ${m.more} more` : ''}`
    : '';
  assert.equal(
    m.innerWidth,
    viewport.width,
    `${page.url()} is laid out ${m.innerWidth} px wide on a ${viewport.width} px screen (the browser zoomed out to fit something)${why}`,
  );
  assert.ok(m.scrollWidth <= m.innerWidth, `${page.url()} scrolls sideways: scrollWidth ${m.scrollWidth} > ${m.innerWidth}${why}`);
}

// ---------------------------------------------------------------------------
// Journeys

test('desktop: an admin-to-be signs in, checks the admin area, edits her profile and signs out', async (t) => {
  const viewport = VIEWPORTS.desktop;
  const page = await app.openPage(viewport);
  const name = 'desktop';

  // Each step builds on the one before: after a failure, skip the rest.
  let broken = null;
  const step = (title, fn) =>
    t.test(title, async (st) => {
      if (broken) return st.skip(`an earlier step failed: ${broken}`);
      try {
        await fn();
      } catch (err) {
        broken = title;
        throw err;
      }
    });

  await step('the home page offers "Sign in" and the keyboard opens the sign-in page', async () => {
    const res = await app.visit(page, '/');
    assert.equal(res.status(), 200);
    const href = await assertSignedOutHeader(page);
    assert.equal(returnTo(href), '/', `the home page's "Sign in" link should bring her back home, but is ${href}`);

    await tabTo(page, signInLink(page), 'the header\'s "Sign in" link');
    await app.screenshot(page, `${name}-home-signin-focused`);
    const { res: signin } = await navigation(page, () => page.keyboard.press('Enter'));
    assert.equal(signin.status(), 200, `the sign-in page answered HTTP ${signin.status()}`);
    assert.equal(new URL(page.url()).pathname, '/auth/signin');
  });

  await step('the sign-in page lists the provider, reached and opened with the keyboard', async () => {
    await checkSignInPage(page, name, '/');
    await tabTo(page, providerLink(page), 'the "Sign in with Northvale Council" link');
    await app.screenshot(page, `${name}-signin-provider-focused`);
    await navigation(page, () => page.keyboard.press('Enter'), { expectOrigin: app.oidc.issuer });
  });

  await step('after the provider\'s login form she is back home, signed in, with a message', async () => {
    const { res, chain } = await logInAtProvider(page, PRIYA, name);
    assert.equal(res.status(), 200, `coming back from the provider ended with HTTP ${res.status()} (${chain.join(' -> ')})`);
    assert.equal(page.url(), app.url('/'), `after signing in the browser is at ${page.url()}, expected the home page (${chain.join(' -> ')})`);
    assert.ok(
      chain.some((step) => step.includes(`${app.baseUrl}/auth/council/callback?`)),
      `the way back did not pass through the app's callback: ${chain.join(' -> ')}`,
    );

    // Granted before her first sign-in: her waiting account is used, not a new one.
    await assertFlash(page, 'Signed in as Priya Shah.');
    assert.equal(await headerName(page), 'Priya Shah', 'the header should show her name from the provider');
    assert.equal(await signOutButton(page).count(), 1, 'no "Sign out" button in the header');
    assert.equal(await signInLink(page).count(), 0, 'the "Sign in" link is still in the header after signing in');
    const admin = mainNav(page).getByRole('link', { name: /^Admin\b/ });
    assert.equal(await admin.count(), 1, 'no "Admin" item in the main navigation for an admin (was the grant before first sign-in applied?)');
    // "Admin" leads to the admin area's page (the next step follows it).
    assert.equal(await admin.getAttribute('href'), '/admin', 'the "Admin" item does not lead to the admin area');
    await app.screenshot(page, `${name}-home-signed-in`);
    await app.checkAccessibility(page, `${name} home signed in`);
  });

  await step('the Admin area lists her as an admin', async () => {
    const { res } = await navigation(page, () => mainNav(page).getByRole('link', { name: /^Admin\b/ }).click());
    assert.equal(res.status(), 200, `/admin ended with HTTP ${res.status()}`);
    assert.equal(new URL(page.url()).pathname, '/admin', `"Admin" should lead to /admin, not ${page.url()}`);
    await assertH1(page, 'Admin');
    await app.checkAccessibility(page, `${name} admin area`);
    const { res: people } = await navigation(page, () => page.getByRole('main').getByRole('link', { name: 'People and roles', exact: true }).click());
    assert.equal(people.status(), 200);
    await assertH1(page, 'People and roles');

    const row = page.getByRole('row').filter({ hasText: PRIYA });
    assert.equal(await row.count(), 1, `expected one row for ${PRIYA} in the people table`);
    const cells = (await row.getByRole('cell').allTextContents()).map(text);
    const rowHeader = (await row.getByRole('rowheader').innerText()).split('\n').map(text);
    assert.deepEqual(rowHeader, ['Priya Shah', PRIYA], `her row should be headed by her name and address: ${JSON.stringify(rowHeader)}`);
    assert.ok(cells.some((c) => /^Admin\b/.test(c)), `her row does not say Admin: ${JSON.stringify(cells)}`);
    assert.ok(!cells.some((c) => c === 'Not yet'), `her row says she has not signed in yet: ${JSON.stringify(cells)}`);
    assert.ok(cells.some((c) => c.includes('This is you')), `her own row should say "This is you": ${JSON.stringify(cells)}`);
    assert.equal(await row.getByRole('button').count(), 0, 'she is offered buttons to change her own role');
    assert.equal(await row.getByRole('link', { name: /^Disable/ }).count(), 0, 'she is offered to disable herself');

    const other = page.getByRole('row').filter({ hasText: 'gareth.lloyd@riverside-city.example' });
    assert.equal(await other.getByRole('button', { name: /^Make admin/ }).count(), 1, 'a member\'s row has no "Make admin" button');
    // Disabling asks first: the row links to the question.
    assert.equal(await other.getByRole('link', { name: /^Disable/ }).count(), 1, 'a member\'s row has no "Disable" link');

    await app.screenshot(page, `${name}-admin-area`);
    await app.checkAccessibility(page, `${name} admin area`);
  });

  await step('the audit log shows the grant made at the command line', async () => {
    const { res } = await navigation(page, () => page.getByRole('main').getByRole('link', { name: 'audit log', exact: true }).click());
    assert.equal(res.status(), 200, `/admin/audit answered HTTP ${res.status()}`);
    assert.equal(new URL(page.url()).pathname, '/admin/audit');
    await assertH1(page, 'Audit log');
    const rows = await page.locator('tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [...tr.cells].map((c) => c.textContent.trim().replace(/\s+/g, ' '))),
    );
    const grant = rows.find((cells) => cells.includes('Granted the admin role') && cells.some((c) => c.includes(PRIYA)));
    assert.ok(grant, `no "Granted the admin role" entry for ${PRIYA} in the audit log; rows: ${JSON.stringify(rows)}`);
    assert.ok(grant.some((c) => c.startsWith('Command line')), `the grant should be by the command line: ${JSON.stringify(grant)}`);
    await app.screenshot(page, `${name}-audit-log`);
    await app.checkAccessibility(page, `${name} audit log`);
  });

  await step('an empty display name is refused next to the field, keeping what she typed', async () => {
    const { res } = await navigation(page, () => header(page).locator('a[href="/profile"]:visible').click());
    assert.equal(res.status(), 200, `/profile answered HTTP ${res.status()}`);
    assert.equal(new URL(page.url()).pathname, '/profile');
    await assertH1(page, 'Your profile');
    const displayName = page.getByLabel('Display name', { exact: true });
    const organisation = page.getByLabel(/^Organisation\b/);
    const listed = page.getByRole('checkbox');
    assert.equal(await displayName.getAttribute('id'), 'display_name', 'the "Display name" label is not tied to input#display_name');
    assert.equal(await organisation.getAttribute('id'), 'organisation', 'the "Organisation" label is not tied to input#organisation');
    assert.equal(await displayName.inputValue(), 'Priya Shah');
    assert.equal(await listed.count(), 1, 'expected one checkbox on the profile form');
    const wasListed = await listed.isChecked();
    assert.ok(
      (await page.getByRole('main').textContent()).includes('Northvale Council'),
      'the profile does not list Northvale Council among the ways she signs in',
    );
    assert.equal(await page.getByRole('button', { name: 'Sign out of all devices' }).count(), 1, 'no "Sign out of all devices" button');
    await app.screenshot(page, `${name}-profile`);
    await app.checkAccessibility(page, `${name} profile`);

    await displayName.fill('');
    await organisation.fill('Northvale County Council, Data Team');
    const { res: refused } = await navigation(page, () => page.getByRole('button', { name: 'Save profile', exact: true }).click());
    assert.equal(refused.status(), 422, `saving an empty display name answered HTTP ${refused.status()}, expected 422`);
    assert.equal(new URL(page.url()).pathname, '/profile');
    await assertH1(page, 'Your profile');

    const field = await displayName.evaluate((input) => {
      const ids = (input.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
      const described = ids.map((id) => document.getElementById(id)).filter(Boolean);
      const error = input.closest('.field')?.querySelector('.field-error');
      const ib = input.getBoundingClientRect();
      const eb = error?.getBoundingClientRect();
      return {
        ariaInvalid: input.getAttribute('aria-invalid'),
        value: input.value,
        description: described.map((el) => el.textContent.trim().replace(/\s+/g, ' ')).join(' '),
        errorText: error ? error.textContent.trim().replace(/\s+/g, ' ') : null,
        errorDescribes: Boolean(error && described.includes(error)),
        errorVisible: Boolean(eb && eb.width > 0 && eb.height > 0),
        gap: eb ? Math.min(Math.abs(ib.top - eb.bottom), Math.abs(eb.top - ib.bottom)) : null,
      };
    });
    assert.ok(field.errorText, 'no error message (.field-error) in the display name\'s field after the refusal');
    assert.ok(field.errorVisible, 'the display name\'s error message is not visible');
    assert.ok(field.gap !== null && field.gap < 60, `the error message is ${field.gap} px from the display name input, not next to it`);
    assert.ok(field.errorDescribes, 'the error message is not tied to the input through aria-describedby');
    assert.ok(field.description.includes(field.errorText), `the input's description "${field.description}" lacks the error`);
    assert.equal(field.ariaInvalid, 'true', 'the display name input is not marked aria-invalid="true"');
    assert.equal(field.value, '', 'the refused display name should stay as she typed it (empty)');
    assert.equal(await organisation.inputValue(), 'Northvale County Council, Data Team', 'the organisation she typed was lost on the refused form');
    assert.equal(await listed.isChecked(), wasListed, 'the checkbox changed on the refused form');

    await displayName.focus();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'display_name', 'the display name input cannot take focus');
    const organisationFocus = await page.evaluate(() => {
      const el = document.getElementById('organisation');
      return el && !el.disabled && el.tabIndex >= 0;
    });
    assert.ok(organisationFocus, 'the organisation input is not in the tab order');
    await app.screenshot(page, `${name}-profile-error`);
    await app.checkAccessibility(page, `${name} profile error`);
  });

  await step('a fixed display name is saved and shown in the header', async () => {
    const displayName = page.getByLabel('Display name', { exact: true });
    await displayName.fill('Priya Shah (Northvale)');
    const { res, chain } = await navigation(page, () => page.getByRole('button', { name: 'Save profile', exact: true }).click());
    assert.equal(res.status(), 200, `saving the profile ended with HTTP ${res.status()} (${chain.join(' -> ')})`);
    assert.match(chain[0] ?? '', /^303 POST /, `saving should redirect (303) after the POST: ${chain.join(' -> ')}`);
    assert.equal(new URL(page.url()).pathname, '/profile');
    await assertFlash(page, 'Your profile has been saved.');
    assert.equal(await headerName(page), 'Priya Shah (Northvale)', 'the header does not show the new name');
    assert.equal(await displayName.inputValue(), 'Priya Shah (Northvale)');
    assert.equal(await page.getByLabel(/^Organisation\b/).inputValue(), 'Northvale County Council, Data Team');
    assert.equal(await page.locator('.field-error').count(), 0, 'an error message is still shown after a good save');
    await app.screenshot(page, `${name}-profile-saved`);
    await app.checkAccessibility(page, `${name} profile saved`);
  });

  await step('signing out leads home with a message and "Sign in" back', async () => {
    const { res, chain } = await navigation(page, () => signOutButton(page).click());
    assert.equal(res.status(), 200, `signing out ended with HTTP ${res.status()} (${chain.join(' -> ')})`);
    assert.equal(page.url(), app.url('/'), `after signing out the browser is at ${page.url()}`);
    await assertFlash(page, 'You have signed out.');
    await assertSignedOutHeader(page);
    await app.screenshot(page, `${name}-home-signed-out`);
    await app.checkAccessibility(page, `${name} home signed out`);

    // The session is really over: private pages send her to sign in.
    for (const p of ['/profile', '/admin/users']) {
      const r = await app.visit(page, p);
      const u = new URL(page.url());
      assert.equal(u.pathname, '/auth/signin', `after signing out, ${p} showed ${page.url()} (HTTP ${r.status()}) instead of the sign-in page`);
      assert.equal(returnTo(page.url()), p, `the sign-in page reached from ${p} returns to ${returnTo(page.url())}`);
    }
  });
});

test('phone: sent to sign in from the admin area and brought back there', async () => {
  const viewport = VIEWPORTS.phone;
  const page = await app.openPage(viewport);
  const name = 'phone';

  const res = await app.visit(page, '/admin');
  assert.equal(res.status(), 200, `an anonymous visit to /admin ended with HTTP ${res.status()}`);
  const here = new URL(page.url());
  assert.equal(here.pathname, '/auth/signin', `an anonymous visitor to /admin should be sent to sign in, but is at ${page.url()}`);
  assert.equal(returnTo(page.url()), '/admin', `the sign-in page reached from /admin returns to ${returnTo(page.url())}`);
  await assertSignedOutHeader(page);
  await checkSignInPage(page, name, '/admin');
  await assertNoSidewaysScroll(page, viewport);

  await navigation(page, () => providerLink(page).tap(), { expectOrigin: app.oidc.issuer });
  const { res: back, chain } = await logInAtProvider(page, PRIYA, name);
  assert.equal(back.status(), 200, `coming back from the provider ended with HTTP ${back.status()} (${chain.join(' -> ')})`);
  assert.equal(new URL(page.url()).pathname, '/admin', `after signing in she should be back in the admin area, but is at ${page.url()}`);
  await assertH1(page, 'Admin');

  // Her name may have been changed by the desktop journey; the message uses the current one.
  const shown = await headerName(page);
  assert.match(shown, /^Priya Shah\b/, `the header shows ${JSON.stringify(shown)}`);
  await assertFlash(page, `Signed in as ${shown}.`);
  const admin = mainNav(page).getByRole('link', { name: /^Admin\b/ });
  assert.equal(await admin.count(), 1, 'no "Admin" item in the main navigation');
  assert.ok(await admin.isVisible(), 'the "Admin" navigation item is not visible on a phone');
  await app.screenshot(page, `${name}-admin-area`);
  await assertNoSidewaysScroll(page, viewport);
  await app.checkAccessibility(page, `${name} admin area`);

  const { res: out } = await navigation(page, () => signOutButton(page).tap());
  assert.equal(out.status(), 200);
  assert.equal(page.url(), app.url('/'), `after signing out the browser is at ${page.url()}`);
  await assertFlash(page, 'You have signed out.');
  await assertSignedOutHeader(page);
  await assertNoSidewaysScroll(page, viewport);
  await app.screenshot(page, `${name}-home-signed-out`);
  await app.checkAccessibility(page, `${name} home signed out`);
});

test('desktop: a newcomer gets a member account and is kept out of the admin area', async () => {
  const page = await app.openPage(VIEWPORTS.desktop);
  const name = 'newcomer';

  await app.visit(page, '/auth/signin');
  await assertH1(page, 'Sign in');
  await navigation(page, () => providerLink(page).click(), { expectOrigin: app.oidc.issuer });
  const { res, chain } = await logInAtProvider(page, 'bob', name);
  assert.equal(res.status(), 200, `coming back from the provider ended with HTTP ${res.status()} (${chain.join(' -> ')})`);
  assert.equal(page.url(), app.url('/'), `after signing in the browser is at ${page.url()}`);
  await assertFlash(page, 'Welcome, Bob! Your account is ready.');
  assert.equal(await headerName(page), 'Bob');
  assert.equal(await mainNav(page).getByRole('link', { name: /^Admin\b/ }).count(), 0, 'a new member sees "Admin" in the navigation');
  await app.checkAccessibility(page, `${name} home signed in`);

  const denied = await app.visit(page, '/admin/users');
  assert.equal(denied.status(), 403, `a member visiting /admin/users got HTTP ${denied.status()}, expected 403`);
  assert.equal(new URL(page.url()).pathname, '/admin/users');
  assert.equal((await h1s(page)).length, 1, 'the 403 page should have one <h1>');
  assert.ok(!(await page.getByRole('main').textContent()).includes(PRIYA), 'the 403 page shows the people list');
  await app.screenshot(page, `${name}-admin-forbidden`);
  await app.checkAccessibility(page, `${name} admin forbidden`);
});
