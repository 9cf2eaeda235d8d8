// The UI controller: owns the model, the data cache and the actions the views call.
// It talks to the shell only through ipc.ts.
import type { AppError } from './generated/AppError';
import type { AppInfo } from './generated/AppInfo';
import type { ConnectionView } from './generated/ConnectionView';
import type { Phase } from './generated/Phase';
import type { ProjectView } from './generated/ProjectView';
import type { SessionView } from './generated/SessionView';
import type { Settings } from './generated/Settings';
import type { SettingsPatch } from './generated/SettingsPatch';
import type { SignInRequest } from './generated/SignInRequest';
import type { TimelineEntryView } from './generated/TimelineEntryView';
import { Continuity } from './continuity';
import type { FocusView } from './generated/FocusView';
import { commands, onEvents, toAppError } from './ipc';
import { DataCache } from './model/cache';
import { describeChange, describeEvent, mergeFeed, storedLine, type FeedItem } from './model/feed';
import { errorMessage } from './model/viewmodel';
import { PendingSettings } from './model/pending-settings';

/** The screens behind the navigation. */
export type Tab = 'feed' | 'projects' | 'session' | 'diagnostics' | 'settings';

/** Everything the views render. */
export interface Model {
  app: AppInfo | null;
  /** Where the app stands: resuming, signed in (maybe offline), keychain, signed out. */
  phase: Phase;
  session: SessionView;
  projects: ProjectView[];
  connections: Record<string, ConnectionView>;
  userId: string | null;
  timeline: TimelineEntryView[];
  /**
   * The settings shown: the shell's latest (a settings-changed event, or the answer to the newest
   * change), with the user's changes still in flight on top.
   */
  settings: Settings;
  feed: FeedItem[];
  filter: string | null;
  /** The feed line a clicked notification told of (highlighted and scrolled to). */
  focused: string | null;
  tab: Tab;
  signIn: { busy: boolean; error: AppError | null };
  now: number;
  /** A plain sentence in a dismissable banner. */
  notice: string | null;
  diagnostics: string | null;
  loaded: boolean;
}

const SIGNED_OUT: SessionView = {
  state: 'signed_out', user: null, server_label: null, expires_at_ms: null, lifetime_secs: null,
  next_refresh_at_ms: null, last_refresh: null, refresh_token_storage: null, reason: null,
};

/** The initial model before the snapshot arrives. */
export function initialModel(now: number): Model {
  return {
    app: null, phase: { phase: 'starting' }, session: SIGNED_OUT, projects: [], connections: {}, userId: null,
    timeline: [], settings: { server: null, watched: {}, paused: false, quiet: false, notify: {}, start_hidden: false, start_at_login: false, proxy: null, ca_file: null },
    feed: [], filter: null, focused: null, tab: 'feed', signIn: { busy: false, error: null }, now,
    notice: null, diagnostics: null, loaded: false,
  };
}

/** The UI controller. */
export class App {
  model: Model;
  readonly cache: DataCache;
  /** The composer and "While you were away" (ui/src/continuity.ts). */
  readonly continuity: Continuity;
  /** The settings the shell last confirmed, and the changes sent since. */
  private confirmed: Settings;
  private readonly pending = new PendingSettings();

  constructor(private readonly redraw: () => void) {
    this.model = initialModel(Date.now());
    this.confirmed = this.model.settings;
    this.continuity = new Continuity(() => this.redraw(), {
      post: (p, c) => commands.postMessage(p, c), storedFeed: () => commands.storedFeed(), markAllRead: () => commands.markAllRead(),
    }, (items) => this.addFeed(items.map((i) => storedLine(i, this.projectName(i.project_id))), false));
    this.cache = new DataCache({
      fetch: (k) => commands.fetchResource(k.projectId, k.kind, k.id),
      now: () => Date.now(),
      setTimer: (fn, ms) => window.setTimeout(fn, ms),
      onChange: (c) => {
        const name = this.projectName(c.projectId);
        const items = describeChange(c, name, Date.now());
        const live = c.before !== null;
        this.addFeed(items, live);
        if (c.kind === 'project') {
          this.set({ projects: this.model.projects.map((p) => (p.id === c.projectId ? c.after : p)) });
        }
      },
      onError: (_k, e) => this.set({ notice: errorMessage(toAppError(e)) }),
    });
  }

