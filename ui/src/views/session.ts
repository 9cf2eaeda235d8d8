import { html, type TemplateResult } from 'lit-html';
import type { App } from '../app';
import { sessionRows } from '../model/viewmodel';

/** The session panel: who, expiry countdown, refresh schedule and result, storage. */
export function sessionView(app: App): TemplateResult {
  const m = app.model;
  return html`<section class="panel">
    <header class="panel-head"><h2>Session</h2></header>
    <dl class="rows" data-testid="session-panel">
      ${sessionRows(m.session, m.now).map((r) => html`<dt>${r.label}</dt><dd data-testid=${r.testid}>${r.value}</dd>`)}
    </dl>
    <div class="actions">
      <button data-testid="refresh-now" @click=${() => app.refreshNow()}>Refresh now</button>
      <button class="danger" data-testid="sign-out" @click=${() => app.signOut()}>Sign out</button>
    </div>
    <p class="muted small">Tokens never leave the app's core: this window only sees their times and where they are kept.</p>
  </section>`;
}
