import type { FeedEventView } from '../generated/FeedEventView';
import type { ResourceKind } from '../generated/ResourceKind';

/** One cached piece of a project's data; `id` only for single tasks. */
export interface CacheKey {
  projectId: string;
  kind: ResourceKind;
  id: string | null;
}

/** A stable string for a key, for maps and sets. */
export function keyString(k: CacheKey): string {
  return `${k.projectId}/${k.kind}${k.id ? `/${k.id}` : ''}`;
}

/** What a cache should do about one realtime event. */
export interface Invalidation {
  /** Keys to refetch. */
  refetch: CacheKey[];
  /** Keys to drop without refetching (the row is gone). */
  drop: CacheKey[];
}

const NONE: Invalidation = { refetch: [], drop: [] };

function resourceOf(e: FeedEventView): string | null {
  if (e.resource) return e.resource;
  // AWS handler events name the resource in the type: task_updated, message_created, …
  const m = /^(task|sprint|message|project|member)_/.exec(e.kind);
  if (!m) return null;
  return m[1] === 'member' ? 'project_members' : m[1]!;
}

function actionOf(e: FeedEventView): string {
  if (e.action) return e.action;
  if (e.kind.endsWith('_created') || e.kind === 'member_added') return 'INSERT';
  if (e.kind.endsWith('_deleted') || e.kind === 'member_removed') return 'DELETE';
  return 'UPDATE';
}

/**
 * Exactly what an event names: a task event touches that task, a message event the project's
 * messages, a member event its members, a project update the project. Unknown types touch nothing.
 */
export function invalidationFor(e: FeedEventView): Invalidation {
  const p = e.project_id;
  switch (resourceOf(e)) {
    case 'task': {
      if (!e.id) return { refetch: [{ projectId: p, kind: 'tasks', id: null }], drop: [] };
      const key: CacheKey = { projectId: p, kind: 'task', id: e.id };
      return actionOf(e) === 'DELETE' ? { refetch: [], drop: [key] } : { refetch: [key], drop: [] };
    }
    case 'sprint':
      // Sprints are not shown beyond their feed line, which comes from the event itself.
      return NONE;
    case 'message':
      return { refetch: [{ projectId: p, kind: 'messages', id: null }], drop: [] };
    case 'project_members':
      return { refetch: [{ projectId: p, kind: 'members', id: null }], drop: [] };
    case 'project':
      return actionOf(e) === 'DELETE'
        ? { refetch: [], drop: allKeysFor(p) }
        : { refetch: [{ projectId: p, kind: 'project', id: null }], drop: [] };
    default:
      return NONE;
  }
}

/** Every list-level key of a project: what a resync refetches. */
export function allKeysFor(projectId: string): CacheKey[] {
  return (['project', 'members', 'messages', 'tasks'] as const).map((kind) => ({
    projectId,
    kind,
    id: null,
  }));
}
