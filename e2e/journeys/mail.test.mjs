// Journey: choosing what e-mail Convene sends, and stopping it from a message's link.
//
// The app runs with the development sign-in (CONVENE_AUTH__DEV_LOGIN=true);
// every person has their own browser context.
//
// 1. A member (Gareth, desktop, keyboard only) follows "Choose what you
//    receive" from the card "E-mail from us" on his profile to /profile/mail:
//    one labelled checkbox per topic, each with its hint tied by
//    aria-describedby, in the order of the topics, all on but the weekly
//    digest, and not the admins' "Events waiting for review". He tabs to
//    "Reminders", unticks it with Space, tabs to "Save my choices" and presses
//    Enter: 303 back to the page, the flash "Your e-mail choices are saved.",
//    "Reminders" still unticked (and after a reload), the other boxes as they
//    were. Axe at desktop and phone sizes, before and after.
// 2. An admin (Priya, on a phone) sees "Events waiting for review" first,
//    with its hint. A signed-out visitor to /profile/mail is sent to sign in.
// 3. The unsubscribe link of a message: its secret is `user.mail_token` in the
//    demo's SQLite database (made when a member's first message is written;
//    the demo writes some while seeding; if it wrote none to a member, Tom
//    withdraws from the full "Bus Data Hack Day", which gives Helen a place and
//    writes to her). With no sign-in, /mail/unsubscribe/SECRET/places asks
//    "Stop e-mails about “Waiting list”?" (the GET changes nothing: mail
//    scanners open links), with "Stop these e-mails" and "Stop all e-mail
//    instead"; pressing the button says "E-mails about “Waiting list”
//    stopped", and the member's /profile/mail shows "Waiting list" unticked.
//    Axe at desktop and phone sizes on both pages.
// 4. A made-up, a cut-short secret, and an unknown topic give 404; the
//    secrets' page says "This unsubscribe link is not valid ...".
//
// The database is read with the `sqlite3` command-line program
// (`apt-get install -y sqlite3`).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { useApp, VIEWPORTS, assertNoSidewaysScroll, openMenu, closeMenu, tabTo } from '../lib/harness.mjs';
import {
  GARETH,
  PRIYA,
  assertFlash,
  assertH1,
  assertNoPageProblems,
  checkBothSizes,
  header,
  main,
  signInAs,
  text,
} from '../lib/people.mjs';

const app = useApp({ name: 'mail', env: { CONVENE_AUTH__DEV_LOGIN: 'true' } });

const TIMEOUT = 180_000;
const TOM = 'Tom Okafor'; // admin, going to the full "Bus Data Hack Day"
const GARETH_EMAIL = 'gareth.lloyd@riverside-city.example';
const PREFS_PATH = '/profile/mail';

// The topics, in the order the page lists them (src/notify/topics.rs).
const ADMIN_TOPIC = {
  label: 'Events waiting for review',
  hint: 'When a member submits an event, or proposes a change to a published one.',
};
const MEMBER_TOPICS = [
  {
    label: 'Your events',
    hint: 'When an admin approves or rejects an event you wrote, asks you for changes, or cancels, postpones or moves it.',
    on: true,
  },
  {
    label: 'Events you are going to',
    hint: 'When an event or date you said you are going to is cancelled, postponed, moved or changed.',
    on: true,
  },
  { label: 'Waiting list', hint: 'When a place comes free at an event you are waiting for, and it is yours.', on: true },
  { label: 'Reminders', hint: 'The day before an event you are going to, with its calendar entry attached.', on: true },
  { label: 'Meetings', hint: "When the agenda of the next meeting is published, and when a meeting's minutes are.", on: true },
  { label: 'Your actions', hint: 'When a meeting gives you an action, a week before it is due, and when it is overdue.', on: true },
  {
    label: 'Forum',
    hint: 'When a post mentions you by your handle (such as @priya-shah), and when someone posts in a thread you follow (you follow the threads you post in).',
    on: true,
  },
  { label: 'Weekly digest', hint: 'On Monday mornings: the events published in the past week.', on: false },
];

const PLACES = { key: 'places', label: 'Waiting list' };

// ---------------------------------------------------------------------------
// Helpers

