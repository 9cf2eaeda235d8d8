// Browser scenarios. Each installs a mock backend (window.__harnessHandler) before the page
// loads, then drives the real UI bundle and checks what a user would see.

const P1 = '0000a901-1000-4000-8000-000000000011';
const now = () => Date.now();

const signedOut = {
  state: 'signed_out', user: null, server_label: null, expires_at_ms: null, lifetime_secs: null,
  next_refresh_at_ms: null, last_refresh: null, refresh_token_storage: null, reason: null,
};
const settings = {
  server: { choice: 'fly', url: null, ws_url: null, flavour: 'fly', api_version: 'b' },
  watched: {}, paused: false, quiet: false, notify: {}, start_hidden: false, start_at_login: false, proxy: null, ca_file: null,
};

/** Installs the mock backend; `fixture` is plain data (it crosses into the page). */
async function mockBackend(page, fixture) {
  await page.addInitScript((f) => {
    const t0 = Date.now();
    const session = f.session === 'signed_out' ? f.signedOut : {
      state: 'valid', user: 'alice', server_label: 'DevHive Fly', expires_at_ms: t0 + (f.expiresInMs ?? 900_000),
      lifetime_secs: 900, next_refresh_at_ms: t0 + 780_000, last_refresh: { ok: true, at_ms: t0 - 60_000, detail: null },
      refresh_token_storage: 'OS keychain (Secret Service)', reason: null,
    };
    window.__state = { stored: f.stored ?? null, messages: f.messages ?? [], tasks: f.tasks ?? [], signInError: f.signInError ?? null, settings: f.settings };
    const phase = f.phase ?? (f.session === 'signed_out' ? { phase: 'signed_out', notice: null, refused: null } : { phase: 'signed_in', offline: null });
    window.__harnessHandler = (cmd, args) => {
      switch (cmd) {
        case 'snapshot':
          return {
            app: { version: '0.1.0', demo: false }, phase, session, projects: f.projects ?? [], connections: f.connections ?? [],
            user_id: 'u-alice', timeline: f.timeline ?? [], settings: window.__state.settings,
          };
        case 'sign_in':
          if (window.__state.signInError) return Promise.reject(window.__state.signInError);
          return session;
        case 'fetch_resource':
          if (args.kind === 'messages') return { kind: 'messages', data: window.__state.messages };
          if (args.kind === 'members') return { kind: 'members', data: [] };
          if (args.kind === 'tasks') return { kind: 'tasks', data: window.__state.tasks ?? [] };
          if (args.kind === 'task') return { kind: 'task', data: (window.__state.tasks ?? []).find((t) => t.id === args.id) ?? null };
          return { kind: 'project', data: (f.projects ?? []).find((p) => p.id === args.projectId) };
        case 'stored_feed':
          return window.__state.stored ?? { items: [], unread: {} };
        case 'mark_all_read':
          window.__state.markedAllRead = true;
          window.__state.stored = { items: (window.__state.stored?.items ?? []).map((i) => ({ ...i, read: true })), unread: {} };
          return window.__state.stored;
        case 'post_message': {
          const fail = window.__state.postErrors?.shift();
          if (fail) return Promise.reject(fail);
          (window.__state.posted ??= []).push(args);
          return { id: `m-${window.__state.posted.length}`, project_id: args.projectId, sender_id: 'u-alice', sender: 'alice', content: args.content, created_at_ms: Date.now() };
        }
        case 'save_diagnostics':
          return '/home/alice/Downloads/devhive-diagnostics-20261126T150000Z.json';
        case 'export_diagnostics':
          return JSON.stringify({ app: { version: '0.1.0' }, timeline: [{ kind: 'refresh', detail: '[redacted]' }] }, null, 2);
        case 'update_settings': {
          const p = args.patch;
          const s = window.__state.settings;
          window.__state.settings = { ...s, ...Object.fromEntries(Object.entries(p).filter(([k]) => k !== 'notify')), notify: { ...s.notify, ...(p.notify ?? {}) } };
          // A held answer waits for the test (window.__state.held[i](settings) sends it).
          if (window.__state.holdSettings) return new Promise((resolve) => (window.__state.held ??= []).push(resolve));
          return window.__state.settings;
        }
        case 'notify':
        case 'watch_projects':
        case 'retry_now':
          return null;
        default:
          return Promise.reject({ code: 'internal', message: `unmocked ${cmd}` });
      }
    };
  }, { signedOut, settings, ...fixture });
}

