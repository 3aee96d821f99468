// Journey: a member drafts an event, an admin approves it, and the public finds it.
//
// The app runs with the development sign-in (CONVENE_AUTH__DEV_LOGIN=true):
// /auth/dev lists the demo accounts, each with a "Sign in as NAME" button.
// Every person has their own browser context (cookie jar).
//
// Desktop, step by step (later steps are skipped once one fails):
//   Priya (admin) notes the Moderation count → Gareth (member) signs in, opens
//   "Draft an event" from /events with the keyboard → submits with no title and
//   the end before the start: 422, an error summary linking to both fields,
//   messages tied to the fields, what he typed kept → fixes it, previews the
//   Markdown (<strong>) without saving → submits for approval with the keyboard:
//   flash and "Waiting for approval" → My events lists it → the page is 404 to
//   an anonymous visitor and to another member, and absent from listings and
//   search → Priya sees the count go up, approves it from /admin/moderation →
//   anonymous: /events lists it, a search for "Footpath" finds it, its page shows
//   the date, "18:00 to 20:00", Europe/London, the place on OpenStreetMap, tags
//   as links, the Markdown, and not the note to the admins; the home page lists
//   it; the page fits a phone.
// Also: the cancelled "Air Quality Sensors Workshop" shows its badge and notice
// (desktop and phone), and the draft form fits a phone, errors included.
//
// Axe runs on every page of ours along the way.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, VIEWPORTS, assertNoSidewaysScroll, tabTo, openMenu, closeMenu } from '../lib/harness.mjs';

const app = useApp({ name: 'events', env: { CONVENE_AUTH__DEV_LOGIN: 'true' } });

const GARETH = 'Gareth Lloyd'; // member, Riverside City Council
const PRIYA = 'Priya Shah'; // admin
const DAN = 'Dan Kowalski'; // member

const TZ = 'Europe/London';
const TITLE = 'Footpath Data Walk';
const SUMMARY = 'Walk the riverside footpaths and check the open rights-of-way data against the ground.';
const DESCRIPTION = [
  'Join the council\'s rights-of-way team on a walk along the **riverside footpaths**, checking what the',
  'open data says against what is really there.',
  '',
  '- Bring good shoes',
  '- Bring a phone with a GPS app',
].join('\n');
const TAGS = 'walking, footpaths';
const PLACE = 'Riverside Library';
const ADDRESS = '12 Mill Lane, Riverside';
const CONTACT = 'gareth.lloyd@riverside-city.example';
const NOTE = 'Happy to move it if it clashes with anything.';

// About 30 days ahead, as a date in Europe/London.
const DAY = new Date(Date.now() + 30 * 24 * 3600 * 1000);
const ISO_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' }).format(DAY);
const LONG_DATE = (() => {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: TZ, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' })
      .formatToParts(DAY)
      .map((x) => [x.type, x.value]),
  );
  return `${p.weekday} ${p.day} ${p.month} ${p.year}`; // e.g. "Thursday 24 December 2026"
})();

// ---------------------------------------------------------------------------
// Helpers

function text(s) {
  return (s ?? '').trim().replace(/\s+/g, ' ');
}

async function h1s(page) {
  return (await page.locator('h1').allTextContents()).map(text);
}

async function assertH1(page, expected) {
  assert.deepEqual(await h1s(page), [expected], `expected one <h1> "${expected}" on ${page.url()}`);
}

const header = (page) => page.getByRole('banner');
const main = (page) => page.getByRole('main');
const mainNav = (page) => page.getByRole('navigation', { name: 'Main' });
const navLink = (page, name) => mainNav(page).getByRole('link', { name, exact: true });

async function assertFlash(page, expected, role = 'status') {
  const found = await page.evaluate(() =>
    [...document.querySelectorAll('.flash')].map((el) => ({
      role: el.getAttribute('role'),
      text: el.textContent.trim().replace(/\s+/g, ' '),
      visible: el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden',
    })),
  );
  const match = found.find((f) => f.text === expected);
  assert.ok(match, `no flash message "${expected}" on ${page.url()}; flashes: ${JSON.stringify(found)}`);
  assert.ok(match.visible, `the flash message "${match.text}" is not visible`);
  assert.equal(match.role, role, `the flash message "${match.text}" should have role="${role}" so it is announced`);
}

function assertNoPageProblems(page) {
  const p = app.pageProblems(page);
  const all = [
    ...p.pageErrors.map((e) => `script error: ${e}`),
    ...p.consoleErrors.filter((e) => !e.startsWith('Failed to load resource')).map((e) => `console error: ${e}`),
    ...p.failedRequests.map((r) => `failed request: ${r}`),
  ];
  assert.deepEqual(all, [], `${page.url()} had problems:\n  ${all.join('\n  ')}`);
}

/**
 * The name shown in the header's profile link (without the screen-reader suffix).
 * On narrow screens it opens the "Menu" first, and leaves it open.
 */
async function headerName(page) {
  await openMenu(page);
  const link = header(page).locator('a[href="/profile"]:visible');
  assert.equal(await link.count(), 1, `expected one link to /profile in the header of ${page.url()}`);
  return link.evaluate((a) => {
    const clone = a.cloneNode(true);
    clone.querySelectorAll('.visually-hidden').forEach((n) => n.remove());
    return clone.textContent.trim().replace(/\s+/g, ' ');
  });
}

/** The labels of the main navigation's links, as a screen reader hears them. */
async function navLabels(page) {
  return (await mainNav(page).getByRole('link').allTextContents()).map(text);
}

/**
 * The number of items waiting for an admin, beside the "Admin" navigation item:
 * its accessible name is "Admin N waiting" ("Admin" alone for none).
 */
