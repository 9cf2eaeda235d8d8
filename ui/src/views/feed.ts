import { html, nothing, type TemplateResult } from 'lit-html';
import { ref } from 'lit-html/directives/ref.js';
import { repeat } from 'lit-html/directives/repeat.js';
import type { App } from '../app';
import { awayView, composerView, dayName, unreadView } from '../continuity';
import { clockTime, type FeedItem } from '../model/feed';

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
            withDays(items, m.now),
            // Keyed: a new item is one inserted row, not a rewrite of every row below it.
            (r) => r.key,
            (r) => r.day !== undefined
              ? html`<li class="feed-day" data-testid="feed-day">${r.day}</li>`
              : html`<li class="feed-item kind-${r.item.kind}${r.item.key === m.focused ? ' focused' : ''}" data-testid="feed-item" data-key=${r.item.key} ${r.item.key === m.focused ? ref(scrollTo) : nothing}>
              <span class="feed-text">${r.item.text}</span>
              <span class="feed-meta"><span class="tag">${app.projectName(r.item.projectId)}</span><time datetime=${new Date(r.item.at).toISOString()}>${clockTime(r.item.at)}</time></span>
            </li>`,
          )}
        </ol>`}
  </section>`;
}

/** A feed row: a day heading ("Today", "Yesterday", "Mon 30 Nov") or a line under it. */
type Row = { key: string; day: string; item?: undefined } | { key: string; day?: undefined; item: FeedItem };

/** The lines (newest first) with a heading wherever the day changes. */
export function withDays(items: FeedItem[], now: number): Row[] {
  const rows: Row[] = [];
  let last: string | null = null;
  for (const item of items) {
    const day = dayName(item.at, now);
    if (day !== last) rows.push({ key: `day/${day}`, day });
    last = day;
    rows.push({ key: item.key, item });
  }
  return rows;
}

/** Brings the focused line into view once it is rendered. */
function scrollTo(el?: Element): void {
  el?.scrollIntoView({ block: 'center' });
}
