// A dependency-free W3C WebDriver client for WebKitWebDriver driving the real app binary,
// plus the small waiting helpers the app end-to-end tests share.
import { spawn, execFileSync } from 'node:child_process';
import { join } from 'node:path';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns something truthy (errors count as "not yet"). */
export async function waitFor(fn, what, timeout = 20_000, every = 250) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await sleep(every);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

/** Starts WebKitWebDriver with `env` (the app inherits it) and returns a client. */
export async function startDriver(env) {
  const port = 4400 + Math.floor(Math.random() * 500);
  const driver = spawn('WebKitWebDriver', [`--port=${port}`], {
    env: { ...process.env, TAURI_WEBVIEW_AUTOMATION: 'true', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  async function wd(method, path, body) {
    const res = await fetch(url + path, { method, headers: { 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method} ${path}: ${JSON.stringify(json.value)}`);
    return json.value;
  }
  await waitFor(() => fetch(`${url}/status`).then((r) => r.ok), 'WebKitWebDriver');
  return { driver, wd };
}

/** Opens a session on the app binary and returns element helpers bound to it. */
export async function openApp(wd, binary, args = []) {
  const created = await wd('POST', '/session', {
    capabilities: { alwaysMatch: { 'webkitgtk:browserOptions': { binary, args } } },
  });
  const session = created.sessionId;
  const exec = (script, args = []) => wd('POST', `/session/${session}/execute/sync`, { script, args });
  const find = (css) => waitFor(() => wd('POST', `/session/${session}/element`, { using: 'css selector', value: css }), css, 5_000);
  const app = {
    session,
    exec,
    texts: (css) => exec('return [...document.querySelectorAll(arguments[0])].map(e => e.textContent)', [css]),
    text: async (css) => (await app.texts(css))[0],
    click: async (css) => {
      const el = await find(css);
      await wd('POST', `/session/${session}/element/${Object.values(el)[0]}/click`, {});
    },
    type: async (css, text) => {
      const el = await find(css);
      const id = Object.values(el)[0];
      await wd('POST', `/session/${session}/element/${id}/clear`, {});
      await wd('POST', `/session/${session}/element/${id}/value`, { text });
    },
    /** The window's outer size, as the page sees it. */
    size: () => exec('return [window.outerWidth, window.outerHeight]'),
    setRect: (rect) => wd('POST', `/session/${session}/window/rect`, rect),
    close: () => wd('DELETE', `/session/${session}`).catch(() => undefined),
  };
  return app;
}

/** Saves a screenshot of the whole (virtual) screen when `dir` is set. */
export async function shot(dir, name) {
  if (!dir) return;
  await sleep(700); // let the frame reach the X server
  const file = join(dir, `screenshot-${name}${process.env.SHOT_SUFFIX ?? ''}.png`);
  execFileSync('import', ['-window', 'root', file]);
  console.log(`   saved ${file}`);
}

/**
 * Stops WebKitWebDriver and the app it launched. Deleting the session only closes the window,
 * and closing hides DevHive to the tray: the app would outlive the test and, being single
 * instance, swallow the next launch. So its processes (the driver's children) are ended by pid.
 */
export async function stopDriver(driver) {
  let children = [];
  try {
    children = execFileSync('pgrep', ['-P', String(driver.pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    // pgrep exits 1 when there are none
  }
  const alive = (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const signal = (pid, sig) => {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  };
  for (const pid of children) signal(pid, 'SIGTERM');
  await waitFor(() => children.every((pid) => !alive(pid)), 'the app to exit', 5_000, 100).catch(() => {
    for (const pid of children) signal(pid, 'SIGKILL');
  });
  driver.kill();
  if (driver.exitCode === null) await new Promise((r) => { driver.once('exit', r); setTimeout(r, 3_000); });
}
