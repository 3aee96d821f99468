// Journey: answering "Are you coming?", and ticking people in at the door.
//
// The app runs with the development sign-in (CONVENE_AUTH__DEV_LOGIN=true);
// every person has their own browser context.
//
// 1. A member who has not answered the forum's next date opens the series
//    "Northvale Open Data Forum", follows its first date under "Next dates in
//    this series" and, in the card "Are you coming?", answers Going, staying
//    for lunch, with a note: the flash says so, "Going" goes up by one,
//    "Places left" down by one, "Lunch" up by one and the card says "You're
//    going." with the answer kept in the form. "My events" lists the date as
//    Going, and the personal calendar address there serves it as
//    PARTSTAT=ACCEPTED. "Withdraw my answer" puts the counts back and takes
//    the date out of the personal calendar. Desktop (Dan, with the keyboard)
//    and phone (Tom, with taps); axe before and after answering.
//
// 2. The organiser of "Bus Data Hack Day" (full: 6 of 6, 2 waiting) follows
//    "Sign-in sheet" from the card on a phone, ticks Dan in with the keyboard:
//    the page comes back at his row, "Here at HH:MM", an "Undo" button and
//    "1 of 6 here."; Undo puts it back to 0. The "Here" buttons must be in
//    sight on the phone without scrolling the table sideways. At desktop,
//    "Attendees and notes" shows the going and waiting lists with Dan's note,
//    and "Places and deadline" opens the places page; axe on each. A plain
//    member gets 403 on the sheet and the list, and sees no "For organisers".

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, VIEWPORTS, assertNoSidewaysScroll, tabTo } from '../lib/harness.mjs';
import {
  AISHA,
  DAN,
  GARETH,
  assertFlash,
  assertH1,
  assertNoPageProblems,
  main,
  named,
  signInAs,
  text,
} from '../lib/people.mjs';

const app = useApp({ name: 'rsvp', env: { CONVENE_AUTH__DEV_LOGIN: 'true' } });

const TIMEOUT = 240_000;
const TOM = 'Tom Okafor'; // admin; has not answered the forum's next date

const SERIES = 'Northvale Open Data Forum';
const SERIES_PATH = '/events/northvale-open-data-forum';
const FORUM_PLACES = 30;
// The demo's next forum date: Priya, Gareth, Aisha, Mei, Sam and the guest Cllr Jo Marsh
// going (6), all but Mei staying for lunch (5); Helen sent apologies.
const FORUM_DEMO = { going: 6, left: 24, extra: 5 };

const HACK_DAY = 'Bus Data Hack Day';
const HACK_PATH = '/events/bus-data-hack-day';
const SHEET_PATH = `${HACK_PATH}/attendees/sheet`;
const ATTENDEES_PATH = `${HACK_PATH}/attendees`;
const PLACES_PATH = `${HACK_PATH}/places`;
// The demo's hack day, in the order they answered: 6 places.
const HACK_GOING = ['Aisha Rahman', 'Tom Okafor', 'Dan Kowalski', 'Sam Whitfield', 'Mei Chen', 'Gareth Lloyd'];
const HACK_WAITING = ['Helen McAllister', 'Priya Shah'];

// ---------------------------------------------------------------------------
// Helpers

const rsvpCard = (page) => main(page).getByRole('region', { name: 'Are you coming?', exact: true });

