import { html, type TemplateResult } from 'lit-html';
import type { App, Tab } from '../app';
import { aggregate } from '../model/viewmodel';
import { diagnosticsView } from './diagnostics';
import { feedView } from './feed';
import { projectsView } from './projects';
import { sessionView } from './session';
import { settingsView } from './settings';
import { signInView } from './signin';

const TABS: Array<[Tab, string]> = [
  ['feed', 'Feed'],
  ['projects', 'Projects'],
  ['session', 'Session'],
  ['diagnostics', 'Diagnostics'],
  ['settings', 'Settings'],
];

/** The whole window as a function of the model. */
export function appView(app: App): TemplateResult {
  const m = app.model;
  if (!m.loaded) return html`<main class="loading"><p class="muted">Starting…</p></main>`;
  if (m.session.state === 'signed_out') return signInView(app);
  const status = aggregate(m.session, Object.values(m.connections));
  const body = { feed: feedView, projects: projectsView, session: sessionView, diagnostics: diagnosticsView, settings: settingsView }[m.tab](app);
  return html`<div class="shell">
    <header class="topbar">
      <span class="brand">DevHive</span>
      ${m.app?.demo ? html`<span class="badge tone-muted">Demo</span>` : ''}
      <nav class="tabs">
        ${TABS.map(([t, l]) => html`<button class="tab ${m.tab === t ? 'active' : ''}" data-testid="tab-${t}" @click=${() => app.setTab(t)}>${l}</button>`)}
      </nav>
      <span class="spacer"></span>
      ${m.paused ? html`<span class="badge tone-muted" data-testid="paused">Notifications paused</span>` : ''}
      <span class="badge tone-${status.tone}" data-testid="status">${status.label}</span>
      <span class="muted user">${m.session.user ?? ''}</span>
    </header>
    ${m.session.state === 'needs_login'
      ? html`<div class="banner bad" role="alert" data-testid="needs-login">Your session ended${m.session.reason ? ` (${m.session.reason})` : ''}. <button class="link" @click=${() => app.signOut()}>Sign in again</button></div>`
      : ''}
    ${m.notice ? html`<div class="banner" role="status">${m.notice}</div>` : ''}
    <main class="content">${body}</main>
  </div>`;
}
