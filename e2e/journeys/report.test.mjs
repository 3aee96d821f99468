// Journey: the secretary's report.
//
// The app runs with the development sign-in (CONVENE_AUTH__DEV_LOGIN=true) on
// the demo, which has four months of page counts and meetings in the past.
//
//   1. Priya (admin, 1280 px) goes from the admin area to "Report for the
//      meeting": the period starts at the last meeting; the figures are in a
//      table (page views, downloads, new members, events held, RSVPs, open
//      actions, dataset requests); the chart is an image named by its title
//      with a description; the text for the minutes has a copy button.
//      Axe at 1280 and 375 px (no sideways scrolling on the phone).
//   2. She chooses a longer period with the keyboard (a day typed into the
//      date field, Enter): the chart goes by week and the page says from when.
//      Axe at both sizes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, VIEWPORTS } from '../lib/harness.mjs';
import { PRIYA, assertH1, assertNoPageProblems, checkBothSizes, main, signInAs, text } from '../lib/people.mjs';

const app = useApp({ name: 'report', env: { CONVENE_AUTH__DEV_LOGIN: 'true' } });
const TIMEOUT = 180_000;

test('the secretary\'s report: figures since the last meeting, a chart, text for the minutes', { timeout: TIMEOUT }, async (t) => {
  const priya = await app.openPage(VIEWPORTS.desktop);

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

  await step('an admin opens the report from the admin area', async () => {
    await signInAs(app, priya, PRIYA);
    await app.visit(priya, '/admin');
    const { res } = await app.navigation(priya, () => main(priya).getByRole('link', { name: 'Report for the meeting' }).click());
    assert.equal(res.status(), 200);
    await assertH1(priya, 'Report for the meeting');
    assert.match(text(await main(priya).locator('.lede').textContent()), /^Since the last meeting, Forum meeting, on \w+day \d+ \w+ \d{4}/);
    const figures = main(priya).getByRole('region', { name: /^Since / });
    for (const label of ['Page views', 'Downloads', 'New members', 'Events held', 'RSVPs', 'Actions open now', 'Dataset requests made']) {
      const row = figures.getByRole('row', { name: new RegExp(`^${label} \\d+$`) });
      assert.equal(await row.count(), 1, `a row for ${label}`);
    }
    const chart = main(priya).getByRole('img', { name: 'Page views and downloads by day' });
    assert.equal(await chart.count(), 1);
    assert.match(await chart.evaluate((svg) => svg.querySelector('desc').textContent), /The busiest day was/);
    const minutes = main(priya).getByRole('region', { name: 'For the minutes' });
    assert.match(text(await minutes.textContent()), /Since the last meeting \(Forum meeting, .*\): \d+ page views; \d+ downloads; .*new members?/);
    assert.equal(await minutes.getByRole('button', { name: 'Copy the report\'s text' }).count(), 1);
    await checkBothSizes(app, priya, 'report');
    assertNoPageProblems(app, priya);
  });

  await step('she chooses a longer period with the keyboard', async () => {
    const day = new Date(Date.now() - 150 * 86_400_000).toISOString().slice(0, 10);
    const since = main(priya).getByLabel('Since (this day included)');
    await since.focus();
    await since.fill(day);
    const { res } = await app.navigation(priya, () => since.press('Enter'));
    assert.equal(res.status(), 200);
    assert.match(priya.url(), new RegExp(`/admin/report\\?since=${day}$`));
    assert.equal(await main(priya).getByRole('img', { name: 'Page views and downloads by week' }).count(), 1);
    assert.match(text(await main(priya).textContent()), /Page views and downloads have been counted since/);
    await checkBothSizes(app, priya, 'report-longer');
    assertNoPageProblems(app, priya);
  });
});
