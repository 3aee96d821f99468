// Journey: what the site's one script adds, and that everything works without it.
//
// Copy buttons: on /calendar a visitor copies the calendar address with
// "Copy" (mouse, then keyboard), hears and sees "Copied"; each topic's address
// is a webcal:// link that says webcal:// and copies as such; a topic page
// and an event page copy their feed addresses too. Without script there are
// no "Copy" buttons (nothing that does nothing) and the addresses are there
// to select.
// Repeat fields: on the event form the repeat details are hidden while
// "Repeats" says "Does not repeat", shown when a repeat is chosen, hidden
// again when it is not; a series' edit form shows them; without script they
// are always shown.
// The script is served from /assets with a version, loaded with defer, and
// breaks no page (no console errors, nothing refused by the CSP).
// Axe runs at desktop and phone sizes on each page.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, VIEWPORTS, tabTo } from '../lib/harness.mjs';
import { GARETH, PRIYA, assertNoPageProblems, checkBothSizes, main, signInAs, text } from '../lib/people.mjs';

const app = useApp({ name: 'enhance', env: { CONVENE_AUTH__DEV_LOGIN: 'true' } });

const TIMEOUT = 180_000;
const CLIPBOARD = { permissions: ['clipboard-read', 'clipboard-write'] };

const clipboard = (page) => page.evaluate(() => navigator.clipboard.readText());
const clearClipboard = (page) => page.evaluate(() => navigator.clipboard.writeText(''));

/** The "Copied" status next to a copy button: role=status (announced politely), visible. */
async function assertCopied(button) {
  const status = button.locator('xpath=following-sibling::*[@role="status"][1]');
  assert.equal(await status.count(), 1, 'no role="status" next to the "Copy" button');
  assert.equal(text(await status.textContent()), 'Copied', 'the status next to "Copy" does not say "Copied"');
  assert.ok(await status.isVisible(), '"Copied" is not visible');
}

test('the script is served from /assets, versioned, deferred, and breaks no page', { timeout: TIMEOUT }, async () => {
  const page = await app.openPage(VIEWPORTS.desktop);
  await app.visit(page, '/');
  const scripts = await page.locator('script[src]').evaluateAll((ss) => ss.map((s) => ({ src: s.getAttribute('src'), defer: s.defer })));
  assert.equal(scripts.length, 1, `expected one script: ${JSON.stringify(scripts)}`);
  assert.match(scripts[0].src, /^\/assets\/js\/convene\.js\?v=[0-9a-f]+$/, 'the script is not a versioned asset');
  assert.ok(scripts[0].defer, 'the script is not loaded with defer');
  const res = await page.request.get(app.url(scripts[0].src));
  assert.equal(res.status(), 200);
  assert.match(res.headers()['content-type'] ?? '', /^text\/javascript\b/);
  for (const path of ['/', '/events', '/calendar', '/events/bus-data-hack-day', '/events/tags/transport']) {
    await app.visit(page, path);
  }
  assertNoPageProblems(app, page);
});