const path_ = (page) => new URL(page.url()).pathname;
const topicsGroup = (page) => main(page).getByRole('group', { name: 'Send me an e-mail', exact: true });
const box = (page, label) => topicsGroup(page).getByRole('checkbox', { name: label, exact: true });

/**
 * The topic checkboxes as the page offers them, in order: label (from the
 * accessible name), hint (the text aria-describedby points at), checked.
 */
async function topicBoxes(page) {
  const group = topicsGroup(page);
  assert.equal(await group.count(), 1, `no group "Send me an e-mail" (fieldset and legend) on ${page.url()}`);
  return group.locator('input[type="checkbox"]').evaluateAll((inputs) =>
    inputs.map((el) => {
      const fold = (s) => (s ?? '').trim().replace(/\s+/g, ' ');
      const labels = [...(el.labels ?? [])].map((l) => fold(l.textContent));
      const ids = (el.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean);
      const described = ids.map((id) => document.getElementById(id));
      return {
        label: labels.join(' | '),
        hint: described.every(Boolean) ? fold(described.map((d) => d.textContent).join(' ')) : `(missing #${ids.join(', #')})`,
        checked: el.checked,
        visible: el.getClientRects().length > 0,
      };
    }),
  );
}

/** Open the profile and follow "Choose what you receive" in the card "E-mail from us". */
async function openPreferencesFromProfile(page, how) {
  assert.equal((await app.visit(page, '/profile')).status(), 200);
  const card = main(page).getByRole('region', { name: 'E-mail from us', exact: true });
  assert.equal(await card.count(), 1, 'no card "E-mail from us" on the profile');
  const link = card.getByRole('link', { name: 'Choose what you receive', exact: true });
  assert.equal(await link.count(), 1, 'no "Choose what you receive" in the card "E-mail from us"');
  assert.equal(await link.getAttribute('href'), PREFS_PATH);
  let action;
  if (how === 'keyboard') {
    await tabTo(page, link, '"Choose what you receive"');
    action = () => page.keyboard.press('Enter');
  } else if (how === 'tap') {
    action = () => link.tap();
  } else {
    action = () => link.click();
  }
  const { res, chain } = await app.navigation(page, action);
  assert.equal(res.status(), 200, `${PREFS_PATH} answered HTTP ${res.status()} (${chain.join(' -> ')})`);
  assert.equal(path_(page), PREFS_PATH);
  await assertH1(page, 'E-mail from us');
}

function sqlite(sql) {
  const db = path.join(app.dataDir ?? '', 'convene.db');
  assert.ok(app.dataDir && existsSync(db), `the demo's database is not at ${db}`);
  try {
    return execFileSync('sqlite3', ['-readonly', '-separator', '\t', db, sql], { encoding: 'utf8', timeout: 10_000 })
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split('\t'));
  } catch (err) {
    if (err.code === 'ENOENT') assert.fail('the `sqlite3` program is needed to read the unsubscribe secret: apt-get install -y sqlite3');
    throw err;
  }
}

/** Active, verified members (not admins) who have an unsubscribe secret: [{ id, email, name, token }]. */
function membersWithSecrets() {
  return sqlite(
    `SELECT id, email, display_name, mail_token FROM user
      WHERE mail_token IS NOT NULL AND role = 'member' AND disabled = 0 AND email_verified = 1
      ORDER BY id`,
  ).map(([id, email, name, token]) => ({ id: Number(id), email, name, token }));
}

/** The mode stored for a person's topic ('on', 'off', 'daily'), or null when they never chose. */
function storedMode(userId, topic) {
  const rows = sqlite(`SELECT mode FROM mail_preference WHERE user_id = ${Number(userId)} AND topic = '${topic}'`);
  return rows.length ? rows[0][0] : null;
}

/**
 * A member with an unsubscribe secret. If the demo wrote to no member, Tom
 * withdraws from the full hack day: Helen, first on its waiting list, gets his
 * place and a message (and so a secret).
 */
