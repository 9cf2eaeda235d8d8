// Continuity in the feed: the composer (write to a project's chat) and "While you were away"
// (the catch-up groups the app model publishes after each resync). Kept apart from app.ts so
// the live feed can change independently; app.ts only wires events and commands here.
import { html, nothing, type TemplateResult } from 'lit-html';
import { live } from 'lit-html/directives/live.js';
import './continuity.css';
import type { AppError } from './generated/AppError';
import type { CatchUpView } from './generated/CatchUpView';
import type { MessageView } from './generated/MessageView';
import type { MissedView } from './generated/MissedView';
import type { StoredFeedView } from './generated/StoredFeedView';
import type { StoredItemView } from './generated/StoredItemView';

/** One missed item with its project. */
export interface AwayItem extends MissedView {
  project_id: string;
}

/** Absolute time, grouped by day: "Today 09:14", "Yesterday 18:02", "Mon 30 Nov 07:45". */
export function dayLabel(atMs: number, nowMs: number): string {
  const at = new Date(atMs);
  const hm = `${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')}`;
  return `${dayName(atMs, nowMs)} ${hm}`;
}

/** The day heading of a time: "Today", "Yesterday" or "Mon 30 Nov" (with the year if not this one). */
export function dayName(atMs: number, nowMs: number): string {
  const day = (ms: number) => { const d = new Date(ms); return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime(); };
  const days = Math.round((day(nowMs) - day(atMs)) / 86_400_000);
  if (days === 0) return 'Today';
  if (days === 1) return 'Yesterday';
  const at = new Date(atMs);
  const opts: Intl.DateTimeFormatOptions = { weekday: 'short', day: 'numeric', month: 'short' };
  if (at.getFullYear() !== new Date(nowMs).getFullYear()) opts.year = 'numeric';
  return at.toLocaleDateString('en-GB', opts).replace(',', '');
}

/** Missed items newest first, grouped under their day heading. */
export function groupByDay(items: AwayItem[], nowMs: number): Array<{ day: string; items: AwayItem[] }> {
  const groups: Array<{ day: string; items: AwayItem[] }> = [];
  for (const i of [...items].sort((a, b) => b.at_ms - a.at_ms)) {
    const day = dayName(i.at_ms, nowMs);
    const last = groups[groups.length - 1];
    if (last && last.day === day) last.items.push(i);
    else groups.push({ day, items: [i] });
  }
  return groups;
}

/** Adds one catch-up to what is shown: a baseline adds nothing; the same item twice counts once. */
export function addCatchUp(current: AwayItem[], c: CatchUpView): AwayItem[] {
  if (c.baseline || c.items.length === 0) return current;
  const key = (i: AwayItem) => `${i.project_id}|${i.resource}|${i.action}|${i.id}|${i.at_ms}`;
  const seen = new Set(current.map(key));
  const fresh = c.items.map((i) => ({ ...i, project_id: c.project_id })).filter((i) => !seen.has(key(i)));
  return [...current, ...fresh];
}

/** What the composer holds: the text is kept until the server has taken it. */
export interface ComposerState {
  projectId: string | null;
  text: string;
  busy: boolean;
  error: AppError | null;
}

/** The composer and the catch-up group: state plus the actions the views call. */
/** What the continuity block calls in the shell. */
export interface ContinuityPort {
  post: (projectId: string, content: string) => Promise<MessageView>;
  storedFeed: () => Promise<StoredFeedView>;
  markAllRead: () => Promise<StoredFeedView>;
}

export class Continuity {
  away: AwayItem[] = [];
  /** Unread stored items per project (from the history store). */
  unread: Record<string, number> = {};
  composer: ComposerState = { projectId: null, text: '', busy: false, error: null };

  constructor(
    private readonly redraw: () => void,
    private readonly port: ContinuityPort,
    /** Gets the stored lines that were shown live (a restart puts them back in the feed). */
    private readonly restoredLive: (items: StoredItemView[]) => void = () => undefined,
  ) {}

  /** Feed keys seen live this session (`message/<id>`): a catch-up does not repeat them. */
  private readonly seenLive = new Set<string>();

  /** Called with every feed line that arrived live. */
  sawLive(keys: string[]): void {
    for (const k of keys) this.seenLive.add(k);
  }

  private unseen(c: CatchUpView): CatchUpView {
    return { ...c, items: c.items.filter((i) => !this.seenLive.has(`${i.resource}/${i.id}`)) };
  }

  onCatchUp(c: CatchUpView): void {
    const next = addCatchUp(this.away, this.unseen(c));
    void this.restore();
    if (next === this.away) return;
    this.away = next;
    this.redraw();
  }

  /**
   * Loads the stored feed: lines shown live go back into the feed, unread catch-up items join
   * "While you were away", counts follow.
   */
  async restore(): Promise<void> {
    try {
      this.apply(await this.port.storedFeed());
    } catch {
      // Not signed in yet or no history: nothing to restore.
    }
  }

  async markAllRead(): Promise<void> {
    try {
      this.apply(await this.port.markAllRead());
      this.away = [];
    } catch (e) {
      this.composer = { ...this.composer, error: e as AppError };
    }
    this.redraw();
  }

