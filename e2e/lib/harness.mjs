// Real-browser harness for Convene journeys.
//
// A journey file calls `useApp()` once at top level. That registers node:test
// hooks which, for that file only:
//   1. make a fresh temporary data directory,
//   2. with `oidc: true`, start the test OpenID Connect provider
//      (tests/oidc-provider), register a client for the app's port there and
//      write a settings file naming it (CONVENE_CONFIG),
//   3. run `convene seed-demo` to completion, then each `before` command,
//   4. run `convene serve` on a free loopback port and wait for GET /healthz,
//   5. launch headless Chromium through playwright-core,
// and, after the last test of the file, close the browser, stop the server
// with SIGTERM (waiting for a clean exit), stop the provider (closing its
// stdin, then SIGTERM) and remove the data directory.
//
// Server output goes to e2e/test-results/<journey>-server.log (the provider's
// to <journey>-provider.log); their tails are printed to stderr when any test
// in the file fails.

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
const OIDC_PROVIDER_DIR = path.join(REPO_DIR, 'tests', 'oidc-provider');
const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const AXE_PATH = require.resolve('axe-core/axe.min.js');
let axeSourceText = null;
const axeSource = () => (axeSourceText ??= readFileSync(AXE_PATH, 'utf8'));

const SEED_TIMEOUT_MS = 120_000;
const HEALTH_TIMEOUT_MS = 30_000;
const SHUTDOWN_TIMEOUT_MS = 15_000;
const PROVIDER_START_TIMEOUT_MS = 30_000;
const PROVIDER_INSTALL_TIMEOUT_MS = 300_000;
const PROVIDER_STOP_TIMEOUT_MS = 5_000;
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

/** The sign-in provider the harness configures with `oidc: true`. */
export const OIDC_PROVIDER = { id: 'council', label: 'Northvale Council' };

/**
 * Start Convene and a browser for the current test file.
 * Returns an object whose fields are filled in once the `before` hook has run.
 *
 * Options:
 *   name    journey name (screenshots, logs); defaults to the file name.
 *   oidc    true to run the test OpenID Connect provider and configure it as
 *           the app's sign-in provider `council` ("Northvale Council").
 *   before  convene commands run, in order, after `seed-demo` and before
 *           `serve`, with the same environment; each must exit 0. For example
 *           [['admin', 'grant', 'someone@example.org']].
 *   env     extra environment variables for seed-demo, the `before` commands
 *           and serve, e.g. { CONVENE_AUTH__DEV_LOGIN: 'true' }. The harness's
 *           own (CONVENE_DATA_DIR, CONVENE_BIND, CONVENE_BASE_URL and, with
 *           oidc, CONVENE_CONFIG) cannot be overridden.
 */
