// Journey: the register of organisations.
//
// The app runs with the development sign-in (CONVENE_AUTH__DEV_LOGIN=true) on
// the demo, whose guests typed "Northvale Council": a name nobody sorted, a
// duplicate of "Northvale County Council".
//
//   1. A visitor reads /organisations at 1280 px: entries grouped under
//      headings by kind, open data links (CSV, JSON), no "To sort". Axe at
//      1280 and 375 px.
//   2. Dan (a plain member, on a phone) types "northvale county council" as
//      his organisation on his profile (the field offers the register's names
//      through a datalist) and saves: his profile shows the register's
//      spelling.
//   3. Priya (admin) sees "To sort (1)" with "Northvale Council"; she opens
//      it, follows "Merge into another entry", sends the form empty (422, an
//      error summary whose link puts focus in the select, aria-invalid), then
//      chooses "Northvale County Council (council)" with the keyboard and
//      merges: the flash, the entry's page, and "To sort" is gone from the
//      list. Axe on the entry page, the refused merge form and the add form
//      at both sizes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, VIEWPORTS } from '../lib/harness.mjs';
import { DAN, PRIYA, assertFlash, assertH1, assertNoPageProblems, checkBothSizes, main, signInAs, text } from '../lib/people.mjs';

const app = useApp({ name: 'organisations', env: { CONVENE_AUTH__DEV_LOGIN: 'true' } });
const TIMEOUT = 240_000;

test('the register: read, named from a profile, and a duplicate merged', { timeout: TIMEOUT }, async (t) => {
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

  await step('a visitor reads the register by kind, with its open data', async () => {
    const res = await app.visit(visitor, '/organisations');
    assert.equal(res.status(), 200);
    await assertH1(visitor, 'Organisations');
    const headings = await main(visitor).getByRole('heading', { level: 2 }).allTextContents();
    for (const kind of ['Councils', 'Transport bodies', 'Charities', 'Universities']) {
      assert.ok(headings.map(text).includes(kind), `no "${kind}" heading: ${JSON.stringify(headings)}`);
    }
    assert.ok(!headings.some((h) => h.startsWith('To sort')), 'a visitor sees names waiting to be sorted');
    const councils = main(visitor).getByRole('region', { name: 'Councils', exact: true });
    assert.equal(await councils.getByRole('link', { name: 'Northvale County Council', exact: true }).count(), 1);
    assert.equal(await councils.getByRole('link', { name: 'Northvale Council', exact: true }).count(), 0);
    for (const [name, href] of [['CSV', '/organisations.csv'], ['JSON', '/organisations.json']]) {
      assert.equal(await main(visitor).getByRole('link', { name, exact: true }).getAttribute('href'), href);
    }
    await checkBothSizes(app, visitor, 'list');
    assertNoPageProblems(app, visitor);
  });

  await step('a member names his organisation as people type it and gets the register\'s spelling', async () => {
    await signInAs(app, dan, DAN);
    await app.visit(dan, '/profile');
    const field = main(dan).getByLabel('Organisation (optional)');
    assert.equal(await field.getAttribute('list'), 'organisation-names');
    const offered = await dan.locator('#organisation-names option').evaluateAll((os) => os.map((o) => o.value));
    assert.ok(offered.includes('Northvale County Council'), `the register's names are not offered: ${JSON.stringify(offered)}`);
    await field.fill('northvale   county council');
    const { res } = await app.navigation(dan, () => main(dan).getByRole('button', { name: 'Save profile', exact: true }).tap());
    assert.equal(res.status(), 200);
    await assertFlash(dan, 'Your profile has been saved.');
    assert.equal(await main(dan).getByLabel('Organisation (optional)').inputValue(), 'Northvale County Council');
    assertNoPageProblems(app, dan);
  });

  await step('an admin merges a duplicate with the keyboard, after a refused empty form', async () => {
    await signInAs(app, priya, PRIYA);
    await app.visit(priya, '/organisations');
    const toSort = main(priya).getByRole('region', { name: 'To sort (1)', exact: true });
    assert.equal(await toSort.count(), 1, 'no "To sort (1)" section for the admin');
    const dup = toSort.getByRole('link', { name: 'Northvale Council', exact: true });
    const { res: opened } = await app.navigation(priya, () => dup.click());
    assert.equal(opened.status(), 200);
    await assertH1(priya, 'Northvale Council');
    await checkBothSizes(app, priya, 'unsorted-entry');

    const { res: form } = await app.navigation(priya, () =>
      main(priya).getByRole('link', { name: 'Merge into another entry', exact: true }).click(),
    );
    assert.equal(form.status(), 200);
    const { res: refused } = await app.navigation(priya, () => main(priya).getByRole('button', { name: 'Merge', exact: true }).click());
    assert.equal(refused.status(), 422);
    assert.match(await priya.title(), /^Error: /);
    const summary = priya.getByRole('alert');
    assert.match(text(await summary.textContent()), /Choose the organisation this one is a duplicate of\./);
    await summary.getByRole('link').first().click();
    assert.equal(await priya.evaluate(() => document.activeElement?.id), 'into', 'the summary link does not put focus in the select');
    const select = main(priya).getByLabel('The entry it duplicates');
    assert.equal(await select.getAttribute('aria-invalid'), 'true');
    assert.equal(await select.getAttribute('aria-describedby'), 'into-error');
    await checkBothSizes(app, priya, 'merge-refused');

    await select.focus();
    await priya.keyboard.type('Northvale County', { delay: 50 });
    const chosen = await select.evaluate((s) => s.options[s.selectedIndex].textContent);
    assert.equal(chosen, 'Northvale County Council (council)', 'typing in the select does not choose the entry');
    await priya.keyboard.press('Tab');
    const { res: merged } = await app.navigation(priya, () => priya.keyboard.press('Enter'));
    assert.equal(merged.status(), 200);
    await assertFlash(priya, 'Northvale Council has been merged into Northvale County Council.');
    await assertH1(priya, 'Northvale County Council');
    assert.match(text(await main(priya).textContent()), /Typing these names also finds this entry .*Northvale Council/);

    await app.visit(priya, '/organisations');
    assert.equal(await main(priya).getByRole('region', { name: /^To sort/ }).count(), 0, '"To sort" is still shown');
    await app.visit(priya, '/organisations/new');
    await assertH1(priya, 'Add an organisation');
    await checkBothSizes(app, priya, 'add-form');
    assertNoPageProblems(app, priya);
  });
});
