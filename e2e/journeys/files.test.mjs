// Journey: slides and files.
//
// The app runs with the development sign-in on the demo, whose next meeting
// has its terms of reference attached.
//
//   1. Priya (admin, desktop) opens the next meeting, follows "Add a file" in
//      its "Papers and files", sends the form without a file (422: an error
//      summary whose link puts focus on the file field, aria-invalid), then
//      chooses a PDF with an accented name and a title, and uploads it: the
//      flash, and the file listed with its type and size. Axe on the meeting
//      page, the upload form and the refused form at 1280 and 375 px.
//   2. A visitor on a phone, signed out, finds the file on the meeting page
//      and downloads it: the same bytes, as a PDF that opens in the browser,
//      under its own name.
//   3. Priya replaces it with a new version (title kept), opens "Earlier
//      versions" from the keyboard and finds the first version there, then
//      moves the file up to the top of the list. Axe on the replace form and
//      the page with its versions open, at both sizes.
//   4. The visitor finds the new version on the Slides page, reached from the
//      Meetings page; axe on it at both sizes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, VIEWPORTS } from '../lib/harness.mjs';
import { PRIYA, assertFlash, assertH1, assertNoPageProblems, checkBothSizes, main, signInAs, text } from '../lib/people.mjs';

const app = useApp({ name: 'files', env: { CONVENE_AUTH__DEV_LOGIN: 'true' } });
const TIMEOUT = 240_000;

/** A small PDF: one page of text. */
function pdf() {
  const body = [
    '%PDF-1.4',
    '1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj',
    '2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj',
    '3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 842 595] >> endobj',
    'trailer << /Root 1 0 R >>',
    '%%EOF',
    '',
  ].join('\n');
  return Buffer.from(body, 'latin1');
}

