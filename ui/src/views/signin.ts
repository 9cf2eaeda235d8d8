import { html, type TemplateResult } from 'lit-html';
import type { App } from '../app';
import type { Flavour } from '../generated/Flavour';
import type { ServerChoice } from '../generated/ServerChoice';
import { errorMessage } from '../model/viewmodel';

const SERVERS: Array<[ServerChoice, string]> = [
  ['fly', 'DevHive Fly'],
  ['aws', 'DevHive AWS'],
  ['sandbox', 'Local sandbox'],
  ['custom', 'Custom server…'],
];

function submit(app: App, ev: Event): void {
  ev.preventDefault();
  const form = ev.currentTarget as HTMLFormElement;
  const data = new FormData(form);
  const text = (k: string) => String(data.get(k) ?? '').trim();
  const saved = app.model.settings.server;
  void app.signIn({
    server: {
      choice: text('server') as ServerChoice,
      url: text('custom_url') || null,
      ws_url: text('custom_ws_url') || null,
      flavour: (text('custom_flavour') || 'fly') as Flavour,
      api_version: saved?.api_version ?? 'b',
    },
    username: text('username'),
    password: String(data.get('password') ?? ''),
    remember_me: data.get('remember_me') === 'on',
  });
  (form.elements.namedItem('password') as HTMLInputElement).value = '';
}

function onServer(ev: Event): void {
  const form = (ev.currentTarget as HTMLSelectElement).form;
  form?.classList.toggle('custom', (ev.currentTarget as HTMLSelectElement).value === 'custom');
}

/** The sign-in screen, starting from the server last used; `notice` says why it is shown. */
export function signInView(app: App, notice: string | null = null): TemplateResult {
  const m = app.model;
  const saved = m.settings.server;
  const initial = saved?.choice ?? (m.app?.demo ? 'sandbox' : 'fly');
  const flavour = saved?.flavour ?? 'fly';
  return html`<main class="signin">
    <form class="card signin-card ${initial === 'custom' ? 'custom' : ''}" @submit=${(e: Event) => submit(app, e)} data-testid="signin-form">
      <h1>Sign in to DevHive</h1>
      ${notice ? html`<p class="banner bad" role="alert" data-testid="signed-out-notice"><span>${notice}</span></p>` : ''}
      <p class="muted">Your password goes to the server only. With “Remember me”, the session is kept in your system keychain, never in a file.</p>
      <label>Server
        <select name="server" @change=${onServer} data-testid="server">
          ${SERVERS.map(([v, l]) => html`<option value=${v} ?selected=${v === initial}>${l}</option>`)}
        </select>
      </label>
      <div class="custom-only">
        <label>Server URL <input name="custom_url" type="url" placeholder="https://devhive.example.com" .value=${saved?.url ?? ''} /></label>
        <label>Realtime flavour
          <select name="custom_flavour" data-testid="flavour">
            <option value="fly" ?selected=${flavour === 'fly'}>Fly (WebSocket on the API host)</option>
            <option value="aws" ?selected=${flavour === 'aws'}>AWS (API Gateway)</option>
          </select>
        </label>
        <label>WebSocket URL (optional) <input name="custom_ws_url" type="url" placeholder="wss://…" .value=${saved?.ws_url ?? ''} /></label>
      </div>
      <label>Username <input name="username" autocomplete="username" required data-testid="username" /></label>
      <label>Password <input name="password" type="password" autocomplete="current-password" required data-testid="password" /></label>
      <label class="check"><input name="remember_me" type="checkbox" checked /> Remember me on this computer</label>
      ${m.signIn.error ? html`<p class="error" role="alert" data-testid="signin-error">${errorMessage(m.signIn.error)}</p>` : ''}
      <button class="primary" type="submit" ?disabled=${m.signIn.busy} data-testid="signin-submit">${m.signIn.busy ? 'Signing in…' : 'Sign in'}</button>
    </form>
  </main>`;
}