  private set(patch: Partial<Model>): void {
    this.model = { ...this.model, ...patch };
    this.redraw();
  }

  /** The name of a project (its id when unknown). */
  projectName(id: string): string {
    return this.model.projects.find((p) => p.id === id)?.name ?? 'a project';
  }

  private addFeed(items: FeedItem[], notify: boolean): void {
    if (items.length === 0) return;
    this.set({ feed: mergeFeed(this.model.feed, items) });
    if (!notify) return;
    this.continuity.sawLive(items.map((i) => i.key));
    // Only chat messages and task changes are worth a desktop notification.
    const offer = items.filter((i) => i.kind === 'message' || i.kind === 'task').map((i) => ({ project_id: i.projectId, project_name: this.projectName(i.projectId), text: i.text, actor_id: i.actorId, key: i.key }));
    if (offer.length > 0) commands.notify(offer).catch(() => undefined);
  }

  /** Subscribes to every event first, then loads the snapshot, so nothing is missed. */
  async start(): Promise<void> {
    await onEvents({
      'phase-changed': (phase) => this.onPhase(phase),
      'session-changed': (s) => this.onSession(s),
      'connection-changed': (c) => {
        // The final "stopped" of a project the user just unwatched must not bring its row back.
        if (c.state === 'stopped' && !(c.project_id in this.model.connections)) return;
        this.set({ connections: { ...this.model.connections, [c.project_id]: c } });
      },
      'feed-event': (e) => {
        this.cache.onEvent(e);
        const item = describeEvent(e, this.projectName(e.project_id));
        if (item) this.addFeed([item], true);
      },
      resync: (r) => this.cache.resync(r.project_id),
      'catch-up': (c) => this.continuity.onCatchUp(c),
      'timeline-appended': (t) => this.set({ timeline: [...this.model.timeline, t].slice(-1000) }),
      'projects-changed': (projects) => this.set({ projects }),
      'settings-changed': (settings) => this.showSettings(settings),
      focus: (f) => this.focus(f),
    });
    window.setInterval(() => this.set({ now: Date.now() }), 1000);
    try {
      const s = await commands.snapshot();
      const connections: Record<string, ConnectionView> = {};
      for (const c of s.connections) connections[c.project_id] = c;
      this.confirmed = s.settings;
      this.set({
        app: s.app, phase: s.phase, session: s.session, projects: s.projects, connections, userId: s.user_id,
        timeline: s.timeline, settings: this.pending.over(s.settings), loaded: true,
      });
      for (const c of s.connections) if (c.state === 'connected') this.cache.resync(c.project_id);
      if (s.phase.phase === 'signed_in') void this.continuity.restore();
    } catch (e) {
      this.set({ loaded: true, notice: errorMessage(toAppError(e)) });
    }
  }

  private onPhase(phase: Phase): void {
    const wasIn = this.model.phase.phase === 'signed_in';
    this.set({ phase });
    if (phase.phase === 'signed_in' && !wasIn) {
      void this.continuity.restore();
      commands.snapshot().then((snap) => this.set({ userId: snap.user_id, projects: snap.projects.length ? snap.projects : this.model.projects })).catch(() => undefined);
    }
  }

  private onSession(s: SessionView): void {
    this.set({ session: s });
    if (s.state === 'signed_out') {
      for (const id of Object.keys(this.model.connections)) this.cache.forget(id);
      this.set({ connections: {}, feed: [], projects: [] });
      this.continuity.clear();
    }
  }

  // ---- actions ----

