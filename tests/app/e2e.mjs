// App end-to-end: drives the real DevHive Desktop binary in demo mode through WebKitWebDriver
// (no tauri-driver), checks what the user sees, and saves screenshots.
// Run inside Xvfb + D-Bus, e.g.:
//   Xvfb :99 -screen 0 1280x800x24 &  DISPLAY=:99 dbus-run-session -- node tests/app/e2e.mjs
// Env: DEVHIVE_BIN (default target/debug/devhive-desktop), SHOTS (dir for screenshots, optional).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { stopDriver } from './wd.mjs';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const bin = process.env.DEVHIVE_BIN ?? join(root, 'target/debug/devhive-desktop');
const shots = process.env.SHOTS;
const port = 4400 + Math.floor(Math.random() * 500);
// A throwaway home: the app's settings store and the exported bundle land there, not in
// the user's real profile.
const home = mkdtempSync(join(tmpdir(), 'devhive-e2e-home-'));
const driver = spawn('WebKitWebDriver', [`--port=${port}`], {
  env: {
    ...process.env,
    TAURI_WEBVIEW_AUTOMATION: 'true',
    HOME: home,
    XDG_DATA_HOME: join(home, '.local/share'),
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const url = `http://127.0.0.1:${port}`;

async function wd(method, path, body) {
  const res = await fetch(url + path, { method, headers: { 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${JSON.stringify(json.value)}`);
  return json.value;
}

async function waitFor(fn, what, timeout = 20_000) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

let session;
const step = (name) => console.log(`-- ${name}`);
const texts = (css) => wd('POST', `/session/${session}/execute/sync`, { script: `return [...document.querySelectorAll(arguments[0])].map(e => e.textContent)`, args: [css] });
const click = async (css) => {
  // Views render on the next animation frame: wait for the element to exist.
  const el = await waitFor(() => wd('POST', `/session/${session}/element`, { using: 'css selector', value: css }), css, 5_000);
  await wd('POST', `/session/${session}/element/${Object.values(el)[0]}/click`, {});
};
const suffix = process.env.SHOT_SUFFIX ?? '';
const shot = async (name) => {
  if (!shots) return;
  await sleep(700); // let the frame reach the X server
  const file = join(shots, `screenshot-${name}${suffix}.png`);
  execFileSync('import', ['-window', 'root', file]);
  console.log(`   saved ${file}`);
};

let failed = false;
try {
  await waitFor(() => fetch(`${url}/status`).then((r) => r.ok), 'WebKitWebDriver');
  const created = await wd('POST', '/session', {
    capabilities: { alwaysMatch: { 'webkitgtk:browserOptions': { binary: bin, args: ['--demo'] } } },
  });
  session = created.sessionId;

  step('demo signs in and every project goes live');
  await waitFor(async () => (await texts('[data-testid=status]'))[0] === 'Live', 'status Live', 30_000);

  step('the feed fills with messages and moving tasks');
  await waitFor(async () => (await texts('[data-testid=feed-item]')).length >= 6, 'feed items');
  await sleep(8_000); // let the simulated activity add a few live lines
  const feed = await texts('[data-testid=feed-item] .feed-text');
  assert.ok(feed.some((t) => /^\w+: /.test(t)), `chat lines look like "bob: text": ${feed.slice(0, 3)}`);
  await shot('feed');

  step('pausing notifications from settings');
  await click('[data-testid=tab-settings]');
  await click('[data-testid=pause]');
  await waitFor(async () => (await texts('[data-testid=paused]')).length === 1, 'paused badge');
  await shot('settings');
  await sleep(Number(process.env.NOTIFY_CLEAR_MS ?? 0)); // let shown notifications expire before more shots

  step('projects show three live badges');
  await click('[data-testid=tab-projects]');
  await waitFor(async () => (await texts('[data-testid=badge]')).filter((t) => t === 'Live').length === 3, 'three Live badges');
  await shot('projects');

  step('the session panel counts down');
  await click('[data-testid=tab-session]');
  const a = await waitFor(async () => (await texts('[data-testid=session-expires]'))[0], 'session panel');
  assert.match(a, /^\d\d:\d\d$/);
  await waitFor(async () => (await texts('[data-testid=session-expires]'))[0] !== a, 'countdown to tick', 5_000);
  assert.equal((await texts('[data-testid=session-user]'))[0], 'alice');
  await shot('session');

  step('the diagnostics timeline has entries and exports a redacted bundle');
  await click('[data-testid=tab-diagnostics]');
  await waitFor(async () => (await texts('[data-testid=timeline-row]')).length > 3, 'timeline rows');
  await click('[data-testid=export-diagnostics]');
  const bundle = await waitFor(async () => (await texts('[data-testid=diagnostics-bundle]'))[0], 'bundle');
  assert.ok(!/eyJ[A-Za-z0-9_-]{10,}\./.test(bundle), 'no JWT in the exported bundle');
  const saved = await waitFor(async () => (await texts('[role=status]'))[0], 'saved notice');
  assert.match(saved, /Diagnostics saved to .*devhive-diagnostics-\d{8}T\d{6}Z\.json/);
  await shot('diagnostics');

  step('sign out returns to the sign-in screen');
  await click('[data-testid=tab-session]');
  await click('[data-testid=sign-out]');
  await waitFor(async () => (await texts('[data-testid=signin-form]')).length === 1, 'sign-in form');
  await shot('signin');
  console.log('app e2e: ok');
} catch (e) {
  failed = true;
  console.error(`app e2e: FAILED: ${e.message}`);
} finally {
  if (session) await wd('DELETE', `/session/${session}`).catch(() => undefined);
  await stopDriver(driver);
  try {
    rmSync(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  } catch (e) {
    console.error(`   left ${home} behind: ${e.message}`);
  }
}
process.exit(failed ? 1 : 0);
