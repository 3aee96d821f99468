// Journey: a visitor lands on the home page, on a desktop, a phone and a very
// narrow (320 px) screen, and can skip straight to the content with the
// keyboard. A visitor who follows a broken address gets a helpful 404 page.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openMenu, useApp, VIEWPORTS } from '../lib/harness.mjs';

const app = useApp({ name: 'home' });

/** Facts about the page's structure, gathered in one round trip. */
function pageFacts(page) {
  return page.evaluate(() => {
    const h1s = [...document.querySelectorAll('h1')].map((h) => h.textContent.trim().replace(/\s+/g, ' '));
    const main = document.querySelector('main');
    const navs = [...document.querySelectorAll('nav')].map((n) => n.getAttribute('aria-label'));
    const skip = document.querySelector('a[href="#main"]');
    return {
      h1s,
      mainId: main ? main.id : null,
      mainCount: document.querySelectorAll('main').length,
      navs,
      skipLink: skip ? skip.textContent.trim() : null,
      lang: document.documentElement.getAttribute('lang'),
      title: document.title.trim(),
    };
  });
}

/** Every `<link rel=stylesheet>` must have loaded and contributed CSS rules. */
async function assertStylesheetsLoaded(page) {
  const sheets = await page.evaluate(() =>
    [...document.querySelectorAll('link[rel~="stylesheet"]')].map((link) => {
      let rules = null;
      let error = null;
      try {
        rules = link.sheet ? link.sheet.cssRules.length : null;
      } catch (e) {
        error = String(e);
      }
      return { href: link.href, rules, error };
    }),
  );
  assert.ok(sheets.length > 0, 'the page links no stylesheet (<link rel="stylesheet">)');
  for (const sheet of sheets) {
    const res = await page.request.get(sheet.href);
    assert.equal(res.status(), 200, `stylesheet ${sheet.href} answered HTTP ${res.status()}`);
    assert.match(res.headers()['content-type'] ?? '', /^text\/css\b/, `stylesheet ${sheet.href} is not served as text/css`);
    assert.ok(
      sheet.rules > 0,
      `stylesheet ${sheet.href} did not apply (cssRules: ${sheet.rules}${sheet.error ? `, ${sheet.error}` : ''})`,
    );
  }
}

async function assertNoHorizontalScroll(page, viewport) {
  const m = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    viewportMeta: document.querySelector('meta[name="viewport"]')?.getAttribute('content') ?? null,
  }));
  const size = `${viewport.width} px wide screen`;
  if (viewport.isMobile) {
    // Mobile browsers lay a page out 980 px wide unless it asks for the device
    // width, and zoom out when content overflows; either way innerWidth grows.
    assert.match(
      m.viewportMeta ?? '',
      /width\s*=\s*device-width/,
      `no <meta name="viewport" content="width=device-width, initial-scale=1"> (found ${JSON.stringify(m.viewportMeta)})`,
    );
    assert.equal(
      m.innerWidth,
      viewport.width,
      `on a ${size} the page is laid out ${m.innerWidth} px wide (scrollWidth ${m.scrollWidth}): ` +
        'something overflows the screen and the browser zoomed out to fit it',
    );
  }
  assert.ok(
    m.scrollWidth <= m.innerWidth,
    `the page scrolls sideways on a ${size}: scrollWidth ${m.scrollWidth} > innerWidth ${m.innerWidth}`,
  );
}

function assertNoPageProblems(page) {
  const p = app.pageProblems(page);
  const all = [
    ...p.pageErrors.map((e) => `script error: ${e}`),
    // Failed loads are listed below, with their address; this keeps the rest,
    // such as Content-Security-Policy violations.
    ...p.consoleErrors.filter((e) => !e.startsWith('Failed to load resource')).map((e) => `console error: ${e}`),
    ...p.failedRequests.map((r) => `failed request: ${r}`),
  ];
  assert.deepEqual(all, [], `the page had problems:\n  ${all.join('\n  ')}`);
}

