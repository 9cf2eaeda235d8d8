import { html, type TemplateResult } from 'lit-html';
import type { App, Tab } from '../app';
import { aggregate, offlineText } from '../model/viewmodel';
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

/** A dismissable banner in plain words. */
function noticeBanner(app: App): TemplateResult | string {
  const n = app.model.notice;
  if (!n) return '';
  return html`<div class="banner" role="status" data-testid="notice"><span>${n}</span>
    <button class="link dismiss" data-testid="dismiss" aria-label="Dismiss" @click=${() => app.dismissNotice()}>×</button></div>`;
}

/** The whole window as a function of the model. */
export function appView(app: App): TemplateResult {
  const m = app.model;
  if (!m.loaded) return html`<main class="loading"><p class="muted">Starting…</p></main>`;
  const phase = m.phase;
  switch (phase.phase) {
    case 'starting':
      return html`<main class="loading"><p class="muted">Starting…</p></main>`;
    case 'resuming':
      return html`<main class="loading" data-testid="resuming"><p class="muted">Resuming your session on ${phase.server}…</p></main>`;
    case 'keychain':
      return html`<main class="signin"><section class="card signin-card" data-testid="keychain">
        <h1>${phase.locked ? 'Unlock your keychain' : 'Your keychain cannot be used'}</h1>
        <p data-testid="keychain-message">${phase.message}</p>
        <div class="actions">
          <button class="primary" data-testid="retry" @click=${() => app.retry()}>Retry</button>
          <button data-testid="sign-in-instead" @click=${() => app.signOut()}>Sign in instead</button>
        </div>
      </section></main>`;
    case 'signed_out':
      return signInView(app, phase.notice);
    case 'signed_in':
      return shellView(app, phase.offline ? offlineText(phase.offline, m.now) : null);
  }
}

function shellView(app: App, offline: string | null): TemplateResult {
  const m = app.model;
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
      ${m.settings.paused ? html`<span class="badge tone-muted" data-testid="paused">Notifications paused</span>` : ''}
      <span class="badge tone-${status.tone}" data-testid="status">${status.label}</span>
      <span class="muted user">${m.session.user ?? ''}</span>
    </header>
    ${offline
      ? html`<div class="banner warn" role="status" data-testid="offline"><span>${offline}</span>
          <button class="link" data-testid="retry-now" @click=${() => app.retry()}>Retry now</button></div>`
      : ''}
    ${m.session.state === 'needs_login'
      ? html`<div class="banner bad" role="alert" data-testid="needs-login">The server signed you out${m.session.reason ? `: ${m.session.reason}` : ''}. <button class="link" @click=${() => app.signOut()}>Sign in again</button></div>`
      : ''}
    ${noticeBanner(app)}
    <main class="content">${body}</main>
  </div>`;
}
