// Journey: one date of a series, and all-day dates.
//
// A visitor opens the series "Northvale Open Data Forum", follows its next
// date to that date's own page (/events/SLUG/YYYY-MM-DD): the date is in the
// heading and in "When", the breadcrumb and "all its dates" lead back to the
// series, and its .ics link downloads a calendar file for that date, whose
// address is shown (and copied by "Copy"). Desktop and phone, axe on each.
//
// An admin publishes an all-day weekly series organised in Europe/Berlin
// (the site is on Europe/London time): its page, its card in the listing and
// one date's page give the organiser's date and say "all day" once, with no
// "(Europe/London time)" or second "Organised in" date.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, VIEWPORTS, assertNoSidewaysScroll } from '../lib/harness.mjs';
import { PRIYA, assertH1, assertNoPageProblems, main, signInAs, text } from '../lib/people.mjs';

const app = useApp({ name: 'series', env: { CONVENE_AUTH__DEV_LOGIN: 'true' } });

const TIMEOUT = 180_000;
const SERIES = 'Northvale Open Data Forum';
const SERIES_PATH = '/events/northvale-open-data-forum';

test('a visitor opens one date of a series: the date, the way back and its .ics', { timeout: TIMEOUT }, async () => {
  for (const viewport of [VIEWPORTS.desktop, VIEWPORTS.phone]) {
    const page = await app.openPage(viewport, { permissions: ['clipboard-read', 'clipboard-write'] });
    const res = await app.visit(page, SERIES_PATH);
    assert.equal(res.status(), 200);
    await assertH1(page, SERIES);

    const dates = main(page).getByRole('region', { name: 'Next dates in this series' });
    assert.equal(await dates.count(), 1, 'the series page has no "Next dates in this series"');
    const first = dates.getByRole('link').first();
    const href = await first.getAttribute('href');
    const shown = text(await first.textContent()); // "Wednesday 13 January 2027, 18:00 to 20:30"
    const m = new RegExp(`^${SERIES_PATH}/(\\d{4}-\\d{2}-\\d{2})$`).exec(href ?? '');
    assert.ok(m, `the first date links to ${href}, expected ${SERIES_PATH}/YYYY-MM-DD`);
    const isoDate = m[1];
    const dayLabel = shown.split(',')[0]; // "Wednesday 13 January 2027"

    const { res: dateRes } = await app.navigation(page, () => first.click());
    assert.equal(dateRes.status(), 200, `${href} answered HTTP ${dateRes.status()}`);
    assert.equal(new URL(page.url()).pathname, href);
    await assertH1(page, `${SERIES} ${dayLabel}`);
    const when = text(await main(page).locator('dl.facts dd').first().textContent());
    assert.ok(when.startsWith(shown), `"When" on the date's page says ${JSON.stringify(when)}, expected ${JSON.stringify(shown)}`);
    assert.equal(await main(page).locator('dl.facts dt').first().textContent(), 'When', 'a date\'s page labels its time "When"');

    // The ways back to the series.
    const crumbs = page.getByRole('navigation', { name: 'Breadcrumb' });
    assert.equal(await crumbs.getByRole('link', { name: SERIES, exact: true }).getAttribute('href'), SERIES_PATH);
    assert.equal(text(await crumbs.locator('[aria-current="page"]').textContent()), dayLabel, 'the breadcrumb does not end with the date');
    const all = main(page).getByRole('link', { name: 'all its dates', exact: true });
    assert.equal(await all.getAttribute('href'), SERIES_PATH, 'no "all its dates" link back to the series');

    // Its calendar file: linked, served, for that date, and its address shown to copy.
    const ics = main(page).getByRole('link', { name: 'Download the .ics file', exact: true });
    const icsHref = await ics.getAttribute('href');
    assert.equal(icsHref, `${href}.ics`, 'the date\'s page links to another .ics file');
    const file = await page.request.get(app.url(icsHref));
    assert.equal(file.status(), 200, `${icsHref} answered HTTP ${file.status()}`);
    assert.match(file.headers()['content-type'] ?? '', /^text\/calendar\b/, `${icsHref} is not text/calendar`);
    const body = await file.text();
    assert.match(body, new RegExp(`^DTSTART[^:\\r\\n]*:${isoDate.replaceAll('-', '')}`, 'm'), `${icsHref} does not start on ${isoDate}:\n${body}`);
    const address = main(page).locator('code.feed-address');
    assert.equal(text(await address.textContent()), app.url(icsHref), 'the date\'s calendar address is not shown');
    const copy = main(page).getByRole('button', { name: 'Copy the address of this date', exact: true });
    await copy.click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), app.url(icsHref), '"Copy" did not copy the date\'s address');

    if (viewport.isMobile) await assertNoSidewaysScroll(page, viewport);
    await app.screenshot(page, `date-page-${viewport.name}`);
    await app.checkAccessibility(page, `date page ${viewport.name}`);

    const { res: back } = await app.navigation(page, () => all.click());
    assert.equal(back.status(), 200);
    assert.equal(new URL(page.url()).pathname, SERIES_PATH);
    assertNoPageProblems(app, page);
  }
});