async function memberWithSecret() {
  let found = membersWithSecrets();
  if (found.length === 0) {
    const page = await app.openPage(VIEWPORTS.desktop);
    await signInAs(app, page, TOM);
    await app.visit(page, '/events/bus-data-hack-day');
    const card = main(page).getByRole('region', { name: 'Are you coming?', exact: true });
    const withdraw = card.getByRole('button', { name: 'Withdraw my answer', exact: true });
    assert.equal(await withdraw.count(), 1, 'no member has an unsubscribe secret, and Tom has no "Withdraw my answer" on the hack day');
    const { res, chain } = await app.navigation(page, () => withdraw.click());
    assert.equal(res.status(), 200, chain.join(' -> '));
    await assertFlash(page, 'Your answer is withdrawn.');
    found = membersWithSecrets();
    assert.ok(found.length > 0, 'no member has an unsubscribe secret, even after Helen was given a place at the hack day');
  }
  // Helen (the waiting list's first) if she has one, else the first found.
  return found.find((m) => m.name === 'Helen McAllister') ?? found[0];
}

// ---------------------------------------------------------------------------
// 1. A member, with the keyboard

test('a member turns "Reminders" off with the keyboard and the choice is kept', { timeout: TIMEOUT }, async () => {
  const page = await app.openPage(VIEWPORTS.desktop);
  await signInAs(app, page, GARETH);
  await openPreferencesFromProfile(page, 'keyboard');

  const lede = text(await main(page).locator('.lede').first().textContent());
  assert.ok(lede.includes(GARETH_EMAIL), `the page does not say which address it is about: ${JSON.stringify(lede)}`);
  assert.equal(
    await main(page).getByText('has not confirmed this address', { exact: false }).count(),
    0,
    'a verified address is said to be unconfirmed',
  );

  const boxes = await topicBoxes(page);
  assert.deepEqual(
    boxes.map((b) => b.label),
    MEMBER_TOPICS.map((t) => t.label),
    'a member should see exactly these topics, in this order (and not "Events waiting for review")',
  );
  for (const [i, t] of MEMBER_TOPICS.entries()) {
    assert.equal(boxes[i].hint, t.hint, `the hint of "${t.label}" (aria-describedby)`);
    assert.equal(boxes[i].checked, t.on, `"${t.label}" should start ${t.on ? 'ticked' : 'unticked'}`);
    assert.ok(boxes[i].visible, `the "${t.label}" box is not visible`);
    assert.equal(await box(page, t.label).count(), 1, `no checkbox named "${t.label}"`);
  }
  assert.equal(await main(page).getByText(ADMIN_TOPIC.label, { exact: true }).count(), 0, 'a member sees "Events waiting for review"');
  const now = main(page).getByRole('radio', { name: 'Each message as it happens', exact: true });
  assert.equal(await now.isChecked(), true, '"Each message as it happens" is not chosen for a member who never chose');

  await app.screenshot(page, 'preferences-desktop');
  await checkBothSizes(app, page, 'preferences');

  // Keyboard only: Tab to "Reminders", Space, Tab to "Save my choices", Enter.
  const reminders = box(page, 'Reminders');
  await main(page).locator('h1').click(); // start the walk at the heading, as after reading it
  await tabTo(page, reminders, 'the "Reminders" box');
  await page.keyboard.press('Space');
  assert.equal(await reminders.isChecked(), false, 'Space did not untick "Reminders"');
  const save = main(page).getByRole('button', { name: 'Save my choices', exact: true });
  await tabTo(page, save, '"Save my choices"');
  const { res, chain } = await app.navigation(page, () => page.keyboard.press('Enter'));
  assert.match(chain[0] ?? '', /^303 POST /, `saving should redirect after the POST: ${chain.join(' -> ')}`);
  assert.equal(res.status(), 200, chain.join(' -> '));
  assert.equal(path_(page), PREFS_PATH, `saving should land back on ${PREFS_PATH}`);
  await assertFlash(page, 'Your e-mail choices are saved.');

  const expected = MEMBER_TOPICS.map((t) => ({ label: t.label, checked: t.label === 'Reminders' ? false : t.on }));
  const strip = (list) => list.map(({ label, checked }) => ({ label, checked }));
  assert.deepEqual(strip(await topicBoxes(page)), expected, 'after saving, only "Reminders" should have changed');
  assert.equal(await now.isChecked(), true, 'saving changed "How often"');
  await app.screenshot(page, 'preferences-saved-desktop');
  await checkBothSizes(app, page, 'preferences saved');

  await page.reload();
  assert.deepEqual(strip(await topicBoxes(page)), expected, 'after a reload, "Reminders" is not kept unticked');
  assert.equal(await main(page).locator('.flash').count(), 0, 'the flash is shown again after a reload');
  assertNoPageProblems(app, page);
});