export function useApp({ name = defaultJourneyName(), oidc = false, before: beforeCommands = [], env: extraEnv = {} } = {}) {
  const journey = safeName(name);
  const logFile = path.join(RESULTS_DIR, `${journey}-server.log`);
  const providerLogFile = path.join(RESULTS_DIR, `${journey}-provider.log`);

  const app = {
    journey,
    logFile,
    /** e.g. http://127.0.0.1:41234 (no trailing slash); set once started. */
    baseUrl: '',
    /** The temporary data directory (its SQLite database is `convene.db`); set once started. */
    dataDir: null,
    /** Absolute URL for a path on the app. */
    url: (p = '/') => new URL(p, app.baseUrl + '/').toString(),
    browser: null,
    openPage: (viewport, contextOptions) => openPage(state, viewport, contextOptions),
    checkAccessibility: (page, label) => checkAccessibility(page, label, journey),
    screenshot: (page, shotName) => screenshot(page, `${journey}-${shotName}`),
    visit: (page, p, opts) => visit(app, page, p, opts),
    pageProblems,
    navigation: (page, action, opts) => navigation(app, page, action, opts),
    assertNoSidewaysScroll,
    tabTo,
    openMenu,
    closeMenu,
    serverLogTail: () => tailOf(logFile),
    /**
     * With `oidc: true`, once started: { issuer, id, label, clientId, clientSecret, logFile }.
     * Otherwise null.
     */
    oidc: null,
  };

  const state = {
    app,
    options: { oidc: Boolean(oidc), before: beforeCommands, env: { ...extraEnv } },
    providerLogFile,
    dataDir: null,
    server: null,
    serverExit: null,
    logStream: null,
    provider: null,
    providerExit: null,
    providerLogStream: null,
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
            `\n----- end of server log -----\n` +
            (state.options.oidc
              ? `----- last lines of the sign-in provider's log (${path.relative(E2E_DIR, providerLogFile)}) -----\n` +
                tailOf(providerLogFile, 40) +
                `\n----- end of provider log -----\n`
              : ''),
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
  app.dataDir = state.dataDir;
  const port = await freePort();
  app.baseUrl = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    ...Object.fromEntries(Object.entries(state.options.env).map(([k, v]) => [k, String(v)])),
    CONVENE_DATA_DIR: state.dataDir,
    CONVENE_BIND: `127.0.0.1:${port}`,
    CONVENE_BASE_URL: app.baseUrl,
  };

  state.logStream = createWriteStream(app.logFile, { flags: 'w' });
  state.logStream.write(
    `# ${new Date().toISOString()} journey ${app.journey}\n# binary ${CONVENE_BIN}\n` +
      `# CONVENE_DATA_DIR=${state.dataDir}\n# CONVENE_BIND=${env.CONVENE_BIND}\n# CONVENE_BASE_URL=${app.baseUrl}\n` +
      Object.keys(state.options.env)
        .filter((k) => env[k] === String(state.options.env[k]))
        .map((k) => `# ${k}=${env[k]}\n`)
        .join(''),
  );

  if (state.options.oidc) {
    await startProvider(state, port);
    const configFile = path.join(state.dataDir, 'convene.toml');
    writeFileSync(configFile, providerSettings(app.oidc));
    env.CONVENE_CONFIG = configFile;
    state.logStream.write(
      `# CONVENE_CONFIG=${configFile} (provider ${app.oidc.id}, issuer ${app.oidc.issuer}, client ${app.oidc.clientId})\n`,
    );
  }

  for (const args of [['seed-demo'], ...state.options.before]) {
    const done = await runToCompletion(args, env, state.logStream, SEED_TIMEOUT_MS);
    if (done.code !== 0) {
      await flushLog(state);
      throw new Error(
        `\`convene ${args.join(' ')}\` ${exitDescription(done.code, done.signal)}. Server log:\n${tailOf(app.logFile)}`,
      );
    }
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

/** A TOML basic string (JSON's escapes are a subset of TOML's). */
function tomlString(value) {
  return JSON.stringify(String(value));
}

function providerSettings(oidc) {
  return (
    `# Written by e2e/lib/harness.mjs for one journey run.\n` +
    `[[auth.providers]]\n` +
    `id = ${tomlString(oidc.id)}\n` +
    `label = ${tomlString(oidc.label)}\n` +
    `kind = "oidc"\n` +
    `issuer = ${tomlString(oidc.issuer)}\n` +
    `client_id = ${tomlString(oidc.clientId)}\n` +
    `client_secret = ${tomlString(oidc.clientSecret)}\n`
  );
}

function runNpmCi(dir, logStream) {
  return new Promise((resolve, reject) => {
    logStream.write(`\n$ (cd ${dir} && npm ci)\n`);
    const child = spawn('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(logStream, { end: false });
    child.stderr.pipe(logStream, { end: false });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`\`npm ci\` in ${dir} did not finish within ${PROVIDER_INSTALL_TIMEOUT_MS / 1000} s`));
    }, PROVIDER_INSTALL_TIMEOUT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`could not run npm ci in ${dir}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`\`npm ci\` in ${dir} ${exitDescription(code, signal)}`));
    });
  });
}

/**
 * Start tests/oidc-provider, wait for its `ready ISSUER` line and register a
 * client whose redirect URI is the app's callback on appPort. Fills app.oidc.
 */
