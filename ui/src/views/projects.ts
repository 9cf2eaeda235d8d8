import { html, type TemplateResult } from 'lit-html';
import type { App } from '../app';
import { badge } from '../model/viewmodel';

/** The project picker with live connection badges. */
export function projectsView(app: App): TemplateResult {
  const m = app.model;
  const ids = new Set(m.projects.map((p) => p.id));
  // Watched projects the list no longer shows (deleted, access removed) still get a row.
  const orphans = Object.keys(m.connections).filter((id) => !ids.has(id));
  return html`<section class="panel">
    <header class="panel-head">
      <h2>Projects</h2>
      <button @click=${() => app.reconnectNow()}>Reconnect now</button>
    </header>
    <ul class="projects" data-testid="projects">
      ${m.projects.map((p) => {
        const c = m.connections[p.id];
        const b = badge(c, m.now);
        return html`<li class="project" data-testid="project" data-project=${p.id}>
          <label class="check"><input type="checkbox" .checked=${!!c} @change=${(e: Event) => app.toggleWatch(p.id, (e.currentTarget as HTMLInputElement).checked)} /> 
            <span class="project-name">${p.name}</span></label>
          <span class="muted project-desc">${p.description}${p.role ? ` · ${p.role}` : ''}</span>
          ${c ? html`<span class="badge tone-${b.tone}" data-testid="badge">${b.label}</span>` : html`<span class="badge tone-muted">Not watched</span>`}
          ${b.detail || b.removable
            ? html`<div class="project-foot">
                ${b.detail ? html`<span class="detail" data-testid="badge-detail">${b.detail}</span>` : ''}
                ${b.removable ? html`<button class="link" data-testid="remove" @click=${() => app.toggleWatch(p.id, false)}>Remove</button>` : ''}
              </div>`
            : ''}
        </li>`;
      })}
      ${orphans.map((id) => {
        const b = badge(m.connections[id], m.now);
        return html`<li class="project" data-testid="project" data-project=${id}>
          <span class="project-name">${id}</span><span></span>
          <span class="badge tone-${b.tone}" data-testid="badge">${b.label}</span>
          <div class="project-foot">
            ${b.detail ? html`<span class="detail" data-testid="badge-detail">${b.detail}</span>` : ''}
            <button class="link" data-testid="remove" @click=${() => app.toggleWatch(id, false)}>Remove</button>
          </div>
        </li>`;
      })}
    </ul>
  </section>`;
}