async function moderationCount(page) {
  const link = mainNav(page).getByRole('link', { name: /^Admin\b/ });
  assert.equal(await link.count(), 1, `no "Admin" item in the main navigation of ${page.url()}: ${JSON.stringify(await navLabels(page))}`);
  assert.equal(await link.getAttribute('href'), '/admin');
  const name = text(await link.textContent());
  if (name === 'Admin') return 0;
  const m = /^Admin (\d+) waiting$/.exec(name);
  assert.ok(m, `the "Admin" item reads ${JSON.stringify(name)} to a screen reader, expected "Admin N waiting"`);
  const visible = link.locator('.nav-count');
  assert.ok(await visible.isVisible(), 'the count beside "Admin" is not visible');
  assert.equal(
    (await visible.evaluate((el) => {
      const clone = el.cloneNode(true);
      clone.querySelectorAll('.visually-hidden').forEach((n) => n.remove());
      return clone.textContent.trim();
    })),
    m[1],
    'the visible count differs from the one read out',
  );
  return Number(m[1]);
}

/** Sign in through the development sign-in page as `name`; checks the header. */
async function signInAs(page, name, { label, axe = true } = {}) {
  const res = await app.visit(page, '/auth/dev');
  assert.equal(res.status(), 200, `/auth/dev answered HTTP ${res.status()}: is CONVENE_AUTH__DEV_LOGIN=true applied?`);
  await assertH1(page, 'Development sign-in');
  if (axe) await app.checkAccessibility(page, `${label} dev signin`);
  const button = main(page).getByRole('button', { name: `Sign in as ${name}`, exact: true });
  assert.equal(await button.count(), 1, `no "Sign in as ${name}" button on /auth/dev`);
  const { res: done, chain } = await app.navigation(page, () => button.click());
  assert.equal(done.status(), 200, `signing in as ${name} ended with HTTP ${done.status()} (${chain.join(' -> ')})`);
  assert.match(chain[0] ?? '', /^303 POST /, `the sign-in should redirect after the POST: ${chain.join(' -> ')}`);
  assert.equal(await headerName(page), name, `the header should show ${name} after signing in`);
  assert.equal(await header(page).getByRole('button', { name: 'Sign out', exact: true }).count(), 1, 'no "Sign out" button in the header');
  await closeMenu(page);
}

/**
 * A button's accessible name "ACTION: TITLE", the title being visually hidden
 * (Chromium puts a space before the colon of the hidden part).
 */
function forEvent(action, title) {
  const esc = (x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${esc(action)}\\s*:\\s*${esc(title)}$`);
}

/** Titles of the event cards (.event-card h3.card-title a) in the page's main. */
async function cardTitles(page) {
  return (await main(page).locator('.event-card h3.card-title a').allTextContents()).map(text);
}

/** The event card for `title` (the first, for a series). */
function card(page, title) {
  return main(page)
    .locator('.event-card')
    .filter({ has: page.locator('h3.card-title a', { hasText: title }) })
    .first();
}

/** Facts about a form field: value, validity marks, its error message and whether that is tied to it. */
function fieldFacts(page, id) {
  return page.locator(`#${id}`).evaluate((input) => {
    const ids = (input.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
    const described = ids.map((i) => document.getElementById(i)).filter(Boolean);
    const error = input.closest('.field')?.querySelector('.field-error');
    const ib = input.getBoundingClientRect();
    const eb = error?.getBoundingClientRect();
    const label = input.labels?.[0];
    return {
      value: input.type === 'checkbox' ? input.checked : input.value,
      ariaInvalid: input.getAttribute('aria-invalid'),
      label: label ? label.textContent.trim().replace(/\s+/g, ' ') : null,
      description: described.map((el) => el.textContent.trim().replace(/\s+/g, ' ')).join(' '),
      errorText: error ? error.textContent.trim().replace(/\s+/g, ' ') : null,
      errorDescribes: Boolean(error && described.includes(error)),
      errorVisible: Boolean(eb && eb.width > 0 && eb.height > 0),
      gap: eb ? Math.min(Math.abs(ib.top - eb.bottom), Math.abs(eb.top - ib.bottom)) : null,
    };
  });
}

/** The error summary: role, heading, and its links (href and text). */
async function errorSummary(page) {
  const box = main(page).locator('.error-summary');
  const count = await box.count();
  if (!count) return null;
  return box.evaluate((el) => ({
    role: el.getAttribute('role'),
    heading: el.querySelector('h2')?.textContent.trim().replace(/\s+/g, ' ') ?? null,
    links: [...el.querySelectorAll('a')].map((a) => ({ href: a.getAttribute('href'), text: a.textContent.trim().replace(/\s+/g, ' ') })),
    visible: el.getBoundingClientRect().height > 0,
  }));
}

/** Fill the draft form; `values` maps field ids to text (checkboxes: booleans, selects: values). */
async function fillForm(page, values) {
  for (const [id, value] of Object.entries(values)) {
    const el = page.locator(`#${id}`);
    const kind = await el.evaluate((e) => (e.tagName === 'SELECT' ? 'select' : e.type));
    if (kind === 'checkbox') await el.setChecked(value);
    else if (kind === 'select') await el.selectOption(value);
    else await el.fill(value);
  }
}

// ---------------------------------------------------------------------------
// Journeys