/** The numbers in the card's dl.rsvp-counts, read the way they are shown. */
async function counts(page) {
  const card = rsvpCard(page);
  assert.equal(await card.count(), 1, `no card "Are you coming?" on ${page.url()}`);
  const dl = card.locator('dl.rsvp-counts');
  assert.equal(await dl.count(), 1, `the card "Are you coming?" on ${page.url()} has no dl.rsvp-counts`);
  const read = async (id) => {
    const dd = dl.locator(`#${id}`);
    if ((await dd.count()) === 0) return null;
    const dt = text(await dd.evaluate((el) => el.previousElementSibling?.textContent ?? ''));
    return { dt, dd: text(await dd.textContent()), visible: await dd.isVisible() };
  };
  const going = await read('rsvp-going');
  const left = await read('rsvp-places-left');
  const extra = await read('rsvp-extra');
  const waiting = await read('rsvp-waiting');
  assert.ok(going, `no #rsvp-going in the card on ${page.url()}`);
  assert.equal(going.dt, 'Going', '#rsvp-going is not labelled "Going"');
  const m = /^(\d+)(?: of (\d+))?$/.exec(going.dd);
  assert.ok(m, `#rsvp-going reads ${JSON.stringify(going.dd)}, expected "N" or "N of M"`);
  for (const [what, v] of Object.entries({ going, left, extra, waiting })) {
    if (v) assert.ok(v.visible, `the count ${what} (${v.dt}) is not visible`);
  }
  return {
    going: Number(m[1]),
    places: m[2] === undefined ? null : Number(m[2]),
    left: left ? (assert.equal(left.dt, 'Places left'), Number(left.dd)) : null,
    extraLabel: extra?.dt ?? null,
    extra: extra ? Number(extra.dd) : null,
    waiting: waiting ? (assert.equal(waiting.dt, 'Waiting list'), Number(waiting.dd)) : 0,
  };
}

/** The VEVENTs of a calendar, lines unfolded (RFC 5545 3.1). */
function vevents(ics) {
  const unfolded = ics.replace(/\r\n[ \t]/g, '');
  return [...unfolded.matchAll(/BEGIN:VEVENT\r?\n([\s\S]*?)END:VEVENT/g)].map((m) => m[1]);
}

/** HH:MM in Europe/London (the site's zone) for each minute from `from` to `to`. */
function londonMinutes(from, to) {
  const fmt = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const out = new Set();
  for (let t = from - 60_000; t <= to + 60_000; t += 30_000) out.add(fmt.format(new Date(t)));
  return out;
}

/** Whether the element's top is on screen (below the top edge, above the bottom). */
/**
 * Whether the element is within the screen, waiting up to 3 s: the browser scrolls to the
 * address's #fragment after the page has loaded, a moment after the navigation resolves.
 */
