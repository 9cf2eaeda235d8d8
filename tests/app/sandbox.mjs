// App end-to-end against a real sandbox server: the real binary (not --demo) driven through
// WebKitWebDriver, the real Secret Service and the real notification daemon of the test D-Bus
// session. Run inside scripts/with-session --notifications (Xvfb, D-Bus, gnome-keyring, dunst):
//   scripts/with-session --notifications -- bash -c 'cd ui && npm run test:app'
// Env: DEVHIVE_BIN (default target/debug/devhive-desktop), DEVHIVE_SANDBOX_BIN (default
// target/debug/devhive-sandbox), SHOTS (dir for screenshots, optional).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { sleep, waitFor, startDriver, stopDriver, openApp, shot } from './wd.mjs';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const bin = process.env.DEVHIVE_BIN ?? join(root, 'target/debug/devhive-desktop');
const sandboxBin = process.env.DEVHIVE_SANDBOX_BIN ?? join(root, 'target/debug/devhive-sandbox');
const shots = process.env.SHOTS;
if (!existsSync(sandboxBin)) {
  console.error(`app e2e (sandbox): FAILED: ${sandboxBin} missing — run cargo build -p devhive-sandbox`);
  process.exit(1);
}
const home = mkdtempSync(join(tmpdir(), 'devhive-e2e-sandbox-'));
const ipcLog = join(home, 'ipc.jsonl');
const step = (name) => console.log(`-- ${name}`);
const t0 = Date.now();

// ---- the sandbox server -------------------------------------------------------------------
const server = spawn(sandboxBin, ['--listen', '127.0.0.1:0', '--demo', '--access-ttl', '30s', '--rate-limit', 'off'], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, RUST_LOG: 'warn' },
});
let banner = '';
server.stdout.on('data', (d) => (banner += d));
const base = await waitFor(() => banner.match(/listening on (http:\/\/[\d.:]+)/)?.[1], 'sandbox URL', 15_000, 50);
const ids = {};
await waitFor(() => /project Cassini/.test(banner), 'sandbox banner', 5_000, 50);
for (const [, name, id] of banner.matchAll(/project (\w+)\s+([0-9a-f-]{36})/g)) ids[name] = id;

async function rest(method, path, token, body) {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}
const control = (route, body) => rest('POST', `/__sandbox/${route}`, null, body ?? {});
const stats = () => rest('GET', '/__sandbox/stats');
const issued = []; // every token the test itself received, scanned for in the IPC log too
async function loginAs(username) {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'password123', rememberMe: true }),
  });
  assert.equal(res.status, 200, `REST login as ${username}`);
  const { token } = await res.json();
  issued.push(token);
  const cookie = res.headers.get('set-cookie')?.match(/refresh_token=([^;]+)/)?.[1];
  if (cookie) issued.push(cookie);
  return token;
}
const post = (token, project, content) => rest('POST', `/api/v1/projects/${ids[project]}/messages`, token, { content });