test('desktop: a member drafts an event, an admin approves it, and the public finds it', async (t) => {
  const viewport = VIEWPORTS.desktop;
  const name = 'desktop';
  const gareth = await app.openPage(viewport);
  const priya = await app.openPage(viewport);

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

  let waitingBefore = null;
  let eventPath = null;

  await step('an admin signs in and sees how many items wait in Moderation', async () => {
    await signInAs(priya, PRIYA, { label: `${name} priya` });
    const labels = await navLabels(priya);
    assert.ok(labels.some((l) => /^Admin\b/.test(l)), `an admin's navigation lacks "Admin": ${JSON.stringify(labels)}`);
    assert.ok(labels.includes('My events'), `an admin's navigation lacks "My events": ${JSON.stringify(labels)}`);
    waitingBefore = await moderationCount(priya);
    // The demo's "Census Data Briefing" is waiting.
    assert.ok(waitingBefore >= 1, `the demo has a submitted event, but Moderation shows ${waitingBefore} waiting`);
    await app.screenshot(priya, `${name}-priya-home`);
    await app.checkAccessibility(priya, `${name} priya home`);
  });

  await step('a member signs in with the development sign-in', async () => {
    await signInAs(gareth, GARETH, { label: `${name} gareth` });
    const labels = await navLabels(gareth);
    for (const expected of ['Home', 'Events', 'My events']) {
      assert.ok(labels.includes(expected), `a member's navigation lacks "${expected}": ${JSON.stringify(labels)}`);
    }
    assert.ok(!labels.some((l) => /^(Moderation|Admin)\b/.test(l)), `a member sees admin items in the navigation: ${JSON.stringify(labels)}`);
    await app.screenshot(gareth, `${name}-gareth-signed-in`);
    await app.checkAccessibility(gareth, `${name} gareth signed in`);
  });

  await step('the events page offers "Draft an event", opened with the keyboard', async () => {
    const { res } = await app.navigation(gareth, () => navLink(gareth, 'Events').click());
    assert.equal(res.status(), 200, `/events answered HTTP ${res.status()}`);
    assert.equal(new URL(gareth.url()).pathname, '/events');
    await assertH1(gareth, 'Upcoming events');

    const search = main(gareth).getByRole('search');
    assert.equal(await search.count(), 1, 'no search landmark (role=search) on /events');
    const q = search.getByLabel('Search events', { exact: true });
    assert.equal(await q.getAttribute('name'), 'q', 'the "Search events" input is not named q');
    assert.equal(await search.getByRole('button', { name: 'Search', exact: true }).count(), 1, 'no "Search" button');

    const titles = await cardTitles(gareth);
    assert.ok(titles.length >= 3, `expected the demo's upcoming events on /events, found ${JSON.stringify(titles)}`);
    for (const expected of ['Bus Data Hack Day', 'Open Data Camp Midshire', 'Northvale Open Data Forum']) {
      assert.ok(titles.includes(expected), `"${expected}" is not listed on /events: ${JSON.stringify(titles)}`);
    }
    for (const hidden of ['Census Data Briefing', 'Street Works Data Surgery', 'Open Data Day Northvale']) {
      assert.ok(!titles.includes(hidden), `"${hidden}" (not published or past) is listed on /events`);
    }
    const past = main(gareth).getByRole('link', { name: 'Past events', exact: true });
    assert.equal(await past.getAttribute('href'), '/events/past', 'no "Past events" link to /events/past');
    await app.screenshot(gareth, `${name}-events-list`);
    await app.checkAccessibility(gareth, `${name} events list`);

    const draft = main(gareth).getByRole('link', { name: 'Draft an event', exact: true });
    assert.equal(await draft.count(), 1, 'no "Draft an event" link on /events for a signed-in member');
    await tabTo(gareth, draft, 'the "Draft an event" link');
    await app.screenshot(gareth, `${name}-draft-link-focused`);
    const { res: form } = await app.navigation(gareth, () => gareth.keyboard.press('Enter'));
    assert.equal(form.status(), 200, `/events/new answered HTTP ${form.status()}`);
    assert.equal(new URL(gareth.url()).pathname, '/events/new');
  });

  await step('the draft form has labelled fields and the expected buttons', async () => {
    await assertH1(gareth, 'Draft an event');
    const expectLabels = {
      title: /^Title \(required\)$/,
      summary: /^Summary \(required\)$/,
      description: /^Description$/,
      tags: /^Tags\b/,
      all_day: /^All-day\b/,
      start_date: /^Start date \(required\)$/,
      start_time: /^Start time\b/,
      end_date: /^End date\b/,
      end_time: /^End time\b/,
      time_zone: /^Time zone$/,
      repeat: /^Repeats$/,
      place_name: /^Venue\b/,
      address: /^Address\b/,
      online_url: /^Online link\b/,
      organiser_contact: /^Organiser contact\b/,
      note_to_admins: /^Note to the admins\b/,
    };
    for (const [id, label] of Object.entries(expectLabels)) {
      assert.equal(await gareth.locator(`#${id}`).count(), 1, `no #${id} on the draft form`);
      const f = await fieldFacts(gareth, id);
      assert.match(f.label ?? '', label, `#${id} is labelled ${JSON.stringify(f.label)}`);
      assert.equal(f.ariaInvalid, null, `#${id} is aria-invalid on a fresh form`);
    }
    const types = await gareth.evaluate(() =>
      Object.fromEntries(['start_date', 'start_time', 'end_date', 'end_time'].map((id) => [id, document.getElementById(id).type])),
    );
    assert.deepEqual(types, { start_date: 'date', start_time: 'time', end_date: 'date', end_time: 'time' });
    assert.equal(await gareth.locator('#time_zone').inputValue(), TZ, `the time zone should default to ${TZ}`);
    const buttons = (await main(gareth).locator('form.event-form').getByRole('button').allTextContents()).map(text);
    // The first button is the one Enter in a text field presses: it must save a draft.
    assert.deepEqual(buttons, ['Save draft', 'Submit for approval', 'Preview'], `a member's draft form buttons: ${JSON.stringify(buttons)}`);
    assert.equal(await errorSummary(gareth), null, 'a fresh form shows an error summary');
    await app.screenshot(gareth, `${name}-draft-form`);
    await app.checkAccessibility(gareth, `${name} draft form`);
  });

  await step('no title and the end before the start: 422 with an error summary, errors at the fields and the input kept', async () => {
    const typed = {
      title: '',
      summary: SUMMARY,
      description: DESCRIPTION,
      tags: TAGS,
      start_date: ISO_DATE,
      start_time: '18:00',
      end_date: ISO_DATE,
      end_time: '17:00',
      place_name: PLACE,
      address: ADDRESS,
      organiser_contact: CONTACT,
      note_to_admins: NOTE,
    };
    await fillForm(gareth, typed);
    const { res, chain } = await app.navigation(gareth, () =>
      main(gareth).getByRole('button', { name: 'Submit for approval', exact: true }).click(),
    );
    assert.equal(res.status(), 422, `submitting an invalid form answered HTTP ${res.status()}, expected 422 (${chain.join(' -> ')})`);
    await assertH1(gareth, 'Draft an event');
    assert.match(await gareth.title(), /^Error: /, `the page title should start with "Error: " after a refusal: ${JSON.stringify(await gareth.title())}`);

    const summary = await errorSummary(gareth);
    assert.ok(summary, 'no error summary (.error-summary) after the refusal');
    assert.ok(summary.visible, 'the error summary is not visible');
    assert.equal(summary.role, 'alert', 'the error summary should have role="alert"');
    assert.equal(summary.heading, 'There is a problem', `the error summary's heading: ${JSON.stringify(summary.heading)}`);
    assert.deepEqual(
      summary.links.map((l) => l.href),
      ['#title', '#end_time'],
      `the error summary should link to the title, then the end time, in form order: ${JSON.stringify(summary.links)}`,
    );
    assert.ok(summary.links.every((l) => l.text.length > 0), `an error summary link has no text: ${JSON.stringify(summary.links)}`);

    for (const [id, link] of [['title', summary.links[0]], ['end_time', summary.links[1]]]) {
      const f = await fieldFacts(gareth, id);
      assert.equal(f.ariaInvalid, 'true', `#${id} is not marked aria-invalid="true"`);
      assert.ok(f.errorText, `no error message (.field-error) next to #${id}`);
      assert.ok(f.errorVisible, `the error message of #${id} is not visible`);
      assert.ok(f.gap !== null && f.gap < 60, `the error message of #${id} is ${f.gap} px from it, not next to it`);
      assert.ok(f.errorDescribes, `the error message of #${id} is not tied to it through aria-describedby`);
      assert.ok(f.errorText.endsWith(link.text), `#${id}'s message "${f.errorText}" differs from the summary's "${link.text}"`);
    }
    assert.match(summary.links[1].text, /end.*after.*start/i, `the end-time error should say the end must be after the start: "${summary.links[1].text}"`);

    // Everything typed is still there, and only the two fields are marked.
    for (const [id, value] of Object.entries(typed)) {
      const f = await fieldFacts(gareth, id);
      assert.equal(f.value, value, `#${id} lost what was typed: ${JSON.stringify(f.value)} instead of ${JSON.stringify(value)}`);
      if (!['title', 'end_time'].includes(id)) assert.equal(f.ariaInvalid, null, `#${id} is marked invalid but was fine`);
    }
    assert.equal(await gareth.locator('#time_zone').inputValue(), TZ, 'the time zone changed on the refused form');

    // The summary's links lead to the fields: following one puts focus in the field.
    await main(gareth).locator('.error-summary a[href="#title"]').click();
    await gareth.waitForFunction(() => document.activeElement?.id === 'title', null, { timeout: 2_000 }).catch(() => {});
    const focused = await gareth.evaluate(() => document.activeElement?.id || document.activeElement?.tagName);
    assert.equal(focused, 'title', `following the summary's link to the title left focus on ${focused}, not on #title`);
    await gareth.keyboard.type('Typed after following the link');
    assert.equal(await gareth.locator('#title').inputValue(), 'Typed after following the link', 'typing after the summary link did not go into the title');

    await app.screenshot(gareth, `${name}-draft-errors`);
    await app.checkAccessibility(gareth, `${name} draft errors`);
  });

  await step('"Preview" shows the whole page and its listing card above the form without saving', async () => {
    await fillForm(gareth, { title: TITLE, end_time: '20:00' });
    const { res } = await app.navigation(gareth, () => main(gareth).getByRole('button', { name: 'Preview', exact: true }).click());
    assert.equal(res.status(), 200, `a preview of a valid form answered HTTP ${res.status()}`);
    await assertH1(gareth, 'Draft an event');
    assert.equal(await errorSummary(gareth), null, 'the preview of a valid form shows an error summary');

    const preview = main(gareth).locator('section.preview');
    assert.equal(await preview.count(), 1, 'no preview section after "Preview"');
    assert.equal(
      text(await preview.getByRole('heading').first().textContent()),
      'Preview',
      'the preview section has no heading "Preview"',
    );
    assert.equal(text(await preview.locator('.preview-title').textContent()), TITLE, 'the page preview has no title');
    assert.ok((await preview.locator('dl.facts').textContent()).includes('18:00 to 20:00'), 'the page preview does not say when');
    const card = preview.locator('.event-card');
    assert.equal(await card.count(), 1, 'no listing card in the preview');
    assert.equal(text(await card.getByRole('link').first().textContent()), TITLE);
    const strong = await preview.locator('.prose strong').allTextContents();
    assert.deepEqual(strong.map(text), ['riverside footpaths'], `**bold** should render as <strong>: ${JSON.stringify(strong)}`);
    const items = (await preview.locator('.prose li').allTextContents()).map(text);
    assert.deepEqual(items, ['Bring good shoes', 'Bring a phone with a GPS app'], `"- " lines should render as a list: ${JSON.stringify(items)}`);
    assert.ok(!(await preview.textContent()).includes('**'), 'the preview still shows the Markdown asterisks');
    const box = await preview.boundingBox();
    const formBox = await main(gareth).locator('form.event-form').boundingBox();
    assert.ok(box && formBox && box.y < formBox.y, 'the preview should be above the form');

    for (const [id, value] of Object.entries({ title: TITLE, description: DESCRIPTION, start_date: ISO_DATE, start_time: '18:00', end_time: '20:00', note_to_admins: NOTE })) {
      assert.equal(await gareth.locator(`#${id}`).inputValue(), value, `#${id} changed after "Preview"`);
    }
    const mine = await gareth.request.get('/events/mine');
    assert.equal(mine.status(), 200);
    assert.ok(!(await mine.text()).includes(TITLE), '"Preview" saved the event: it is listed in My events');

    await app.screenshot(gareth, `${name}-draft-preview`);
    await app.checkAccessibility(gareth, `${name} draft preview`);
  });

  await step('"Submit for approval", reached and pressed with the keyboard, leads to the event waiting for approval', async () => {
    await gareth.locator('#note_to_admins').focus();
    const submit = main(gareth).locator('form.event-form').getByRole('button', { name: 'Submit for approval', exact: true });
    await tabTo(gareth, submit, 'the "Submit for approval" button', 5);
    await app.screenshot(gareth, `${name}-submit-focused`);
    const { res, chain } = await app.navigation(gareth, () => gareth.keyboard.press('Enter'));
    assert.equal(res.status(), 200, `submitting ended with HTTP ${res.status()} (${chain.join(' -> ')})`);
    assert.match(chain[0] ?? '', /^303 POST /, `submitting should redirect (303) after the POST: ${chain.join(' -> ')}`);
    eventPath = new URL(gareth.url()).pathname;
    // Until it is published, its address says nothing about its title.
    assert.match(eventPath, /^\/events\/draft-[a-z0-9]{12}$/, `after submitting the browser is at ${gareth.url()}, expected the draft's page`);

    await assertFlash(gareth, 'Your event has been sent to the admins for approval.');
    await assertH1(gareth, TITLE);
    const badge = main(gareth).locator('.badge', { hasText: 'Waiting for approval' });
    assert.equal(await badge.count(), 1, 'no "Waiting for approval" badge on the submitted event');
    assert.ok(await badge.isVisible(), 'the "Waiting for approval" badge is not visible');
    const note = text(await badge.locator('xpath=..').textContent());
    assert.match(note, /only you\b.*\badmins can see this page/i, `no note that only the author and admins see the page: ${JSON.stringify(note)}`);
    await app.screenshot(gareth, `${name}-submitted`);
    await app.checkAccessibility(gareth, `${name} submitted`);
    assertNoPageProblems(gareth);
  });

  await step('"My events" lists it as waiting for approval, next to the draft', async () => {
    const { res } = await app.navigation(gareth, () => navLink(gareth, 'My events').click());
    assert.equal(res.status(), 200);
    assert.equal(new URL(gareth.url()).pathname, '/events/mine');
    await assertH1(gareth, 'My events');
    const status = async (title) => {
      const row = main(gareth).getByRole('row').filter({ has: gareth.getByRole('rowheader', { name: title, exact: true }) });
      assert.equal(await row.count(), 1, `expected one row for "${title}" in My events`);
      return text(await row.locator('.badge').textContent());
    };
    assert.equal(await status(TITLE), 'Waiting for approval');
    assert.equal(await status('Street Works Data Surgery'), 'Draft');
    const link = main(gareth).getByRole('rowheader', { name: TITLE, exact: true }).getByRole('link');
    assert.equal(await link.getAttribute('href'), eventPath, 'the row does not link to the event');
    await app.screenshot(gareth, `${name}-my-events`);
    await app.checkAccessibility(gareth, `${name} my events`);
  });

  await step('nobody else sees it yet: 404 for an anonymous visitor and another member, absent from listings and search', async () => {
    const anon = await app.openPage(viewport);
    const res = await app.visit(anon, eventPath);
    assert.equal(res.status(), 404, `an anonymous visitor to the submitted event got HTTP ${res.status()}, expected 404`);
    await assertH1(anon, 'Page not found');
    assert.ok(!(await anon.content()).includes(TITLE), 'the 404 page shows the event\'s title');
    await app.screenshot(anon, `${name}-anonymous-404`);
    await app.checkAccessibility(anon, `${name} anonymous 404`);

    for (const p of ['/events', '/events?q=Footpath', '/']) {
      await app.visit(anon, p);
      assert.ok(!(await cardTitles(anon)).includes(TITLE), `the unpublished event is listed at ${p}`);
    }

    const dan = await app.openPage(viewport);
    await signInAs(dan, DAN, { label: `${name} dan`, axe: false });
    const other = await app.visit(dan, eventPath);
    assert.equal(other.status(), 404, `another member got HTTP ${other.status()} for the submitted event, expected 404`);
    await dan.close();
  });

  await step('the admin sees the count go up and the event in the moderation queue', async () => {
    await priya.reload();
    const waiting = await moderationCount(priya);
    assert.equal(waiting, waitingBefore + 1, `Moderation showed ${waitingBefore} waiting before the submission and ${waiting} after`);

    const { res: area } = await app.navigation(priya, () => mainNav(priya).getByRole('link', { name: /^Admin\b/ }).click());
    assert.equal(area.status(), 200, `/admin answered HTTP ${area.status()}`);
    await assertH1(priya, 'Admin');
    const waitingHere = main(priya).getByRole('region', { name: 'Waiting for you' });
    assert.match(text(await waitingHere.textContent()), /Events and changes waiting for approval: \d+/);
    const { res } = await app.navigation(priya, () =>
      waitingHere.getByRole('link', { name: 'Events and changes waiting for approval', exact: true }).click(),
    );
    assert.equal(res.status(), 200, `/admin/moderation answered HTTP ${res.status()}`);
    assert.equal(new URL(priya.url()).pathname, '/admin/moderation');
    await assertH1(priya, 'Moderation');
    const cards = main(priya).locator('li.card');
    const ours = cards.filter({ has: priya.locator('h3.card-title', { hasText: TITLE }) });
    assert.equal(await ours.count(), 1, `no card for "${TITLE}" on /admin/moderation`);
    assert.ok(
      (await cards.filter({ has: priya.locator('h3.card-title', { hasText: 'Census Data Briefing' }) }).count()) === 1,
      'the demo\'s submitted "Census Data Briefing" is not in the queue',
    );
    const cardText = text(await ours.textContent());
    assert.ok(cardText.includes(GARETH), `the card does not say who it is from: ${cardText}`);
    assert.ok(cardText.includes(NOTE), `the card does not show the note to the admins: ${cardText}`);
    assert.equal(await ours.getByRole('button', { name: forEvent('Approve and publish', TITLE) }).count(), 1, 'no "Approve and publish" button');
    assert.equal(await ours.getByLabel('What should change?', { exact: true }).count(), 1, 'no "What should change?" box');
    assert.equal(await ours.getByRole('button', { name: forEvent('Ask for changes', TITLE) }).count(), 1, 'no "Ask for changes" button');
    assert.equal(await ours.getByLabel('Reason for rejecting', { exact: true }).count(), 1, 'no "Reason for rejecting" box');
    assert.equal(await ours.getByRole('button', { name: forEvent('Reject', TITLE) }).count(), 1, 'no "Reject" button');
    await app.screenshot(priya, `${name}-moderation`);
    await app.checkAccessibility(priya, `${name} moderation`);

    // An admin may open the waiting event.
    const page = await app.visit(priya, eventPath);
    assert.equal(page.status(), 200, `an admin got HTTP ${page.status()} for the waiting event`);
    await assertH1(priya, TITLE);
    await app.checkAccessibility(priya, `${name} admin views waiting event`);
  });

  await step('the admin approves it from the moderation queue', async () => {
    await app.visit(priya, '/admin/moderation');
    const ours = main(priya).locator('li.card').filter({ has: priya.locator('h3.card-title', { hasText: TITLE }) });
    const { res, chain } = await app.navigation(priya, () =>
      ours.getByRole('button', { name: forEvent('Approve and publish', TITLE) }).click(),
    );
    assert.equal(res.status(), 200, `approving ended with HTTP ${res.status()} (${chain.join(' -> ')})`);
    assert.match(chain[0] ?? '', /^303 POST /, `approving should redirect after the POST: ${chain.join(' -> ')}`);
    assert.equal(new URL(priya.url()).pathname, '/admin/moderation');
    await assertFlash(priya, 'The event is approved and published.');
    assert.equal(
      await main(priya).locator('li.card').filter({ has: priya.locator('h3.card-title', { hasText: TITLE }) }).count(),
      0,
      'the approved event is still in the moderation queue',
    );
    assert.equal(await moderationCount(priya), waitingBefore, 'the Moderation count did not go back down after the approval');
    // Published: a readable address, and the draft's address leads there.
    const draftPath = eventPath;
    eventPath = '/events/footpath-data-walk';
    const moved = await priya.request.get(draftPath, { maxRedirects: 0 });
    assert.equal(moved.status(), 301, `the draft's address answered HTTP ${moved.status()}`);
    assert.equal(moved.headers().location, eventPath);
    await app.screenshot(priya, `${name}-approved`);
    await app.checkAccessibility(priya, `${name} approved`);
  });

  const anon = await app.openPage(viewport);

  await step('anonymous: /events lists it, and a search for "Footpath" finds it', async () => {
    const res = await app.visit(anon, '/events');
    assert.equal(res.status(), 200);
    assert.ok((await cardTitles(anon)).includes(TITLE), `"${TITLE}" is not listed on /events after approval: ${JSON.stringify(await cardTitles(anon))}`);
    const meta = text(await card(anon, TITLE).locator('.card-meta').textContent());
    assert.ok(meta.includes(`${LONG_DATE}, 18:00 to 20:00`), `the card's time reads ${JSON.stringify(meta)}, expected "${LONG_DATE}, 18:00 to 20:00"`);
    assert.ok(meta.includes(PLACE), `the card does not name the place: ${JSON.stringify(meta)}`);
    assert.equal(await main(anon).getByRole('link', { name: 'Draft an event' }).count(), 0, 'an anonymous visitor is offered "Draft an event"');

    const q = main(anon).getByLabel('Search events', { exact: true });
    await q.fill('Footpath');
    const { res: found } = await app.navigation(anon, () => q.press('Enter'));
    assert.equal(found.status(), 200, `the search answered HTTP ${found.status()}`);
    const u = new URL(anon.url());
    assert.equal(u.pathname, '/events');
    assert.equal(u.searchParams.get('q'), 'Footpath', `the search went to ${anon.url()}`);
    const titles = await cardTitles(anon);
    assert.deepEqual(titles, [TITLE], `a search for "Footpath" should find just "${TITLE}": ${JSON.stringify(titles)}`);
    assert.equal(await main(anon).getByLabel('Search events', { exact: true }).inputValue(), 'Footpath', 'the search box lost the query');
    await app.screenshot(anon, `${name}-search-footpath`);
    await app.checkAccessibility(anon, `${name} search footpath`);
  });

  await step('anonymous: the event page is public, in Europe/London time, with map link, tags and Markdown', async () => {
    const { res } = await app.navigation(anon, () => card(anon, TITLE).locator('h3.card-title a').click());
    assert.equal(res.status(), 200, `the published event answered HTTP ${res.status()} to an anonymous visitor`);
    assert.equal(new URL(anon.url()).pathname, eventPath);
    await assertH1(anon, TITLE);
    assert.equal(text(await main(anon).locator('.lede').first().textContent()), SUMMARY);

    const facts = await main(anon).locator('dl.facts').evaluate((dl) => {
      const out = {};
      for (const dt of dl.querySelectorAll('dt')) {
        const dd = dt.nextElementSibling;
        out[dt.textContent.trim()] = dd ? dd.textContent.trim().replace(/\s+/g, ' ') : null;
      }
      return out;
    });
    const when = facts.When ?? '';
    assert.ok(when.includes(LONG_DATE), `"When" reads ${JSON.stringify(when)}, expected the date ${LONG_DATE}`);
    assert.ok(when.includes('18:00 to 20:00'), `"When" reads ${JSON.stringify(when)}, expected "18:00 to 20:00"`);
    assert.ok(when.includes(TZ), `"When" does not name ${TZ}: ${JSON.stringify(when)}`);
    const datetime = await main(anon).locator('dl.facts time').first().getAttribute('datetime');
    const local = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .format(new Date(datetime))
      .replace(',', '');
    assert.equal(local, `${ISO_DATE} 18:00`, `<time datetime="${datetime}"> is not 18:00 on ${ISO_DATE} in ${TZ}`);

    assert.ok((facts.Where ?? '').includes(PLACE), `"Where" reads ${JSON.stringify(facts.Where)}`);
    assert.ok((facts.Where ?? '').includes(ADDRESS), `"Where" lacks the address: ${JSON.stringify(facts.Where)}`);
    const map = main(anon).getByRole('link', { name: /^Show on OpenStreetMap\b/ });
    assert.equal(await map.count(), 1, 'no "Show on OpenStreetMap" link');
    const mapHref = new URL(await map.getAttribute('href'));
    assert.equal(mapHref.hostname, 'www.openstreetmap.org', `the map link goes to ${mapHref}`);
    const mapQuery = decodeURIComponent(mapHref.search.replace(/\+/g, ' '));
    assert.ok(mapQuery.includes(ADDRESS) || mapQuery.includes(PLACE), `the map link searches for neither the address nor the place: ${mapHref}`);

    // Answers are taken on the page itself (places and lunch are the organiser's to set later).
    const rsvp = main(anon).getByRole('region', { name: 'Are you coming?' });
    assert.equal(await rsvp.count(), 1, 'no "Are you coming?" card on the published event');
    assert.equal(await rsvp.getByRole('link', { name: 'Sign in to answer', exact: true }).count(), 1, 'no "Sign in to answer" for a visitor');
    const tagLinks = await main(anon).locator('dl.facts .tag-list a').evaluateAll((as) => as.map((a) => ({ text: a.textContent.trim(), href: a.getAttribute('href') })));
    assert.deepEqual(
      tagLinks.map((l) => l.text).sort(),
      ['footpaths', 'walking'],
      `the tags should be shown as links: ${JSON.stringify(tagLinks)}`,
    );
    assert.ok(tagLinks.every((l) => l.href === `/events/tags/${l.text}`), `the tag links: ${JSON.stringify(tagLinks)}`);

    const prose = main(anon).locator('.prose');
    assert.deepEqual((await prose.locator('strong').allTextContents()).map(text), ['riverside footpaths'], 'the description\'s **bold** is not <strong>');
    assert.equal(await main(anon).locator('.badge', { hasText: 'Waiting for approval' }).count(), 0, 'the published event still says "Waiting for approval"');
    const all = await main(anon).textContent();
    assert.ok(!/only you\b.*admins can see this page/i.test(all), 'the public page says only the author and admins can see it');
    assert.ok(!all.includes(NOTE), 'the note to the admins (not public) is shown on the public page');
    await app.screenshot(anon, `${name}-event-public`);
    await app.checkAccessibility(anon, `${name} event public`);
    assertNoPageProblems(anon);

    // A tag leads to the events with that tag.
    const tag = await app.visit(anon, tagLinks.find((l) => l.text === 'walking').href);
    assert.equal(tag.status(), 200, `the tag page answered HTTP ${tag.status()}`);
    assert.deepEqual(await cardTitles(anon), [TITLE], 'the "walking" tag page should list just the new event');
    await app.checkAccessibility(anon, `${name} tag walking`);
  });

  await step('anonymous: the home page lists it among the upcoming events', async () => {
    const res = await app.visit(anon, '/');
    assert.equal(res.status(), 200);
    const section = main(anon).getByRole('region', { name: 'Upcoming events' });
    assert.equal(await section.count(), 1, 'no "Upcoming events" section on the home page');
    const titles = (await section.locator('.event-card h3.card-title a').allTextContents()).map(text);
    assert.ok(titles.includes(TITLE), `the home page's upcoming events do not list "${TITLE}": ${JSON.stringify(titles)}`);
    const href = await section.locator('.event-card h3.card-title a', { hasText: TITLE }).getAttribute('href');
    assert.equal(href, eventPath);
    await app.screenshot(anon, `${name}-home-with-event`);
    await app.checkAccessibility(anon, `${name} home with event`);
  });

  await step('phone: the published event page fits the screen', async () => {
    const viewport = VIEWPORTS.phone;
    const phone = await app.openPage(viewport);
    const res = await app.visit(phone, eventPath);
    assert.equal(res.status(), 200);
    await assertH1(phone, TITLE);
    await assertNoSidewaysScroll(phone, viewport);
    await app.screenshot(phone, `phone-event-public`);
    await app.checkAccessibility(phone, `phone event public`);
  });
});