async function onScreen(locator) {
  const inView = () => locator.evaluate((el) => {
    const r = el.getBoundingClientRect();
    return r.bottom > 0 && r.top < window.innerHeight;
  });
  for (let waited = 0; waited < 3000; waited += 100) {
    if (await inView()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return inView();
}

/**
 * The sign-in sheet's "Here" buttons that are not wholly in sight as the page opens: outside
 * the screen, or clipped by the scrolling box around the table (at its starting position).
 */
function hereButtonsOutOfSight(page) {
  return page.evaluate(() => {
    const out = [];
    for (const button of document.querySelectorAll('.sheet-table tbody button')) {
      const b = button.getBoundingClientRect();
      let box = { left: 0, right: window.innerWidth };
      for (let el = button.parentElement; el && el !== document.body; el = el.parentElement) {
        const s = getComputedStyle(el);
        if (/(auto|scroll|hidden|clip)/.test(s.overflowX)) {
          const r = el.getBoundingClientRect();
          box = { left: Math.max(box.left, r.left), right: Math.min(box.right, r.right) };
        }
      }
      if (b.left < box.left - 1 || b.right > box.right + 1) {
        const name = button.textContent.trim().replace(/\s+/g, ' ');
        out.push(`"${name}" spans ${Math.round(b.left)}-${Math.round(b.right)} px, the visible area ${Math.round(box.left)}-${Math.round(box.right)} px`);
      }
    }
    return out;
  });
}

// ---------------------------------------------------------------------------
// Journey 1: answering one date of the forum

for (const { viewport, who, keyboard } of [
  { viewport: VIEWPORTS.desktop, who: DAN, keyboard: true },
  { viewport: VIEWPORTS.phone, who: TOM, keyboard: false },
]) {
  test(
    `a member answers Going with lunch on a date of the series and sees the counts change (${viewport.name}, ${who})`,
    { timeout: TIMEOUT },
    async () => {
      const NOTE = `No dairy, please (${who.split(' ')[0]})`;
      const page = await app.openPage(viewport);
      await signInAs(app, page, who);

      // The series' page: answers are per date; follow the next one.
      const res = await app.visit(page, SERIES_PATH);
      assert.equal(res.status(), 200);
      await assertH1(page, SERIES);
      const dates = main(page).getByRole('region', { name: 'Next dates in this series' });
      assert.equal(await dates.count(), 1, 'the series page has no "Next dates in this series"');
      const first = dates.getByRole('link').first();
      const href = await first.getAttribute('href');
      assert.match(href ?? '', new RegExp(`^${SERIES_PATH}/\\d{4}-\\d{2}-\\d{2}$`), `the first date links to ${href}`);
      const { res: dateRes } = await app.navigation(page, () => (keyboard ? first.focus().then(() => page.keyboard.press('Enter')) : first.tap()));
      assert.equal(dateRes.status(), 200, `${href} answered HTTP ${dateRes.status()}`);
      assert.equal(new URL(page.url()).pathname, href);

      // The card before answering.
      const card = rsvpCard(page);
      const before = await counts(page);
      assert.equal(before.places, FORUM_PLACES, `"Going" should be out of ${FORUM_PLACES} places`);
      assert.equal(before.left, FORUM_PLACES - before.going, '"Places left" does not match "Going"');
      assert.equal(before.extraLabel, 'Lunch', 'the lunch count is not labelled "Lunch"');
      if (viewport === VIEWPORTS.desktop) {
        assert.deepEqual(
          { going: before.going, left: before.left, extra: before.extra },
          FORUM_DEMO,
          'the demo forum date does not have its seeded answers',
        );
      }
      assert.equal(await card.locator('#rsvp-mine').count(), 0, `${who} has answered this date already: the journey needs someone who has not`);
      const going = card.getByRole('radio', { name: 'Going', exact: true });
      const lunch = card.getByRole('checkbox', { name: "I'm staying for Lunch", exact: true });
      const note = card.getByRole('textbox', { name: /^Dietary or access needs/ });
      const send = card.getByRole('button', { name: 'Send my answer', exact: true });
      for (const [what, l] of [['the "Going" radio', going], ['the lunch box', lunch], ['the note', note], ['"Send my answer"', send]]) {
        assert.equal(await l.count(), 1, `the card has no ${what}`);
      }
      assert.equal(await lunch.isChecked(), false, 'the lunch box is ticked before answering');
      assert.equal(await note.inputValue(), '', 'the note is not empty before answering');
      if (viewport.isMobile) await assertNoSidewaysScroll(page, viewport);
      await app.screenshot(page, `date-before-${viewport.name}`);
      await app.checkAccessibility(page, `date before answering ${viewport.name}`);

      // Answer: Going, lunch, a note.
      if (keyboard) {
        await going.focus();
        await page.keyboard.press('Space');
        assert.equal(await going.isChecked(), true, 'Space on "Going" did not choose it');
        await tabTo(page, lunch, 'the lunch box', 5);
        await page.keyboard.press('Space');
        await tabTo(page, note, 'the note', 5);
        await page.keyboard.type(NOTE);
        await tabTo(page, send, '"Send my answer"', 5);
      } else {
        await going.tap();
        await lunch.tap();
        await note.tap();
        await note.fill(NOTE);
      }
      assert.equal(await going.isChecked(), true, '"Going" is not chosen');
      assert.equal(await lunch.isChecked(), true, 'the lunch box is not ticked');
      const { chain } = await app.navigation(page, () => (keyboard ? page.keyboard.press('Enter') : send.tap()));
      assert.match(chain[0] ?? '', /^303 POST /, `sending the answer should redirect: ${chain.join(' -> ')}`);
      assert.equal(new URL(page.url()).pathname, href, 'the answer did not come back to the date\'s page');

      await assertFlash(page, /staying for lunch/i);
      const after = await counts(page);
      assert.equal(after.going, before.going + 1, `"Going" went from ${before.going} to ${after.going}`);
      assert.equal(after.left, before.left - 1, `"Places left" went from ${before.left} to ${after.left}`);
      assert.equal(after.extra, before.extra + 1, `"Lunch" went from ${before.extra} to ${after.extra}`);
      const mine = card.locator('#rsvp-mine');
      assert.ok(await mine.isVisible(), 'the card does not say what the member answered');
      assert.ok(text(await mine.textContent()).startsWith("You're going."), `#rsvp-mine says ${JSON.stringify(text(await mine.textContent()))}`);
      // The form keeps the answer, to change it.
      assert.equal(await lunch.isChecked(), true, 'the lunch box is not ticked after answering');
      assert.equal(await note.inputValue(), NOTE, 'the note is not kept in the form');
      assert.equal(await card.getByRole('button', { name: 'Update my answer', exact: true }).count(), 1, 'no "Update my answer" button');
      const withdraw = card.getByRole('button', { name: 'Withdraw my answer', exact: true });
      assert.equal(await withdraw.count(), 1, 'no "Withdraw my answer" button');
      if (viewport.isMobile) await assertNoSidewaysScroll(page, viewport);
      await app.screenshot(page, `date-going-${viewport.name}`);
      await app.checkAccessibility(page, `date after answering ${viewport.name}`);
      assertNoPageProblems(app, page);

      // "My events": the date, going, and a private calendar with it accepted.
      const mineRes = await app.visit(page, '/events/mine');
      assert.equal(mineRes.status(), 200);
      await assertH1(page, 'My events');
      const goingTo = main(page).getByRole('region', { name: 'Going to', exact: true });
      assert.equal(await goingTo.count(), 1, 'My events has no section "Going to"');
      const row = goingTo.getByRole('row').filter({ has: page.locator(`a[href="${href}"]`) });
      assert.equal(await row.count(), 1, `"Going to" does not list ${href}`);
      const rowText = text(await row.textContent());
      assert.ok(rowText.includes(SERIES), `the row for ${href} does not name the forum: ${JSON.stringify(rowText)}`);
      assert.match(rowText, /\bGoing\b/, `the row for ${href} does not say "Going": ${JSON.stringify(rowText)}`);
      assert.match(rowText, /Staying for Lunch/, `the row for ${href} does not say "Staying for Lunch": ${JSON.stringify(rowText)}`);

      const calendar = main(page).getByRole('region', { name: 'Your own calendar', exact: true });
      assert.equal(await calendar.count(), 1, 'My events has no "Your own calendar"');
      const feed = text(await calendar.locator('code.feed-address').textContent());
      assert.match(
        feed,
        new RegExp(`^${app.baseUrl.replace(/[.]/g, '\\.')}/calendar/personal/[A-Za-z0-9_-]+\\.ics$`),
        `the personal calendar's address is ${JSON.stringify(feed)}`,
      );
      if (viewport.isMobile) await assertNoSidewaysScroll(page, viewport);
      await app.screenshot(page, `mine-${viewport.name}`);
      await app.checkAccessibility(page, `my events ${viewport.name}`);

      const dateUrl = app.url(href);
      const readFeed = async () => {
        const r = await page.request.get(feed);
        assert.equal(r.status(), 200, `${feed} answered HTTP ${r.status()}`);
        assert.match(r.headers()['content-type'] ?? '', /^text\/calendar\b/, `${feed} is not text/calendar`);
        return vevents(await r.text()).filter((ev) => ev.split(/\r?\n/).includes(`URL:${dateUrl}`));
      };
      const accepted = await readFeed();
      assert.equal(accepted.length, 1, `the personal calendar should have one VEVENT for ${dateUrl}, found ${accepted.length}`);
      assert.match(accepted[0], /PARTSTAT=ACCEPTED/, `the forum date is not ACCEPTED in the personal calendar:\n${accepted[0]}`);

      // Withdraw: everything back as it was.
      await app.visit(page, href);
      const { chain: wChain } = await app.navigation(page, () =>
        keyboard ? withdraw.focus().then(() => page.keyboard.press('Enter')) : withdraw.tap(),
      );
      assert.match(wChain[0] ?? '', /^303 POST /, `withdrawing should redirect: ${wChain.join(' -> ')}`);
      assert.equal(new URL(page.url()).pathname, href);
      await assertFlash(page, 'Your answer is withdrawn.');
      const back = await counts(page);
      assert.deepEqual(back, before, 'the counts are not back to what they were after withdrawing');
      assert.equal(await card.locator('#rsvp-mine').count(), 0, 'the card still shows an answer after withdrawing');
      assert.equal(await send.count(), 1, '"Send my answer" is not back after withdrawing');
      assert.equal(await lunch.isChecked(), false, 'the lunch box stays ticked after withdrawing');
      assert.equal(await note.inputValue(), '', 'the note stays after withdrawing');
      assert.equal((await readFeed()).length, 0, `the personal calendar still has ${dateUrl} after withdrawing`);
      assertNoPageProblems(app, page);
    },
  );
}

// ---------------------------------------------------------------------------
// Journey 2: at the door

test('an organiser ticks people in at the door on a phone', { timeout: TIMEOUT }, async () => {
  const viewport = VIEWPORTS.phone;
  const page = await app.openPage(viewport);
  await signInAs(app, page, AISHA);

  // The event page: full, with a waiting list, and the organisers' links.
  const res = await app.visit(page, HACK_PATH);
  assert.equal(res.status(), 200);
  await assertH1(page, HACK_DAY);
  const c = await counts(page);
  assert.deepEqual(
    { going: c.going, places: c.places, left: c.left, waiting: c.waiting },
    { going: 6, places: 6, left: 0, waiting: 2 },
    'the demo hack day is not full with two waiting',
  );
  const card = rsvpCard(page);
  assert.equal(
    await card.getByRole('heading', { name: 'For organisers', exact: true }).count(),
    1,
    'the organiser sees no "For organisers" in the card',
  );
  const sheetLink = card.getByRole('link', { name: 'Sign-in sheet', exact: true });
  assert.equal(await sheetLink.getAttribute('href'), SHEET_PATH);
  const { res: sheetRes } = await app.navigation(page, () => sheetLink.tap());
  assert.equal(sheetRes.status(), 200, `${SHEET_PATH} answered HTTP ${sheetRes.status()}`);
  assert.equal(new URL(page.url()).pathname, SHEET_PATH);

  // The sheet: everyone going, by name, each with a button to tick them in.
  await assertH1(page, 'Sign-in sheet');
  const hereCount = page.locator('#here-count');
  assert.equal(await hereCount.getAttribute('role'), 'status', '#here-count is not announced (role="status")');
  assert.equal(text(await hereCount.textContent()), '0 of 6 here.');
  const table = main(page).getByRole('table');
  assert.equal(await table.count(), 1, 'the sign-in sheet has no table');
  for (const name of HACK_GOING) {
    const row = table.getByRole('row').filter({ has: page.getByRole('rowheader', { name, exact: true }) });
    assert.equal(await row.count(), 1, `the sheet has no row for ${name} alone`);
    assert.equal(await row.getByRole('button', { name: named('Here', name) }).count(), 1, `no "Here: ${name}" button`);
  }
  for (const [i, name] of HACK_WAITING.entries()) {
    const row = table.getByRole('row').filter({ hasText: name });
    assert.equal(await row.count(), 1, `the sheet does not list ${name} from the waiting list`);
    assert.match(text(await row.textContent()), new RegExp(`\\(waiting list ${i + 1}\\)`), `${name} is not shown as waiting list ${i + 1}`);
  }
  await assertNoSidewaysScroll(page, viewport);
  // At the door the "Here" buttons must be in sight, not behind a sideways scroll of the
  // table. Measured now, asserted at the end so the rest of the journey still runs.
  const hidden = await hereButtonsOutOfSight(page);
  await app.screenshot(page, 'sheet-phone');
  await app.checkAccessibility(page, 'sheet phone');

  // Tick Dan in with the keyboard.
  const danRow = table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: DAN, exact: true }) });
  const rowId = await danRow.getAttribute('id');
  assert.match(rowId ?? '', /^attendee-\d+$/, `Dan's row has id ${rowId}`);
  const here = danRow.getByRole('button', { name: named('Here', DAN) });
  const started = Date.now();
  await here.focus();
  const { chain } = await app.navigation(page, () => page.keyboard.press('Enter'));
  const ended = Date.now();
  assert.match(chain[0] ?? '', /^303 POST /, `ticking in should redirect: ${chain.join(' -> ')}`);
  const landed = new URL(page.url());
  assert.equal(landed.pathname, SHEET_PATH, 'ticking in did not come back to the sheet');
  assert.equal(landed.hash, `#${rowId}`, 'ticking in did not come back at Dan\'s row');
  const ticked = page.locator(`#${rowId}`);
  assert.ok(await onScreen(ticked), 'Dan\'s row is not on screen after ticking him in');
  await assertFlash(page, `${DAN} is here.`);
  const tickedText = text(await ticked.textContent());
  const at = /Here at (\d{2}:\d{2})/.exec(tickedText);
  assert.ok(at, `Dan's row does not say "Here at HH:MM": ${JSON.stringify(tickedText)}`);
  assert.ok(londonMinutes(started, ended).has(at[1]), `Dan's row says "Here at ${at[1]}", not the time he was ticked in (Europe/London)`);
  assert.ok(await ticked.getByText(/^Here at /).isVisible(), '"Here at" is not visible');
  const undo = ticked.getByRole('button', { name: /^Undo\b/ });
  assert.equal(await undo.count(), 1, 'Dan\'s row has no "Undo" button');
  assert.match(text(await undo.textContent()), new RegExp(`^Undo for ${DAN}$`), 'the "Undo" button does not say whose tick it undoes');
  assert.equal(await ticked.getByRole('button', { name: named('Here', DAN) }).count(), 0, 'Dan\'s row still has its "Here" button');
  assert.equal(text(await hereCount.textContent()), '1 of 6 here.');
  await assertNoSidewaysScroll(page, viewport);
  await app.screenshot(page, 'sheet-ticked-phone');
  await app.checkAccessibility(page, 'sheet ticked phone');

  // Undo.
  await undo.focus();
  const { chain: undoChain } = await app.navigation(page, () => page.keyboard.press('Enter'));
  assert.match(undoChain[0] ?? '', /^303 POST /, `undoing should redirect: ${undoChain.join(' -> ')}`);
  assert.equal(new URL(page.url()).hash, `#${rowId}`, 'undo did not come back at Dan\'s row');
  await assertFlash(page, `${DAN} is no longer marked as here.`);
  const untickedText = text(await page.locator(`#${rowId}`).textContent());
  assert.ok(!/Here at/.test(untickedText), `Dan's row still says "Here at" after Undo: ${JSON.stringify(untickedText)}`);
  assert.equal(await page.locator(`#${rowId}`).getByRole('button', { name: named('Here', DAN) }).count(), 1, 'the "Here" button is not back');
  assert.equal(text(await hereCount.textContent()), '0 of 6 here.');
  assertNoPageProblems(app, page);

  assert.deepEqual(
    hidden,
    [],
    `on a ${viewport.width} px phone the sign-in sheet's "Here" buttons are outside the table's visible area ` +
      `(the organiser has to scroll the table sideways to find them):\n  ${hidden.join('\n  ')}`,
  );
});

