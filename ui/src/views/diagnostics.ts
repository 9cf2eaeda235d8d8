import { html, type TemplateResult } from 'lit-html';
import type { App } from '../app';

function time(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
}

/** The diagnostics timeline with Copy / Export of the redacted bundle. */
export function diagnosticsView(app: App): TemplateResult {
  const m = app.model;
  const name = (scope: string) => (scope === 'session' ? 'Session' : app.projectName(scope));
  const entries = [...m.timeline].reverse().slice(0, 300);
  return html`<section class="panel">
    <header class="panel-head">
      <h2>Diagnostics</h2>
      <div class="actions">
        <button data-testid="copy-diagnostics" @click=${() => app.copyDiagnostics()}>Copy</button>
        <button data-testid="export-diagnostics" @click=${() => app.saveDiagnostics()}>Export…</button>
      </div>
    </header>
    ${entries.length === 0
      ? html`<p class="empty">No entries yet.</p>`
      : html`<table class="timeline" data-testid="timeline">
          <thead><tr><th>Time</th><th>Scope</th><th>Kind</th><th>Details</th></tr></thead>
          <tbody>
            ${entries.map((e) => html`<tr data-testid="timeline-row"><td class="mono nowrap">${time(e.at_ms)}</td><td>${name(e.scope)}</td><td>${e.kind}</td><td class="mono">${e.text}</td></tr>`)}
          </tbody>
        </table>`}
    ${m.diagnostics ? html`<h3>Redacted bundle</h3><pre class="bundle" data-testid="diagnostics-bundle">${m.diagnostics}</pre>` : ''}
  </section>`;
}
