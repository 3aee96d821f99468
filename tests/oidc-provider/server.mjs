// OpenID Connect provider for Convene's tests.
//
// Prints exactly one line on stdout once it listens:
//   ready http://127.0.0.1:PORT
// (that URL is the issuer). Everything else goes to stderr.
// Exits when its standard input closes, and on SIGTERM / SIGINT.
// See README.md for accounts and test modes.

import http from 'node:http';
import crypto from 'node:crypto';

// Keep stdout for the ready line alone: the library prints notices through
// console.info, so send every console method to stderr before loading it.
for (const method of ['log', 'info', 'debug', 'trace']) {
  console[method] = (...args) => console.error(...args);
}

const { default: Provider } = await import('oidc-provider');
const { SignJWT, importJWK, decodeJwt, decodeProtectedHeader } = await import('jose');

// ---------------------------------------------------------------------------
// Life cycle: end with the parent.

let server;
function shutdown(code = 0) {
  try {
    server?.closeAllConnections?.();
    server?.close();
  } catch {
    // exiting anyway
  }
  process.exit(code);
}

process.stdin.on('end', () => shutdown(0));
process.stdin.on('close', () => shutdown(0));
process.stdin.on('error', () => shutdown(0));
process.stdin.resume();
process.on('SIGTERM', () => shutdown(0));
process.on('SIGINT', () => shutdown(0));

// ---------------------------------------------------------------------------
// Keys, made fresh at every start.

const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingJwk = {
  ...privateKey.export({ format: 'jwk' }),
  kid: crypto.randomBytes(8).toString('hex'),
  alg: 'RS256',
  use: 'sig',
};
const signingKey = await importJWK(signingJwk, 'RS256');
const cookieKeys = [crypto.randomBytes(32).toString('hex'), crypto.randomBytes(32).toString('hex')];

// ---------------------------------------------------------------------------
// Accounts: the login name decides everything.

function capitalise(word) {
  return word ? word[0].toUpperCase() + word.slice(1) : word;
}

function nameFrom(login) {
  const at = login.indexOf('@');
  if (at > 0) {
    return login
      .slice(0, at)
      .split(/[._]+/)
      .filter(Boolean)
      .map(capitalise)
      .join(' ');
  }
  return capitalise(login);
}

function emailFrom(login) {
  return login.includes('@') ? login : `${login}@people.example`;
}

function accountClaims(login) {
  if (login.startsWith('noemail:')) {
    const rest = login.slice('noemail:'.length);
    return { sub: login, name: nameFrom(rest) };
  }
  if (login.startsWith('unverified:')) {
    const rest = login.slice('unverified:'.length);
    return {
      sub: login, email: emailFrom(rest), email_verified: false, name: nameFrom(rest),
    };
  }
  return {
    sub: login, email: emailFrom(login), email_verified: true, name: nameFrom(login),
  };
}

async function findAccount(ctx, id) {
  if (typeof id !== 'string' || id === '') return undefined;
  return {
    accountId: id,
    async claims() {
      return accountClaims(id);
    },
  };
}

// ---------------------------------------------------------------------------
// Consent is skipped: every client gets a grant for all of the scopes.

const GRANTED_SCOPE = 'openid email profile';
const GRANTED_CLAIMS = ['sub', 'email', 'email_verified', 'name'];

async function loadExistingGrant(ctx) {
  const { client, session, account } = ctx.oidc;
  const accountId = account?.accountId ?? session.accountId;
  const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
  if (grantId) {
    const existing = await ctx.oidc.provider.Grant.find(grantId);
    if (existing && existing.accountId === accountId && existing.clientId === client.clientId) {
      return existing;
    }
  }
  const grant = new ctx.oidc.provider.Grant({ accountId, clientId: client.clientId });
  grant.addOIDCScope(GRANTED_SCOPE);
  grant.addOIDCClaims(GRANTED_CLAIMS);
  await grant.save();
  return grant;
}

// ---------------------------------------------------------------------------
// Test modes, per client.