// ---------------------------------------------------------------------------
// 2. An admin, and a visitor who is not signed in

test('phone: an admin also gets "Events waiting for review"', { timeout: TIMEOUT }, async () => {
  const page = await app.openPage(VIEWPORTS.phone);
  await signInAs(app, page, PRIYA);
  await openPreferencesFromProfile(page, 'tap');
  const boxes = await topicBoxes(page);
  assert.deepEqual(
    boxes.map((b) => b.label),
    [ADMIN_TOPIC.label, ...MEMBER_TOPICS.map((t) => t.label)],
    'an admin should see "Events waiting for review" first, then the members\' topics',
  );
  assert.equal(boxes[0].hint, ADMIN_TOPIC.hint, 'the hint of "Events waiting for review"');
  assert.equal(boxes[0].checked, true, '"Events waiting for review" should start ticked');
  await assertNoSidewaysScroll(page, VIEWPORTS.phone);
  // On a phone each hint goes under its label: beside it, it squeezes the
  // label into a column a word or two wide.
  const beside = await main(page).locator('form .hint').evaluateAll((hints) =>
    hints
      .map((hint) => {
        const input = document.querySelector(`[aria-describedby~="${hint.id}"]`);
        const label = input?.labels?.[0];
        if (!label) return `#${hint.id}: no labelled control describes it`;
        const l = label.getBoundingClientRect();
        const h = hint.getBoundingClientRect();
        return h.top >= l.bottom - 1
          ? null
          : `"${label.textContent.trim()}" (${Math.round(l.width)} px wide, ${Math.round(l.height)} px tall) has its hint beside it, not under it`;
      })
      .filter(Boolean),
  );
  assert.deepEqual(beside, [], `on a ${VIEWPORTS.phone.width} px phone:\n  ${beside.join('\n  ')}`);
  await app.screenshot(page, 'preferences-admin-phone');
  await checkBothSizes(app, page, 'preferences admin');
  assertNoPageProblems(app, page);
});

test('a signed-out visitor to /profile/mail is sent to sign in', { timeout: TIMEOUT }, async () => {
  const page = await app.openPage(VIEWPORTS.desktop);
  await app.visit(page, PREFS_PATH);
  assert.equal(path_(page), '/auth/signin', `a signed-out visitor reached ${page.url()}`);
});

// ---------------------------------------------------------------------------
// 3. The unsubscribe link, without signing in

