// App end-to-end across restarts: the real binary (not --demo) against a sandbox reached
// through a TCP relay the test can switch off, driven through WebKitWebDriver, with the real
// Secret Service of the test D-Bus session.
//   1. sign in, change the watched list and a setting, quit;
//   2. start again: resumed without the sign-in form, same server, same watched list, same setting;
//   3. quit, take the server away, start: "Can't reach …, retrying in N s"; bring it back:
//      the feed goes live with no user action.
// Run inside scripts/with-session --notifications (Xvfb, D-Bus, gnome-keyring):
//   scripts/with-session --notifications -- bash -c 'cd ui && node ../tests/app/restart.mjs'
// Env: DEVHIVE_BIN, DEVHIVE_SANDBOX_BIN (default target/debug/…), SHOTS (screenshot dir).
import { spawn, execFileSync } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { mkdtempSync, rmSync, existsSync, readFileSync, readdirSync } from 'node:fs';
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
  console.error(`app e2e (restart): FAILED: ${sandboxBin} missing — run cargo build -p devhive-sandbox`);
  process.exit(1);
}
const home = mkdtempSync(join(tmpdir(), 'devhive-e2e-restart-'));
const env = {
  HOME: home,
  XDG_DATA_HOME: join(home, '.local/share'),
  XDG_CONFIG_HOME: join(home, '.config'),
  XDG_CACHE_HOME: join(home, '.cache'),
  DEVHIVE_IPC_LOG: join(home, 'ipc.jsonl'),
};
const catchUps = () =>
  existsSync(env.DEVHIVE_IPC_LOG)
    ? readFileSync(env.DEVHIVE_IPC_LOG, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((r) => r.name === 'catch-up').map((r) => r.payload)
    : [];
const step = (name) => console.log(`-- ${name}`);
// tauri-plugin-window-state's file in the app config dir (for a failure's message).
const savedWindowState = () => {
  const f = join(env.XDG_CONFIG_HOME, 'dev.devhive.desktop', '.window-state.json');
  return existsSync(f) ? readFileSync(f, 'utf8') : 'none';
};
const t0 = Date.now();

// ---- the sandbox, behind a relay that can go away ------------------------------------------
const server = spawn(sandboxBin, ['--listen', '127.0.0.1:0', '--demo', '--rate-limit', 'off'], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, RUST_LOG: 'warn' },
});
let banner = '';
server.stdout.on('data', (d) => (banner += d));
const direct = await waitFor(() => banner.match(/listening on http:\/\/([\d.]+):(\d+)/), 'sandbox URL', 15_000, 50);
await waitFor(() => /project Cassini/.test(banner), 'sandbox banner', 5_000, 50);
const ids = {};
for (const [, name, id] of banner.matchAll(/project (\w+)\s+([0-9a-f-]{36})/g)) ids[name] = id;
const upstream = Number(direct[2]);

const open = new Set();
const relay = createServer((client) => {
  const target = connect(upstream, '127.0.0.1');
  for (const s of [client, target]) {
    open.add(s);
    s.on('close', () => open.delete(s));
    s.on('error', () => { client.destroy(); target.destroy(); });
  }
  client.pipe(target);
  target.pipe(client);
});
const relayUp = (port) => new Promise((r) => relay.listen(port, '127.0.0.1', () => r(relay.address().port)));
const relayDown = () => new Promise((r) => {
  relay.close(() => r());
  for (const s of open) s.destroy();
});
const port = await relayUp(0);
const base = `http://127.0.0.1:${port}`;