test('calendar page: "Copy" copies the address, with a "Copied" status; topic addresses say webcal://', { timeout: TIMEOUT }, async () => {
  const page = await app.openPage(VIEWPORTS.desktop, CLIPBOARD);
  await app.visit(page, '/calendar');
  const address = await page.locator('#feed-url').inputValue();
  assert.equal(address, app.url('/calendar.ics'));

  const copy = main(page).getByRole('button', { name: 'Copy the calendar address', exact: true });
  assert.equal(await copy.count(), 1, 'no "Copy" button next to the calendar address');
  const small = await copy.evaluate((b) => b.getBoundingClientRect().height < 24 || b.getBoundingClientRect().width < 24);
  assert.ok(!small, 'the "Copy" button is smaller than 24x24 px');
  await copy.click();
  assert.equal(await clipboard(page), address, '"Copy" did not put the address on the clipboard');
  await assertCopied(copy);

  // By keyboard, too.
  await clearClipboard(page);
  await page.locator('#feed-url').focus();
  await tabTo(page, copy, 'the "Copy" button', 3);
  await page.keyboard.press('Enter');
  assert.equal(await clipboard(page), address, 'Enter on "Copy" did not copy the address');

  // Each topic's address: a webcal:// link showing webcal://, with its own "Copy".
  const rows = await main(page).locator('table a.feed-address').evaluateAll((as) => as.map((a) => ({ href: a.getAttribute('href'), text: a.textContent.trim() })));
  assert.ok(rows.length > 0, 'no topic addresses on /calendar');
  for (const row of rows) {
    assert.match(row.href, /^webcal:\/\//, `a topic's link is not webcal://: ${row.href}`);
    assert.equal(row.text, row.href, `a webcal:// link shows ${row.text}, not its address ${row.href}`);
  }
  const transport = main(page).getByRole('button', { name: 'Copy the address of the transport calendar', exact: true });
  await transport.click();
  assert.equal(await clipboard(page), app.url('/calendar/tags/transport.ics').replace(/^http:/, 'webcal:'));
  await assertCopied(transport);

  await app.screenshot(page, 'calendar-copied');
  await checkBothSizes(app, page, 'calendar copied');
  assertNoPageProblems(app, page);
});

test('a topic page and an event page copy their feed addresses', { timeout: TIMEOUT }, async () => {
  const page = await app.openPage(VIEWPORTS.phone, CLIPBOARD);
  await app.visit(page, '/events/tags/transport');
  const topic = main(page).getByRole('button', { name: 'Copy the address of this topic\'s calendar', exact: true });
  await topic.click();
  assert.equal(await clipboard(page), app.url('/calendar/tags/transport.ics'));
  await assertCopied(topic);
  await checkBothSizes(app, page, 'topic copied');

  await app.visit(page, '/events/bus-data-hack-day');
  const event = main(page).getByRole('button', { name: 'Copy the address of this event', exact: true });
  await event.click();
  assert.equal(await clipboard(page), app.url('/events/bus-data-hack-day.ics'));
  await assertCopied(event);
  await app.screenshot(page, 'event-copied-phone');
  await checkBothSizes(app, page, 'event copied');
  assertNoPageProblems(app, page);
});

test('without script there are no "Copy" buttons, and the addresses are there to select', { timeout: TIMEOUT }, async () => {
  const page = await app.openPage(VIEWPORTS.desktop, { javaScriptEnabled: false });
  for (const [path, selector] of [
    ['/calendar', '#feed-url'],
    ['/events/tags/transport', 'code.feed-address'],
    ['/events/bus-data-hack-day', 'code.feed-address'],
  ]) {
    await app.visit(page, path);
    assert.equal(await page.getByRole('button', { name: /^Copy/ }).count(), 0, `${path} has a "Copy" button without script`);
    assert.ok(await page.locator(selector).first().isVisible(), `${path} shows no address without script`);
  }
});

test('event form: the repeat details show only when the event repeats', { timeout: TIMEOUT }, async () => {
  const page = await app.openPage(VIEWPORTS.desktop);
  await signInAs(app, page, GARETH);
  await app.visit(page, '/events/new');
  const repeat = page.locator('#repeat');
  const details = ['#repeat_interval', '#repeat_until', '#repeat_rule'];
  const shown = async () => Promise.all(details.map((id) => page.locator(id).isVisible()));

  assert.equal(await repeat.inputValue(), 'none');
  assert.deepEqual(await shown(), [false, false, false], 'the repeat details are shown for an event that does not repeat');
  await checkBothSizes(app, page, 'form no repeat');

  await repeat.selectOption('monthly_weekday');
  assert.deepEqual(await shown(), [true, true, true], 'the repeat details are not shown once a repeat is chosen');
  // Reached with the keyboard straight from "Repeats".
  await repeat.focus();
  await tabTo(page, page.locator('#repeat_interval'), '"Every how many weeks or months"', 2);
  await app.screenshot(page, 'form-repeats');
  await checkBothSizes(app, page, 'form repeats');

  await repeat.selectOption('none');
  assert.deepEqual(await shown(), [false, false, false], 'the repeat details stay shown after going back to "Does not repeat"');

  // A series' edit form opens with them shown.
  const admin = await app.openPage(VIEWPORTS.desktop);
  await signInAs(app, admin, PRIYA);
  const res = await app.visit(admin, '/events/northvale-open-data-forum/edit');
  assert.equal(res.status(), 200);
  assert.notEqual(await admin.locator('#repeat').inputValue(), 'none');
  assert.deepEqual(await Promise.all(details.map((id) => admin.locator(id).isVisible())), [true, true, true], 'a series\' edit form hides its repeat details');
  assertNoPageProblems(app, page);
  assertNoPageProblems(app, admin);
});

test('event form without script: the repeat details are always shown', { timeout: TIMEOUT }, async () => {
  const page = await app.openPage(VIEWPORTS.desktop, { javaScriptEnabled: false });
  await signInAs(app, page, GARETH);
  await app.visit(page, '/events/new');
  assert.equal(await page.locator('#repeat').inputValue(), 'none');
  for (const id of ['#repeat_interval', '#repeat_until', '#repeat_rule']) {
    assert.ok(await page.locator(id).isVisible(), `${id} is hidden without script`);
  }
});
