import type { FeedEventView } from '../generated/FeedEventView';
import type { MessageView } from '../generated/MessageView';
import type { CacheChange } from './cache';

/** One line of the live feed. */
export interface FeedItem {
  /** Unique and stable, so re-fetches do not duplicate lines. */
  key: string;
  projectId: string;
  /** When it happened (epoch ms). */
  at: number;
  /** The human sentence. */
  text: string;
  kind: 'message' | 'task' | 'sprint' | 'member' | 'project';
  /** The user id who did it, when known (own actions are not notified). */
  actorId: string | null;
}

/** Quotes a title the way the feed does, shortened to keep lines calm. */
export function quote(title: string): string {
  const t = title.trim().replace(/\s+/g, ' ');
  return `‘${t.length > 60 ? `${t.slice(0, 57)}…` : t}’`;
}

function messageItem(m: MessageView): FeedItem {
  return {
    key: `message/${m.id}`,
    projectId: m.project_id,
    at: m.created_at_ms,
    text: `${m.sender || 'someone'}: ${m.content}`,
    kind: 'message',
    actorId: m.sender_id,
  };
}

/**
 * Turns one cache change into feed lines. A first load (`before === null`) seeds the feed with
 * the recent messages; later loads add only what is new.
 */
export function describeChange(c: CacheChange, projectName: string, now: number): FeedItem[] {
  switch (c.kind) {
    case 'messages': {
      const seen = new Set((c.before ?? []).map((m) => m.id));
      return c.after.filter((m) => !seen.has(m.id)).map(messageItem);
    }
    case 'members': {
      if (!c.before) return [];
      const had = new Set(c.before.map((m) => m.id));
      const has = new Set(c.after.map((m) => m.id));
      const joined: FeedItem[] = c.after
        .filter((m) => !had.has(m.id))
        .map((m) => ({ key: `member/${c.projectId}/${m.id}/in/${now}`, projectId: c.projectId, at: now, text: `${m.username} joined ${projectName}`, kind: 'member', actorId: m.id }));
      const left: FeedItem[] = c.before
        .filter((m) => !has.has(m.id))
        .map((m) => ({ key: `member/${c.projectId}/${m.id}/out/${now}`, projectId: c.projectId, at: now, text: `${m.username} left ${projectName}`, kind: 'member', actorId: null }));
      return [...joined, ...left];
    }
    case 'project': {
      if (!c.before || c.before.name === c.after.name) return [];
      return [{ key: `project/${c.projectId}/${now}`, projectId: c.projectId, at: now, text: `${c.before.name} was renamed to ${c.after.name}`, kind: 'project', actorId: null }];
    }
  }
}

const VERBS: Record<string, string> = { INSERT: 'added', UPDATE: 'updated', DELETE: 'deleted' };

/**
 * Feed lines that come straight from an event (tasks and sprints: the server sends no actor,
 * so the sentence names the change, not a person).
 */
export function describeEvent(e: FeedEventView, projectName: string): FeedItem | null {
  const resource = e.resource ?? /^(task|sprint)_/.exec(e.kind)?.[1] ?? null;
  if (resource !== 'task' && resource !== 'sprint') return null;
  const action = e.action ?? (e.kind.endsWith('_created') ? 'INSERT' : e.kind.endsWith('_deleted') ? 'DELETE' : 'UPDATE');
  const verb = VERBS[action] ?? 'changed';
  const noun = resource === 'task' ? 'Task' : 'Sprint';
  const text = e.summary
    ? `${noun} ${quote(e.summary)} ${verb} in ${projectName}`
    : `A ${resource} was ${verb} in ${projectName}`;
  return { key: `${resource}/${e.id ?? ''}/${e.at_ms}`, projectId: e.project_id, at: e.at_ms, text, kind: resource, actorId: null };
}

/** Adds items newest first, without duplicates, keeping at most `max`. */
export function mergeFeed(feed: FeedItem[], items: FeedItem[], max = 300): FeedItem[] {
  if (items.length === 0) return feed;
  const keys = new Set(feed.map((f) => f.key));
  const fresh = items.filter((i) => !keys.has(i.key));
  if (fresh.length === 0) return feed;
  return [...fresh, ...feed].sort((a, b) => b.at - a.at).slice(0, max);
}

/** "just now", "42 s ago", "3 min ago", "2 h ago", "4 d ago". */
export function relativeTime(at: number, now: number): string {
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 10) return 'just now';
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ago`;
  return `${Math.floor(h / 24)} d ago`;
}

/** "mm:ss" for a remaining duration (negative shows 00:00). */
export function countdown(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}