test('the cancelled "Air Quality Sensors Workshop" says so in the list and on its page', async () => {
  for (const viewport of [VIEWPORTS.desktop, VIEWPORTS.phone]) {
    const page = await app.openPage(viewport);
    const title = 'Air Quality Sensors Workshop';
    await app.visit(page, '/events');
    const c = card(page, title);
    assert.equal(await c.count(), 1, `"${title}" is not listed on /events`);
    const badge = c.locator('.badge', { hasText: 'Cancelled' });
    assert.equal(await badge.count(), 1, `the card of "${title}" has no "Cancelled" badge`);
    assert.ok(await badge.isVisible(), 'the card\'s "Cancelled" badge is not visible');

    const { res } = await app.navigation(page, () => c.locator('h3.card-title a').click());
    assert.equal(res.status(), 200, `the cancelled event answered HTTP ${res.status()}`);
    assert.equal(new URL(page.url()).pathname, '/events/air-quality-sensors-workshop');
    await assertH1(page, title);
    const notice = main(page).locator('.notice-cancelled');
    assert.equal(await notice.count(), 1, 'no cancellation notice on the cancelled event\'s page');
    assert.ok(await notice.isVisible(), 'the cancellation notice is not visible');
    const noticeText = text(await notice.textContent());
    assert.match(noticeText, /^Cancelled\b/, `the notice should start with the "Cancelled" badge: ${JSON.stringify(noticeText)}`);
    assert.ok(noticeText.length > 'Cancelled'.length + 5, `the notice gives no reason: ${JSON.stringify(noticeText)}`);
    const noticeBox = await notice.boundingBox();
    const h1Box = await page.locator('h1').boundingBox();
    assert.ok(noticeBox.y < h1Box.y + h1Box.height + 200, 'the cancellation notice is far from the heading');
    if (viewport.isMobile) await assertNoSidewaysScroll(page, viewport);
    await app.screenshot(page, `cancelled-${viewport.name}`);
    await app.checkAccessibility(page, `cancelled ${viewport.name}`);
    assertNoPageProblems(page);
  }
});

