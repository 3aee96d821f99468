// Journey: the forum.
//
// The app runs with the development sign-in (CONVENE_AUTH__DEV_LOGIN=true) on
// the demo, which has five categories and six threads.
//
//   1. A visitor opens "Forum" from the navigation at 1280 px: the categories
//      with their counts; Transport; the cycle counters thread, with "Sign in
//      to reply" and no reply box. Axe at 1280 and 375 px on each page.
//   2. Dan (a plain member, on a phone) starts a thread in General: sent empty
//      it is refused (422, an error summary whose links put focus in the
//      fields, aria-invalid, the title kept), a preview shows his Markdown as
//      it will read, and "Start thread" opens the thread with a flash.
//   3. Gareth (desktop) sees Dan's thread marked "New" in General, opens it,
//      quotes Dan's post with the keyboard (the reply box holds the quote),
//      adds his words and posts them with the keyboard: the reply is on the
//      page, under a flash.
//   4. Dan reports Gareth's post: sent without a reason it is refused (422),
//      then sent with one; Priya (admin) follows "Reported forum posts" from the
//      admin area, finds the reason, and dismisses the report. Axe at both
//      sizes on the refused report and the reports page.
//   5. Priya locks the thread: the page says it is locked, and Dan's page no
//      longer offers a reply box. Axe at both sizes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, VIEWPORTS, tabTo } from '../lib/harness.mjs';
import { DAN, GARETH, PRIYA, assertFlash, assertH1, assertNoPageProblems, checkBothSizes, header, main, signInAs, text } from '../lib/people.mjs';

const app = useApp({ name: 'forum', env: { CONVENE_AUTH__DEV_LOGIN: 'true' } });
const TIMEOUT = 240_000;
const TITLE = 'Street tree survey: who has the data?';