test('the unsubscribe link asks, then stops "Waiting list" e-mails, with no sign-in', { timeout: TIMEOUT }, async () => {
  const member = await memberWithSecret();
  const link = `/mail/unsubscribe/${member.token}/${PLACES.key}`;
  const before = storedMode(member.id, PLACES.key);
  assert.notEqual(before, 'off', `${member.name} has "${PLACES.label}" off before the journey`);

  for (const viewport of [VIEWPORTS.desktop, VIEWPORTS.phone]) {
    const page = await app.openPage(viewport);
    const res = await app.visit(page, link);
    assert.equal(res.status(), 200, `the unsubscribe link answered HTTP ${res.status()}`);
    const opened = await openMenu(page);
    assert.equal(
      await header(page).getByRole('link', { name: 'Sign in', exact: true }).count(),
      1,
      'the unsubscribe page should be seen signed out (no "Sign in" in the header)',
    );
    if (opened) await closeMenu(page);
    await assertH1(page, `Stop e-mails about \u201c${PLACES.label}\u201d?`);
    assert.match(await page.title(), /^Stop e-mails about \u201cWaiting list\u201d\?/);
    const lede = text(await main(page).locator('.lede').first().textContent());
    assert.ok(lede.includes(member.email), `the question does not say which address it is for: ${JSON.stringify(lede)}`);
    const stop = main(page).getByRole('button', { name: 'Stop these e-mails', exact: true });
    assert.equal(await stop.count(), 1, 'no "Stop these e-mails" button');
    const all = main(page).getByRole('link', { name: 'Stop all e-mail instead', exact: true });
    assert.equal(await all.count(), 1, 'no "Stop all e-mail instead" link');
    assert.equal(await all.getAttribute('href'), `/mail/unsubscribe/${member.token}/all`);
    await app.screenshot(page, `unsubscribe-ask-${viewport.name}`);
    await checkBothSizes(app, page, `unsubscribe ask ${viewport.name}`);
    assertNoPageProblems(app, page);
  }
  assert.equal(storedMode(member.id, PLACES.key), before, 'opening the unsubscribe link (a GET) changed the choice');

  const page = await app.openPage(VIEWPORTS.desktop);
  await app.visit(page, link);
  const stop = main(page).getByRole('button', { name: 'Stop these e-mails', exact: true });
  await main(page).locator('h1').click();
  await tabTo(page, stop, '"Stop these e-mails"');
  const { res, chain } = await app.navigation(page, () => page.keyboard.press('Enter'));
  assert.equal(res.status(), 200, `stopping answered HTTP ${res.status()} (${chain.join(' -> ')})`);
  assert.match(chain[0] ?? '', /^200 POST /, chain.join(' -> '));
  await assertH1(page, `E-mails about \u201c${PLACES.label}\u201d stopped`);
  const status = text(await main(page).getByRole('status').first().textContent());
  assert.equal(status, `We will no longer send ${member.email} e-mails about \u201c${PLACES.label}\u201d.`);
  assert.equal(await main(page).getByRole('button', { name: 'Stop these e-mails', exact: true }).count(), 0, 'the button is still there');
  assert.equal(
    await main(page).getByRole('link', { name: 'Stop all e-mail from us', exact: true }).getAttribute('href'),
    `/mail/unsubscribe/${member.token}/all`,
  );
  await app.screenshot(page, 'unsubscribe-done-desktop');
  await checkBothSizes(app, page, 'unsubscribe done');
  assertNoPageProblems(app, page);
  assert.equal(storedMode(member.id, PLACES.key), 'off', `"${PLACES.label}" is not stored as off`);

  // The member sees it on their own page.
  const own = await app.openPage(VIEWPORTS.desktop);
  await signInAs(app, own, member.name);
  await app.visit(own, PREFS_PATH);
  const boxes = await topicBoxes(own);
  const places = boxes.find((b) => b.label === PLACES.label);
  assert.ok(places, `no "${PLACES.label}" box on ${member.name}'s page`);
  assert.equal(places.checked, false, `"${PLACES.label}" is still ticked on ${member.name}'s page after unsubscribing`);
  for (const t of MEMBER_TOPICS.filter((x) => x.label !== PLACES.label)) {
    assert.equal(boxes.find((b) => b.label === t.label)?.checked, t.on, `unsubscribing from "${PLACES.label}" changed "${t.label}"`);
  }
});

// ---------------------------------------------------------------------------
// 4. Links that are not valid

test('a made-up or cut-short secret, or an unknown topic, gives 404', { timeout: TIMEOUT }, async () => {
  const member = await memberWithSecret();
  const page = await app.openPage(VIEWPORTS.desktop);
  const madeUp = 'A'.repeat(member.token.length);
  for (const secret of [madeUp, member.token.slice(0, 20)]) {
    const res = await app.visit(page, `/mail/unsubscribe/${secret}/${PLACES.key}`);
    assert.equal(res.status(), 404, `a secret that is not valid (${secret}) answered HTTP ${res.status()}`);
    const body = text(await main(page).textContent());
    assert.match(body, /This unsubscribe link is not valid\b/, `the 404 page does not explain the link: ${JSON.stringify(body.slice(0, 300))}`);
    assert.equal(await main(page).getByRole('button', { name: 'Stop these e-mails', exact: true }).count(), 0);
  }
  await app.screenshot(page, 'unsubscribe-invalid-desktop');
  await checkBothSizes(app, page, 'unsubscribe invalid');

  const res = await app.visit(page, `/mail/unsubscribe/${member.token}/nonsense`);
  assert.equal(res.status(), 404, `an unknown topic answered HTTP ${res.status()}`);

  // A POST with a made-up secret stops nothing and says so.
  const post = await page.request.post(app.url(`/mail/unsubscribe/${madeUp}/all`), { maxRedirects: 0 });
  assert.equal(post.status(), 404, `a POST with a made-up secret answered HTTP ${post.status()}`);
});