test('phone: the draft form fits the screen, errors included', async () => {
  const viewport = VIEWPORTS.phone;
  const page = await app.openPage(viewport);
  // Sideways scrolling is noted at each stage and reported at the end, so one
  // run shows every stage that overflows.
  const overflow = [];
  const fits = async (stage) => {
    try {
      await assertNoSidewaysScroll(page, viewport);
    } catch (err) {
      overflow.push(`${stage}: ${err.message.split('\n')[0]}`);
    }
  };

  await signInAs(page, GARETH, { label: 'phone gareth' });
  await fits('home, signed in');

  const res = await app.visit(page, '/events/new');
  assert.equal(res.status(), 200, `/events/new answered HTTP ${res.status()}`);
  await assertH1(page, 'Draft an event');
  await fits('the empty draft form');
  await app.screenshot(page, 'phone-draft-form');
  await app.checkAccessibility(page, 'phone draft form');

  // An empty form: every required field is refused at once.
  const { res: refused } = await app.navigation(page, () =>
    main(page).getByRole('button', { name: 'Submit for approval', exact: true }).tap(),
  );
  assert.equal(refused.status(), 422, `an empty form answered HTTP ${refused.status()}, expected 422`);
  const summary = await errorSummary(page);
  assert.ok(summary && summary.links.length >= 2, `expected an error summary with several problems: ${JSON.stringify(summary)}`);
  for (const id of ['title', 'summary', 'start_date']) {
    assert.ok(summary.links.some((l) => l.href === `#${id}`), `the error summary does not link to #${id}: ${JSON.stringify(summary.links)}`);
    assert.equal((await fieldFacts(page, id)).ariaInvalid, 'true', `#${id} is not aria-invalid on an empty form`);
  }
  await fits('the draft form with errors');
  await app.screenshot(page, 'phone-draft-errors');
  await app.checkAccessibility(page, 'phone draft errors');

  // A signed-out visitor is sent to sign in for the form.
  const anon = await app.openPage(viewport);
  await app.visit(anon, '/events/new');
  assert.equal(new URL(anon.url()).pathname, '/auth/signin', `a signed-out visitor to /events/new is at ${anon.url()}`);

  assert.deepEqual(overflow, [], `on a ${viewport.width} px phone:\n  ${overflow.join('\n  ')}`);
});

