import type { MessageView } from '../generated/MessageView';
import type { TaskView } from '../generated/TaskView';
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
  /** `message`, `task`, `member`, `project`. */
  kind: 'message' | 'task' | 'member' | 'project';
  /** The user id who did it, when known (to skip notifying about my own actions). */
  actorId: string | null;
}

/** Server task status codes in words. */
export function statusLabel(status: number): string {
  switch (status) {
    case 0:
      return 'To do';
    case 1:
      return 'In progress';
    case 2:
      return 'Done';
    case 3:
      return 'Blocked';
    default:
      return `status ${status}`;
  }
}

/** Quotes a title the way the feed does, shortened to keep lines calm. */
export function quote(title: string): string {
  const t = title.trim().replace(/\s+/g, ' ');
  return `‘${t.length > 60 ? `${t.slice(0, 57)}…` : t}’`;
}

function messageItem(m: MessageView): FeedItem {
  const who = m.sender || 'someone';
  return {
    key: `message/${m.id}`,
    projectId: m.project_id,
    at: m.created_at_ms,
    text: `${who}: ${m.content}`,
    kind: 'message',
    actorId: m.sender_id,
  };
}

function taskItem(projectId: string, name: string, before: TaskView | null, after: TaskView | null, at: number): FeedItem | null {
  if (after && !before) {
    const who = after.assignee ? ` for ${after.assignee}` : '';
    return { key: `task/${after.id}/${after.updated_at_ms}`, projectId, at, text: `New task ${quote(after.title)}${who} in ${name}`, kind: 'task', actorId: null };
  }
  if (!after && before) {
    return { key: `task/${before.id}/deleted`, projectId, at, text: `${quote(before.title)} was deleted in ${name}`, kind: 'task', actorId: null };
  }
  if (!after || !before) return null;
  const key = `task/${after.id}/${after.updated_at_ms}`;
  if (after.status !== before.status) {
    // The server does not say who moved a task; naming the assignee's task stays truthful.
    const whose = after.assignee ? `${after.assignee}’s ` : '';
    return { key, projectId, at, text: `${whose}${quote(after.title)} moved to ${statusLabel(after.status)} in ${name}`, kind: 'task', actorId: null };
  }
  if (after.assignee !== before.assignee) {
    const text = after.assignee ? `${quote(after.title)} was assigned to ${after.assignee} in ${name}` : `${quote(after.title)} was unassigned in ${name}`;
    return { key, projectId, at, text, kind: 'task', actorId: null };
  }
  if (after.title !== before.title) {
    return { key, projectId, at, text: `${quote(before.title)} was renamed to ${quote(after.title)} in ${name}`, kind: 'task', actorId: null };
  }
  return null;
}

/**
 * Turns one cache change into feed lines. First loads (`before === null`) only seed the feed
 * with recent messages; everything else is a difference between what we had and what we got.
 */
export function describeChange(c: CacheChange, projectName: string, now: number): FeedItem[] {
  const name = projectName;
  switch (c.kind) {
    case 'messages': {
      const seen = new Set((c.before ?? []).map((m) => m.id));
      return c.after.filter((m) => !seen.has(m.id)).map((m) => messageItem(m));
    }
    case 'task': {
      const item = taskItem(c.projectId, name, c.before, c.after, c.after ? Math.max(c.after.updated_at_ms, 0) || now : now);
      return item ? [item] : [];
    }
    case 'tasks': {
      if (!c.before) return [];
      const out: FeedItem[] = [];
      for (const [id, after] of c.after) {
        const item = taskItem(c.projectId, name, c.before.get(id) ?? null, after, after.updated_at_ms || now);
        if (item) out.push(item);
      }
      for (const [id, before] of c.before) {
        if (!c.after.has(id)) {
          const item = taskItem(c.projectId, name, before, null, now);
          if (item) out.push(item);
        }
      }
      return out;
    }
    case 'members': {
      if (!c.before) return [];
      const had = new Set(c.before.map((m) => m.id));
      const has = new Set(c.after.map((m) => m.id));
      const joined = c.after.filter((m) => !had.has(m.id)).map((m) => ({ key: `member/${c.projectId}/${m.id}/in/${now}`, projectId: c.projectId, at: now, text: `${m.username} joined ${name}`, kind: 'member' as const, actorId: m.id }));
      const left = c.before.filter((m) => !has.has(m.id)).map((m) => ({ key: `member/${c.projectId}/${m.id}/out/${now}`, projectId: c.projectId, at: now, text: `${m.username} left ${name}`, kind: 'member' as const, actorId: null }));
      return [...joined, ...left];
    }
    case 'project': {
      if (!c.before || !c.after) return [];
      if (c.before.name !== c.after.name) {
        return [{ key: `project/${c.projectId}/${now}`, projectId: c.projectId, at: now, text: `${c.before.name} was renamed to ${c.after.name}`, kind: 'project', actorId: null }];
      }
      return [];
    }
  }
}

/** Adds items newest first, without duplicates, keeping at most `max`. */
export function mergeFeed(feed: FeedItem[], items: FeedItem[], max = 300): FeedItem[] {
  if (items.length === 0) return feed;
  const keys = new Set(feed.map((f) => f.key));
  const fresh = items.filter((i) => !keys.has(i.key));
  return [...fresh, ...feed].sort((a, b) => b.at - a.at).slice(0, max);
}

/** "just now", "3 min ago", "2 h ago", "4 d ago". */
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