async function rest(method, path, token, body) {
  const res = await fetch(`http://127.0.0.1:${upstream}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}
function keychain() {
  try {
    return execFileSync('secret-tool', ['search', '--all', '--unlock', 'service', 'devhive-desktop'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    return '';
  }
}

// ---- the app, launched anew for each run ----------------------------------------------------
let run = null;
async function launch() {
  const { driver, wd } = await startDriver(env);
  const app = await openApp(wd, bin);
  run = { driver, app };
  return app;
}
async function quit() {
  if (!run) return;
  await run.app.close();
  await stopDriver(run.driver);
  run = null;
}
const liveBadges = async (app) => (await app.texts('[data-testid=badge]')).filter((t) => t === 'Live').length;
// An unwatched project's row has a plain "Not watched" badge (no data-testid: it is no connection).
const badgeOf = async (app, name) => (await app.texts(`[data-project="${ids[name]}"] .badge`))[0];
const watched = (app, name) => app.exec(`return document.querySelector('[data-project="${ids[name]}"] input[type=checkbox]').checked`);

let failed = false;
try {
  assert.equal(keychain(), '', 'the test keychain starts empty');

  step('1. sign in to the custom server with Remember me; unwatch Cassini; turn on quiet mode; quit');
  let app = await launch();
  await waitFor(async () => (await app.texts('[data-testid=signin-form]')).length === 1, 'sign-in form');
  await app.exec(`const s = document.querySelector('[data-testid=server]'); s.value = 'custom'; s.dispatchEvent(new Event('change'));`);
  await app.type('input[name=custom_url]', base);
  await app.type('[data-testid=username]', 'alice');
  await app.type('[data-testid=password]', 'password123');
  await app.click('[data-testid=signin-submit]');
  await waitFor(async () => (await app.text('[data-testid=status]')) === 'Live', 'status Live', 30_000);
  await app.click('[data-testid=tab-projects]');
  await waitFor(async () => (await liveBadges(app)) === 3, 'three Live badges');
  await app.click(`[data-project="${ids.Cassini}"] input[type=checkbox]`);
  await waitFor(async () => (await badgeOf(app, 'Cassini')) === 'Not watched', 'Cassini unwatched', 5_000);
  await app.click('[data-testid=tab-settings]');
  await app.click('[data-testid=quiet]');
  await waitFor(() => app.exec('return document.querySelector("[data-testid=quiet]").checked'), 'quiet checked', 5_000);
  // Start when I log in: an XDG autostart entry appears (in this test's HOME), and goes when unticked.
  const autostartDir = join(home, '.config/autostart');
  const entries = () => (existsSync(autostartDir) ? readdirSync(autostartDir).filter((f) => f.endsWith('.desktop')) : []);
  // The switch shows each click at once, whatever the shell's answers are doing (a late answer
  // of an earlier click once turned the third click into "off": ui/src/model/pending-settings.ts).
  const startAtLogin = () => app.exec('return document.querySelector("[data-testid=start-at-login]").checked');
  await app.click('[data-testid=start-at-login]');
  assert.equal(await startAtLogin(), true, 'the switch is on');
  await waitFor(() => entries().length === 1, 'an autostart entry', 5_000);
  const entry = readFileSync(join(autostartDir, entries()[0]), 'utf8');
  assert.ok(entry.split('\n').some((l) => l.startsWith('Exec=') && l.includes(bin)), `the entry starts this binary: ${entry}`);
  await app.click('[data-testid=start-at-login]');
  assert.equal(await startAtLogin(), false, 'the switch is off');
  await waitFor(() => entries().length === 0, 'the autostart entry removed', 5_000);
  await app.click('[data-testid=start-at-login]');
  assert.equal(await startAtLogin(), true, 'the switch is on again');
  await waitFor(() => entries().length === 1, 'the autostart entry back', 5_000);
  // A size of the user's own, to come back after the restart (saved when the window closes).
  await app.setRect({ width: 900, height: 640 });
  const sized = await waitFor(async () => { const [w, h] = await app.size(); return w === 900 && h === 640 && [w, h]; }, 'the window resized', 5_000).catch(async (e) => {
    throw new Error(`${e.message}: ${JSON.stringify(await app.size())}`);
  });
  await waitFor(() => /"width":\s*900/.test(savedWindowState()), 'the window state saved once the resize settled', 5_000);
  await waitFor(() => keychain() !== '', 'the session in the keychain', 5_000);
  await waitFor(() => catchUps().some((c) => c.project_id === ids.Apollo && c.baseline), 'the history baseline of Apollo', 10_000);
  // A task line seen live: after the restart it can only come back from the stored feed (the
  // first fetch of a project seeds the feed with messages, never with task lines).
  const bobLogin = await rest('POST', '/api/v1/auth/login', null, { username: 'bob', password: 'password123' });
  const liveTask = `seen live before the restart ${Date.now()}`;
  await rest('POST', `/api/v1/projects/${ids.Apollo}/tasks`, bobLogin.token, { description: liveTask, status: 0 });
  await app.click('[data-testid=tab-feed]');
  await waitFor(async () => (await app.texts('[data-testid=feed-item] .feed-text')).some((t) => t.includes(liveTask)), 'the new task in the live feed', 10_000);
  await quit();

  step('1b. while the app is closed, bob writes to Apollo');
  const missed = `while alice was away ${Date.now()}`;
  await rest('POST', `/api/v1/projects/${ids.Apollo}/messages`, bobLogin.token, { content: missed });

  step('2. start again: resumed (no sign-in form at any moment), same server, same watched list, quiet still on');
  app = await launch();
  const seen = new Set();
  await waitFor(async () => {
    const screen = await app.exec(`return document.querySelector('[data-testid=signin-form]') ? 'signin' : document.querySelector('[data-testid=resuming]') ? 'resuming' : document.querySelector('[data-testid=status]')?.textContent ?? 'starting'`);
    seen.add(screen);
    return screen === 'Live';
  }, 'resumed and Live', 30_000, 50);
  assert.ok(!seen.has('signin'), `the sign-in form never showed: saw ${[...seen].join(', ')}`);
  assert.deepEqual(await app.size(), sized, `the window came back at the size it was left (saved: ${savedWindowState()})`);
  assert.equal(entries().length, 1, 'start at login is still registered');
  await app.click('[data-testid=tab-settings]');
  const loginBack = await waitFor(() => app.exec('const c = document.querySelector("[data-testid=start-at-login]"); return c ? String(c.checked) : null'), 'the settings tab', 5_000);
  assert.equal(loginBack, 'true', 'and still ticked');
  step('2a. the feed is restored: the task line seen live before the restart is back, under a day heading');
  await app.click('[data-testid=tab-feed]');
  await waitFor(async () => (await app.texts('.feed-item.kind-task .feed-text')).some((t) => t.includes('Apollo')), 'the stored task line in the feed', 15_000).catch(async (e) => {
    throw new Error(`${e.message}: ${JSON.stringify(await app.texts('[data-testid=feed-item] .feed-text'))}`);
  });
  assert.ok((await app.texts('[data-testid=feed-day]')).includes('Today'), 'a "Today" heading above today\'s lines');
  assert.match((await app.texts('[data-testid=feed-item] time'))[0], /^\d\d:\d\d$/, 'absolute clock times');

  step('2b. "While you were away" shows bob\'s message, and Apollo counts it unread');
  await waitFor(async () => (await app.texts('[data-testid=away-item] .feed-text')).some((t) => t.includes(missed)), 'the missed message under While you were away', 15_000);
  await waitFor(async () => (await app.texts('[data-testid=unread-count]')).includes('Apollo: 1 unread'), 'Apollo: 1 unread', 5_000).catch(async (e) => {
    throw new Error(`${e.message}: ${JSON.stringify(await app.texts('[data-testid=unread-count]'))}`);
  });
  await app.click('[data-testid=unread-mark-all-read]');
  await waitFor(async () => (await app.texts('[data-testid=unread-count]')).length === 0 && (await app.texts('[data-testid=away]')).length === 0, 'Mark all read empties the counts and the group', 5_000);
  await app.click('[data-testid=tab-session]');
  assert.equal(await waitFor(() => app.text('[data-testid=session-server]'), 'server row'), base, 'the same custom server');
  assert.equal(await app.text('[data-testid=session-user]'), 'alice');
  await app.click('[data-testid=tab-projects]');
  await waitFor(async () => (await liveBadges(app)) === 2, 'two Live badges');
  assert.equal(await badgeOf(app, 'Cassini'), 'Not watched', 'the watched list came back');
  assert.equal(await watched(app, 'Cassini'), false, 'Cassini unticked');
  assert.equal(await watched(app, 'Apollo'), true, 'Apollo ticked');
  await app.click('[data-testid=tab-settings]');
  const quietBack = await waitFor(() => app.exec('const q = document.querySelector("[data-testid=quiet]"); return q ? String(q.checked) : null'), 'the settings tab', 5_000);
  assert.equal(quietBack, 'true', 'quiet mode came back');
  await quit();

  step('3. the server is unreachable at start: the app says so and retries');
  await relayDown();
  app = await launch();
  const offline = await waitFor(() => app.text('[data-testid=offline] span'), 'the offline banner', 30_000, 100);
  assert.match(offline, new RegExp(`^Can't reach ${base.replace(/[.]/g, '\\.')}, retrying (in \\d+ s|now)$`));
  await shot(shots, 'offline');
  await sleep(3_000); // stay down across a few retries

  step('4. the server comes back: the feed goes live with no user action');
  await relayUp(port);
  await waitFor(async () => (await app.text('[data-testid=status]')) === 'Live', 'status Live again', 60_000);
  // The banner goes with the next project listing, which the reconnect's resync asks for.
  await waitFor(async () => (await app.texts('[data-testid=offline]')).length === 0, 'the offline banner to go', 10_000, 100);
  const { token: bob } = await rest('POST', '/api/v1/auth/login', null, { username: 'bob', password: 'password123' });
  const hello = `back online ${Date.now()}`;
  await rest('POST', `/api/v1/projects/${ids.Apollo}/messages`, bob, { content: hello });
  await app.click('[data-testid=tab-feed]');
  await waitFor(async () => (await app.texts('[data-testid=feed-item] .feed-text')).some((t) => t.includes(hello)), 'a live message after the outage');
  await shot(shots, 'back-online');

  step('5. sign out empties the keychain');
  await app.click('[data-testid=tab-session]');
  await app.click('[data-testid=sign-out]');
  await waitFor(() => keychain() === '', 'the keychain to be empty', 5_000);
  console.log(`app e2e (restart): ok in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
} catch (e) {
  failed = true;
  console.error(`app e2e (restart): FAILED: ${e.message}`);
  if (process.env.DEBUG_E2E) console.error(e.stack);
} finally {
  await quit().catch(() => undefined);
  await relayDown().catch(() => undefined);
  server.kill();
  await sleep(200);
  try {
    rmSync(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  } catch (e) {
    console.error(`   left ${home} behind: ${e.message}`);
  }
}
process.exit(failed ? 1 : 0);
