// Browser tests of the web UI in headless Debian Chromium, with the Tauri IPC mocked by
// @tauri-apps/api/mocks (see ui/src/harness.ts). Serves ui/dist-harness on 127.0.0.1.
// Run: npm --prefix ui run test:browser   (CHROMIUM=/path overrides /usr/bin/chromium)
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { scenarios } from './scenarios.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const uiDir = join(here, '../../ui');
const require = createRequire(join(uiDir, 'package.json'));
const { chromium } = require('playwright-core');
const root = join(uiDir, 'dist-harness');
if (!existsSync(join(root, 'harness.html'))) throw new Error('build the harness first: npm --prefix ui run build:harness');

const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };
const server = createServer((req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^\/+/, '') || 'harness.html';
  const file = join(root, path);
  if (!file.startsWith(root) || !existsSync(file)) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, {
    'content-type': types[extname(file)] ?? 'application/octet-stream',
    // The same CSP as the app: a test fails if the UI needs inline code or remote content.
    'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'",
  });
  res.end(readFileSync(file));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}/harness.html`;

const userDataDir = mkdtempSync(join(tmpdir(), 'devhive-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

const only = process.argv[2];
let failed = 0;
let passed = 0;
for (const [name, test] of Object.entries(scenarios)) {
  if (only && !name.includes(only)) continue;
  const page = await context.newPage();
  await page.setViewportSize({ width: 1100, height: 640 });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  try {
    // DEVHIVE_SCREENSHOTS=$PWD/../docs (from ui/) writes the pictures scenarios take (docs, not checks).
    const shots = process.env.DEVHIVE_SCREENSHOTS;
    const screenshot = (file) => (shots ? page.screenshot({ path: join(shots, file) }) : Promise.resolve());
    await test({ page, base, assert, screenshot });
    assert.deepEqual(errors.filter((e) => !e.includes('favicon')), [], 'no page errors (CSP violations included)');
    console.log(`ok   ${name}`);
    passed += 1;
  } catch (e) {
    console.log(`FAIL ${name}\n     ${String(e?.message ?? e).split('\n').join('\n     ')}`);
    failed += 1;
  } finally {
    await page.close();
  }
}
await context.close();
server.close();
rmSync(userDataDir, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
