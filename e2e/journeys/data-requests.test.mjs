// Journey: dataset requests.
//
// The app runs with the development sign-in (CONVENE_AUTH__DEV_LOGIN=true) on
// the demo, whose members have asked for six datasets (one published, one
// declined, two in discussion).
//
//   1. A visitor reads /data-requests at 1280 px: the open requests with their
//      votes, most first, the filters and the CSV link; the declined request
//      is under "Declined". Axe at 1280 and 375 px.
//      Then the monthly summary (the most wanted first, in a table) and the
//      car park request with its discussion. Axe on both at both sizes.
//   2. Dan (a plain member, on a phone) asks for a dataset: the empty form is
//      refused (422, an error summary whose links put focus in the fields),
//      then filled and sent with the keyboard: the request's page, his vote
//      counted, "requested by Dan Kowalski" in its history. Axe on the
//      refused form and the request at both sizes.
//   3. Priya (admin, 1280 px) votes for it from the newest-first list (back
//      at its place in that list, two votes), then records it as published: without the
//      address she is asked for it, with it the history shows the change and
//      votes close. Axe at both sizes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, VIEWPORTS } from '../lib/harness.mjs';
import { DAN, PRIYA, assertFlash, assertH1, assertNoPageProblems, checkBothSizes, main, signInAs, text } from '../lib/people.mjs';

const app = useApp({ name: 'data-requests', env: { CONVENE_AUTH__DEV_LOGIN: 'true' } });
const TIMEOUT = 240_000;
const TITLE = 'Bus lane camera locations';