test('the main navigation marks the section of the page being shown', async () => {
  // aria-current="page" tells screen-reader users where they are.
  const expectations = [
    ['/', 'Home'],
    ['/events', 'Events'],
    ['/events?q=bus', 'Events'],
    ['/events/past', 'Events'],
    ['/events/bus-data-hack-day', 'Events'],
    ['/events/new', 'Events'],
    ['/events/mine', 'My events'],
    ['/admin/moderation', 'Admin'],
    ['/admin/users', 'Admin'],
  ];
  const page = await app.openPage(VIEWPORTS.desktop);
  await signInAs(page, PRIYA, { label: 'nav priya', axe: false });
  const wrong = [];
  for (const [p, expected] of expectations) {
    const res = await app.visit(page, p);
    assert.equal(res.status(), 200, `${p} answered HTTP ${res.status()}`);
    const current = await mainNav(page).locator('a[aria-current="page"]').evaluateAll((as) =>
      as.map((a) => {
        const clone = a.cloneNode(true);
        clone.querySelectorAll('.nav-count').forEach((n) => n.remove());
        return clone.textContent.trim().replace(/\s+/g, ' ');
      }),
    );
    if (current.length !== 1 || current[0] !== expected) wrong.push(`${p}: expected "${expected}", marked ${JSON.stringify(current)}`);
  }
  assert.deepEqual(wrong, [], `the main navigation's aria-current="page" is wrong on:\n  ${wrong.join('\n  ')}`);
});