test('an organiser reads the sheet, the attendee list with notes and the places page at desktop', { timeout: TIMEOUT }, async () => {
  const desk = await app.openPage(VIEWPORTS.desktop);
  await signInAs(app, desk, AISHA);
  assert.equal((await app.visit(desk, SHEET_PATH)).status(), 200);
  await app.checkAccessibility(desk, 'sheet desktop');

  const list = main(desk).getByRole('link', { name: 'Attendees and notes', exact: true });
  assert.equal(await list.getAttribute('href'), ATTENDEES_PATH);
  const { res: listRes } = await app.navigation(desk, () => list.click());
  assert.equal(listRes.status(), 200, `${ATTENDEES_PATH} answered HTTP ${listRes.status()}`);
  assert.equal(new URL(desk.url()).pathname, ATTENDEES_PATH);
  await assertH1(desk, 'Attendees');
  const h2s = (await main(desk).locator('h2').allTextContents()).map(text);
  for (const h of ['Going', 'Waiting list']) assert.ok(h2s.includes(h), `no heading "${h}" on the attendee list: ${JSON.stringify(h2s)}`);
  const goingList = main(desk).getByRole('region', { name: 'Going', exact: true });
  const waitingList = main(desk).getByRole('region', { name: 'Waiting list', exact: true });
  for (const name of HACK_GOING) {
    assert.equal(await goingList.getByRole('rowheader', { name: new RegExp(`\\b${name}\\b`) }).count(), 1, `${name} is not under "Going"`);
  }
  for (const name of HACK_WAITING) {
    assert.equal(await waitingList.getByRole('rowheader', { name: new RegExp(`\\b${name}\\b`) }).count(), 1, `${name} is not under "Waiting list"`);
  }
  const danRowDesk = goingList.getByRole('row').filter({ has: desk.getByRole('rowheader', { name: new RegExp(`\\b${DAN}\\b`) }) });
  const vegan = danRowDesk.getByRole('cell', { name: 'Vegan', exact: true });
  assert.ok(await vegan.isVisible(), `Dan's note "Vegan" is not visible to the organiser: ${JSON.stringify(text(await danRowDesk.textContent()))}`);
  await app.screenshot(desk, 'attendees-desktop');
  await app.checkAccessibility(desk, 'attendees desktop');

  const places = main(desk).getByRole('link', { name: 'Places and deadline', exact: true });
  assert.equal(await places.getAttribute('href'), PLACES_PATH);
  const { res: placesRes } = await app.navigation(desk, () => places.click());
  assert.equal(placesRes.status(), 200, `${PLACES_PATH} answered HTTP ${placesRes.status()}`);
  await assertH1(desk, 'Places and answers');
  assert.equal(await desk.getByLabel(/^Places/).inputValue(), '6', 'the places field does not show the 6 places');
  await app.screenshot(desk, 'places-desktop');
  await app.checkAccessibility(desk, 'places desktop');
  assertNoPageProblems(app, desk);
});

test('a plain member may not open the sign-in sheet or the attendee list', { timeout: TIMEOUT }, async () => {
  const member = await app.openPage(VIEWPORTS.desktop);
  await signInAs(app, member, GARETH);
  const ev = await app.visit(member, HACK_PATH);
  assert.equal(ev.status(), 200);
  assert.equal(
    await rsvpCard(member).getByRole('heading', { name: 'For organisers', exact: true }).count(),
    0,
    'a plain member sees "For organisers"',
  );
  assert.equal(await main(member).getByRole('link', { name: 'Sign-in sheet', exact: true }).count(), 0, 'a plain member sees "Sign-in sheet"');
  for (const p of [SHEET_PATH, ATTENDEES_PATH]) {
    const r = await app.visit(member, p);
    assert.equal(r.status(), 403, `${p} answered HTTP ${r.status()} to a plain member`);
    const body = text(await main(member).textContent());
    assert.ok(!body.includes('Vegan'), `the 403 page at ${p} shows a note`);
  }
  await app.checkAccessibility(member, 'forbidden attendees desktop');
});
