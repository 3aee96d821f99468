// Journey: the API page and personal API tokens.
//
// The app runs with the development sign-in (CONVENE_AUTH__DEV_LOGIN=true) on
// the demo.
//
//   1. A visitor reads /api at 1280 px: every operation listed and linked to
//      its section, parameters in tables, the OpenAPI document linked. Then
//      /data from the footer: each dataset with its formats and the licence.
//      Axe on both at 1280 and 375 px.
//   2. Dan (a plain member, on a phone) goes from his profile to "API
//      tokens": the empty form is refused (422, an error summary whose link
//      puts focus in the name field), then a write token is made with the
//      keyboard; it is shown once, and works against /api/v1/me. Axe on the
//      refused form and the new token's page at both sizes.
//   3. He revokes it: the list says so, and the token no longer works.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, VIEWPORTS } from '../lib/harness.mjs';
import { DAN, assertFlash, assertH1, assertNoPageProblems, checkBothSizes, main, signInAs, text } from '../lib/people.mjs';

const app = useApp({ name: 'api', env: { CONVENE_AUTH__DEV_LOGIN: 'true' } });
const TIMEOUT = 180_000;

test('the API page, and a token made, used and revoked', { timeout: TIMEOUT }, async (t) => {
  const visitor = await app.openPage(VIEWPORTS.desktop);
  const dan = await app.openPage(VIEWPORTS.phone);
  let secret = null;

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

  const me = async (token) => {
    const res = await fetch(`${app.baseUrl}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
    return { status: res.status, body: await res.json() };
  };

  await step('a visitor reads the API page', async () => {
    const res = await app.visit(visitor, '/api');
    assert.equal(res.status(), 200);
    await assertH1(visitor, "The forum's API");
    const ops = main(visitor).getByRole('navigation', { name: 'Operations' });
    const links = (await ops.getByRole('link').allTextContents()).map(text);
    assert.ok(links.includes('GET /api/v1/events'), JSON.stringify(links));
    assert.ok(links.includes('PUT /api/v1/data-requests/{id}/vote'), JSON.stringify(links));
    await ops.getByRole('link', { name: 'GET /api/v1/events', exact: true }).click();
    assert.match(visitor.url(), /#listEvents$/);
    const params = main(visitor).getByRole('table', { name: "Parameters of Public events' dates" });
    assert.match(text(await params.textContent()), /limit.*integer, 1 to 100, default 20/);
    assert.equal(await main(visitor).getByRole('link', { name: 'OpenAPI document' }).getAttribute('href'), '/api/openapi.json');
    await checkBothSizes(app, visitor, 'api-page');

    const { res: data } = await app.navigation(visitor, () =>
      visitor.getByRole('contentinfo').getByRole('link', { name: 'open data' }).click(),
    );
    assert.equal(data.status(), 200);
    await assertH1(visitor, 'Open data');
    const events = main(visitor).getByRole('region', { name: 'Events' });
    const formats = (await events.getByRole('list', { name: 'Formats of Events' }).getByRole('link').allTextContents()).map(text);
    assert.deepEqual(formats, ['JSON (API) of Events', 'CSV of Events', 'iCalendar of Events']);
    assert.equal(await main(visitor).getByRole('link', { name: 'Open Government Licence v3.0' }).getAttribute('rel'), 'license');
    await checkBothSizes(app, visitor, 'data-page');
    assertNoPageProblems(app, visitor);
  });

  await step('a member makes a token, after a refused empty form', async () => {
    await signInAs(app, dan, DAN);
    await app.visit(dan, '/profile');
    const { res: page } = await app.navigation(dan, () => main(dan).getByRole('link', { name: 'Manage your API tokens' }).tap());
    assert.equal(page.status(), 200);
    await assertH1(dan, 'API tokens');
    const form = main(dan).getByRole('region', { name: 'Make a token' });
    const { res: refused } = await app.navigation(dan, () => form.getByRole('button', { name: 'Make the token' }).tap());
    assert.equal(refused.status(), 422);
    assert.match(await dan.title(), /^Error: /);
    const summary = dan.getByRole('alert');
    await summary.getByRole('link', { name: /Name the token/ }).tap();
    assert.equal(await dan.evaluate(() => document.activeElement?.id), 'name');
    await checkBothSizes(app, dan, 'token-refused');

    await dan.keyboard.type('Riverside dashboard', { delay: 5 });
    const again = main(dan).getByRole('region', { name: 'Make a token' });
    await again.getByLabel('Read, and act for me: answer events and vote').check();
    await again.getByLabel('Lasts').selectOption({ label: '30 days' });
    const { res } = await app.navigation(dan, () => again.getByRole('button', { name: 'Make the token' }).tap());
    assert.equal(res.status(), 200);
    assert.equal(res.headers()['cache-control'], 'private, no-store');
    const made = main(dan).getByRole('region', { name: /Your new token/ });
    assert.match(text(await made.textContent()), /this is the only time it is shown/);
    secret = text(await made.locator('code[data-copy]').textContent());
    assert.match(secret, /^cvn_[A-Za-z0-9_-]{43}$/);
    await checkBothSizes(app, dan, 'token-made');
    const { status, body } = await me(secret);
    assert.equal(status, 200);
    assert.equal(body.name, DAN);
    assert.equal(body.scope, 'write');
    assertNoPageProblems(app, dan);
  });

  await step('the member revokes it, and it stops working', async () => {
    await app.visit(dan, '/profile/tokens');
    assert.ok(!text(await main(dan).textContent()).includes(secret), 'the token is shown once only');
    const row = main(dan).getByRole('row').filter({ hasText: 'Riverside dashboard' });
    assert.match(text(await row.textContent()), /Read and act for me .*In use/);
    const { res } = await app.navigation(dan, () => row.getByRole('button', { name: 'Revoke Riverside dashboard' }).tap());
    assert.equal(res.status(), 200);
    await assertFlash(dan, 'The token "Riverside dashboard" is revoked: it no longer works.');
    const after = main(dan).getByRole('row').filter({ hasText: 'Riverside dashboard' });
    assert.match(text(await after.textContent()), /Revoked/);
    assert.equal(await after.getByRole('button').count(), 0);
    const { status, body } = await me(secret);
    assert.equal(status, 401);
    assert.equal(body.detail, 'This token was revoked.');
    assertNoPageProblems(app, dan);
  });
});