test('dataset requests: read, asked for, voted and published', { timeout: TIMEOUT }, async (t) => {
  const visitor = await app.openPage(VIEWPORTS.desktop);
  const dan = await app.openPage(VIEWPORTS.phone);
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

  await step('a visitor reads the open requests, most votes first', async () => {
    const res = await app.visit(visitor, '/data-requests');
    assert.equal(res.status(), 200);
    await assertH1(visitor, 'Dataset requests');
    const list = main(visitor).getByRole('region', { name: /^Open requests/ });
    const titles = (await list.getByRole('heading', { level: 3 }).allTextContents()).map(text);
    assert.equal(titles[0], 'Real-time car park occupancy', `most votes first: ${JSON.stringify(titles)}`);
    assert.ok(!titles.includes('Planning application decision times'), 'a declined request among the open ones');
    assert.equal(await main(visitor).getByRole('link', { name: 'every request as CSV' }).getAttribute('href'), '/data-requests.csv');
    await checkBothSizes(app, visitor, 'list');
    const { res: declined } = await app.navigation(visitor, () =>
      main(visitor).getByRole('navigation', { name: 'Which requests' }).getByRole('link', { name: 'Declined', exact: true }).click(),
    );
    assert.equal(declined.status(), 200);
    const shown = main(visitor).getByRole('region', { name: /^Declined/ });
    assert.equal(await shown.getByRole('link', { name: 'Planning application decision times' }).count(), 1);
    assertNoPageProblems(app, visitor);
  });

  await step('a visitor reads the monthly summary and a request\'s discussion', async () => {
    await app.visit(visitor, '/data-requests');
    const { res } = await app.navigation(visitor, () => main(visitor).getByRole('link', { name: 'Monthly summary' }).click());
    assert.equal(res.status(), 200);
    assert.match(await visitor.title(), /^Dataset requests: [A-Z][a-z]+ \d{4}/);
    const wanted = main(visitor).getByRole('region', { name: 'Most wanted' });
    const first = wanted.getByRole('row').nth(1);
    assert.match(text(await first.textContent()), /^Real-time car park occupancy/);
    await checkBothSizes(app, visitor, 'summary');
    await app.navigation(visitor, () => first.getByRole('link').click());
    await assertH1(visitor, 'Real-time car park occupancy');
    const discussion = main(visitor).getByRole('region', { name: 'Discussion' });
    assert.match(text(await discussion.textContent()), /Raised with the parking team again today/);
    await checkBothSizes(app, visitor, 'discussed-request');
    assertNoPageProblems(app, visitor);
  });

  await step('a member asks for a dataset, after a refused empty form', async () => {
    await signInAs(app, dan, DAN);
    await app.visit(dan, '/data-requests');
    const { res: form } = await app.navigation(dan, () => main(dan).getByRole('link', { name: 'Ask for a dataset' }).tap());
    assert.equal(form.status(), 200);
    await assertH1(dan, 'Ask for a dataset');
    const { res: refused } = await app.navigation(dan, () => main(dan).getByRole('button', { name: 'Make the request' }).tap());
    assert.equal(refused.status(), 422);
    assert.match(await dan.title(), /^Error: /);
    const summary = dan.getByRole('alert');
    assert.match(text(await summary.textContent()), /Say which dataset you are asking for\./);
    await summary.getByRole('link', { name: 'Say which dataset you are asking for.' }).tap();
    assert.equal(await dan.evaluate(() => document.activeElement?.id), 'title');
    const title = main(dan).getByLabel('The dataset');
    assert.equal(await title.getAttribute('aria-invalid'), 'true');
    await checkBothSizes(app, dan, 'refused-request');

    await title.focus();
    await dan.keyboard.type(TITLE, { delay: 5 });
    await dan.keyboard.press('Tab');
    await dan.keyboard.type('Riverside City Council', { delay: 5 });
    await dan.keyboard.press('Tab');
    await dan.keyboard.type('Where each bus lane camera is, and the hours it enforces.', { delay: 2 });
    await dan.keyboard.press('Tab');
    await dan.keyboard.type('Drivers and cyclists should know where lanes are enforced.', { delay: 2 });
    await main(dan).getByLabel('Links (optional)').fill('https://www.riverside.example/bus-lanes');
    const { res } = await app.navigation(dan, () => main(dan).getByRole('button', { name: 'Make the request' }).tap());
    assert.equal(res.status(), 200);
    await assertFlash(dan, /Your request is made, with your vote\./);
    await assertH1(dan, TITLE);
    assert.match(text(await main(dan).textContent()), /1 vote .*requested by Dan Kowalski/);
    assert.equal(await main(dan).getByRole('button', { name: 'Withdraw my vote' }).count(), 1);
    await checkBothSizes(app, dan, 'request');
    assertNoPageProblems(app, dan);
  });

  await step('an admin votes from the list and records the dataset as published', async () => {
    await signInAs(app, priya, PRIYA);
    await app.visit(priya, '/data-requests?sort=newest');
    const vote = main(priya).getByRole('button', { name: `Vote for ${TITLE}`, exact: true });
    const { res } = await app.navigation(priya, () => vote.click());
    assert.equal(res.status(), 200);
    await assertFlash(priya, 'Your vote is counted.');
    assert.match(priya.url(), /\/data-requests\?sort=newest#request-\d+$/);
    const item = main(priya).getByRole('listitem').filter({ hasText: TITLE });
    assert.match(text(await item.textContent()), /^2 votes/);

    await app.navigation(priya, () => item.getByRole('link', { name: TITLE }).click());
    await assertH1(priya, TITLE);
    const status = main(priya).getByRole('region', { name: 'Where it stands' });
    await status.getByLabel('Published', { exact: true }).check();
    const { res: refused } = await app.navigation(priya, () => status.getByRole('button', { name: 'Record the change' }).click());
    assert.equal(refused.status(), 422);
    assert.match(text(await priya.getByRole('alert').textContent()), /Give the address where the dataset is published\./);
    await checkBothSizes(app, priya, 'status-refused');
    const again = main(priya).getByRole('region', { name: 'Where it stands' });
    await again.getByLabel(/Where the dataset is published/).fill('https://data.riverside.example/bus-lane-cameras');
    const { res: recorded } = await app.navigation(priya, () => again.getByRole('button', { name: 'Record the change' }).click());
    assert.equal(recorded.status(), 200);
    await assertFlash(priya, 'The request is now: published. The change is in its history.');
    const history = main(priya).getByRole('region', { name: 'History' });
    assert.match(text(await history.textContent()), /Published recorded by Priya Shah/);
    assert.match(text(await main(priya).textContent()), /Votes are closed/);
    await checkBothSizes(app, priya, 'published');
    assertNoPageProblems(app, priya);
  });
});