const project = (id, name) => ({ id, name, description: `${name} project`, role: 'member', owner: 'alice' });
const msg = (id, sender, content, at) => ({ id, project_id: P1, sender_id: `u-${sender}`, sender, content, created_at_ms: at });
const conn = (project_id, state, extra = {}) => ({ project_id, state, attempt: null, retry_at_ms: null, since_ms: null, reason: null, ...extra });

async function signIn(page) {
  await page.fill('[data-testid=username]', 'alice');
  await page.fill('[data-testid=password]', 'wrong');
  await page.click('[data-testid=signin-submit]');
}

export const scenarios = {
  async 'sign-in shows the server words for bad credentials'({ page, base, assert }) {
    await mockBackend(page, { session: 'signed_out', signInError: { code: 'bad_credentials', message: 'Invalid credentials' } });
    await page.goto(base);
    await signIn(page);
    const text = await page.textContent('[data-testid=signin-error]');
    assert.match(text, /did not accept that username and password/);
    assert.match(text, /Invalid credentials/);
    assert.equal(await page.inputValue('[data-testid=password]'), '', 'the password field is cleared after a try');
  },

  async 'sign-in explains network, rate-limit and keychain failures'({ page, base, assert }) {
    await mockBackend(page, { session: 'signed_out', signInError: { code: 'network', message: 'connection refused' } });
    await page.goto(base);
    await signIn(page);
    assert.match(await page.textContent('[data-testid=signin-error]'), /Could not reach the server: connection refused/);
    await page.evaluate(() => { window.__state.signInError = { code: 'rate_limited', message: 'Too Many Requests' }; });
    await signIn(page);
    await page.waitForFunction(() => document.querySelector('[data-testid=signin-error]')?.textContent?.includes('Too many requests'));
    await page.evaluate(() => { window.__state.signInError = { code: 'keychain', message: 'no Secret Service' }; });
    await signIn(page);
    await page.waitForFunction(() => document.querySelector('[data-testid=signin-error]')?.textContent?.includes('Remember me'));
  },

  async 'feed renders messages newest first and adds one after its cache_invalidate'({ page, base, assert }) {
    const t = now();
    await mockBackend(page, {
      projects: [project(P1, 'Apollo')], connections: [conn(P1, 'connected')],
      messages: [msg('m1', 'bob', 'Can someone review?', t - 120_000), msg('m0', 'carol', 'Morning!', t - 3_600_000)],
      tasks: [{ id: 't1', project_id: P1, title: 'Fix login', status: 1, assignee: 'bob', updated_at_ms: t - 60_000 }],
    });
    await page.goto(base);
    await page.waitForSelector('[data-testid=feed-item]');
    const first = await page.$$eval('[data-testid=feed-item] .feed-text', (els) => els.map((e) => e.textContent));
    assert.deepEqual(first, ['bob: Can someone review?', 'carol: Morning!']);
    await page.evaluate(({ P1, t }) => {
      window.__state.messages = [{ id: 'm2', project_id: P1, sender_id: 'u-carol', sender: 'carol', content: 'Deploy is green', created_at_ms: t }, ...window.__state.messages];
      return window.__harness.emit('feed-event', { project_id: P1, kind: 'cache_invalidate', resource: 'message', action: 'INSERT', id: 'm2', summary: null, at_ms: t });
    }, { P1, t });
    await page.waitForFunction(() => document.querySelector('[data-testid=feed-item] .feed-text')?.textContent === 'carol: Deploy is green');
    await page.evaluate(({ P1, t }) => {
      window.__state.tasks = [{ id: 't1', project_id: P1, title: 'Fix login', status: 2, assignee: 'bob', updated_at_ms: t + 1 }];
      return window.__harness.emit('feed-event', { project_id: P1, kind: 'cache_invalidate', resource: 'task', action: 'UPDATE', id: 't1', summary: null, at_ms: t + 1 });
    }, { P1, t });
    await page.waitForFunction(() => document.querySelector('[data-testid=feed-item] .feed-text')?.textContent === 'bob’s ‘Fix login’ moved to Done in Apollo');
    // Absolute times under day headings: the task line shows its clock time, not "2 min ago".
    const hm = (ms) => { const d = new Date(ms); return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`; };
    assert.equal(await page.textContent('[data-testid=feed-item] time'), hm(t + 1));
    assert.equal((await page.$$eval('[data-testid=feed-day]', (els) => els.map((e) => e.textContent)))[0], 'Today');
  },

  async 'a clicked notification opens the feed at its line, filtered to its project'({ page, base, assert }) {
    const t = now();
    await mockBackend(page, {
      projects: [project(P1, 'Apollo')], connections: [conn(P1, 'connected')],
      messages: [msg('m1', 'bob', 'Can someone review?', t - 120_000), msg('m0', 'carol', 'Morning!', t - 3_600_000)],
    });
    await page.goto(base);
    await page.waitForSelector('[data-testid=feed-item]');
    await page.click('[data-testid=tab-settings]');
    await page.evaluate((P1) => window.__harness.emit('focus', { project_id: P1, key: 'message/m0' }), P1);
    await page.waitForSelector('[data-testid=feed-item].focused');
    assert.equal(await page.textContent('[data-testid=feed-item].focused .feed-text'), 'carol: Morning!');
    assert.equal(await page.$$eval('[data-testid=feed-item].focused', (els) => els.length), 1, 'one line is focused');
    assert.equal(await page.inputValue('[data-testid=feed-filter]'), P1, 'filtered to its project');
  },

  async 'projects show a badge for every connection state and Remove for 403/404'({ page, base, assert }) {
    const states = ['connecting', 'connected', 'backoff', 'needs_login', 'forbidden', 'not_found', 'stopped'];
    const ids = states.map((_, i) => `0000000${i}-0000-4000-8000-000000000000`);
    await mockBackend(page, {
      projects: states.map((s, i) => project(ids[i], `P-${s}`)),
      connections: states.map((s, i) => conn(ids[i], s, {
        forbidden: { reason: 'Access denied to project' }, not_found: { reason: 'Project not found' },
        backoff: { retry_at_ms: now() + 8_000, reason: 'connection reset' }, connecting: { attempt: 3 },
      }[s] ?? {})),
    });
    await page.goto(base);
    await page.click('[data-testid=tab-projects]');
    await page.waitForSelector('[data-testid=project]');
    const labels = await page.$$eval('[data-testid=badge]', (els) => els.map((e) => e.textContent));
    assert.deepEqual(labels, ['Connecting', 'Live', 'Reconnecting', 'Sign in needed', 'No access', 'Not found', 'Stopped']);
    const details = await page.$$eval('[data-testid=badge-detail]', (els) => els.map((e) => e.textContent));
    assert.ok(details.includes('Access denied to project'), 'the server words for 403 are shown');
    assert.ok(details.includes('Project not found'), 'the server words for 404 are shown');
    assert.ok(details.some((d) => /retrying in \d+ s — connection reset/.test(d)));
    assert.equal(await page.locator('[data-testid=remove]').count(), 2, 'Remove only for forbidden and not found');
    if (process.env.SHOTS) await page.screenshot({ path: `${process.env.SHOTS}/screenshot-badges.png` });
    await page.locator('[data-testid=remove]').first().click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=remove]').length === 1);
    const calls = await page.evaluate(() => window.__harness.calls.filter((c) => c.cmd === 'watch_projects').map((c) => c.args.projectIds.length));
    assert.deepEqual(calls, [6]);
    assert.equal(await page.textContent('[data-testid=status]'), 'Sign in needed');
  },

  async 'session panel counts the token expiry down live'({ page, base, assert }) {
    await mockBackend(page, { expiresInMs: 125_000 });
    await page.goto(base);
    await page.click('[data-testid=tab-session]');
    const a = await page.textContent('[data-testid=session-expires]');
    assert.match(a, /^02:0[0-5]$/);
    await page.waitForFunction((a) => document.querySelector('[data-testid=session-expires]')?.textContent !== a, a, { timeout: 3000 });
    assert.equal(await page.textContent('[data-testid=session-user]'), 'alice');
    assert.equal(await page.textContent('[data-testid=session-storage]'), 'OS keychain (Secret Service)');
    assert.match(await page.textContent('[data-testid=session-last]'), /succeeded, 1 min ago/);
  },

  async 'diagnostics timeline grows live and exports the redacted bundle'({ page, base, assert }) {
    const t = now();
    await mockBackend(page, {
      timeline: [
        { at_ms: t - 5000, scope: 'session', kind: 'state', text: 'state: valid' },
        { at_ms: t - 4000, scope: P1, kind: 'handshake', text: 'status: 101' },
      ],
      projects: [project(P1, 'Apollo')], connections: [conn(P1, 'connected')],
    });
    await page.goto(base);
    await page.click('[data-testid=tab-diagnostics]');
    await page.waitForSelector('[data-testid=timeline-row]');
    assert.equal(await page.locator('[data-testid=timeline-row]').count(), 2);
    await page.evaluate((t) => window.__harness.emit('timeline-appended', { at_ms: t, scope: 'session', kind: 'refresh', text: 'outcome: ok · elapsed_ms: 12' }), t);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=timeline-row]').length === 3);
    assert.match(await page.textContent('[data-testid=timeline-row]'), /outcome: ok/, 'newest entry first');
    await page.click('[data-testid=export-diagnostics]');
    assert.match(await page.textContent('[data-testid=diagnostics-bundle]'), /\[redacted\]/);
    assert.match(await page.textContent('[role=status]'), /saved to \/home\/alice\/Downloads\/devhive-diagnostics-/);
  },

  async 'a session that needs login shows a banner and the aggregate status'({ page, base, assert }) {
    await mockBackend(page, { projects: [project(P1, 'Apollo')], connections: [conn(P1, 'needs_login', { reason: 'Invalid refresh token' })] });
    await page.goto(base);
    await page.waitForSelector('[data-testid=status]'); // subscribed and rendered: emits now reach the app
    await page.evaluate(() => window.__harness.emit('session-changed', {
      state: 'needs_login', user: 'alice', server_label: 'DevHive Fly', expires_at_ms: null, lifetime_secs: null,
      next_refresh_at_ms: null, last_refresh: { ok: false, at_ms: Date.now(), detail: 'Invalid refresh token' },
      refresh_token_storage: 'OS keychain', reason: 'Invalid refresh token',
    }));
    await page.waitForSelector('[data-testid=needs-login]');
    assert.match(await page.textContent('[data-testid=needs-login]'), /Invalid refresh token/);
    assert.equal(await page.textContent('[data-testid=status]'), 'Sign in needed');
  },

  async 'a settings change sends only what changed and the UI follows settings changed elsewhere'({ page, base, assert }) {
    await mockBackend(page, { projects: [project(P1, 'Apollo')], connections: [conn(P1, 'connected')] });
    await page.goto(base);
    await page.click('[data-testid=tab-settings]');
    await page.click('[data-testid=quiet]');
    await page.waitForFunction(() => window.__harness.calls.some((c) => c.cmd === 'update_settings'));
    const patches = await page.evaluate(() => window.__harness.calls.filter((c) => c.cmd === 'update_settings').map((c) => c.args.patch));
    assert.deepEqual(patches, [{ quiet: true }], 'a patch of what changed: never the server or the watched list');
    // The tray paused notifications: the settings arrive as an event and the switch follows.
    await page.evaluate((s) => window.__harness.emit('settings-changed', { ...s, quiet: true, paused: true }), settings);
    await page.waitForFunction(() => document.querySelector('[data-testid=pause]')?.checked === true);
    assert.equal(await page.locator('[data-testid=quiet]').isChecked(), true, 'the earlier change is still shown');
    assert.equal(await page.locator('[data-testid=paused]').count(), 1);
  },

  async 'a late answer or event of an earlier click does not flip a switch back (on, off, on)'({ page, base, assert }) {
    await mockBackend(page, { projects: [project(P1, 'Apollo')], connections: [conn(P1, 'connected')] });
    await page.goto(base);
    await page.evaluate(() => { window.__state.holdSettings = true; });
    await page.click('[data-testid=tab-settings]');
    const box = page.locator('[data-testid=start-at-login]');
    await box.click();
    await box.click();
    await page.waitForFunction(() => (window.__state.held ?? []).length === 2);
    assert.equal(await box.isChecked(), false, 'the second click shows at once');
    // The first click's answer and its settings-changed arrive now; the event also says the
    // tray paused notifications, so the badge shows when the UI has drawn it.
    await page.evaluate(async (s) => {
      window.__state.held[0]({ ...s, start_at_login: true });
      await window.__harness.emit('settings-changed', { ...s, start_at_login: true, paused: true });
    }, settings);
    await page.waitForSelector('[data-testid=paused]');
    assert.equal(await box.isChecked(), false, 'the earlier click does not come back');
    // The third click acts on what the screen shows: it turns the switch on.
    await box.click();
    const patches = await page.evaluate(() => window.__harness.calls.filter((c) => c.cmd === 'update_settings').map((c) => c.args.patch));
    assert.deepEqual(patches, [{ start_at_login: true }, { start_at_login: false }, { start_at_login: true }]);
    await page.evaluate((s) => {
      window.__state.held[1]({ ...s, paused: true, start_at_login: false });
      window.__state.held[2]({ ...s, paused: true, start_at_login: true });
    }, settings);
    await page.waitForFunction(() => document.querySelector('[data-testid=start-at-login]')?.checked === true);
    assert.equal(await page.locator('[data-testid=pause]').isChecked(), true, 'the tray\'s pause is kept');
  },

  async 'a refused settings change goes back to what the shell has, and says why'({ page, base, assert }) {
    await mockBackend(page, { projects: [project(P1, 'Apollo')], connections: [conn(P1, 'connected')] });
    await page.goto(base);
    await page.evaluate(() => { window.__state.holdSettings = true; });
    await page.click('[data-testid=tab-settings]');
    await page.fill('[data-testid=proxy]', 'http://user:pw@proxy.example');
    await page.press('[data-testid=proxy]', 'Tab');
    await page.waitForFunction(() => (window.__state.held ?? []).length === 1);
    await page.evaluate(() => window.__state.held[0](Promise.reject({ code: 'invalid_input', message: 'a proxy URL must not carry a password' })));
    await page.waitForFunction(() => document.querySelector('[data-testid=proxy]')?.value === '');
    assert.match(await page.textContent('[data-testid=notice]'), /must not carry a password/);
  },

  async 'resuming shows no sign-in form, then offline says so and counts down'({ page, base, assert }) {
    await mockBackend(page, { phase: { phase: 'resuming', server: 'http://127.0.0.1:4000' } });
    await page.goto(base);
    await page.waitForSelector('[data-testid=resuming]');
    assert.match(await page.textContent('[data-testid=resuming]'), /Resuming your session on http:\/\/127\.0\.0\.1:4000/);
    assert.equal(await page.locator('[data-testid=signin-form]').count(), 0, 'no sign-in flash');
    await page.evaluate(() => window.__harness.emit('phase-changed', {
      phase: 'signed_in', offline: { server: 'http://127.0.0.1:4000', retry_at_ms: Date.now() + 4_500, reason: 'network error' },
    }));
    await page.waitForSelector('[data-testid=offline]');
    assert.match(await page.textContent('[data-testid=offline]'), /Can't reach http:\/\/127\.0\.0\.1:4000, retrying in [45] s/);
    if (process.env.SHOTS) await page.screenshot({ path: `${process.env.SHOTS}/screenshot-offline.png` });
    await page.click('[data-testid=retry-now]');
    await page.waitForFunction(() => window.__harness.calls.some((c) => c.cmd === 'retry_now'));
    await page.evaluate(() => window.__harness.emit('phase-changed', { phase: 'signed_in', offline: null }));
    await page.waitForFunction(() => !document.querySelector('[data-testid=offline]'));
  },

  async 'a locked keychain says unlock it and offers Retry'({ page, base, assert }) {
    await mockBackend(page, { phase: { phase: 'keychain', locked: true, message: 'Unlock your keychain to resume your session (keychain locked: …).' } });
    await page.goto(base);
    await page.waitForSelector('[data-testid=keychain]');
    assert.match(await page.textContent('[data-testid=keychain] h1'), /Unlock your keychain/);
    await page.click('[data-testid=retry]');
    await page.waitForFunction(() => window.__harness.calls.some((c) => c.cmd === 'retry_now'));
  },

  async 'the sign-in form starts from the saved server and says why the server signed you out'({ page, base, assert }) {
    const saved = { ...settings, server: { choice: 'custom', url: 'https://api.example.test', ws_url: 'wss://ws.example.test/prod', flavour: 'aws', api_version: 'b' } };
    await mockBackend(page, {
      session: 'signed_out', settings: saved,
      phase: { phase: 'signed_out', notice: 'The server signed you out: Invalid refresh token', refused: 'Invalid refresh token' },
    });
    await page.goto(base);
    await page.waitForSelector('[data-testid=signin-form]');
    assert.match(await page.textContent('[data-testid=signed-out-notice]'), /The server signed you out: Invalid refresh token/);
    assert.equal(await page.inputValue('[data-testid=server]'), 'custom');
    assert.equal(await page.inputValue('input[name=custom_url]'), 'https://api.example.test');
    assert.equal(await page.inputValue('[data-testid=flavour]'), 'aws');
    assert.equal(await page.inputValue('input[name=custom_ws_url]'), 'wss://ws.example.test/prod');
    await signIn(page);
    const sent = await page.evaluate(() => window.__harness.calls.find((c) => c.cmd === 'sign_in').args.request.server);
    assert.deepEqual(sent, saved.server, 'the flavour and socket URL are sent, not dropped');
  },

  async 'error banners are plain words and dismissable'({ page, base, assert }) {
    await mockBackend(page, { projects: [project(P1, 'Apollo')], connections: [conn(P1, 'connected')] });
    await page.goto(base);
    await page.click('[data-testid=tab-diagnostics]');
    await page.evaluate(() => { window.__harnessHandler = ((inner) => (cmd, args) => cmd === 'save_diagnostics' ? Promise.reject({ code: 'not_found', message: '404 page not found' }) : inner(cmd, args))(window.__harnessHandler); });
    await page.click('[data-testid=export-diagnostics]');
    await page.waitForSelector('[data-testid=notice]');
    assert.equal(await page.textContent('[data-testid=notice] span'), 'The server could not find that (404 page not found).');
    await page.click('[data-testid=dismiss]');
    await page.waitForFunction(() => !document.querySelector('[data-testid=notice]'));
  },

  async 'composer keeps the text and says why when sending fails, clears it once sent'({ page, base, assert, screenshot }) {
    await mockBackend(page, { projects: [project(P1, 'Apollo')], connections: [conn(P1, 'connected')] });
    await page.goto(base);
    await page.waitForSelector('[data-testid=composer]');
    // Sent at the first try: the box empties (the DOM value, not only the model).
    await page.fill('[data-testid=composer-text]', 'Morning all');
    await page.click('[data-testid=composer-send]');
    await page.waitForFunction(() => document.querySelector('[data-testid=composer-text]').value === '');
    await page.evaluate(() => {
      window.__state.posted = [];
      window.__state.postErrors = [
        { code: 'network', message: 'Not sent: the server could not be reached (connection refused). Your text was kept; send it again when you are back online.' },
        { code: 'forbidden', message: 'You are not a member of this project, so you cannot write to its chat. Your text was kept.' },
      ];
    });
    await page.fill('[data-testid=composer-text]', 'Standup moved to 10:00');
    await page.click('[data-testid=composer-send]');
    await page.waitForSelector('[data-testid=composer-error]');
    assert.match(await page.textContent('[data-testid=composer-error]'), /could not be reached/);
    assert.equal(await page.inputValue('[data-testid=composer-text]'), 'Standup moved to 10:00', 'the text survives a failure');
    await screenshot('screenshot-composer-offline.png');
    await page.click('[data-testid=composer-send]');
    await page.waitForFunction(() => document.querySelector('[data-testid=composer-error]')?.textContent?.includes('not a member'));
    assert.equal(await page.inputValue('[data-testid=composer-text]'), 'Standup moved to 10:00');
    await page.click('[data-testid=composer-send]');
    await page.waitForFunction(() => !document.querySelector('[data-testid=composer-error]'));
    assert.equal(await page.inputValue('[data-testid=composer-text]'), '', 'cleared once the server took it');
    const posted = await page.evaluate(() => window.__state.posted);
    assert.deepEqual(posted, [{ projectId: P1, content: 'Standup moved to 10:00' }]);
  },

  async 'catch-up shows "While you were away" with a count, by day, apart from live items, and ignores a baseline'({ page, base, assert, screenshot }) {
    const t = now();
    const today = new Date(t); today.setHours(9, 14, 0, 0);
    const yesterday = new Date(today.getTime() - 86_400_000); yesterday.setHours(18, 2, 0, 0);
    await mockBackend(page, {
      projects: [project(P1, 'Apollo')], connections: [conn(P1, 'connected')],
      messages: [msg('m1', 'bob', 'Live and well', t - 60_000)],
    });
    await page.goto(base);
    await page.waitForSelector('[data-testid=feed-item]');
    await page.evaluate((P1) => window.__harness.emit('catch-up', { project_id: P1, baseline: true, items: [] }), P1);
    await page.evaluate(({ P1, a, b }) => window.__harness.emit('catch-up', { project_id: P1, baseline: false, items: [
      { resource: 'message', action: 'INSERT', id: 'm9', summary: 'bob: sorry I missed you', at_ms: b },
      { resource: 'task', action: 'UPDATE', id: 't1', summary: '‘Fix login’ moved from To do to Done', at_ms: a },
      { resource: 'member', action: 'INSERT', id: 'u-dave', summary: 'dave joined', at_ms: a + 60_000 },
    ] }), { P1, a: today.getTime(), b: yesterday.getTime() });
    await page.waitForSelector('[data-testid=away]');
    assert.equal(await page.textContent('[data-testid=away-count]'), '3');
    assert.deepEqual(await page.$$eval('[data-testid=away-day]', (els) => els.map((e) => e.textContent)), ['Today', 'Yesterday']);
    const times = await page.$$eval('[data-testid=away-item] time', (els) => els.map((e) => e.textContent));
    assert.deepEqual(times, ['Today 09:15', 'Today 09:14', 'Yesterday 18:02']);
    const live = await page.$$eval('[data-testid=feed-item] .feed-text', (els) => els.map((e) => e.textContent));
    assert.deepEqual(live, ['bob: Live and well'], 'missed items stay out of the live feed');
    await screenshot('screenshot-while-you-were-away.png');
    await page.click('[data-testid=mark-all-read]');
    await page.waitForFunction(() => !document.querySelector('[data-testid=away]'));
    assert.equal(await page.evaluate(() => window.__state.markedAllRead), true);
  },

  async 'after a restart the stored feed comes back with unread counts, and mark all read clears them'({ page, base, assert }) {
    const t = now();
    const stored = (id, summary, at_ms, read) => ({ project_id: P1, catch_up: true, resource: 'message', action: 'INSERT', id, summary, at_ms, read });
    await mockBackend(page, {
      projects: [project(P1, 'Apollo')], connections: [conn(P1, 'connected')],
      stored: { items: [stored('m0', 'carol: seen yesterday', t - 86_400_000, true), stored('m1', 'bob: while you were away', t - 60_000, false), stored('m2', 'bob: and this', t - 30_000, false)], unread: { [P1]: 2 } },
    });
    await page.goto(base);
    await page.waitForSelector('[data-testid=away]');
    assert.equal(await page.textContent('[data-testid=unread-count]'), 'Apollo: 2 unread');
    assert.equal(await page.textContent('[data-testid=away-count]'), '2', 'only the unread catch-up items');
    await page.click('[data-testid=unread-mark-all-read]');
    await page.waitForFunction(() => !document.querySelector('[data-testid=unread]') && !document.querySelector('[data-testid=away]'));
  },
};
