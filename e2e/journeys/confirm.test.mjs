// Journey: destructive actions ask first, and the question is a page of its own
// that works without script.
//
// For each of: deleting a draft (Gareth), cancelling an event (Aisha, its
// author, on a phone), cancelling one date of a series with a reason (Priya),
// and disabling an account (Priya): the button on the record's page leads to a
// question page ("Delete “...”?") with a red button that says what it does;
// "No, go back" returns to where the person was and changes nothing; asking
// again and confirming does it, with a flash message, and the result shows.
// Cancelling an event without a reason is refused (422) with the error tied to
// the box. Axe runs on each question at desktop and phone sizes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, VIEWPORTS } from '../lib/harness.mjs';
import {
  AISHA,
  DAN,
  GARETH,
  PRIYA,
  assertFlash,
  assertH1,
  assertNoPageProblems,
  checkBothSizes,
  main,
  named,
  signInAs,
  text,
} from '../lib/people.mjs';

const app = useApp({ name: 'confirm', env: { CONVENE_AUTH__DEV_LOGIN: 'true' } });

const TIMEOUT = 180_000;

const path = (page) => new URL(page.url()).pathname;
const goBack = (page) => main(page).getByRole('link', { name: 'No, go back', exact: true });

/** Follow `link` to the question; checks the heading, the button and axe at both sizes. */
async function ask(page, link, { heading, button, label }) {
  const { res } = await app.navigation(page, () => link.click());
  assert.equal(res.status(), 200, `the question answered HTTP ${res.status()}`);
  await assertH1(page, heading);
  const confirm = main(page).getByRole('button', { name: button, exact: true });
  assert.equal(await confirm.count(), 1, `no "${button}" button on the question page`);
  assert.match((await confirm.getAttribute('class')) ?? '', /\bbutton-danger\b/, `"${button}" does not look like a destructive action`);
  assert.equal(await goBack(page).count(), 1, 'no "No, go back" on the question page');
  await app.screenshot(page, `${label}-question`);
  await checkBothSizes(app, page, `${label} question`);
  return confirm;
}

test('deleting a draft: the question, "No, go back", then "Delete the draft"', { timeout: TIMEOUT }, async () => {
  const TITLE = 'Street Works Data Surgery';
  const page = await app.openPage(VIEWPORTS.desktop);
  await signInAs(app, page, GARETH);
  await app.visit(page, '/events/mine');
  await app.navigation(page, () => main(page).getByRole('link', { name: TITLE, exact: true }).click());
  const draftPath = path(page);
  const del = () => main(page).getByRole('link', { name: 'Delete', exact: true });

  await ask(page, del(), { heading: `Delete \u201c${TITLE}\u201d?`, button: 'Delete the draft', label: 'delete' });
  assert.equal(path(page), `${draftPath}/delete`);
  await app.navigation(page, () => goBack(page).click());
  assert.equal(path(page), draftPath, '"No, go back" did not return to the draft');
  await assertH1(page, TITLE);

  const confirm = await ask(page, del(), { heading: `Delete \u201c${TITLE}\u201d?`, button: 'Delete the draft', label: 'delete' });
  const { res, chain } = await app.navigation(page, () => confirm.click());
  assert.equal(res.status(), 200, chain.join(' -> '));
  assert.match(chain[0] ?? '', /^303 POST /, `deleting should redirect after the POST: ${chain.join(' -> ')}`);
  await assertFlash(page, 'The draft is deleted.');
  assert.equal(path(page), '/events/mine');
  assert.equal(await main(page).getByRole('link', { name: TITLE, exact: true }).count(), 0, 'the deleted draft is still in "My events"');
  const gone = await app.visit(page, draftPath);
  assert.equal(gone.status(), 404, `the deleted draft's page answered HTTP ${gone.status()}`);
  assertNoPageProblems(app, page);
});

test('phone: cancelling an event asks for a reason, and "No, go back" changes nothing', { timeout: TIMEOUT }, async () => {
  const TITLE = 'Bus Data Hack Day';
  const eventPath = '/events/bus-data-hack-day';
  const REASON = 'The depot is needed for a bus replacement service that day.';
  const page = await app.openPage(VIEWPORTS.phone);
  await signInAs(app, page, AISHA);
  await app.visit(page, eventPath);
  const cancel = () => main(page).getByRole('link', { name: 'Cancel the event', exact: true });
  const heading = `Cancel \u201c${TITLE}\u201d?`;

  await ask(page, cancel(), { heading, button: 'Cancel the event', label: 'cancel-event' });
  await app.navigation(page, () => goBack(page).tap());
  assert.equal(path(page), eventPath, '"No, go back" did not return to the event');
  assert.equal(await main(page).locator('.notice-cancelled').count(), 0, 'the event is marked cancelled after "No, go back"');

  // No reason: refused, with the error tied to the box.
  let confirm = await ask(page, cancel(), { heading, button: 'Cancel the event', label: 'cancel-event' });
  const { res: refused } = await app.navigation(page, () => confirm.tap());
  assert.equal(refused.status(), 422, `cancelling without a reason answered HTTP ${refused.status()}`);
  const box = page.locator('#reason');
  assert.equal(await box.getAttribute('aria-invalid'), 'true', 'the reason box is not marked invalid');
  assert.match(await box.getAttribute('aria-describedby'), /\breason-error\b/, 'the error is not tied to the reason box');
  assert.ok(await page.title().then((t) => t.startsWith('Error:')), 'the page title does not start with "Error:"');
  await app.checkAccessibility(page, 'cancel event refused phone');

  await box.fill(REASON);
  confirm = main(page).getByRole('button', { name: 'Cancel the event', exact: true });
  const { res, chain } = await app.navigation(page, () => confirm.tap());
  assert.equal(res.status(), 200, chain.join(' -> '));
  assert.equal(path(page), eventPath);
  await assertFlash(page, 'The event is cancelled. Its page stays, marked as cancelled.');
  const notice = text(await main(page).locator('.notice-cancelled').textContent());
  assert.equal(notice, `Cancelled ${REASON}`, 'the cancelled event\'s page does not give the reason');
  await app.checkAccessibility(page, 'cancelled event phone');
  assertNoPageProblems(app, page);
});