// ---- the keychain and the notification daemon --------------------------------------------
function keychain() {
  try {
    return execFileSync('secret-tool', ['search', '--all', '--unlock', 'service', 'devhive-desktop'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    return ''; // secret-tool exits 1 when nothing matches
  }
}
const secretsOf = (out) => [...out.matchAll(/^secret = (.+)$/gm)].map((m) => m[1]);

// Every Notify call on the session bus: [app_name, app_icon, summary, body] are its first strings.
const monitor = spawn('dbus-monitor', ['--session', "type='method_call',interface='org.freedesktop.Notifications',member='Notify'"], { stdio: ['ignore', 'pipe', 'inherit'] });
let monitored = '';
monitor.stdout.on('data', (d) => (monitored += d));
const notifications = () =>
  monitored
    .split(/^method call /m)
    .slice(1)
    .map((block) => [...block.matchAll(/^\s+string "((?:[^"\\]|\\.)*)"$/gm)].map((m) => m[1]))
    .filter((s) => s.length >= 4)
    .map((s) => ({ summary: s[2], body: s[3] }));

// ---- the app ------------------------------------------------------------------------------
const { driver, wd } = await startDriver({
  HOME: home,
  XDG_DATA_HOME: join(home, '.local/share'),
  XDG_CONFIG_HOME: join(home, '.config'),
  XDG_CACHE_HOME: join(home, '.cache'),
  DEVHIVE_IPC_LOG: ipcLog,
});
let app;
const ipcPayloads = (name) =>
  existsSync(ipcLog)
    ? readFileSync(ipcLog, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((r) => r.name === name).map((r) => r.payload)
    : [];
let failed = false;

async function signIn(username) {
  await waitFor(async () => (await app.texts('[data-testid=signin-form]')).length === 1, 'sign-in form');
  await app.exec(`const s = document.querySelector('[data-testid=server]'); s.value = 'custom'; s.dispatchEvent(new Event('change'));`);
  await app.type('input[name=custom_url]', base);
  await app.type('[data-testid=username]', username);
  await app.type('[data-testid=password]', 'password123');
  await app.click('[data-testid=signin-submit]');
}

try {
  assert.equal(keychain(), '', 'the test keychain starts empty');
  app = await openApp(wd, bin);

  step('1. sign in through the UI (custom URL → the sandbox, alice); the refresh token lands in the Secret Service');
  await signIn('alice');
  await waitFor(async () => (await app.text('[data-testid=status]')) === 'Live', 'status Live', 30_000);
  const stored = await waitFor(() => keychain(), 'a devhive-desktop keychain item', 5_000);
  // Two items: `<host>|<user id>` (the refresh token) and `<host>|last-user` (not a secret).
  assert.match(stored, /^label = 127\.0\.0\.1:\d+\|0000a11c/m, `alice's refresh-token item: ${stored.split('\n').filter((l) => !l.startsWith('secret')).join(' / ')}`);
  // The item holds the refresh token (and metadata such as the server URL, which the UI may
  // show): the token-like runs of it are what must never reach the WebView.
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i; // ids are not secrets
  issued.push(...secretsOf(stored).flatMap((v) => v.match(/[A-Za-z0-9_.-]{32,}/g) ?? []).filter((t) => !uuid.test(t)));
  assert.ok(issued.length > 0, 'the keychain item holds a token-like value');
  assert.match(stored, /^label = /m);

  step('2. a message bob posts through the REST API appears in the feed');
  // A message is notified only once the project's messages were loaded (the first load is
  // history, not news): wait for the initial feed to settle.
  let seen = -1;
  await waitFor(async () => {
    const n = (await app.texts('[data-testid=feed-item]')).length;
    const settled = n > 0 && n === seen;
    seen = n;
    return settled;
  }, 'the initial feed to settle', 15_000, 700);
  let bob = await loginAs('bob');
  const hello = `hello from bob ${Date.now()}`;
  await post(bob, 'Apollo', hello);
  await waitFor(async () => (await app.texts('[data-testid=feed-item] .feed-text')).some((t) => t.includes(hello)), 'bob\'s message in the feed');

  step('6a. a burst of five more messages on Apollo (inside the 10 s window)');
  // Posted as soon as the first message is in the feed (the window offers a line for
  // notification as it adds it, ui/src/app.ts addFeed), so the burst falls inside the window
  // however slowly the daemon's history is read.
  for (let i = 1; i <= 5; i++) await post(bob, 'Apollo', `burst ${i} ${Date.now()}`);
  await waitFor(() => notifications().some((n) => n.summary === 'Apollo' && n.body.includes(hello)), 'the first Apollo notification', 15_000);
  await shot(shots, 'feed');

  step('3. the sandbox expires every token and drops sockets: refresh, reconnecting → Live, events still arrive');
  await app.click('[data-testid=tab-session]');
  const lastBefore = await waitFor(() => app.text('[data-testid=session-last]'), 'last refresh row');
  const refreshesBefore = (await stats()).refreshes.ok ?? 0;
  const faultAt = Date.now();
  await control('expire-tokens');
  await control('fail-upgrades', { count: 6, status: 503, body: 'sandbox: upgrades failing on purpose' });
  await control('drop-sockets', { mode: 'abrupt', project: null, flavour: null });
  await waitFor(async () => (await app.text('[data-testid=status]')) === 'Reconnecting', 'badge Reconnecting', 10_000, 50);
  await waitFor(async () => (await app.text('[data-testid=status]')) === 'Live', 'badge Live again', 30_000);
  // The row's text moves with the clock ("just now", "12 s ago"), so its time comes from the
  // session-changed payloads the recorder saw: a successful refresh after the fault.
  await waitFor(() => ipcPayloads('session-changed').some((v) => v.last_refresh?.ok && v.last_refresh.at_ms >= faultAt), 'a session-changed event with a refresh after the fault', 10_000);
  const lastAfter = await waitFor(async () => {
    const t = await app.text('[data-testid=session-last]');
    return t !== lastBefore && t;
  }, 'the last refresh row to change', 10_000);
  assert.equal(lastAfter, 'succeeded, just now', `was: ${lastBefore}`);
  assert.ok(((await stats()).refreshes.ok ?? 0) > refreshesBefore, 'the sandbox counted a successful refresh');
  bob = await loginAs('bob'); // bob's own token expired too
  const after = `after the drop ${Date.now()}`;
  await post(bob, 'Cassini', after);
  await app.click('[data-testid=tab-feed]');
  await waitFor(async () => (await app.texts('[data-testid=feed-item] .feed-text')).some((t) => t.includes(after)), 'the next event after the drop');

  step('6b. the burst became ONE summary notification at the real notification daemon');
  await waitFor(() => notifications().some((n) => /new updates? in Apollo/.test(n.body)), 'the Apollo summary', 15_000);
  const apollo = notifications().filter((n) => n.summary === 'Apollo' || /in Apollo$/.test(n.body));
  const summaries = apollo.filter((n) => /new updates? in Apollo/.test(n.body));
  assert.deepEqual(summaries.map((n) => n.body), ['5 new updates in Apollo'], JSON.stringify(apollo));
  assert.equal(apollo.length, 2, `one message, then one summary: ${JSON.stringify(apollo)}`);
  const history = execFileSync('dunstctl', ['history'], { encoding: 'utf8' });
  assert.ok(JSON.parse(history), 'dunst answers over the test bus');

  step('2b. alice writes to Cassini from the composer: bob sees it over REST, the feed shows it once, the box empties');
  const mine = `from the composer ${Date.now()}`;
  await app.exec(`const s = document.querySelector('[data-testid=composer-project]'); s.value = '${ids.Cassini}'; s.dispatchEvent(new Event('change'));`);
  await app.type('[data-testid=composer-text]', mine);
  await app.click('[data-testid=composer-send]');
  await waitFor(async () => (await app.exec(`return document.querySelector('[data-testid=composer-text]').value`)) === '', 'the composer to empty once sent', 10_000).catch(async (e) => {
    throw new Error(`${e.message}: error ${JSON.stringify(await app.texts('[data-testid=composer-error]'))}, text ${JSON.stringify(await app.exec(`return document.querySelector('[data-testid=composer-text]').value`))}, button ${await app.text('[data-testid=composer-send]')}, ipc ${JSON.stringify(ipcPayloads('post_message'))}`);
  });
  assert.deepEqual(await app.texts('[data-testid=composer-error]'), [], 'no error shown');
  bob = await loginAs('bob');
  const cassini = await rest('GET', `/api/v1/projects/${ids.Cassini}/messages?limit=20&offset=0`, bob);
  assert.ok(cassini.messages.some((m) => m.content === mine), `bob sees alice's message: ${JSON.stringify(cassini.messages.map((m) => m.content))}`);
  await waitFor(async () => (await app.texts('[data-testid=feed-item] .feed-text')).some((t) => t.includes(mine)), 'alice\'s own message in the feed');
  assert.equal((await app.texts('[data-testid=feed-item] .feed-text')).filter((t) => t.includes(mine)).length, 1, 'in the feed once');
  // The resync of step 3 caught Apollo up; what alice saw live is not repeated as missed.
  await waitFor(() => ipcPayloads('catch-up').some((c) => c.project_id === ids.Apollo && !c.baseline), 'Apollo caught up after the drop', 10_000);
  const away = await app.texts('[data-testid=away-item] .feed-text');
  assert.ok(!away.some((t) => t.includes('burst') || t.includes('hello from bob')), `seen live, not missed: ${JSON.stringify(away)}`);
  await shot(shots, 'composer-sandbox');

  step('screenshots: session panel and diagnostics with the refresh in them');
  await app.click('[data-testid=tab-session]');
  await waitFor(async () => /^\d\d:\d\d$/.test(await app.text('[data-testid=session-expires]')), 'countdown');
  await shot(shots, 'session');
  await app.click('[data-testid=tab-diagnostics]');
  await waitFor(async () => (await app.texts('[data-testid=timeline-row]')).length > 3, 'timeline rows');
  await app.click('[data-testid=export-diagnostics]');
  await waitFor(async () => (await app.texts('[data-testid=diagnostics-bundle]'))[0], 'the exported bundle');
  await shot(shots, 'diagnostics');

  step('4a. watch every project explicitly (saved in settings): untick and retick Borealis');
  await app.click('[data-testid=tab-projects]');
  await waitFor(async () => (await app.texts('[data-testid=project]')).length === 3, 'three projects listed');
  await app.click(`[data-project="${ids.Borealis}"] input[type=checkbox]`);
  await waitFor(async () => (await app.texts('[data-testid=badge]')).length === 2, 'two watched', 5_000).catch(async (e) => {
    throw new Error(`${e.message}: ${JSON.stringify(await app.texts('[data-testid=project]'))}`);
  });
  await app.click(`[data-project="${ids.Borealis}"] input[type=checkbox]`);
  await waitFor(async () => (await app.texts('[data-testid=badge]')).filter((t) => t === 'Live').length === 3, 'three Live badges');

  step('4b. bob removes alice from Borealis: it stays watched (her own list), and its badge shows the server\'s words');
  const aliceId = '0000a11c-e000-4000-8000-000000000001';
  bob = await loginAs('bob');
  await rest('DELETE', `/api/v1/projects/${ids.Borealis}/members/${aliceId}`, bob);
  await control('drop-sockets', { mode: 'abrupt', project: ids.Borealis, flavour: null });
  await waitFor(async () => (await app.texts(`[data-project="${ids.Borealis}"] [data-testid=badge]`))[0] === 'No access', 'No access on Borealis', 30_000);
  const words = await app.text(`[data-project="${ids.Borealis}"] [data-testid=badge-detail]`);
  assert.match(words, /You are not a member of this project\. Please select a project you have access to\./);
  await waitFor(async () => (await app.texts('[data-testid=badge]')).filter((t) => t === 'Live').length === 2, 'the other two projects Live');
  await shot(shots, 'forbidden');

  step('5. sign out empties the keychain entry');
  await app.click('[data-testid=tab-session]');
  await app.click('[data-testid=sign-out]');
  await waitFor(async () => (await app.texts('[data-testid=signin-form]')).length === 1, 'sign-in form');
  await waitFor(() => keychain() === '', 'the keychain to be empty', 5_000);

  step('7. no IPC payload carried a token');
  assert.ok(existsSync(ipcLog), 'DEVHIVE_IPC_LOG was written');
  const lines = readFileSync(ipcLog, 'utf8').trim().split('\n');
  const kinds = new Set(lines.map((l) => `${JSON.parse(l).kind}:${JSON.parse(l).name}`));
  for (const k of ['command:sign_in', 'command:snapshot', 'command:export_diagnostics', 'command:fetch_resource', 'event:session-changed', 'event:feed-event', 'event:connection-changed']) {
    assert.ok(kinds.has(k), `the IPC log has ${k} (has ${[...kinds].join(', ')})`);
  }
  const all = lines.join('\n');
  assert.doesNotMatch(all, /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/, 'no JWT-shaped string');
  assert.doesNotMatch(all, /[0-9a-fA-F]{64,}/, 'no long hex run (refresh tokens are hex)');
  assert.doesNotMatch(all, /password123/, 'no password');
  let pieces = 0;
  for (const token of issued) {
    for (let i = 0; i + 20 <= token.length; i += 5, pieces++) {
      const at = lines.findIndex((l) => l.includes(token.slice(i, i + 20)));
      assert.equal(at, -1, `no 20-char piece of issued token #${issued.indexOf(token)} (found in a ${at >= 0 ? JSON.parse(lines[at]).name : ''} payload)`);
    }
  }
  console.log(`   ${lines.length} payloads (${kinds.size} kinds), ${issued.length} tokens / ${pieces} pieces checked`);
  console.log(`app e2e (sandbox): ok in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
} catch (e) {
  failed = true;
  console.error(`app e2e (sandbox): FAILED: ${e.message}`);
  if (process.env.DEBUG_E2E) console.error(e.stack, '\nnotifications:', JSON.stringify(notifications()));
} finally {
  if (app) await app.close();
  await stopDriver(driver);
  monitor.kill();
  server.kill();
  await sleep(200);
  try {
    rmSync(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  } catch (e) {
    console.error(`   left ${home} behind: ${e.message}`);
  }
}
process.exit(failed ? 1 : 0);
