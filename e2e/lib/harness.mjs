// Real-browser harness for Convene journeys.
//
// A journey file calls `useApp()` once at top level. That registers node:test
// hooks which, for that file only:
//   1. make a fresh temporary data directory,
//   2. run `convene seed-demo` to completion,
//   3. run `convene serve` on a free loopback port and wait for GET /healthz,
//   4. launch headless Chromium through playwright-core,
// and, after the last test of the file, close the browser, stop the server
// with SIGTERM (waiting for a clean exit) and remove the data directory.
//
// Server output goes to e2e/test-results/<journey>-server.log; its tail is
// printed to stderr when any test in the file fails.

import { after, afterEach, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

export const E2E_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_DIR = path.resolve(E2E_DIR, '..');
export const SCREENSHOT_DIR = path.join(E2E_DIR, 'screenshots');
export const RESULTS_DIR = path.join(E2E_DIR, 'test-results');

const CONVENE_BIN = process.env.CONVENE_BIN || path.join(REPO_DIR, 'target', 'debug', 'convene');
const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const AXE_PATH = require.resolve('axe-core/axe.min.js');
let axeSourceText = null;
const axeSource = () => (axeSourceText ??= readFileSync(AXE_PATH, 'utf8'));

const SEED_TIMEOUT_MS = 120_000;
const HEALTH_TIMEOUT_MS = 30_000;
const SHUTDOWN_TIMEOUT_MS = 15_000;
const LOG_TAIL_LINES = 150;

/** WCAG levels the accessibility check enforces. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
/** Impacts that fail a journey. Lesser findings are written to test-results only. */
export const BLOCKING_IMPACTS = ['serious', 'critical'];

/** Viewports every page journey should cover. */
export const VIEWPORTS = {
  desktop: { name: 'desktop', width: 1280, height: 800 },
  phone: { name: 'phone', width: 375, height: 667, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
  // A 320 px desktop window (WCAG reflow: 1280 px at 400 % zoom).
  narrow: { name: 'narrow-320', width: 320, height: 640 },
};

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function safeName(name) {
  return String(name)
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '') || 'unnamed';
}

function defaultJourneyName() {
  const file = process.argv[1] ? path.basename(process.argv[1]) : 'journey';
  return file.replace(/\.test\.[cm]?js$/, '').replace(/\.[cm]?js$/, '');
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

function tailOf(file, lines = LOG_TAIL_LINES) {
  if (!file || !existsSync(file)) return '(no server log)';
  const all = readFileSync(file, 'utf8').split('\n');
  const tail = all.slice(-lines).join('\n').trimEnd();
  const skipped = Math.max(0, all.length - lines);
  return (skipped ? `... (${skipped} earlier lines in ${file})\n` : '') + (tail || '(server log is empty)');
}

function exitDescription(code, signal) {
  return signal ? `was killed by ${signal}` : `exited with code ${code}`;
}

/**
 * Start Convene and a browser for the current test file.
 * Returns an object whose fields are filled in once the `before` hook has run.
 */
export function useApp({ name = defaultJourneyName() } = {}) {
  const journey = safeName(name);
  const logFile = path.join(RESULTS_DIR, `${journey}-server.log`);

  const app = {
    journey,
    logFile,
    /** e.g. http://127.0.0.1:41234 (no trailing slash); set once started. */
    baseUrl: '',
    /** Absolute URL for a path on the app. */
    url: (p = '/') => new URL(p, app.baseUrl + '/').toString(),
    browser: null,
    openPage: (viewport) => openPage(state, viewport),
    checkAccessibility: (page, label) => checkAccessibility(page, label, journey),
    screenshot: (page, shotName) => screenshot(page, `${journey}-${shotName}`),
    visit: (page, p, opts) => visit(app, page, p, opts),
    pageProblems,
    serverLogTail: () => tailOf(logFile),
  };

  const state = {
    app,
    dataDir: null,
    server: null,
    serverExit: null,
    logStream: null,
    contexts: new Set(),
    failures: [],
  };

  before(async () => {
    await start(state);
  }, { timeout: SEED_TIMEOUT_MS + HEALTH_TIMEOUT_MS + 60_000 });

  afterEach((t) => {
    if (t.passed === false) state.failures.push(t.name);
  });

  after(async () => {
    try {
      await stop(state);
    } catch (err) {
      state.failures.push('teardown');
      throw err;
    } finally {
      if (state.failures.length) {
        process.stderr.write(
          `\n----- ${journey}: ${state.failures.length} failure(s) (${state.failures.join(', ')}); ` +
            `last lines of the server log (${path.relative(E2E_DIR, logFile)}) -----\n` +
            tailOf(logFile) +
            `\n----- end of server log -----\n`,
        );
      }
    }
  }, { timeout: SHUTDOWN_TIMEOUT_MS + 30_000 });

  return app;
}

function runToCompletion(args, env, logStream, timeoutMs) {
  return new Promise((resolve, reject) => {
    logStream.write(`\n$ convene ${args.join(' ')}\n`);
    const child = spawn(CONVENE_BIN, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(logStream, { end: false });
    child.stderr.pipe(logStream, { end: false });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`\`convene ${args.join(' ')}\` did not finish within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`could not run ${CONVENE_BIN}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

async function start(state) {
  const { app } = state;
  if (!existsSync(CONVENE_BIN)) {
    throw new Error(
      `Convene binary not found at ${CONVENE_BIN}.\n` +
        `Run \`cargo build\` in ${REPO_DIR} first (or point CONVENE_BIN at a built binary).`,
    );
  }
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}.\n` +
        `Install Debian's package (\`apt-get install -y chromium\`) or set CHROMIUM_PATH.`,
    );
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
  mkdirSync(SCREENSHOT_DIR, { recursive: true });

  state.dataDir = await mkdtemp(path.join(os.tmpdir(), `convene-e2e-${app.journey}-`));
  const port = await freePort();
  app.baseUrl = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    CONVENE_DATA_DIR: state.dataDir,
    CONVENE_BIND: `127.0.0.1:${port}`,
    CONVENE_BASE_URL: app.baseUrl,
  };

  state.logStream = createWriteStream(app.logFile, { flags: 'w' });
  state.logStream.write(
    `# ${new Date().toISOString()} journey ${app.journey}\n# binary ${CONVENE_BIN}\n` +
      `# CONVENE_DATA_DIR=${state.dataDir}\n# CONVENE_BIND=${env.CONVENE_BIND}\n# CONVENE_BASE_URL=${app.baseUrl}\n`,
  );

  const seeded = await runToCompletion(['seed-demo'], env, state.logStream, SEED_TIMEOUT_MS);
  if (seeded.code !== 0) {
    await flushLog(state);
    throw new Error(
      `\`convene seed-demo\` ${exitDescription(seeded.code, seeded.signal)}. Server log:\n${tailOf(app.logFile)}`,
    );
  }

  state.logStream.write(`\n$ convene serve\n`);
  const server = spawn(CONVENE_BIN, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  state.server = server;
  server.stdout.pipe(state.logStream, { end: false });
  server.stderr.pipe(state.logStream, { end: false });
  state.serverExit = new Promise((resolve) => {
    server.on('error', (err) => resolve({ code: null, signal: null, error: err }));
    server.on('exit', (code, signal) => resolve({ code, signal }));
  });
  // Never leave a server behind if this test process dies early.
  process.once('exit', () => {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
  });

  await waitForHealth(state);

  state.app.browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

async function flushLog(state) {
  // Give piped output a moment to land in the log file.
  await sleep(100);
  await new Promise((resolve) => state.logStream.write('', resolve));
}

async function waitForHealth(state) {
  const { app } = state;
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let lastProblem = 'no answer yet';
  let exited = null;
  state.serverExit.then((r) => (exited = r));
  while (Date.now() < deadline) {
    if (exited) {
      await flushLog(state);
      const why = exited.error ? `could not start: ${exited.error.message}` : exitDescription(exited.code, exited.signal);
      throw new Error(`\`convene serve\` ${why} before /healthz answered. Server log:\n${tailOf(app.logFile)}`);
    }
    try {
      const res = await fetch(app.url('/healthz'), { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
      lastProblem = `HTTP ${res.status}`;
    } catch (err) {
      lastProblem = err.cause?.code || err.message;
    }
    await sleep(200);
  }
  await flushLog(state);
  throw new Error(
    `GET ${app.url('/healthz')} did not answer 200 within ${HEALTH_TIMEOUT_MS / 1000} s ` +
      `(last: ${lastProblem}). Server log:\n${tailOf(app.logFile)}`,
  );
}

async function stop(state) {
  const errors = [];
  for (const ctx of state.contexts) {
    await ctx.close().catch(() => {});
  }
  state.contexts.clear();
  if (state.app.browser) {
    await state.app.browser.close().catch((err) => errors.push(`closing the browser: ${err.message}`));
    state.app.browser = null;
  }

  const server = state.server;
  if (server && server.exitCode === null && server.signalCode === null) {
    server.kill('SIGTERM');
    const result = await Promise.race([state.serverExit, sleep(SHUTDOWN_TIMEOUT_MS).then(() => null)]);
    if (!result) {
      server.kill('SIGKILL');
      await state.serverExit;
      errors.push(`\`convene serve\` did not exit within ${SHUTDOWN_TIMEOUT_MS / 1000} s of SIGTERM (killed it)`);
    } else if (result.code !== 0) {
      errors.push(`\`convene serve\` did not shut down cleanly on SIGTERM: it ${exitDescription(result.code, result.signal)}`);
    }
  }
  if (state.logStream) {
    await flushLog(state);
    await new Promise((resolve) => state.logStream.end(resolve));
    state.logStream = null;
  }
  if (state.dataDir) {
    await rm(state.dataDir, { recursive: true, force: true });
    state.dataDir = null;
  }
  if (errors.length) throw new Error(errors.join('\n'));
}

/**
 * A fresh page in its own browser context at the given viewport
 * (one of VIEWPORTS, or { width, height, isMobile?, hasTouch?, deviceScaleFactor? }).
 * The page records console errors, uncaught script errors and failed
 * sub-resource requests; read them with pageProblems(page).
 */
async function openPage(state, viewport = VIEWPORTS.desktop) {
  const browser = state.app.browser;
  assert.ok(browser, 'the browser is not running: did the harness start (is useApp() called at top level)?');
  const { width, height, isMobile = false, hasTouch = false, deviceScaleFactor = 1 } = viewport;
  const context = await browser.newContext({
    viewport: { width, height },
    isMobile,
    hasTouch,
    deviceScaleFactor,
    baseURL: state.app.baseUrl,
  });
  state.contexts.add(context);
  const page = await context.newPage();
  const problems = { consoleErrors: [], pageErrors: [], failedRequests: [] };
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => problems.pageErrors.push(err.message));
  page.on('requestfailed', (req) => {
    problems.failedRequests.push(`${req.method()} ${req.url()}: ${req.failure()?.errorText ?? 'failed'}`);
  });
  page.on('response', (res) => {
    const req = res.request();
    // The document itself may legitimately be an error page (e.g. a 404).
    if (res.status() >= 400 && !(req.isNavigationRequest() && req.frame() === page.mainFrame())) {
      problems.failedRequests.push(`${req.method()} ${res.url()}: HTTP ${res.status()}`);
    }
  });
  pageProblemsMap.set(page, problems);
  page.once('close', () => state.contexts.delete(context));
  return page;
}

const pageProblemsMap = new WeakMap();

/** Console errors, script errors and failed sub-resources seen by a page opened with openPage. */
export function pageProblems(page) {
  return pageProblemsMap.get(page) ?? { consoleErrors: [], pageErrors: [], failedRequests: [] };
}

/** Navigate to a path on the app and return the main document's response (never null). */
async function visit(app, page, p = '/', { waitUntil = 'load' } = {}) {
  const target = app.url(p);
  let response;
  try {
    response = await page.goto(target, { waitUntil });
  } catch (err) {
    throw new Error(`could not load ${target}: ${err.message.split('\n')[0]}`);
  }
  assert.ok(response, `no response for ${target}`);
  return response;
}

function formatViolations(violations) {
  return violations
    .map((v) => {
      const nodes = v.nodes
        .map((n) => {
          const target = n.target.map((t) => (Array.isArray(t) ? t.join(' >>> ') : t)).join(' ');
          const why = (n.failureSummary || '').split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
          const html = n.html ? `\n          html: ${n.html.length > 200 ? n.html.slice(0, 200) + '…' : n.html}` : '';
          return `        - ${target}${html}${why ? `\n          why: ${why}` : ''}`;
        })
        .join('\n');
      return `  • ${v.id} [${v.impact}] ${v.help}\n      ${v.helpUrl}\n      on ${v.nodes.length} element(s):\n${nodes}`;
    })
    .join('\n');
}

/**
 * Run axe-core on the page for the WCAG 2.x A/AA rules and fail, listing every
 * serious or critical violation. Full results go to test-results/axe-*.json.
 * Returns the axe results.
 */
async function checkAccessibility(page, label, journey) {
  const has = await page.evaluate(() => typeof window.axe !== 'undefined');
  // Evaluated through the DevTools protocol rather than added as a <script>,
  // so the app's Content-Security-Policy stays in force and is not in the way.
  if (!has) await page.evaluate(axeSource());
  const results = await page.evaluate(async (tags) => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    const strip = (list) =>
      list.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        helpUrl: v.helpUrl,
        tags: v.tags,
        nodes: v.nodes.map((n) => ({ target: n.target, html: n.html, impact: n.impact, failureSummary: n.failureSummary })),
      }));
    return {
      url: r.url,
      rulesPassed: r.passes.length,
      violations: strip(r.violations),
      incomplete: strip(r.incomplete),
    };
  }, AXE_TAGS);

  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `axe-${journey}-${safeName(label)}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2));

  assert.ok(
    results.rulesPassed + results.violations.length > 0,
    `axe checked no rules on ${results.url} ("${label}"): is the page empty?`,
  );
  const blocking = results.violations.filter((v) => BLOCKING_IMPACTS.includes(v.impact));
  const review = results.incomplete.filter((v) => BLOCKING_IMPACTS.includes(v.impact));
  if (review.length) {
    process.stderr.write(
      `axe (${label}): ${review.length} serious/critical rule(s) need a human to check, not failing: ` +
        review.map((v) => `${v.id} on ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`).join('; ') +
        '\n',
    );
  }
  const minor = results.violations.filter((v) => !BLOCKING_IMPACTS.includes(v.impact));
  if (minor.length) {
    process.stderr.write(
      `axe (${label}): ${minor.length} lesser violation(s), not failing: ` +
        minor.map((v) => `${v.id} [${v.impact}]`).join(', ') +
        ` (details in ${path.relative(E2E_DIR, file)})\n`,
    );
  }
  if (blocking.length) {
    assert.fail(
      `Accessibility check "${label}" found ${blocking.length} serious/critical violation(s) on ${results.url}:\n` +
        formatViolations(blocking) +
        `\n  (full axe results: ${path.relative(E2E_DIR, file)})`,
    );
  }
  return results;
}

/** Full-page PNG in e2e/screenshots/<name>.png; returns its path. */
async function screenshot(page, name) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${safeName(name)}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