  private apply(v: StoredFeedView): void {
    const byProject = new Map<string, CatchUpView>();
    for (const i of v.items) {
      if (!i.catch_up || i.read) continue;
      const c = byProject.get(i.project_id) ?? { project_id: i.project_id, baseline: false, items: [] };
      c.items.push({ resource: i.resource, action: i.action, id: i.id, summary: i.summary, at_ms: i.at_ms });
      byProject.set(i.project_id, c);
    }
    this.restoredLive(v.items.filter((i) => !i.catch_up));
    let away = this.away;
    for (const c of byProject.values()) away = addCatchUp(away, this.unseen(c));
    this.away = away;
    this.unread = { ...v.unread };
    this.redraw();
  }

  /** Forgets everything (sign-out): another user must never see it. */
  clear(): void {
    this.away = [];
    this.seenLive.clear();
    this.unread = {};
    this.composer = { projectId: null, text: '', busy: false, error: null };
    this.redraw();
  }

  setText(text: string): void {
    this.composer = { ...this.composer, text };
  }

  setProject(projectId: string | null): void {
    this.composer = { ...this.composer, projectId, error: null };
    this.redraw();
  }

  /** Sends the text; on success clears it, on failure keeps it and shows the error. */
  async send(fallbackProject: string | null): Promise<void> {
    const projectId = this.composer.projectId ?? fallbackProject;
    const text = this.composer.text;
    if (this.composer.busy) return;
    if (!projectId) {
      this.composer = { ...this.composer, error: { code: 'invalid_input', message: 'Pick a project to write to.' } };
      this.redraw();
      return;
    }
    if (text.trim() === '') {
      this.composer = { ...this.composer, error: { code: 'invalid_input', message: 'The message is empty: type something to send.' } };
      this.redraw();
      return;
    }
    this.composer = { ...this.composer, projectId, busy: true, error: null };
    this.redraw();
    try {
      await this.port.post(projectId, text);
      // Only clear what was sent: anything typed while it was on its way stays.
      const rest = this.composer.text === text ? '' : this.composer.text;
      this.composer = { ...this.composer, text: rest, busy: false, error: null };
    } catch (e) {
      const error = (typeof e === 'object' && e !== null && 'code' in e ? e : { code: 'internal', message: String(e) }) as AppError;
      this.composer = { ...this.composer, busy: false, error };
    }
    this.redraw();
  }
}

/** The composer: a project picker, the text, Send, and the error in plain words. */
export function composerView(c: Continuity, projects: Array<{ id: string; name: string }>, filter: string | null): TemplateResult | typeof nothing {
  if (projects.length === 0) return nothing;
  const s = c.composer;
  const selected = s.projectId ?? filter ?? projects[0]?.id ?? null;
  const submit = (e: Event) => { e.preventDefault(); void c.send(selected); };
  return html`<form class="composer" data-testid="composer" @submit=${submit}>
    <label class="inline">To
      <select data-testid="composer-project" @change=${(e: Event) => c.setProject((e.currentTarget as HTMLSelectElement).value)}>
        ${projects.map((p) => html`<option value=${p.id} ?selected=${p.id === selected}>${p.name}</option>`)}
      </select>
    </label>
    <textarea data-testid="composer-text" rows="2" placeholder="Write to the project's chat" .value=${live(s.text)}
      @input=${(e: Event) => c.setText((e.currentTarget as HTMLTextAreaElement).value)}
      @keydown=${(e: KeyboardEvent) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) submit(e); }}></textarea>
    <button type="submit" data-testid="composer-send" ?disabled=${s.busy}>${s.busy ? 'Sending…' : 'Send'}</button>
    ${s.error ? html`<p class="error" role="alert" data-testid="composer-error">${s.error.message}</p>` : nothing}
  </form>`;
}

/** "While you were away": the missed items with a count, apart from the live feed. */
export function awayView(c: Continuity, projectName: (id: string) => string, filter: string | null, now: number): TemplateResult | typeof nothing {
  const items = c.away.filter((i) => !filter || i.project_id === filter);
  if (items.length === 0) return nothing;
  return html`<section class="away" data-testid="away">
    <header class="panel-head">
      <h3>While you were away <span class="count" data-testid="away-count">${items.length}</span></h3>
      <button type="button" data-testid="mark-all-read" @click=${() => void c.markAllRead()}>Mark all read</button>
    </header>
    ${groupByDay(items, now).map((g) => html`<h4 class="away-day" data-testid="away-day">${g.day}</h4>
      <ol class="feed">
        ${g.items.map((i) => html`<li class="feed-item kind-${i.resource}" data-testid="away-item">
          <span class="feed-text">${i.summary}</span>
          <span class="feed-meta"><span class="tag">${projectName(i.project_id)}</span><time>${dayLabel(i.at_ms, now)}</time></span>
        </li>`)}
      </ol>`)}
  </section>`;
}

/** Unread counts per project, as small badges next to the feed's title. */
export function unreadView(c: Continuity, projectName: (id: string) => string): TemplateResult | typeof nothing {
  const rows = Object.entries(c.unread).filter(([, n]) => n > 0);
  if (rows.length === 0) return nothing;
  return html`<p class="unread" data-testid="unread">
    ${rows.map(([id, n]) => html`<span class="tag" data-testid="unread-count" data-project=${id}>${projectName(id)}: ${n} unread</span> `)}
    <button type="button" data-testid="unread-mark-all-read" @click=${() => void c.markAllRead()}>Mark all read</button>
  </p>`;
}
