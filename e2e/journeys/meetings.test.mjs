// Journey: running a meeting from agenda to agreed minutes.
//
// The app runs with the development sign-in (CONVENE_AUTH__DEV_LOGIN=true);
// every person has their own browser context. The demo has three past forum
// meetings and the next one (listed under "Coming up" on /meetings), all with
// Priya Shah (admin) as chair and Gareth Lloyd (member) as secretary.
//
// Desktop, step by step (later steps are skipped once one fails):
//   1. Priya follows "Meetings" in the main navigation and "Add a meeting"
//      (with the keyboard) to /meetings/new: labelled fields; she adds a
//      meeting about nine weeks after the demo's latest, with Gareth as
//      secretary: 303, the flash "The meeting on D MONTH YYYY has been added.
//      Add its agenda next." and its page at /meetings/DATE-SLUG, showing the
//      date, place and secretary.
//   2. She tabs to "Add an agenda item", opens it with Enter (disclosures are
//      opened this way throughout, with a visible focus ring) and adds two items with the
//      keyboard (Tab, typing, Space on "Members' one-page updates go under
//      this item", Enter on "Add the item"): a flash for each, both listed in
//      order with their times, and the "only the officers and admins" notice;
//      a signed-out visitor sees "The agenda is not published yet." Then
//      "Publish the agenda": flash, the notice and the button are gone, and
//      the signed-out visitor reads the items.
//   3. Tom (on a phone, with taps) opens the meeting page, follows "Write your
//      one-page update" under the round-robin item, writes Markdown and saves:
//      flash, and the page lists "Update from Tom Okafor" under "Members'
//      updates", rendered (<strong>, a list), with "Edit your update" now.
//      Dan, a plain member, reads it too but sees none of the officer's forms
//      (and recording an action is 403 for him).
//   4. Gareth (secretary) sees the officer's forms; "Record an action" sent
//      empty gives 422, "Error:" in the title, an error summary (role=alert)
//      naming both problems and linking to "Who" and "What" in form order,
//      both aria-invalid with their messages tied by aria-describedby; the
//      first link puts focus in "Who", where he types "TO, HM"; under the
//      round-robin item it is recorded (flash "Action AN has been recorded.")
//      and shown under the item with its owners. "Add someone" in Attendance:
//      "TO", Attended, gives "Tom Okafor is recorded as having attended." and
//      him under "Present". "Write the minutes": one labelled textarea per
//      item; he writes item 1 and saves (flash, "Draft", the text on the
//      page), then "Publish the minutes" (flash, "Published, to be agreed at
//      the next meeting").
//   5. Priya adds the following meeting (nine weeks later); its page offers
//      "Record them as agreed at this meeting" for the first meeting's minutes;
//      pressing it gives the flash and "were agreed". The first meeting's page
//      now says "Agreed" at the later meeting (linked), offers no "Write the
//      minutes" (and the editor answers 409) but "Add an amendment"; Gareth
//      adds one to item 1 and it shows under the item, dated today.
//   6. The later meeting's "Matters arising" lists the action from step 4 with
//      owners "TO, HM", raised at the first meeting under its item; /actions
//      lists it too.
//   7. Axe (WCAG 2.x A/AA) at 1280 and 375 px, fitting the phone, on
//      /meetings, the new-meeting form, the meeting page as an officer with
//      every disclosure open, the refused action form, the update form, the
//      minutes editor and /actions.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, VIEWPORTS, assertNoSidewaysScroll, tabTo } from '../lib/harness.mjs';
import {
  DAN,
  GARETH,
  PRIYA,
  assertFlash,
  assertH1,
  assertNoPageProblems,
  checkBothSizes,
  main,
  signInAs,
  text,
} from '../lib/people.mjs';

const app = useApp({ name: 'meetings', env: { CONVENE_AUTH__DEV_LOGIN: 'true' } });

const TIMEOUT = 300_000;
const TOM = 'Tom Okafor'; // TO, University of Eastmere (an admin in the demo, writing as a member does)
const TZ = 'Europe/London';

const TITLE = 'Forum meeting: bus data';
const SLUG = 'forum-meeting-bus-data';
const PLACE = 'Riverside City Council, Civic Centre, Room 4';
const LATER_TITLE = 'Forum meeting: mapping';
const LATER_SLUG = 'forum-meeting-mapping';
const LATER_PLACE = 'University of Eastmere, Library Seminar Room';

const ITEMS = [
  { title: 'Welcome, introductions and apologies', start: '10:00', minutes: '10', presenters: 'Chair', roundRobin: false },
  { title: 'Members’ round-robin', start: '10:10', minutes: '45', presenters: '', roundRobin: true },
];
const UPDATE = [
  '**University of Eastmere.** Our bus reliability dashboard is live.',
  '',
  '- Built on the partnership’s nightly GTFS feeds',
  '- Source code under the MIT licence',
].join('\n');
const ACTION_OWNERS = 'TO, HM';
const ACTION_TEXT = 'to write up the bus reliability dashboard as a case study for the forum’s website';
const MINUTES_1 = 'PS welcomed everyone. Apologies were received from AR.';
const NOTES = 'The meeting closed at 12:05.';
const AMENDMENT = 'Item 1: apologies were also received from MC.';

// ---------------------------------------------------------------------------
// Dates

