import { html, type TemplateResult } from 'lit-html';
import { repeat } from 'lit-html/directives/repeat.js';
import type { App } from '../app';
import { awayView, composerView, unreadView } from '../continuity';
import { relativeTime } from '../model/feed';

/** The live feed, newest first, with a project filter. */
export function feedView(app: App): TemplateResult {
  const m = app.model;
  const watched = m.projects.filter((p) => m.connections[p.id]);
  const items = m.feed.filter((i) => !m.filter || i.projectId === m.filter);
  return html`<section class="panel">
    <header class="panel-head">
      <h2>Live feed</h2>
      <label class="inline">Project
        <select data-testid="feed-filter" @change=${(e: Event) => app.setFilter((e.currentTarget as HTMLSelectElement).value || null)}>
          <option value="" ?selected=${!m.filter}>All projects</option>
          ${watched.map((p) => html`<option value=${p.id} ?selected=${m.filter === p.id}>${p.name}</option>`)}
        </select>
      </label>
    </header>
    ${unreadView(app.continuity, (id) => app.projectName(id))}
    ${composerView(app.continuity, watched, m.filter)}
    ${awayView(app.continuity, (id) => app.projectName(id), m.filter, m.now)}
    ${items.length === 0
      ? html`<p class="empty" data-testid="feed-empty">Nothing yet. New messages and changes in your projects appear here as they happen.</p>`
      : html`<ol class="feed" data-testid="feed">
          ${repeat(
            items,
            // Keyed: a new item is one inserted row, not a rewrite of every row below it.
            (i) => i.key,
            (i) => html`<li class="feed-item kind-${i.kind}" data-testid="feed-item">
              <span class="feed-text">${i.text}</span>
              <span class="feed-meta"><span class="tag">${app.projectName(i.projectId)}</span><time>${relativeTime(i.at, m.now)}</time></span>
            </li>`,
          )}
        </ol>`}
  </section>`;
}
