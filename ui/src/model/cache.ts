import type { FeedEventView } from '../generated/FeedEventView';
import type { MemberView } from '../generated/MemberView';
import type { MessageView } from '../generated/MessageView';
import type { ProjectView } from '../generated/ProjectView';
import type { ResourceData } from '../generated/ResourceData';
import type { TaskView } from '../generated/TaskView';
import { RequestBudget } from './budget';
import { allKeysFor, invalidationFor, keyString, type CacheKey } from './invalidation';

/** What one project's cached data looks like (null = never fetched). */
export interface ProjectData {
  project: ProjectView | null;
  members: MemberView[] | null;
  messages: MessageView[] | null;
  tasks: Map<string, TaskView> | null;
}

/** A change the cache applied, for the feed to describe. `before` is null on first load. */
export type CacheChange =
  | { kind: 'project'; projectId: string; before: ProjectView | null; after: ProjectView }
  | { kind: 'members'; projectId: string; before: MemberView[] | null; after: MemberView[] }
  | { kind: 'messages'; projectId: string; before: MessageView[] | null; after: MessageView[] }
  | { kind: 'task'; projectId: string; before: TaskView | null; after: TaskView | null }
  | { kind: 'tasks'; projectId: string; before: Map<string, TaskView> | null; after: Map<string, TaskView> };

/** How the cache reaches the server and the clock; injected so tests need neither. */
export interface CachePorts {
  fetch: (key: CacheKey) => Promise<ResourceData>;
  now: () => number;
  setTimer: (fn: () => void, ms: number) => unknown;
  onChange: (change: CacheChange) => void;
  onError?: (key: CacheKey, error: unknown) => void;
}

/** How long a burst of events is collected before fetching (cascade deletes fire one per row). */
export const DEBOUNCE_MS = 300;

/**
 * The UI's data cache. It refetches exactly what each event names, everything on resync,
 * coalesces duplicates while they wait, and never spends more than the request budget.
 */
export class DataCache {
  readonly data = new Map<string, ProjectData>();
  private readonly pending = new Map<string, CacheKey>();
  private timerArmed = false;
  readonly budget: RequestBudget;
  /** Requests made so far (for diagnostics and tests). */
  requests = 0;

  constructor(
    private readonly ports: CachePorts,
    budget?: RequestBudget,
  ) {
    this.budget = budget ?? new RequestBudget();
  }

  /** The cached data of a project (created empty on first use). */
  project(projectId: string): ProjectData {
    let d = this.data.get(projectId);
    if (!d) {
      d = { project: null, members: null, messages: null, tasks: null };
      this.data.set(projectId, d);
    }
    return d;
  }

  /** Applies one realtime event. */
  onEvent(e: FeedEventView): void {
    const inv = invalidationFor(e);
    for (const k of inv.drop) this.drop(k);
    for (const k of inv.refetch) this.enqueue(k);
  }

  /** Refetches everything of a project (after connect, server reconnect or wake). */
  resync(projectId: string): void {
    // The task list covers single tasks: drop their pending fetches.
    for (const [s, k] of this.pending) if (k.projectId === projectId && k.kind === 'task') this.pending.delete(s);
    for (const k of allKeysFor(projectId)) this.enqueue(k);
  }

  /** Forgets a project entirely (unwatched, forbidden, deleted). */
  forget(projectId: string): void {
    this.data.delete(projectId);
    for (const [s, k] of this.pending) if (k.projectId === projectId) this.pending.delete(s);
  }

  /** Keys waiting for a fetch. */
  pendingKeys(): CacheKey[] {
    return [...this.pending.values()];
  }

  private drop(k: CacheKey): void {
    if (k.kind !== 'task' || !k.id) {
      this.forget(k.projectId);
      return;
    }
    this.pending.delete(keyString(k));
    const d = this.project(k.projectId);
    const before = d.tasks?.get(k.id) ?? null;
    d.tasks?.delete(k.id);
    this.ports.onChange({ kind: 'task', projectId: k.projectId, before, after: null });
  }

  private enqueue(k: CacheKey): void {
    if (k.kind === 'task' && this.pending.has(keyString({ ...k, kind: 'tasks', id: null }))) return;
    this.pending.set(keyString(k), k);
    this.arm(DEBOUNCE_MS);
  }

  private arm(ms: number): void {
    if (this.timerArmed) return;
    this.timerArmed = true;
    this.ports.setTimer(() => {
      this.timerArmed = false;
      this.pump();
    }, ms);
  }

  private pump(): void {
    for (const [s, k] of this.pending) {
      const now = this.ports.now();
      if (!this.budget.tryTake(now)) {
        this.arm(Math.max(1, this.budget.nextFreeAt(now) - now));
        return;
      }
      this.pending.delete(s);
      this.requests += 1;
      this.ports
        .fetch(k)
        .then((d) => this.apply(k, d))
        .catch((err: unknown) => this.ports.onError?.(k, err));
    }
  }

  private apply(k: CacheKey, r: ResourceData): void {
    const d = this.project(k.projectId);
    const projectId = k.projectId;
    switch (r.kind) {
      case 'project': {
        const before = d.project;
        d.project = r.data;
        this.ports.onChange({ kind: 'project', projectId, before, after: r.data });
        break;
      }
      case 'members': {
        const before = d.members;
        d.members = r.data;
        this.ports.onChange({ kind: 'members', projectId, before, after: r.data });
        break;
      }
      case 'messages': {
        const before = d.messages;
        d.messages = r.data;
        this.ports.onChange({ kind: 'messages', projectId, before, after: r.data });
        break;
      }
      case 'tasks': {
        const before = d.tasks;
        const after = new Map(r.data.map((t) => [t.id, t]));
        d.tasks = after;
        this.ports.onChange({ kind: 'tasks', projectId, before, after });
        break;
      }
      case 'task': {
        if (!k.id) return;
        if (!d.tasks) d.tasks = new Map();
        const before = d.tasks.get(k.id) ?? null;
        if (r.data) d.tasks.set(k.id, r.data);
        else d.tasks.delete(k.id);
        this.ports.onChange({ kind: 'task', projectId, before, after: r.data });
        break;
      }
    }
  }
}