test('an all-day series organised in another time zone says "all day" once, on the organiser\'s dates', { timeout: TIMEOUT }, async () => {
  const TITLE = 'Berlin Open Data Day';
  const page = await app.openPage(VIEWPORTS.desktop);
  await signInAs(app, page, PRIYA);
  await app.visit(page, '/events/new');

  // A Saturday about two months ahead, as a date (the dates are the organiser's).
  const day = new Date(Date.now() + 60 * 24 * 3600 * 1000);
  day.setUTCDate(day.getUTCDate() + ((6 - day.getUTCDay() + 7) % 7));
  const iso = day.toISOString().slice(0, 10);
  const until = new Date(day.getTime() + 21 * 24 * 3600 * 1000).toISOString().slice(0, 10);
  const label = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' })
    .format(day)
    .replace(/,/g, ''); // "Saturday 13 February 2027"

  await page.locator('#title').fill(TITLE);
  await page.locator('#summary').fill('A day of talks in Berlin.');
  await page.locator('#all_day').check();
  await page.locator('#start_date').fill(iso);
  await page.locator('#end_date').fill(iso);
  await page.locator('#time_zone').selectOption('Europe/Berlin');
  await page.locator('#repeat').selectOption('weekly');
  await page.locator('#repeat_interval').fill('1');
  await page.locator('#repeat_until').fill(until);
  await page.locator('#place_name').fill('Rathaus');
  const { res } = await app.navigation(page, () => main(page).getByRole('button', { name: 'Publish now', exact: true }).click());
  assert.equal(res.status(), 200, `publishing answered HTTP ${res.status()}`);
  const seriesPath = new URL(page.url()).pathname;

  const allDayOnce = async (where, scope) => {
    const t = text(await scope.textContent());
    const count = (t.match(/all day/gi) ?? []).length;
    assert.equal(count, 1, `${where} says "all day" ${count} times: ${JSON.stringify(t)}`);
    assert.ok(t.includes(label), `${where} does not give the organiser's date ${label}: ${JSON.stringify(t)}`);
    assert.ok(!t.includes('Europe/London time'), `${where} gives an all-day date in the site's time: ${JSON.stringify(t)}`);
    assert.ok(!t.includes('Organised in'), `${where} gives the date a second time: ${JSON.stringify(t)}`);
  };

  await allDayOnce('the series page\'s "Next date"', main(page).locator('dl.facts dd').first());

  await app.visit(page, '/events');
  const cardMeta = main(page).locator('.event-card').filter({ hasText: TITLE }).first().locator('.card-meta');
  await allDayOnce('the series\' card', cardMeta);

  const date = await app.visit(page, `${seriesPath}/${iso}`);
  assert.equal(date.status(), 200, `${seriesPath}/${iso} answered HTTP ${date.status()}`);
  await assertH1(page, `${TITLE} ${label}`);
  await allDayOnce('the date\'s page', main(page).locator('dl.facts dd').first());
  await app.checkAccessibility(page, 'all-day date page');
  assertNoPageProblems(app, page);
});