test('cancelling one date of a series, with a reason', { timeout: TIMEOUT }, async () => {
  const SERIES = '/events/northvale-open-data-forum';
  const REASON = 'The council chamber is booked for the election count.';
  const page = await app.openPage(VIEWPORTS.desktop);
  await signInAs(app, page, PRIYA);
  await app.visit(page, SERIES);
  const dates = main(page).getByRole('region', { name: 'Next dates in this series' });
  const firstDate = dates.locator('li').first();
  const when = text(await firstDate.locator('time').textContent());
  const datePath = await firstDate.getByRole('link').first().getAttribute('href');
  const cancelDate = () => dates.getByRole('link', { name: named('Cancel this date', when) });
  assert.equal(await cancelDate().count(), 1, `no "Cancel this date: ${when}" link`);

  await ask(page, cancelDate(), { heading: `Cancel ${when}?`, button: 'Cancel this date', label: 'cancel-date' });
  const reasonLabel = text(await page.locator('label[for="reason"]').textContent());
  assert.equal(reasonLabel, 'Why is this date cancelled? (optional)');
  await app.navigation(page, () => goBack(page).click());
  assert.equal(path(page), datePath, '"No, go back" did not lead to the date\'s page');
  assert.equal(await main(page).locator('.notice-cancelled').count(), 0, 'the date is marked cancelled after "No, go back"');

  await app.visit(page, SERIES);
  const confirm = await ask(page, cancelDate(), { heading: `Cancel ${when}?`, button: 'Cancel this date', label: 'cancel-date' });
  await page.locator('#reason').fill(REASON);
  const { res, chain } = await app.navigation(page, () => confirm.click());
  assert.equal(res.status(), 200, chain.join(' -> '));
  await assertFlash(page, 'That occurrence is cancelled; the rest of the series is unchanged.');

  // The series lists the date as cancelled; the date's page gives the reason.
  await app.visit(page, SERIES);
  const badge = dates.locator('li').first().locator('.badge', { hasText: 'Cancelled' });
  assert.equal(await badge.count(), 1, 'the series does not mark the date cancelled');
  await app.visit(page, datePath);
  const notice = text(await main(page).locator('.notice-cancelled').textContent());
  assert.equal(notice, `Cancelled This date is cancelled: ${REASON}`, 'the date\'s page does not give the reason');
  await checkBothSizes(app, page, 'cancelled date');
  assertNoPageProblems(app, page);
});

test('disabling an account: the question, "No, go back", then "Disable the account" signs them out', { timeout: TIMEOUT }, async () => {
  const dan = await app.openPage(VIEWPORTS.desktop);
  await signInAs(app, dan, DAN);

  const page = await app.openPage(VIEWPORTS.desktop);
  await signInAs(app, page, PRIYA);
  await app.visit(page, '/admin/users');
  const row = () => main(page).getByRole('row').filter({ has: page.getByRole('rowheader', { name: new RegExp(`^${DAN}\\b`) }) });
  const disable = () => row().getByRole('link', { name: named('Disable', DAN) });
  const heading = `Disable ${DAN}\u2019s account?`;

  await ask(page, disable(), { heading, button: 'Disable the account', label: 'disable' });
  await app.navigation(page, () => goBack(page).click());
  assert.equal(path(page), '/admin/users');
  assert.equal(await row().locator('.badge', { hasText: 'Disabled' }).count(), 0, 'Dan is disabled after "No, go back"');
  const still = await app.visit(dan, '/events/mine');
  assert.equal(path(dan), '/events/mine', `Dan was signed out by "No, go back" (HTTP ${still.status()} at ${dan.url()})`);

  const confirm = await ask(page, disable(), { heading, button: 'Disable the account', label: 'disable' });
  const { res, chain } = await app.navigation(page, () => confirm.click());
  assert.equal(res.status(), 200, chain.join(' -> '));
  await assertFlash(page, `${DAN}'s account is disabled and signed out everywhere.`);
  assert.equal(await row().locator('.badge', { hasText: 'Disabled' }).count(), 1, 'the list does not mark Dan disabled');
  assert.equal(await row().getByRole('button', { name: named('Enable', DAN) }).count(), 1, 'no "Enable" for Dan');
  await checkBothSizes(app, page, 'disabled');

  await app.visit(dan, '/events/mine');
  assert.equal(path(dan), '/auth/signin', `a disabled member still reaches ${dan.url()}`);
  assertNoPageProblems(app, page);
});