test('signing in from an event page brings the visitor back to it', async () => {
  const page = await app.openPage(VIEWPORTS.desktop);
  const target = '/events/bus-data-hack-day';
  await app.visit(page, target);
  await assertH1(page, 'Bus Data Hack Day');
  const signIn = header(page).getByRole('link', { name: 'Sign in', exact: true });
  const href = await signIn.getAttribute('href');
  const back = new URL(href, app.baseUrl).searchParams.get('return_to');

  // Follow it all the way, so a failure shows where the visitor ends up.
  await app.navigation(page, () => signIn.click());
  assert.equal(new URL(page.url()).pathname, '/auth/signin');
  await app.navigation(page, () => main(page).getByRole('link', { name: 'Choose an account', exact: true }).click());
  assert.equal(new URL(page.url()).pathname, '/auth/dev');
  const { res, chain } = await app.navigation(page, () => main(page).getByRole('button', { name: `Sign in as ${DAN}`, exact: true }).click());
  assert.equal(await headerName(page), DAN, 'the visitor is not signed in');
  const landed = `${new URL(page.url()).pathname} (HTTP ${res.status()}, "${(await h1s(page)).join(' / ')}")`;
  assert.equal(back, target, `the "Sign in" link on ${target} is ${href}: it returns to ${back}; after signing in the visitor landed on ${landed}`);
  assert.equal(res.status(), 200, `signing in ended with HTTP ${res.status()} (${chain.join(' -> ')})`);
  assert.equal(new URL(page.url()).pathname, target, `after signing in the visitor is at ${landed}, not back on ${target}`);
});