async function startProvider(state, appPort) {
  const { app } = state;
  state.providerLogStream = createWriteStream(state.providerLogFile, { flags: 'w' });
  state.providerLogStream.write(`# ${new Date().toISOString()} journey ${app.journey}: test OpenID Connect provider\n`);
  if (!existsSync(path.join(OIDC_PROVIDER_DIR, 'node_modules'))) {
    await runNpmCi(OIDC_PROVIDER_DIR, state.providerLogStream);
  }

  // stdin stays an open pipe for as long as the provider is needed: the
  // provider exits when it closes. stderr is always drained into the log.
  const provider = spawn(process.execPath, ['server.mjs'], {
    cwd: OIDC_PROVIDER_DIR,
    env: { ...process.env, PORT: '0' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  state.provider = provider;
  provider.stdin.on('error', () => {}); // it may exit first; the exit is what matters
  provider.stderr.pipe(state.providerLogStream, { end: false });
  state.providerExit = new Promise((resolve) => {
    provider.on('error', (err) => resolve({ code: null, signal: null, error: err }));
    provider.on('exit', (code, signal) => resolve({ code, signal }));
  });
  process.once('exit', () => {
    if (provider.exitCode === null && provider.signalCode === null) provider.kill('SIGKILL');
  });

  const issuer = await new Promise((resolve, reject) => {
    let buffered = '';
    let settled = false;
    const finish = (fn, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn(value);
    };
    const timer = setTimeout(
      () => finish(reject, new Error(`the test OpenID Connect provider did not print its ready line within ${PROVIDER_START_TIMEOUT_MS / 1000} s`)),
      PROVIDER_START_TIMEOUT_MS,
    );
    provider.stdout.setEncoding('utf8');
    provider.stdout.on('data', (chunk) => {
      if (settled) {
        state.providerLogStream?.write(`[stdout] ${chunk}`);
        return;
      }
      buffered += chunk;
      const nl = buffered.indexOf('\n');
      if (nl < 0) return;
      const line = buffered.slice(0, nl).trim();
      const m = /^ready (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      if (m) finish(resolve, m[1]);
      else finish(reject, new Error(`the test OpenID Connect provider printed ${JSON.stringify(line)} instead of "ready http://127.0.0.1:PORT"`));
    });
    state.providerExit.then((r) => {
      const why = r.error ? `could not start: ${r.error.message}` : exitDescription(r.code, r.signal);
      finish(reject, new Error(`the test OpenID Connect provider ${why} before it was ready`));
    });
  }).catch(async (err) => {
    await sleep(100);
    throw new Error(`${err.message}. Provider log:\n${tailOf(state.providerLogFile, 40)}`);
  });

  const redirectUri = `http://127.0.0.1:${appPort}/auth/${OIDC_PROVIDER.id}/callback`;
  const res = await fetch(`${issuer}/reg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = await res.text();
  if (res.status !== 201) {
    throw new Error(`registering a client at ${issuer}/reg answered HTTP ${res.status}: ${body.slice(0, 500)}`);
  }
  const client = JSON.parse(body);
  assert.ok(client.client_id && client.client_secret, `the provider's registration answer lacks client_id or client_secret: ${body}`);
  state.providerLogStream.write(`# harness: registered client ${client.client_id} for ${redirectUri}\n`);
  app.oidc = {
    ...OIDC_PROVIDER,
    issuer,
    redirectUri,
    clientId: client.client_id,
    clientSecret: client.client_secret,
    logFile: state.providerLogFile,
  };
}

/** Close the provider's stdin (its signal to exit), then SIGTERM, then SIGKILL. Returns a problem or null. */
async function stopProvider(state) {
  const provider = state.provider;
  let problem = null;
  if (provider && provider.exitCode === null && provider.signalCode === null) {
    provider.stdin.end();
    let result = await Promise.race([state.providerExit, sleep(PROVIDER_STOP_TIMEOUT_MS).then(() => null)]);
    if (!result) {
      provider.kill('SIGTERM');
      result = await Promise.race([state.providerExit, sleep(PROVIDER_STOP_TIMEOUT_MS).then(() => null)]);
    }
    if (!result) {
      provider.kill('SIGKILL');
      await state.providerExit;
      problem = `the test OpenID Connect provider did not exit on closed stdin or SIGTERM (killed it)`;
    }
  }
  state.provider = null;
  if (state.providerLogStream) {
    await sleep(50);
    await new Promise((resolve) => state.providerLogStream.end(resolve));
    state.providerLogStream = null;
  }
  return problem;
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
  const providerProblem = await stopProvider(state);
  if (providerProblem) errors.push(providerProblem);
  if (state.logStream) {
    await flushLog(state);
    await new Promise((resolve) => state.logStream.end(resolve));
    state.logStream = null;
  }
  if (state.dataDir) {
    await rm(state.dataDir, { recursive: true, force: true });
    state.dataDir = null;
    state.app.dataDir = null;
  }
  if (errors.length) throw new Error(errors.join('\n'));
}

/**
 * A fresh page in its own browser context at the given viewport
 * (one of VIEWPORTS, or { width, height, isMobile?, hasTouch?, deviceScaleFactor? }).
 * `contextOptions` go to playwright's browser.newContext, e.g.
 * `{ permissions: ['clipboard-read', 'clipboard-write'] }` or `{ javaScriptEnabled: false }`.
 * The page records console errors, uncaught script errors and failed
 * sub-resource requests; read them with pageProblems(page).
 */
async function openPage(state, viewport = VIEWPORTS.desktop, contextOptions = {}) {
  const browser = state.app.browser;
  assert.ok(browser, 'the browser is not running: did the harness start (is useApp() called at top level)?');
  const { width, height, isMobile = false, hasTouch = false, deviceScaleFactor = 1 } = viewport;
  const context = await browser.newContext({
    ...contextOptions,
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

/**
 * Run `action` (which makes the page navigate, possibly through redirects)
 * and return { res, chain }: the final document response and every document
 * response on the way ("303 POST http://..."). Fails if the page does not end
 * on `expectOrigin` (the app, unless told otherwise; null to skip) or if any
 * step on the way was a 5xx.
 */
async function navigation(app, page, action, { expectOrigin = app.baseUrl, timeout = 20_000 } = {}) {
  const chain = [];
  const onResponse = (res) => {
    const req = res.request();
    if (req.isNavigationRequest() && req.frame() === page.mainFrame()) chain.push(`${res.status()} ${req.method()} ${res.url()}`);
  };
  page.on('response', onResponse);
  try {
    const [res] = await Promise.all([page.waitForNavigation({ waitUntil: 'load', timeout }), action()]);
    assert.ok(res, `no document response after the navigation (chain: ${chain.join(' -> ') || 'none'})`);
    if (expectOrigin) {
      assert.equal(
        new URL(page.url()).origin,
        expectOrigin,
        `expected to end on ${expectOrigin}, but ended on ${page.url()} (chain: ${chain.join(' -> ')})`,
      );
    }
    for (const step of chain) {
      assert.ok(!/^5\d\d /.test(step), `a server error on the way: ${chain.join(' -> ')}`);
    }
    return { res, chain };
  } finally {
    page.off('response', onResponse);
  }
}

/**
 * Press Tab until `locator` has focus, then require a visible focus indicator
 * (:focus-visible and an outline or box-shadow). Fails listing what got focus
 * instead. Start from wherever focus is (focus an earlier element first to
 * shorten the walk).
 */
export async function tabTo(page, locator, what, maxPresses = 60) {
  const handle = await locator.elementHandle({ timeout: 5_000 }).catch(() => null);
  assert.ok(handle, `${what} is not on the page`);
  const seen = [];
  for (let i = 0; i < maxPresses; i++) {
    await page.keyboard.press('Tab');
    const here = await handle.evaluate((el) => el === document.activeElement);
    if (here) {
      const ring = await handle.evaluate((el) => {
        const s = getComputedStyle(el);
        return {
          focusVisible: el.matches(':focus-visible'),
          outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0,
          shadow: s.boxShadow !== 'none',
        };
      });
      assert.ok(ring.focusVisible, `${what} has keyboard focus but does not match :focus-visible`);
      assert.ok(ring.outline || ring.shadow, `${what} has keyboard focus but shows no focus indicator (no outline or box-shadow)`);
      return;
    }
    seen.push(
      await page.evaluate(() => {
        const el = document.activeElement;
        if (!el || el === document.body) return '(body)';
        const text = (el.getAttribute('aria-label') || el.textContent || el.value || '').trim().replace(/\s+/g, ' ').slice(0, 40);
        return `<${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}> ${JSON.stringify(text)}`;
      }),
    );
  }
  assert.fail(`${what} was not reached with ${maxPresses} presses of Tab; focus went through:\n  ${seen.join('\n  ')}`);
}

/**
 * The page must fit the viewport's width: laid out at the screen's width (no
 * zooming out on a phone) and no sideways scrolling. On failure, names the
 * elements that stick out.
 */
export async function assertNoSidewaysScroll(page, viewport) {
  const m = await page.evaluate((width) => {
    const tag = (el) =>
      `<${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.classList.length ? '.' + [...el.classList].join('.') : ''}>`;
    const describe = (el) =>
      `${tag(el)} (${getComputedStyle(el).position}, in ${tag(el.parentElement)}, ` +
      `text ${JSON.stringify(el.textContent.trim().replace(/\s+/g, ' ').slice(0, 30))}) ` +
      `right edge at ${Math.round(el.getBoundingClientRect().right)} px`;
    const scrollWidth = document.documentElement.scrollWidth;
    const all = [...document.body.querySelectorAll('*')];
    let culprits = [];
    if (scrollWidth > width) {
      culprits = all.filter((el) => {
        const r = el.getBoundingClientRect();
        return r.width > 0 && Math.abs(r.right + window.scrollX - scrollWidth) <= 1;
      });
    }
    if (!culprits.length) {
      culprits = all.filter((el) => {
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.right <= width + 1) return false;
        const parent = el.parentElement;
        return !parent || parent === document.body || parent.getBoundingClientRect().right <= width + 1;
      });
    }
    return {
      scrollWidth,
      innerWidth: window.innerWidth,
      viewportMeta: document.querySelector('meta[name="viewport"]')?.getAttribute('content') ?? null,
      culprits: culprits.slice(0, 3).map(describe),
      more: Math.max(0, culprits.length - 3),
    };
  }, viewport.width);
  const why = m.culprits.length ? `; wider than the screen: ${m.culprits.join(', ')}${m.more ? ` and ${m.more} more` : ''}` : '';
  if (viewport.isMobile) {
    assert.match(
      m.viewportMeta ?? '',
      /width\s*=\s*device-width/,
      `${page.url()} has no <meta name="viewport" content="width=device-width, initial-scale=1"> (found ${JSON.stringify(m.viewportMeta)})`,
    );
  }
  assert.equal(
    m.innerWidth,
    viewport.width,
    `${page.url()} is laid out ${m.innerWidth} px wide on a ${viewport.width} px screen (the browser zoomed out to fit something)${why}`,
  );
  assert.ok(m.scrollWidth <= m.innerWidth, `${page.url()} scrolls sideways: scrollWidth ${m.scrollWidth} > ${m.innerWidth}${why}`);
}

/**
 * Below 64rem the header's navigation and account controls sit in the "Menu"
 * disclosure (<details class="site-menu">). If that menu is shown and closed,
 * open it the way a person would (a click on "Menu") and return true; on wide
 * screens, where the links are in the header row, do nothing and return false.
 */
export async function openMenu(page) {
  const summary = page.locator('details.site-menu > summary');
  if (!(await summary.isVisible())) return false;
  if (await summary.evaluate((s) => s.parentElement.open)) return false;
  await summary.click();
  await page.locator('details.site-menu[open]').waitFor({ state: 'attached', timeout: 5_000 });
  return true;
}

/** Close the phone menu if it is open (it covers the top of the page). */
export async function closeMenu(page) {
  const summary = page.locator('details.site-menu > summary');
  if (!(await summary.isVisible())) return;
  if (await summary.evaluate((s) => s.parentElement.open)) await summary.click();
}