/** A YYYY-MM-DD day plus `days` days. */
function addDays(iso, days) {
  const [y, m, d] = iso.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** "14 January 2027", as the app writes a day. */
function longDay(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  return new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' }).format(
    new Date(Date.UTC(y, m - 1, d)),
  );
}

/** "Thursday 14 January 2027", as the app starts a meeting's "when". */
function weekdayDay(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  const w = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', weekday: 'long' }).format(new Date(Date.UTC(y, m - 1, d)));
  return `${w} ${longDay(iso)}`;
}

/** Today in the site's zone, as the app writes a day. */
function todayLong() {
  return new Intl.DateTimeFormat('en-GB', { timeZone: TZ, day: 'numeric', month: 'long', year: 'numeric' }).format(new Date());
}

// ---------------------------------------------------------------------------
// Helpers

const pathOf = (page) => new URL(page.url()).pathname;
const section = (page, name) => main(page).getByRole('region', { name, exact: true });

/** Facts about a form field: value, validity marks, its label, its description and error. */
function fieldFacts(page, id) {
  return page.locator(`#${id}`).evaluate((input) => {
    const fold = (s) => (s ?? '').trim().replace(/\s+/g, ' ');
    const ids = (input.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
    const described = ids.map((i) => document.getElementById(i));
    const error = input.closest('.field')?.querySelector('.field-error');
    const eb = error?.getBoundingClientRect();
    return {
      value: input.value,
      ariaInvalid: input.getAttribute('aria-invalid'),
      label: input.labels?.[0] ? fold(input.labels[0].textContent) : null,
      missingDescriptions: ids.filter((_, i) => !described[i]),
      description: described.filter(Boolean).map((el) => fold(el.textContent)).join(' '),
      errorText: error ? fold(error.textContent) : null,
      errorDescribes: Boolean(error && described.includes(error)),
      errorVisible: Boolean(eb && eb.width > 0 && eb.height > 0),
    };
  });
}

/** The error summary: role, heading, its items' texts and links. */
async function errorSummary(page) {
  const box = main(page).locator('.error-summary');
  if (!(await box.count())) return null;
  return box.evaluate((el) => ({
    role: el.getAttribute('role'),
    heading: el.querySelector('h2')?.textContent.trim().replace(/\s+/g, ' ') ?? null,
    items: [...el.querySelectorAll('li')].map((li) => li.textContent.trim().replace(/\s+/g, ' ')),
    links: [...el.querySelectorAll('a')].map((a) => a.getAttribute('href')),
    visible: el.getBoundingClientRect().height > 0,
  }));
}

/** Labels of the form controls under `root`, by id, to check every field is labelled. */
async function labelsById(root) {
  return root.locator('input:not([type="hidden"]), select, textarea').evaluateAll((els) =>
    Object.fromEntries(els.map((el) => [el.id || `(no id) ${el.name}`, el.labels?.[0]?.textContent.trim().replace(/\s+/g, ' ') ?? null])),
  );
}

/** A button that sends its form; returns the navigation, requiring a 303 to `to` (path, and hash if given). */
async function submitAndLand(page, action, to, what) {
  const { res, chain } = await app.navigation(page, action);
  assert.match(chain[0] ?? '', /^303 POST /, `${what} should redirect after the POST: ${chain.join(' -> ')}`);
  assert.equal(res.status(), 200, `${what} ended with HTTP ${res.status()} (${chain.join(' -> ')})`);
  const url = new URL(page.url());
  const [p, hash] = to.split('#');
  assert.equal(url.pathname, p, `${what} landed on ${page.url()}`);
  if (hash !== undefined) assert.equal(url.hash, `#${hash}`, `${what} did not come back at #${hash}`);
  return { res, chain };
}

/** The meeting's agenda items as shown: each <h3> text in ol.agenda. */
async function agendaHeadings(page) {
  return (await section(page, 'Agenda').or(section(page, 'Agenda and minutes')).locator('ol.agenda > li > h3').allTextContents()).map(text);
}

/** Put focus on the focusable element just before `locator` in the page's order (or on none), so Tab reaches it next. */
async function focusJustBefore(page, locator) {
  await locator.evaluate((target) => {
    const all = [...document.querySelectorAll('a[href], button, input:not([type="hidden"]), select, textarea, summary, [tabindex]:not([tabindex="-1"])')]
      .filter((el) => !el.disabled && el.getClientRects().length > 0);
    const before = all[all.indexOf(target) - 1];
    if (before) before.focus();
    else document.activeElement?.blur();
  });
}

/** Open a <details> disclosure by its summary with the keyboard (Tab to it, Enter); returns the details. */
async function openDisclosure(page, summaryText) {
  const summary = main(page).locator('details > summary', { hasText: summaryText });
  assert.equal(await summary.count(), 1, `no disclosure "${summaryText}" on ${page.url()}`);
  const details = summary.locator('xpath=..');
  if (!(await details.evaluate((d) => d.open))) {
    await focusJustBefore(page, summary);
    await tabTo(page, summary, `the disclosure "${summaryText}"`, 3);
    await page.keyboard.press('Enter');
    await page.waitForFunction((el) => el.open, await details.elementHandle(), { timeout: 2_000 }).catch(() => {});
  }
  assert.ok(await details.evaluate((d) => d.open), `Enter on "${summaryText}" did not open it`);
  return details;
}

/** Fill the new-meeting form the way a person would and send it. */
async function addMeeting(page, { title, date, start, end, place }) {
  const form = main(page).locator('form[action="/meetings/new"]');
  assert.equal(await form.count(), 1, 'no form posting to /meetings/new');
  await form.getByLabel('Title', { exact: true }).fill(title);
  await form.getByLabel('Date', { exact: true }).fill(date);
  await form.getByLabel('Starts at', { exact: true }).fill(start);
  await form.getByLabel(/^Ends at/).fill(end);
  await form.getByLabel('Place', { exact: true }).fill(place);
  const secretary = form.getByLabel(/^Secretary/);
  const option = secretary.locator('option', { hasText: GARETH });
  assert.equal(await option.count(), 1, `the Secretary list does not offer ${GARETH} once`);
  await secretary.selectOption({ label: text(await option.textContent()) });
  return form.getByRole('button', { name: 'Add the meeting', exact: true });
}

// ---------------------------------------------------------------------------
// The journey

test('desktop: a meeting runs from agenda to agreed minutes', { timeout: TIMEOUT }, async (t) => {
  const viewport = VIEWPORTS.desktop;
  const priya = await app.openPage(viewport);
  const tom = await app.openPage(VIEWPORTS.phone);
  const gareth = await app.openPage(viewport);
  const visitor = await app.openPage(viewport);

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

  let date = null; // the new meeting's day, YYYY-MM-DD
  let meetingPath = null;
  let laterDate = null;
  let laterPath = null;
  let actionNumber = null; // "A12"

  await step('an admin finds the demo meetings on /meetings and follows "Add a meeting" with the keyboard', async () => {
    await signInAs(app, priya, PRIYA);
    const nav = priya.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Meetings', exact: true });
    assert.equal(await nav.count(), 1, 'no "Meetings" link in the main navigation');
    const { res } = await app.navigation(priya, () => nav.click());
    assert.equal(res.status(), 200, `/meetings answered HTTP ${res.status()}`);
    assert.equal(pathOf(priya), '/meetings');
    await assertH1(priya, 'Meetings');
    assert.equal(await nav.getAttribute('aria-current'), 'page', '"Meetings" is not marked as the current page in the navigation');

    const upcoming = section(priya, 'Coming up');
    const past = section(priya, 'Past meetings');
    assert.equal(await upcoming.count(), 1, 'no section "Coming up" on /meetings');
    assert.equal(await past.count(), 1, 'no section "Past meetings" on /meetings');
    const hrefs = await main(priya).locator('.meeting-list a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    const days = hrefs.map((h) => /^\/meetings\/(\d{4}-\d{2}-\d{2})-/.exec(h ?? '')?.[1]).filter(Boolean).sort();
    assert.equal(days.length, hrefs.length, `a meeting on /meetings has an address without its date: ${JSON.stringify(hrefs)}`);
    assert.ok(days.length >= 4, `the demo has four meetings, /meetings lists ${JSON.stringify(hrefs)}`);
    const upcomingHrefs = await upcoming.getByRole('link').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.equal(upcomingHrefs.length, 1, `"Coming up" should list the demo's next meeting alone: ${JSON.stringify(upcomingHrefs)}`);
    const latest = days[days.length - 1];
    assert.ok(upcomingHrefs[0].startsWith(`/meetings/${latest}-`), `the meeting under "Coming up" (${upcomingHrefs[0]}) is not the latest (${latest})`);
    date = addDays(latest, 63);
    laterDate = addDays(date, 63);
    meetingPath = `/meetings/${date}-${SLUG}`;
    laterPath = `/meetings/${laterDate}-${LATER_SLUG}`;
    assert.match(text(await past.textContent()), /Minutes: Agreed/, 'the past demo meetings do not show agreed minutes');

    await app.screenshot(priya, 'list-desktop');
    await checkBothSizes(app, priya, 'list');

    const add = main(priya).getByRole('link', { name: 'Add a meeting', exact: true });
    assert.equal(await add.getAttribute('href'), '/meetings/new');
    await tabTo(priya, add, 'the "Add a meeting" link');
    const { res: form } = await app.navigation(priya, () => priya.keyboard.press('Enter'));
    assert.equal(form.status(), 200, `/meetings/new answered HTTP ${form.status()}`);
    assert.equal(pathOf(priya), '/meetings/new');
  });

  await step('the new-meeting form is labelled; adding the meeting with Gareth as secretary lands on its page', async () => {
    await assertH1(priya, 'New meeting');
    const labels = await labelsById(main(priya).locator('form[action="/meetings/new"]'));
    const expected = {
      title: /^Title$/,
      date: /^Date$/,
      start: /^Starts at$/,
      end: /^Ends at \(optional\)$/,
      place: /^Place$/,
      chair: /^Chair \(optional\)$/,
      secretary: /^Secretary \(optional\)$/,
      event: /^Its event \(optional\)$/,
    };
    for (const [id, label] of Object.entries(expected)) {
      assert.match(labels[id] ?? '', label, `#${id} on /meetings/new is labelled ${JSON.stringify(labels[id])}`);
    }
    assert.deepEqual(Object.keys(labels).sort(), Object.keys(expected).sort(), `unexpected fields on /meetings/new: ${JSON.stringify(labels)}`);
    assert.equal((await fieldFacts(priya, 'secretary')).description.startsWith('The chair and the secretary can edit'), true, 'the secretary hint is not tied to the field');
    await app.screenshot(priya, 'new-desktop');
    await checkBothSizes(app, priya, 'new meeting form');

    const button = await addMeeting(priya, { title: TITLE, date, start: '10:00', end: '12:30', place: PLACE });
    await submitAndLand(priya, () => button.click(), meetingPath, 'adding the meeting');
    await assertFlash(priya, `The meeting on ${longDay(date)} has been added. Add its agenda next.`);
    await assertH1(priya, `${TITLE} ${weekdayDay(date)}, 10:00 to 12:30`);
    assert.match(await priya.title(), new RegExp(`^${TITLE}: ${weekdayDay(date)}, 10:00 to 12:30`), `the page title is ${JSON.stringify(await priya.title())}`);
    const facts = text(await main(priya).locator('dl.facts').first().textContent());
    assert.ok(facts.includes(`Place${PLACE}`), `the facts do not give the place: ${JSON.stringify(facts)}`);
    assert.ok(facts.includes(`Secretary${GARETH}, Riverside City Council`), `the facts do not name ${GARETH} as secretary: ${JSON.stringify(facts)}`);
    assert.ok(facts.includes('Next meetingNot set yet'), `a new last meeting should have no next meeting: ${JSON.stringify(facts)}`);
    assert.match(facts, /Previous meeting/, 'the new meeting does not link to the previous one');
    const agenda = section(priya, 'Agenda');
    assert.match(text(await agenda.textContent()), /No items on the agenda yet\./, 'a new meeting does not say its agenda is empty');
    assertNoPageProblems(app, priya);
  });

  await step('the admin adds two agenda items with the keyboard, one for the members\' updates', async () => {
    for (const item of ITEMS) {
      const details = await openDisclosure(priya, 'Add an agenda item');
      const title = details.getByLabel('Title', { exact: true });
      await title.focus();
      await priya.keyboard.type(item.title);
      // A time field's parts are typed in the locale's order: fill it as a whole.
      await details.getByLabel(/^Start time/).fill(item.start);
      await tabTo(priya, details.getByLabel(/^Minutes/), 'the item\'s "Minutes" field', 6);
      await priya.keyboard.type(item.minutes);
      await tabTo(priya, details.getByLabel(/^Presented by/), 'the item\'s "Presented by" field', 3);
      await priya.keyboard.type(item.presenters);
      const roundRobin = details.getByRole('checkbox', { name: 'Members\' one-page updates go under this item', exact: true });
      assert.equal(await roundRobin.count(), 1, 'no checkbox "Members\' one-page updates go under this item"');
      if (item.roundRobin) {
        await tabTo(priya, roundRobin, 'the round-robin checkbox', 6);
        await priya.keyboard.press('Space');
      }
      assert.equal(await roundRobin.isChecked(), item.roundRobin, 'the round-robin checkbox is not as meant');
      const add = details.getByRole('button', { name: 'Add the item', exact: true });
      await tabTo(priya, add, '"Add the item"', 8);
      await submitAndLand(priya, () => priya.keyboard.press('Enter'), `${meetingPath}#agenda`, `adding "${item.title}"`);
      await assertFlash(priya, `“${item.title}” has been added to the agenda.`);
    }
    assert.deepEqual(
      await agendaHeadings(priya),
      ITEMS.map((i) => `${i.start} ${i.title}`),
      'the agenda does not list the two items in order with their times',
    );
    const agenda = section(priya, 'Agenda');
    assert.match(text(await agenda.textContent()), /Only the officers and admins see this agenda until it is published\./, 'no notice that the agenda is not published yet');
    const second = agenda.locator('ol.agenda > li').nth(1);
    assert.equal(await second.getByRole('heading', { name: 'Members\' updates', exact: true }).count(), 1, 'the round-robin item has no "Members\' updates"');
    assert.equal(await agenda.locator('ol.agenda > li').first().getByRole('heading', { name: 'Members\' updates' }).count(), 0, 'the first item has "Members\' updates"');

    // Not published: a visitor sees no items.
    assert.equal((await app.visit(visitor, meetingPath)).status(), 200);
    assert.match(text(await section(visitor, 'Agenda').textContent()), /The agenda is not published yet\./, 'a visitor is not told the agenda is unpublished');
    assert.deepEqual(await agendaHeadings(visitor), [], 'a visitor sees the unpublished agenda');
  });

  await step('"Publish the agenda" makes it public', async () => {
    const publish = main(priya).getByRole('button', { name: 'Publish the agenda', exact: true });
    assert.equal(await publish.count(), 1, 'no "Publish the agenda" button');
    await submitAndLand(priya, () => publish.click(), `${meetingPath}#agenda`, 'publishing the agenda');
    await assertFlash(priya, 'The agenda is published: everyone can now read it.');
    assert.equal(await publish.count(), 0, '"Publish the agenda" is still offered once published');
    assert.doesNotMatch(text(await section(priya, 'Agenda').textContent()), /until it is published/, 'the "not published" notice stays');

    assert.equal((await app.visit(visitor, meetingPath)).status(), 200);
    assert.deepEqual(await agendaHeadings(visitor), ITEMS.map((i) => `${i.start} ${i.title}`), 'a visitor does not see the published agenda');
    assert.match(text(await section(visitor, 'Agenda').textContent()), /Members' updates are for members: sign in to read them\./, 'a visitor is not told updates are for members');
    await app.checkAccessibility(visitor, 'meeting visitor 1280');
  });

  await step('a member writes a one-page update in Markdown on a phone and finds it under "Members\' updates"', async () => {
    await signInAs(app, tom, TOM);
    assert.equal((await app.visit(tom, meetingPath)).status(), 200);
    const item = section(tom, 'Agenda').locator('ol.agenda > li').nth(1);
    assert.match(text(await item.textContent()), /No updates yet\./, 'the round-robin item does not say there are no updates yet');
    const write = item.getByRole('link', { name: 'Write your one-page update', exact: true });
    assert.equal(await write.getAttribute('href'), `${meetingPath}/update`);
    await write.scrollIntoViewIfNeeded();
    const { res } = await app.navigation(tom, () => write.tap());
    assert.equal(res.status(), 200, `${meetingPath}/update answered HTTP ${res.status()}`);
    await assertH1(tom, `Your update for ${TITLE}`);
    const body = main(tom).getByLabel('Your update', { exact: true });
    assert.equal(await body.count(), 1, 'no textarea labelled "Your update"');
    const facts = await fieldFacts(tom, 'body');
    assert.match(facts.description, /^Markdown: /, `the update's hint is not tied to it: ${JSON.stringify(facts.description)}`);
    assert.equal(facts.value, '', 'the update is not empty before writing');
    await assertNoSidewaysScroll(tom, VIEWPORTS.phone);
    await app.screenshot(tom, 'update-phone');
    await checkBothSizes(app, tom, 'update form');

    await body.tap();
    await body.fill(UPDATE);
    const save = main(tom).getByRole('button', { name: 'Save my update', exact: true });
    await submitAndLand(tom, () => save.tap(), `${meetingPath}#updates`, 'saving the update');
    await assertFlash(tom, 'Your update has been saved. You can change it until the meeting starts.');
    const updates = main(tom).locator('#updates');
    assert.equal(await updates.getByRole('heading', { name: 'Members\' updates', exact: true }).count(), 1, '#updates is not "Members\' updates"');
    const mine = updates.locator('details.update > summary', { hasText: `Update from ${TOM}` });
    assert.equal(await mine.count(), 1, `"Members' updates" does not list ${TOM}'s update`);
    assert.equal(text(await mine.textContent()), `Update from ${TOM}, University of Eastmere`);
    await mine.tap();
    const shown = mine.locator('xpath=..').locator('.prose');
    assert.ok(await shown.isVisible(), 'the update does not open');
    assert.equal(text(await shown.locator('strong').first().textContent()), 'University of Eastmere.', 'the update\'s **bold** is not rendered');
    assert.equal(await shown.locator('li').count(), 2, 'the update\'s list is not rendered');
    assert.equal(await updates.getByRole('link', { name: 'Edit your update', exact: true }).count(), 1, 'no "Edit your update" once written');
    await assertNoSidewaysScroll(tom, VIEWPORTS.phone);
    await app.screenshot(tom, 'meeting-with-update-phone');
    assertNoPageProblems(app, tom);
  });

  await step('a plain member reads the update but gets none of the officer\'s forms', async () => {
    const dan = await app.openPage(viewport);
    await signInAs(app, dan, DAN);
    assert.equal((await app.visit(dan, meetingPath)).status(), 200);
    const updates = main(dan).locator('#updates');
    assert.equal(await updates.locator('details.update > summary', { hasText: `Update from ${TOM}` }).count(), 1, `a member does not see ${TOM}'s update`);
    assert.equal(await updates.getByRole('link', { name: 'Write your one-page update', exact: true }).count(), 1, 'a member is not offered "Write your one-page update"');
    for (const name of ['Write the minutes', 'Edit details', 'Postpone']) {
      assert.equal(await main(dan).getByRole('link', { name, exact: true }).count(), 0, `a plain member sees "${name}"`);
    }
    assert.equal(await section(dan, 'Record an action').count(), 0, 'a plain member sees "Record an action"');
    for (const summary of ['Add someone', 'Add an agenda item']) {
      assert.equal(await main(dan).locator('details > summary', { hasText: summary }).count(), 0, `a plain member sees "${summary}"`);
    }
    const token = await dan.locator('meta[name="csrf-token"]').getAttribute('content');
    assert.ok(token, 'no <meta name="csrf-token"> on the meeting page');
    const forbidden = await dan.request.post(app.url(`${meetingPath}/actions`), {
      form: { csrf_token: token, item: '', owners: 'DK', text: 'to approve my own action', due: '' },
      maxRedirects: 0,
    });
    assert.equal(forbidden.status(), 403, `a plain member recording an action got HTTP ${forbidden.status()}`);
    await dan.context().close();
  });

  await step('the secretary sees the officer\'s forms; an empty "Record an action" is refused with 422 and marked fields', async () => {
    await signInAs(app, gareth, GARETH);
    assert.equal((await app.visit(gareth, meetingPath)).status(), 200);
    for (const name of ['Write the minutes', 'Edit details']) {
      const found = await main(gareth).getByRole('link', { name, exact: true }).count();
      // The secretary edits this meeting; only admins edit its details.
      assert.equal(found, name === 'Write the minutes' ? 1 : 0, `the secretary ${found ? 'sees' : 'does not see'} "${name}"`);
    }
    const raise = section(gareth, 'Record an action');
    assert.equal(await raise.count(), 1, 'the secretary has no "Record an action"');
    const labels = await labelsById(raise);
    assert.deepEqual(
      labels,
      { 'action-item': 'Under which item (optional)', owners: 'Who', 'action-text': 'What', due: 'Due (optional)' },
      `the "Record an action" fields: ${JSON.stringify(labels)}`,
    );
    assert.equal(await errorSummary(gareth), null, 'a fresh meeting page shows an error summary');

    const send = raise.getByRole('button', { name: 'Record the action', exact: true });
    const { res, chain } = await app.navigation(gareth, () => send.click());
    assert.equal(res.status(), 422, `an empty action answered HTTP ${res.status()}, expected 422 (${chain.join(' -> ')})`);
    assert.match(await gareth.title(), /^Error: /, `the page title should start with "Error: " after a refusal: ${JSON.stringify(await gareth.title())}`);
    await assertH1(gareth, `${TITLE} ${weekdayDay(date)}, 10:00 to 12:30`);
    const summary = await errorSummary(gareth);
    assert.ok(summary, 'no error summary (.error-summary) after the refusal');
    assert.ok(summary.visible, 'the error summary is not visible');
    assert.equal(summary.role, 'alert', 'the error summary should have role="alert"');
    assert.equal(summary.heading, 'There is a problem');
    assert.deepEqual(
      summary.items,
      ['Name who will do it: a member\'s initials, or a name.', 'Say what is to be done.'],
      `the error summary lists ${JSON.stringify(summary.items)}`,
    );
    // The form is at the foot of a long page: the summary's links lead to its fields, in order.
    assert.deepEqual(summary.links, ['#owners', '#action-text'], `the error summary should link to "Who", then "What": ${JSON.stringify(summary.links)}`);
    for (const [id, message] of [['owners', summary.items[0]], ['action-text', summary.items[1]]]) {
      const f = await fieldFacts(gareth, id);
      assert.equal(f.ariaInvalid, 'true', `#${id} is not marked aria-invalid="true"`);
      assert.deepEqual(f.missingDescriptions, [], `#${id}'s aria-describedby names missing elements`);
      assert.ok(f.errorVisible, `no visible error message next to #${id}`);
      assert.ok(f.errorDescribes, `#${id}'s error message is not tied to it by aria-describedby`);
      assert.equal(f.errorText, `Error: ${message}`, `#${id}'s message differs from the summary`);
    }
    assert.equal((await fieldFacts(gareth, 'due')).ariaInvalid, null, 'the optional "Due" is marked invalid');
    await app.screenshot(gareth, 'action-refused-desktop');
    await checkBothSizes(app, gareth, 'action refused');

    // Following the summary's first link puts focus in "Who".
    await main(gareth).locator('.error-summary a[href="#owners"]').click();
    await gareth.waitForFunction(() => document.activeElement?.id === 'owners', null, { timeout: 2_000 }).catch(() => {});
    const focused = await gareth.evaluate(() => document.activeElement?.id || document.activeElement?.tagName);
    assert.equal(focused, 'owners', `following the summary's link to "Who" left focus on ${focused}`);
  });

  await step('the secretary records the action under the round-robin item with owners "TO, HM"', async () => {
    const raise = section(gareth, 'Record an action');
    await gareth.keyboard.type(ACTION_OWNERS); // focus is in "Who", from the summary's link
    assert.equal(await raise.getByLabel('Who', { exact: true }).inputValue(), ACTION_OWNERS, 'typing after the summary\'s link did not go into "Who"');
    await raise.getByLabel(/^Under which item/).selectOption({ label: `2. ${ITEMS[1].title}` });
    await raise.getByLabel('What', { exact: true }).fill(ACTION_TEXT);
    const send = raise.getByRole('button', { name: 'Record the action', exact: true });
    await submitAndLand(gareth, () => send.click(), `${meetingPath}#actions`, 'recording the action');
    const flash = text(await gareth.locator('.flash').first().textContent());
    const m = /^Action (A\d+) has been recorded\.$/.exec(flash);
    assert.ok(m, `the flash after recording the action says ${JSON.stringify(flash)}`);
    actionNumber = m[1];
    await assertFlash(gareth, flash);
    assert.equal(await errorSummary(gareth), null, 'the error summary stays after the action was recorded');
    const row = section(gareth, 'Agenda').locator('ol.agenda > li').nth(1).locator(`li.action-item`, { hasText: ACTION_TEXT });
    assert.equal(await row.count(), 1, 'the action is not shown under the round-robin item');
    assert.equal(text(await row.textContent()), `${actionNumber} ${ACTION_OWNERS}: ${ACTION_TEXT} Open`, 'the action\'s row');
    assert.equal(await gareth.locator('#owners').inputValue(), '', 'the action form is not emptied after recording');
  });

  await step('the secretary adds Tom to the attendance by his initials', async () => {
    const attendance = section(gareth, 'Attendance');
    assert.match(text(await attendance.textContent()), /Nobody recorded yet\./, 'a new meeting has attendance already');
    const details = await openDisclosure(gareth, 'Add someone');
    const person = details.getByLabel('Member\'s initials, or a person\'s name', { exact: true });
    await person.focus();
    await gareth.keyboard.type('TO');
    const attended = details.getByRole('radio', { name: 'Attended', exact: true });
    await tabTo(gareth, attended, 'the "Attended" radio', 4);
    await gareth.keyboard.press('Space');
    assert.equal(await attended.isChecked(), true, '"Attended" is not chosen');
    const add = details.getByRole('button', { name: 'Add', exact: true });
    await tabTo(gareth, add, 'the "Add" button', 4);
    await submitAndLand(gareth, () => gareth.keyboard.press('Enter'), `${meetingPath}#attendance`, 'adding Tom');
    await assertFlash(gareth, `${TOM} is recorded as having attended.`);
    const present = section(gareth, 'Attendance').locator('.split-even > div').first();
    assert.equal(text(await present.locator('h3').textContent()), 'Present');
    const who = (await present.locator('li').allTextContents()).map(text);
    assert.deepEqual(who, [`${TOM} (TO), University of Eastmere Remove ${TOM}`], `"Present" lists ${JSON.stringify(who)}`);
  });

  await step('the meeting page with every officer\'s form open passes axe at desktop and phone sizes', async () => {
    await openDisclosure(gareth, 'Add someone');
    await openDisclosure(gareth, 'Add an agenda item');
    for (const d of await main(gareth).locator('details.update').all()) await d.evaluate((el) => (el.open = true));
    await app.screenshot(gareth, 'meeting-officer-desktop');
    await checkBothSizes(app, gareth, 'meeting officer');
    assertNoPageProblems(app, gareth);
  });

  await step('"Write the minutes": one labelled box per item; saved as a draft, then published', async () => {
    const write = main(gareth).getByRole('link', { name: 'Write the minutes', exact: true });
    assert.equal(await write.getAttribute('href'), `${meetingPath}/minutes`);
    const { res } = await app.navigation(gareth, () => write.click());
    assert.equal(res.status(), 200, `${meetingPath}/minutes answered HTTP ${res.status()}`);
    await assertH1(gareth, `Minutes of ${TITLE}`);
    assert.match(text(await main(gareth).locator('.lede').textContent()), /Now: Not written yet\./, 'the editor does not say the minutes are not written yet');
    const labels = Object.values(await labelsById(main(gareth).locator(`form[action="${meetingPath}/minutes"]`)));
    assert.deepEqual(labels, [`1. ${ITEMS[0].title}`, `2. ${ITEMS[1].title}`, 'General notes (optional)'], `the minutes editor's boxes: ${JSON.stringify(labels)}`);
    await app.screenshot(gareth, 'minutes-editor-desktop');
    await checkBothSizes(app, gareth, 'minutes editor');

    await main(gareth).getByLabel(`1. ${ITEMS[0].title}`, { exact: true }).fill(MINUTES_1);
    await main(gareth).getByLabel(/^General notes/).fill(NOTES);
    await submitAndLand(
      gareth,
      () => main(gareth).getByRole('button', { name: 'Save the minutes', exact: true }).click(),
      `${meetingPath}#minutes`,
      'saving the minutes',
    );
    await assertFlash(gareth, 'The minutes have been saved.');
    const minutes = section(gareth, 'Minutes');
    assert.equal(text(await minutes.locator('.badge').first().textContent()), 'Draft', 'saved minutes are not a draft');
    assert.match(text(await minutes.textContent()), /These minutes are a draft: they may still change\./);
    assert.ok(text(await minutes.textContent()).includes(NOTES), 'the general notes are not shown');
    const first = section(gareth, 'Agenda and minutes').locator('ol.agenda > li').first();
    assert.equal(text(await first.locator('.minutes-text').textContent()), MINUTES_1, 'item 1\'s minutes are not shown under it');

    const publish = minutes.getByRole('button', { name: 'Publish the minutes', exact: true });
    await submitAndLand(gareth, () => publish.click(), `${meetingPath}#minutes`, 'publishing the minutes');
    await assertFlash(gareth, 'The minutes are published. They are agreed at the next meeting.');
    assert.equal(
      text(await section(gareth, 'Minutes').locator('.badge').first().textContent()),
      'Published, to be agreed at the next meeting',
      'published minutes are not shown as waiting to be agreed',
    );
    assert.equal(await section(gareth, 'Minutes').getByRole('button', { name: 'Publish the minutes' }).count(), 0, '"Publish the minutes" is still offered');
    assertNoPageProblems(app, gareth);
  });

  await step('the next meeting records the minutes as agreed', async () => {
    assert.equal((await app.visit(priya, '/meetings/new')).status(), 200);
    const button = await addMeeting(priya, { title: LATER_TITLE, date: laterDate, start: '10:00', end: '12:30', place: LATER_PLACE });
    await submitAndLand(priya, () => button.click(), laterPath, 'adding the later meeting');
    await assertFlash(priya, `The meeting on ${longDay(laterDate)} has been added. Add its agenda next.`);
    const facts = text(await main(priya).locator('dl.facts').first().textContent());
    assert.ok(facts.includes(`Previous meeting${weekdayDay(date)}, 10:00 to 12:30`), `the later meeting does not link back to the first: ${JSON.stringify(facts)}`);

    const minutes = section(priya, 'Minutes');
    const agree = minutes.getByRole('button', { name: 'Record them as agreed at this meeting', exact: true });
    assert.equal(await agree.count(), 1, 'the later meeting does not offer to agree the first meeting\'s minutes');
    const form = minutes.locator('form', { has: priya.getByRole('button', { name: 'Record them as agreed at this meeting' }) });
    assert.match(text(await form.textContent()), /are published and waiting to be agreed\./);
    assert.equal(await form.getByRole('link').getAttribute('href'), meetingPath, 'the minutes to agree do not link to the first meeting');
    await submitAndLand(priya, () => agree.click(), laterPath, 'agreeing the minutes');
    await assertFlash(priya, `The minutes of the meeting on ${longDay(date)} are agreed.`);
    assert.match(
      text(await section(priya, 'Minutes').textContent()),
      new RegExp(`The minutes of the last meeting \\(${weekdayDay(date)}, 10:00 to 12:30\\) were agreed\\.`),
      'the later meeting does not say the minutes were agreed',
    );
    assert.equal(await section(priya, 'Minutes').getByRole('button', { name: 'Record them as agreed at this meeting' }).count(), 0, 'the minutes can be agreed twice');
  });

  await step('agreed minutes are read-only: "Agreed", no "Write the minutes", and a dated amendment instead', async () => {
    assert.equal((await app.visit(gareth, meetingPath)).status(), 200);
    const minutes = section(gareth, 'Minutes');
    assert.equal(text(await minutes.locator('.badge').first().textContent()), 'Agreed', 'the first meeting\'s minutes are not "Agreed"');
    const at = minutes.getByRole('link', { name: `the meeting of ${weekdayDay(laterDate)}, 10:00 to 12:30`, exact: true });
    assert.equal(await at.getAttribute('href'), laterPath, '"Agreed" does not link to the meeting that agreed them');
    assert.equal(await main(gareth).getByRole('link', { name: 'Write the minutes' }).count(), 0, 'agreed minutes still offer "Write the minutes"');
    const editor = await app.visit(gareth, `${meetingPath}/minutes`);
    assert.equal(editor.status(), 409, `the editor of agreed minutes answered HTTP ${editor.status()}, expected 409`);
    assert.equal((await app.visit(gareth, meetingPath)).status(), 200);

    const details = await openDisclosure(gareth, 'Add an amendment');
    await details.getByLabel(/^Which item/).selectOption({ label: `1. ${ITEMS[0].title}` });
    await details.getByLabel('The correction', { exact: true }).fill(AMENDMENT);
    const today = todayLong();
    await submitAndLand(
      gareth,
      () => details.getByRole('button', { name: 'Add the amendment', exact: true }).click(),
      `${meetingPath}#minutes`,
      'adding the amendment',
    );
    await assertFlash(gareth, 'The amendment has been added to the minutes.');
    const first = section(gareth, 'Agenda and minutes').locator('ol.agenda > li').first();
    const firstText = text(await first.textContent());
    assert.ok(firstText.includes(MINUTES_1), 'the agreed minutes of item 1 changed');
    const amended = await first.locator('p', { hasText: /^\s*Amended / }).evaluateAll((ps) =>
      ps.map((p) => [p, p.nextElementSibling].map((el) => (el?.textContent ?? '').trim().replace(/\s+/g, ' '))),
    );
    assert.deepEqual(amended, [[`Amended ${today}:`, AMENDMENT]], `item 1 does not show the amendment dated ${today}: ${JSON.stringify(firstText)}`);
    await app.screenshot(gareth, 'agreed-amended-desktop');
    await app.checkAccessibility(gareth, 'meeting agreed amended 1280');
    assertNoPageProblems(app, gareth);
  });

  await step('the next meeting\'s "Matters arising" carries the action with owners "TO, HM"; /actions lists it', async () => {
    assert.equal((await app.visit(gareth, laterPath)).status(), 200);
    const arising = section(gareth, 'Matters arising');
    const row = arising.locator('li.action-item', { hasText: ACTION_TEXT });
    assert.equal(await row.count(), 1, `"Matters arising" does not list the action: ${JSON.stringify(text(await arising.textContent()))}`);
    const rowText = text(await row.textContent());
    assert.ok(rowText.startsWith(`${actionNumber} ${ACTION_OWNERS}: ${ACTION_TEXT} Open`), `the carried action reads ${JSON.stringify(rowText)}`);
    assert.ok(
      rowText.includes(`Raised ${weekdayDay(date)}, 10:00 to 12:30, under “${ITEMS[1].title}”`),
      `the carried action does not say where it was raised: ${JSON.stringify(rowText)}`,
    );
    assert.equal(
      await row.getByRole('link', { name: `Record progress on ${actionNumber}`, exact: true }).count(),
      1,
      'the secretary has no "Record progress" on the carried action',
    );

    assert.equal((await app.visit(gareth, '/actions')).status(), 200);
    await assertH1(gareth, 'Actions');
    const listed = main(gareth).locator('li.action-item', { hasText: ACTION_TEXT });
    assert.equal(await listed.count(), 1, '/actions does not list the new action');
    assert.ok(text(await listed.textContent()).startsWith(`${actionNumber} ${ACTION_OWNERS}: `), 'the action on /actions does not show its owners');
    await app.screenshot(gareth, 'actions-desktop');
    await checkBothSizes(app, gareth, 'actions');
    assertNoPageProblems(app, gareth);
  });
});