const MODES = new Set(['normal', 'wrong-audience', 'wrong-nonce', 'slow']);
const modes = new Map();
const SLOW_MS = 5000;

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function testModeRoute(ctx) {
  let input;
  try {
    input = JSON.parse(await readBody(ctx.req));
  } catch {
    ctx.status = 400;
    ctx.body = { error: 'invalid_request', error_description: 'body must be JSON' };
    return;
  }
  const clientId = input?.client_id;
  const mode = input?.mode;
  if (typeof clientId !== 'string' || clientId === '' || !MODES.has(mode)) {
    ctx.status = 400;
    ctx.body = {
      error: 'invalid_request',
      error_description: `need {"client_id": "...", "mode": one of ${[...MODES].join(', ')}}`,
    };
    return;
  }
  if (mode === 'normal') modes.delete(clientId);
  else modes.set(clientId, mode);
  console.error(`test mode for ${clientId}: ${mode}`);
  ctx.status = 204;
}

function clientIdOf(ctx) {
  const fromContext = ctx.oidc?.client?.clientId;
  if (fromContext) return fromContext;
  const auth = ctx.get('authorization');
  if (auth && /^basic /i.test(auth)) {
    const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return decodeURIComponent(decoded.slice(0, colon));
  }
  return ctx.oidc?.params?.client_id;
}

async function resign(idToken, changes) {
  const header = decodeProtectedHeader(idToken);
  const payload = { ...decodeJwt(idToken), ...changes };
  return new SignJWT(payload)
    .setProtectedHeader({ ...header, alg: signingJwk.alg, kid: signingJwk.kid })
    .sign(signingKey);
}

async function testModes(ctx, next) {
  if (ctx.path === '/test/mode') {
    if (ctx.method !== 'POST') {
      ctx.status = 405;
      ctx.set('Allow', 'POST');
      return;
    }
    await testModeRoute(ctx);
    return;
  }

  await next();

  if (ctx.path !== '/token' || ctx.method !== 'POST') return;
  const mode = modes.get(clientIdOf(ctx));
  if (!mode) return;

  if (mode === 'slow') {
    console.error(`slow mode: holding the token response for ${SLOW_MS} ms`);
    await sleep(SLOW_MS);
    return;
  }

  if (ctx.status !== 200 || !ctx.body) return;
  let body = ctx.body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    try { body = JSON.parse(body.toString()); } catch { return; }
  }
  if (typeof body !== 'object' || typeof body.id_token !== 'string') return;

  const changes = mode === 'wrong-audience'
    ? { aud: 'some-other-client' }
    : { nonce: 'not-the-nonce-you-sent' };
  ctx.body = { ...body, id_token: await resign(body.id_token, changes) };
}

// ---------------------------------------------------------------------------
// The provider, on a port known only once the socket listens.

function renderError(ctx, out) {
  ctx.type = 'html';
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  ctx.body = `<!DOCTYPE html><html><head><title>oops! something went wrong</title></head><body>`
    + `<h1>oops! something went wrong</h1>`
    + Object.entries(out).map(([k, v]) => `<pre><strong>${esc(k)}</strong>: ${esc(v)}</pre>`).join('')
    + `</body></html>`;
}

server = http.createServer();
const port = Number.parseInt(process.env.PORT ?? '0', 10) || 0;

await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, '127.0.0.1', resolve);
});

const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  jwks: { keys: [signingJwk] },
  cookies: { keys: cookieKeys },
  findAccount,
  loadExistingGrant,
  renderError,
  scopes: ['openid', 'email', 'profile'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  // By default (as the spec allows, and as Okta and Entra ID do) the ID token carries only
  // `sub` when an access token is issued, and the profile and e-mail claims come from
  // UserInfo. CLAIMS_IN_ID_TOKEN=1 puts them in the ID token too.
  conformIdTokenClaims: process.env.CLAIMS_IN_ID_TOKEN !== '1',
  pkce: { required: () => true },
  clientBasedCORS: () => false,
  features: {
    devInteractions: { enabled: true },
    registration: { enabled: true },
    userinfo: { enabled: true },
  },
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 60,
    IdToken: 3600,
    Interaction: 3600,
    Session: 86400,
    Grant: 86400,
  },
});

provider.on('server_error', (ctx, err) => console.error('server_error', err));
provider.on('grant.error', (ctx, err) => console.error('grant.error', err.message, err.error_description ?? ''));
provider.use(testModes);

const handler = provider.callback();
server.on('request', handler);

process.stdout.write(`ready ${issuer}\n`);
console.error(`oidc test provider listening, issuer ${issuer}`);