test('slides uploaded by an admin and downloaded by a visitor', { timeout: TIMEOUT }, async (t) => {
  const priya = await app.openPage(VIEWPORTS.desktop);
  const visitor = await app.openPage(VIEWPORTS.phone);
  const slides = pdf();
  const name = 'Stratégie données – brouillon.pdf';
  let meetingPath = null;

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

  await step('an admin uploads slides to the next meeting, after a form sent without a file', async () => {
    await signInAs(app, priya, PRIYA);
    await app.visit(priya, '/meetings');
    const upcoming = main(priya).getByRole('region', { name: 'Coming up', exact: true });
    const hrefs = await upcoming.getByRole('link').evaluateAll((ls) => ls.map((l) => l.getAttribute('href')));
    for (const href of hrefs) {
      await app.visit(priya, href);
      if ((await main(priya).getByRole('region', { name: 'Papers and files', exact: true }).count()) === 1) {
        meetingPath = href;
        break;
      }
    }
    assert.ok(meetingPath, `no coming meeting has "Papers and files": ${JSON.stringify(hrefs)}`);
    const files = main(priya).getByRole('region', { name: 'Papers and files', exact: true });
    assert.equal(await files.getByRole('link', { name: 'Terms of reference', exact: true }).count(), 1);
    await checkBothSizes(app, priya, 'meeting');

    const { res: form } = await app.navigation(priya, () =>
      files.getByRole('link', { name: 'Add a file to the meeting', exact: true }).click(),
    );
    assert.equal(form.status(), 200);
    await assertH1(priya, 'Add a file');
    await checkBothSizes(app, priya, 'upload-form');

    const { res: refused } = await app.navigation(priya, () => main(priya).getByRole('button', { name: 'Upload', exact: true }).click());
    assert.equal(refused.status(), 422);
    assert.match(await priya.title(), /^Error: /);
    const summary = priya.getByRole('alert');
    assert.match(text(await summary.textContent()), /Choose a file to upload\./);
    await summary.getByRole('link').first().click();
    assert.equal(await priya.evaluate(() => document.activeElement?.id), 'file', 'the summary link does not put focus on the file field');
    const input = main(priya).getByLabel('File', { exact: true });
    assert.equal(await input.getAttribute('aria-invalid'), 'true');
    await checkBothSizes(app, priya, 'upload-refused');

    await input.setInputFiles({ name, mimeType: 'application/pdf', buffer: slides });
    await main(priya).getByLabel('Title (optional)').fill('Open data strategy (draft)');
    const { res: done } = await app.navigation(priya, () => main(priya).getByRole('button', { name: 'Upload', exact: true }).click());
    assert.equal(done.status(), 200);
    await assertFlash(priya, `“Open data strategy (draft)” has been added (${name}).`);
    const listed = main(priya).getByRole('region', { name: 'Papers and files', exact: true });
    const item = listed.getByRole('listitem').filter({ hasText: 'Open data strategy (draft)' });
    assert.ok(text(await item.textContent()).includes(`PDF, ${slides.length} bytes`), 'type and size are not shown');
    assertNoPageProblems(app, priya);
  });

  await step('a visitor on a phone downloads them, signed out', async () => {
    await app.visit(visitor, meetingPath);
    const link = main(visitor)
      .getByRole('region', { name: 'Papers and files', exact: true })
      .getByRole('link', { name: 'Open data strategy (draft)', exact: true });
    const href = await link.getAttribute('href');
    assert.match(href, /^\/files\/\d+\/Strat%C3%A9gie%20donn%C3%A9es%20%E2%80%93%20brouillon\.pdf$/);
    const res = await visitor.request.get(app.url(href));
    assert.equal(res.status(), 200);
    assert.equal(res.headers()['content-type'], 'application/pdf');
    assert.match(res.headers()['content-disposition'], /^inline; filename="Strategie donnees _ brouillon\.pdf"; filename\*=UTF-8''Strat%C3%A9gie%20donn%C3%A9es%20%E2%80%93%20brouillon\.pdf$/);
    assert.deepEqual(Buffer.from(await res.body()), slides);
    await checkBothSizes(app, visitor, 'meeting-visitor');
    assertNoPageProblems(app, visitor);
  });

  await step('the admin replaces the slides with a new version and moves them to the top', async () => {
    await app.visit(priya, meetingPath);
    const files = () => main(priya).getByRole('region', { name: 'Papers and files', exact: true });
    const { res: form } = await app.navigation(priya, () =>
      files().getByRole('link', { name: 'Replace “Open data strategy (draft)” with a new version', exact: true }).click(),
    );
    assert.equal(form.status(), 200);
    await assertH1(priya, 'Replace “Open data strategy (draft)”');
    await checkBothSizes(app, priya, 'replace-form');
    const second = Buffer.concat([slides, Buffer.from('% second version\n', 'latin1')]);
    await main(priya).getByLabel('File', { exact: true }).setInputFiles({ name: 'strategy-v2.pdf', mimeType: 'application/pdf', buffer: second });
    const { res: done } = await app.navigation(priya, () =>
      main(priya).getByRole('button', { name: 'Upload the new version', exact: true }).click(),
    );
    assert.equal(done.status(), 200);
    await assertFlash(priya, '“Open data strategy (draft)” has a new version (strategy-v2.pdf). The earlier one is listed under it.');
    const item = files().getByRole('listitem').filter({ hasText: 'Open data strategy (draft)' }).first();
    assert.ok(text(await item.textContent()).includes('version 2'), 'the version is not shown');
    const summary = item.getByText('Earlier versions', { exact: false }).first();
    await summary.focus();
    await priya.keyboard.press('Enter');
    const first = item.getByRole('link', { name: `Version 1: ${name}`, exact: true });
    assert.ok(await first.isVisible(), 'the first version is not listed under "Earlier versions"');
    await checkBothSizes(app, priya, 'versions-open');

    const titles = async () => (await files().locator('li.file > a').allTextContents()).map(text);
    assert.equal((await titles()).at(-1), 'Open data strategy (draft)');
    let moves = 0;
    while ((await titles())[0] !== 'Open data strategy (draft)') {
      assert.ok(moves++ < 5, `the file never reached the top: ${JSON.stringify(await titles())}`);
      const { res } = await app.navigation(priya, () =>
        files().getByRole('button', { name: 'Move up “Open data strategy (draft)”', exact: true }).click(),
      );
      assert.equal(res.status(), 200);
      await assertFlash(priya, '“Open data strategy (draft)” has moved up.');
    }
    assertNoPageProblems(app, priya);
  });

  await step('the visitor finds the new version on the Slides page', async () => {
    await app.visit(visitor, '/meetings');
    const { res } = await app.navigation(visitor, () => main(visitor).getByRole('link', { name: 'Slides', exact: true }).click());
    assert.equal(res.status(), 200);
    await assertH1(visitor, 'Slides');
    const fromMeetings = main(visitor).getByRole('region', { name: 'From meetings', exact: true });
    assert.ok((await fromMeetings.getByRole('link').count()) > 3, 'the demo talks are not listed');
    await checkBothSizes(app, visitor, 'slides');
    assertNoPageProblems(app, visitor);
  });
});
