// Journey: searching the site, and discussing an event on its page.
//
// The app runs with the development sign-in (CONVENE_AUTH__DEV_LOGIN=true) on
// the demo, whose hack day is already being discussed.
//
//   1. A visitor searches from the forum page for "bus" at 1280 px: the
//      results page lists the hack day among events, the minutes of the
//      meeting that heard the bus open data talk (linked to that item) and the
//      real-time bus thread among forum results, the words marked. Axe at 1280 and 375 px.
//   2. Dan (a plain member, on a phone) opens the hack day, finds its
//      Discussion with the latest posts, types a question in its box and
//      posts it with the keyboard: he is back at the discussion under a
//      flash, his post shown last. Axe at both sizes.
//   3. Dan follows the link to the whole discussion in the forum: the thread
//      says which event it is about and links back, and he stops following
//      it from there.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, VIEWPORTS, tabTo } from '../lib/harness.mjs';
import { DAN, assertFlash, assertH1, assertNoPageProblems, checkBothSizes, main, signInAs, text } from '../lib/people.mjs';

const app = useApp({ name: 'discussion', env: { CONVENE_AUTH__DEV_LOGIN: 'true' } });
const TIMEOUT = 240_000;
const QUESTION = 'Will there be a session for people new to GTFS?';

test('search, and an event discussed on its page', { timeout: TIMEOUT }, async (t) => {
  const visitor = await app.openPage(VIEWPORTS.desktop);
  const dan = await app.openPage(VIEWPORTS.phone);

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

  await step('a visitor searches events, minutes and the forum from one box', async () => {
    await app.visit(visitor, '/forum');
    const box = main(visitor).getByLabel('Search the forum, events and minutes');
    assert.equal(await box.count(), 1);
    await box.fill('bus');
    const { res } = await app.navigation(visitor, () => box.press('Enter'));
    assert.equal(res.status(), 200);
    assert.match(visitor.url(), /\/search\?q=bus$/);
    await assertH1(visitor, 'Search results');
    const events = main(visitor).getByRole('region', { name: 'Events' });
    assert.equal(await events.getByRole('link', { name: 'Bus Data Hack Day', exact: true }).count(), 1);
    const minutes = main(visitor).getByRole('region', { name: 'Meeting minutes' });
    const item = minutes.getByText(/Item \d+: Bus open data/);
    assert.equal(await item.count(), 1, 'the minutes of the bus data talk');
    const meeting = minutes.getByRole('link', { name: 'Forum meeting' });
    assert.match(await meeting.first().getAttribute('href'), /^\/meetings\/[a-z0-9-]+#item-\d+$/);
    const forum = main(visitor).getByRole('region', { name: 'Forum' });
    const result = forum.getByRole('link', { name: /Real-time bus positions/ });
    assert.equal(await result.count(), 1);
    assert.equal(await result.locator('mark').first().textContent(), 'bus', 'the word found is marked');
    await checkBothSizes(app, visitor, 'search results');
    assertNoPageProblems(app, visitor);
  });

  await step('a member posts to the hack day discussion with the keyboard', async () => {
    await signInAs(app, dan, DAN);
    await app.visit(dan, '/events/bus-data-hack-day');
    const discussion = main(dan).getByRole('region', { name: 'Discussion' });
    assert.match(text(await discussion.textContent()), /4 posts in the forum; the latest 3 are shown/);
    const box = discussion.getByLabel('Add to the discussion');
    await tabTo(dan, box, 'the discussion box');
    await dan.keyboard.type(QUESTION, { delay: 5 });
    await dan.keyboard.press('Tab');
    const { res } = await app.navigation(dan, () => dan.keyboard.press('Enter'));
    assert.equal(res.status(), 200);
    assert.match(dan.url(), /\/events\/bus-data-hack-day#discussion$/);
    await assertFlash(dan, 'Your post is in the discussion.');
    const posts = main(dan).getByRole('region', { name: 'Discussion' }).getByRole('listitem');
    assert.match(text(await posts.last().textContent()), new RegExp(`${DAN}.*${QUESTION.replace('?', '\\?')}`));
    await checkBothSizes(app, dan, 'event discussion');
    assertNoPageProblems(app, dan);
  });

  await step('the thread links back to the event, and its follower stops following', async () => {
    const discussion = main(dan).getByRole('region', { name: 'Discussion' });
    await app.navigation(dan, () => discussion.getByRole('link', { name: 'Read the whole discussion' }).click());
    await assertH1(dan, 'Bus Data Hack Day');
    const back = main(dan).getByRole('link', { name: 'Bus Data Hack Day', exact: true });
    assert.equal(await back.getAttribute('href'), '/events/bus-data-hack-day');
    await app.navigation(dan, () => main(dan).getByRole('button', { name: 'Stop following' }).click());
    await assertFlash(dan, /You no longer follow this thread/);
    assert.equal(await main(dan).getByRole('button', { name: 'Follow', exact: true }).count(), 1);
    await checkBothSizes(app, dan, 'discussion thread');
    assertNoPageProblems(app, dan);
  });
});