test('deleting a draft asks first, on a page that works without script, at both sizes', async () => {
  for (const viewport of [VIEWPORTS.desktop, VIEWPORTS.phone]) {
    const page = await app.openPage(viewport);
    await signInAs(page, GARETH, { label: `confirm ${viewport.name} gareth`, axe: false });
    await app.visit(page, '/events/mine');
    const draft = main(page).getByRole('link', { name: 'Street Works Data Surgery', exact: true });
    await app.navigation(page, () => draft.click());
    const draftPath = new URL(page.url()).pathname;
    const { res } = await app.navigation(page, () =>
      main(page).getByRole('link', { name: 'Delete', exact: true }).click(),
    );
    assert.equal(res.status(), 200, `the question answered HTTP ${res.status()}`);
    assert.equal(new URL(page.url()).pathname, `${draftPath}/delete`);
    await assertH1(page, 'Delete \u201cStreet Works Data Surgery\u201d?');
    assert.equal(await main(page).getByRole('button', { name: 'Delete the draft', exact: true }).count(), 1);
    if (viewport === VIEWPORTS.phone) await assertNoSidewaysScroll(page, viewport);
    await app.screenshot(page, `confirm-delete-${viewport.name}`);
    await app.checkAccessibility(page, `confirm delete ${viewport.name}`);
    // "No, go back" leaves the draft as it was.
    await app.navigation(page, () => main(page).getByRole('link', { name: 'No, go back', exact: true }).click());
    assert.equal(new URL(page.url()).pathname, draftPath);
    await assertH1(page, 'Street Works Data Surgery');
  }
});