for (const viewport of [VIEWPORTS.desktop, VIEWPORTS.phone, VIEWPORTS.narrow]) {
  const at = `${viewport.name} ${viewport.width}x${viewport.height}`;

  describe(`home page at ${at}`, () => {
    test('answers 200 with a well-formed page', async () => {
      const page = await app.openPage(viewport);
      const res = await app.visit(page, '/');
      await app.screenshot(page, viewport.name);
      assert.equal(res.status(), 200, `GET / answered HTTP ${res.status()}`);
      assert.match(res.headers()['content-type'] ?? '', /^text\/html\b/, 'GET / is not served as text/html');

      const facts = await pageFacts(page);
      assert.equal(facts.h1s.length, 1, `expected exactly one <h1>, found ${facts.h1s.length}: ${JSON.stringify(facts.h1s)}`);
      assert.ok(facts.h1s[0].length > 0, 'the <h1> is empty');
      assert.ok(facts.title.length > 0, 'the page has no <title>');
      assert.equal(facts.mainCount, 1, `expected exactly one <main>, found ${facts.mainCount}`);
      assert.equal(facts.mainId, 'main', '<main> should have id="main" (the skip link target)');
      assert.ok(facts.navs.includes('Main'), `no <nav aria-label="Main"> (navs found: ${JSON.stringify(facts.navs)})`);
      // On narrow screens the navigation is behind "Menu".
      await openMenu(page);
      await assert.doesNotReject(
        page.getByRole('navigation', { name: 'Main' }).waitFor({ state: 'attached', timeout: 2_000 }),
        'the main navigation is not exposed as a navigation landmark named "Main"',
      );
      assert.ok(facts.skipLink !== null, 'no skip link (<a href="#main">)');
      assert.ok(facts.skipLink.length > 0, 'the skip link has no text');

      await assertStylesheetsLoaded(page);
      assertNoPageProblems(page);
    });

    test('the skip link is reached first with Tab and moves focus to main with Enter', async () => {
      const page = await app.openPage(viewport);
      await app.visit(page, '/');
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => {
        const el = document.activeElement;
        return { tag: el?.tagName, href: el?.getAttribute('href'), text: el?.textContent?.trim() };
      });
      assert.deepEqual(
        { tag: focused.tag, href: focused.href },
        { tag: 'A', href: '#main' },
        `the first Tab should focus the skip link, but focused ${JSON.stringify(focused)}`,
      );
      const skipVisible = await page.locator('a[href="#main"]').first().isVisible();
      assert.ok(skipVisible, 'the skip link is not visible when it has keyboard focus');
      await app.screenshot(page, `${viewport.name}-skip-link-focused`);

      await page.keyboard.press('Enter');
      await page.waitForFunction(() => location.hash === '#main', null, { timeout: 2_000 }).catch(() => {});
      const active = await page.evaluate(() => ({
        id: document.activeElement?.id,
        tag: document.activeElement?.tagName,
      }));
      assert.equal(
        active.id,
        'main',
        `after Enter on the skip link, focus is on <${active.tag?.toLowerCase()}${active.id ? ` id="${active.id}"` : ''}>, ` +
          'not on main (does <main id="main"> have tabindex="-1"?)',
      );
    });

    test('does not scroll sideways', async () => {
      const page = await app.openPage(viewport);
      await app.visit(page, '/');
      await assertNoHorizontalScroll(page, viewport);
    });

    test('has no serious or critical accessibility violations', async () => {
      const page = await app.openPage(viewport);
      await app.visit(page, '/');
      await app.checkAccessibility(page, viewport.name);
    });
  });
}

describe('unknown address', () => {
  for (const viewport of [VIEWPORTS.desktop, VIEWPORTS.narrow]) {
    test(`shows a 404 page with a way home at ${viewport.name} ${viewport.width}x${viewport.height}`, async () => {
      const page = await app.openPage(viewport);
      const res = await app.visit(page, '/no-such-page');
      await app.screenshot(page, `not-found-${viewport.name}`);
      assert.equal(res.status(), 404, `GET /no-such-page answered HTTP ${res.status()}, expected 404`);
      assert.match(res.headers()['content-type'] ?? '', /^text\/html\b/, 'the 404 page is not served as text/html');

      const facts = await pageFacts(page);
      assert.equal(facts.h1s.length, 1, `expected exactly one <h1>, found ${facts.h1s.length}: ${JSON.stringify(facts.h1s)}`);
      assert.match(facts.h1s[0], /^page not found$/i, `the <h1> says ${JSON.stringify(facts.h1s[0])}, expected "Page not found"`);

      const homeLinks = await page.evaluate((base) =>
        [...document.querySelectorAll('main a[href]')]
          .filter((a) => {
            const u = new URL(a.href, location.href);
            return u.origin === new URL(base).origin && u.pathname === '/' && !u.hash;
          })
          .map((a) => a.textContent.trim()),
      app.baseUrl);
      assert.ok(homeLinks.length > 0, 'the 404 page has no link back to the home page in its <main> (an <a href="/">)');

      await assertStylesheetsLoaded(page);
      await assertNoHorizontalScroll(page, viewport);
      assertNoPageProblems(page);
      await app.checkAccessibility(page, `not-found ${viewport.name}`);
    });
  }
});