test('the forum: read, a thread started, quoted in a reply and locked', { timeout: TIMEOUT }, async (t) => {
  const visitor = await app.openPage(VIEWPORTS.desktop);
  const dan = await app.openPage(VIEWPORTS.phone);
  const gareth = await app.openPage(VIEWPORTS.desktop);
  const priya = await app.openPage(VIEWPORTS.desktop);
  let threadPath = null;

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

  await step('a visitor reads the categories, a category and a thread', async () => {
    await app.visit(visitor, '/');
    const { res } = await app.navigation(visitor, () =>
      header(visitor).getByRole('link', { name: 'Forum', exact: true }).click(),
    );
    assert.equal(res.status(), 200);
    await assertH1(visitor, 'Forum');
    const transport = main(visitor).getByRole('link', { name: 'Transport', exact: true });
    assert.equal(await transport.count(), 1);
    assert.match(text(await main(visitor).textContent()), /Data requests.*3 threads, 8 posts/);
    await checkBothSizes(app, visitor, 'categories');

    await app.navigation(visitor, () => transport.click());
    await assertH1(visitor, 'Transport');
    await checkBothSizes(app, visitor, 'category');
    await app.navigation(visitor, () =>
      main(visitor).getByRole('link', { name: 'Cycle counter data: hourly or daily?', exact: true }).click(),
    );
    await assertH1(visitor, 'Cycle counter data: hourly or daily?');
    const posts = main(visitor).getByRole('article');
    assert.equal(await posts.count(), 3);
    assert.equal(await main(visitor).getByRole('link', { name: 'Sign in', exact: true }).count(), 1);
    assert.equal(await main(visitor).getByLabel('Your post').count(), 0, 'a visitor is offered a reply box');
    await checkBothSizes(app, visitor, 'thread');
    assertNoPageProblems(app, visitor);
  });

  await step('a member starts a thread on a phone, after a refused form and a preview', async () => {
    await signInAs(app, dan, DAN);
    await app.visit(dan, '/forum/general');
    await app.navigation(dan, () => main(dan).getByRole('link', { name: 'Start a thread', exact: true }).tap());
    await assertH1(dan, 'Start a thread in General');
    await main(dan).getByLabel('Title').fill(TITLE);
    const { res: refused } = await app.navigation(dan, () =>
      main(dan).getByRole('button', { name: 'Start thread', exact: true }).tap(),
    );
    assert.equal(refused.status(), 422);
    assert.match(await dan.title(), /^Error: /);
    const summary = dan.getByRole('alert');
    assert.match(text(await summary.textContent()), /Write your post\./);
    await summary.getByRole('link', { name: 'Write your post.' }).tap();
    assert.equal(await dan.evaluate(() => document.activeElement?.id), 'body');
    const body = main(dan).getByLabel('Your post');
    assert.equal(await body.getAttribute('aria-invalid'), 'true');
    assert.equal(await main(dan).getByLabel('Title').inputValue(), TITLE, 'the title was lost');
    await checkBothSizes(app, dan, 'new-thread-refused');

    await body.fill('The council surveyed **4,000 street trees** last summer. Is the survey published anywhere?');
    const { res: preview } = await app.navigation(dan, () =>
      main(dan).getByRole('button', { name: 'Preview', exact: true }).tap(),
    );
    assert.equal(preview.status(), 200);
    const shown = main(dan).getByRole('region', { name: 'Preview' });
    assert.equal(await shown.locator('strong').textContent(), '4,000 street trees');

    const { res: started } = await app.navigation(dan, () =>
      main(dan).getByRole('button', { name: 'Start thread', exact: true }).tap(),
    );
    assert.equal(started.status(), 200);
    await assertFlash(dan, 'Your thread has been started.');
    await assertH1(dan, TITLE);
    threadPath = new URL(dan.url()).pathname;
    assert.match(threadPath, /^\/forum\/general\/\d+-street-tree-survey-who-has-the-data$/);
    await checkBothSizes(app, dan, 'new-thread');
    assertNoPageProblems(app, dan);
  });

  await step('another member quotes the post and replies with the keyboard', async () => {
    await signInAs(app, gareth, GARETH);
    await app.visit(gareth, '/forum/general');
    const row = main(gareth).getByRole('rowheader').filter({ hasText: TITLE });
    assert.match(text(await row.textContent()), /^New /, 'the thread is not marked new');
    await app.navigation(gareth, () => row.getByRole('link', { name: TITLE, exact: true }).click());
    const quote = main(gareth).getByRole('link', { name: `Quote ${DAN}'s post #1`, exact: true });
    await tabTo(gareth, quote, 'the Quote link');
    await app.navigation(gareth, () => gareth.keyboard.press('Enter'));
    const box = main(gareth).getByLabel('Your post');
    assert.match(await box.inputValue(), /^> \*\*Dan Kowalski\*\* wrote:\n>\n> The council surveyed/);
    await box.focus();
    await gareth.keyboard.press('End');
    await box.press('Control+End');
    await gareth.keyboard.type('Riverside published its tree survey last month; Northvale has not yet.', { delay: 5 });
    await gareth.keyboard.press('Tab');
    const { res } = await app.navigation(gareth, () => gareth.keyboard.press('Enter'));
    assert.equal(res.status(), 200);
    await assertFlash(gareth, 'Your reply has been posted.');
    const reply = main(gareth).getByRole('article', { name: new RegExp(`^${GARETH}\\W+post 2$`) });
    assert.equal(await reply.count(), 1);
    assert.match(text(await reply.textContent()), /Dan Kowalski wrote:.*Riverside published its tree survey/);
    assert.equal(await reply.locator('blockquote').count(), 1, 'the quote is not a blockquote');
    assertNoPageProblems(app, gareth);
  });

  await step('a member reports a post and an admin dismisses the report', async () => {
    await app.visit(dan, threadPath);
    const reportLink = main(dan).getByRole('link', { name: `Report post #2 by ${GARETH}`, exact: true });
    await app.navigation(dan, () => reportLink.tap());
    await assertH1(dan, 'Report this post to the admins?');
    const { res: refused } = await app.navigation(dan, () => main(dan).getByRole('button', { name: 'Report', exact: true }).tap());
    assert.equal(refused.status(), 422);
    await checkBothSizes(app, dan, 'report-refused');
    await main(dan).getByLabel(/What is wrong with it\?/).fill('It quotes my whole post back at me.');
    const { res: sent } = await app.navigation(dan, () => main(dan).getByRole('button', { name: 'Report', exact: true }).tap());
    assert.equal(sent.status(), 200);
    await assertFlash(dan, 'Thank you: the admins have your report and will look at the post.');

    await signInAs(app, priya, PRIYA);
    await app.visit(priya, '/admin');
    const waiting = main(priya).getByRole('region', { name: 'Waiting for you' });
    await app.navigation(priya, () => waiting.getByRole('link', { name: 'Reported forum posts', exact: true }).click());
    await assertH1(priya, 'Reported forum posts');
    const reported = main(priya).getByRole('article').filter({ hasText: 'It quotes my whole post back at me.' });
    assert.equal(await reported.count(), 1, 'the report is not listed with its reason');
    await checkBothSizes(app, priya, 'reports');
    await app.navigation(priya, () => reported.getByRole('button', { name: /^Dismiss the reports/ }).click());
    await assertFlash(priya, 'The reports are dismissed; the post stays as it is.');
    assert.equal(await main(priya).getByRole('article').filter({ hasText: 'It quotes my whole post back at me.' }).count(), 0);
    assertNoPageProblems(app, dan);
    assertNoPageProblems(app, priya);
  });

  await step('an admin locks the thread and members can no longer reply', async () => {
    await app.visit(priya, threadPath);
    const moderate = main(priya).getByRole('region', { name: 'Moderate' });
    await app.navigation(priya, () => moderate.getByRole('button', { name: 'Lock', exact: true }).click());
    await assertFlash(priya, 'The thread is locked: it takes no more replies.');
    assert.match(text(await main(priya).textContent()), /Locked: no more replies/);
    await checkBothSizes(app, priya, 'locked-thread-admin');

    await app.visit(dan, threadPath);
    assert.equal(await main(dan).getByLabel('Your post').count(), 0, 'a locked thread still offers a reply box');
    assert.match(text(await main(dan).getByRole('region', { name: 'Reply' }).textContent()), /This thread is locked/);
    assertNoPageProblems(app, priya);
    assertNoPageProblems(app, dan);
  });
});