  async signIn(r: SignInRequest): Promise<void> {
    this.set({ signIn: { busy: true, error: null } });
    try {
      const session = await commands.signIn(r);
      this.set({ session, signIn: { busy: false, error: null }, tab: 'feed' });
    } catch (e) {
      this.set({ signIn: { busy: false, error: toAppError(e) } });
    }
  }

  async signOut(): Promise<void> {
    await this.run(commands.signOut());
  }

  async refreshNow(): Promise<void> {
    const s = await this.run(commands.refreshSessionNow());
    if (s) this.set({ session: s });
  }

  async reconnectNow(): Promise<void> {
    await this.run(commands.reconnectNow());
  }

  setTab(tab: Tab): void {
    this.set({ tab, notice: null });
  }

  setFilter(filter: string | null): void {
    this.set({ filter });
  }

  /**
   * A notification was clicked: the feed, filtered to its project when that is watched, with
   * its line highlighted (a summary has no line: the project's feed is enough).
   */
  focus(f: FocusView): void {
    const watched = f.project_id in this.model.connections;
    this.set({ tab: 'feed', filter: watched ? f.project_id : this.model.filter, focused: f.key });
  }

  /** Watches or unwatches one project. */
  async toggleWatch(id: string, watch: boolean): Promise<void> {
    const current = Object.keys(this.model.connections);
    const next = watch ? [...new Set([...current, id])] : current.filter((p) => p !== id);
    if (!watch) {
      const { [id]: _gone, ...rest } = this.model.connections;
      void _gone;
      this.cache.forget(id);
      this.set({ connections: rest });
    }
    await this.run(commands.watchProjects(next));
  }

  async loadDiagnostics(): Promise<string | null> {
    const text = await this.run(commands.exportDiagnostics());
    if (text) this.set({ diagnostics: text });
    return text ?? null;
  }

  /** Saves the redacted bundle to a file (the shell picks Downloads) and shows it. */
  async saveDiagnostics(): Promise<void> {
    const path = await this.run(commands.saveDiagnostics());
    if (path) this.set({ notice: `Diagnostics saved to ${path} (tokens are redacted).` });
    await this.loadDiagnostics();
  }

  async copyDiagnostics(): Promise<void> {
    const text = await this.loadDiagnostics();
    if (!text) return;
    try {
      await navigator.clipboard.writeText(text);
      this.set({ notice: 'Diagnostics copied to the clipboard (tokens are redacted).' });
    } catch {
      this.set({ notice: 'The clipboard is not available: select the text below and copy it.' });
    }
  }

  /**
   * Sends only what the user changed. The screen shows it at once and keeps showing it over
   * late answers to earlier changes; a refused change goes back to the shell's value, with the
   * reason shown.
   */
  async saveSettings(patch: SettingsPatch): Promise<void> {
    const write = this.pending.begin(patch);
    this.showSettings();
    const settings = await this.run(commands.updateSettings(patch));
    // Only the newest change's answer is current: the shell applies changes in order.
    const current = settings && this.pending.isNewest(write) ? settings : undefined;
    this.pending.settle(write);
    this.showSettings(current);
  }

  /** Shows `confirmed` (the shell's settings, when given) with the changes in flight on top. */
  private showSettings(confirmed?: Settings): void {
    if (confirmed) this.confirmed = confirmed;
    this.set({ settings: this.pending.over(this.confirmed) });
  }

  async setPaused(paused: boolean): Promise<void> {
    await this.saveSettings({ paused });
  }

  /** "Retry now": resume after a locked keychain, or list and reconnect while offline. */
  async retry(): Promise<void> {
    await this.run(commands.retryNow());
  }

  dismissNotice(): void {
    this.set({ notice: null });
  }

  private async run<T>(p: Promise<T>): Promise<T | undefined> {
    try {
      return await p;
    } catch (e) {
      this.set({ notice: errorMessage(toAppError(e)) });
      return undefined;
    }
  }
}
