import type { FeedEventView } from '../generated/FeedEventView';
import type { MessageView } from '../generated/MessageView';
import type { StoredItemView } from '../generated/StoredItemView';
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
  kind: 'message' | 'task' | 'sprint' | 'member' | 'project';
  /** The user id who did it, when known (own actions are not notified). */
  actorId: string | null;
  /** Restored from the history after a restart: a fresh line with the same key replaces it. */
  restored?: boolean;
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

/** Server task status codes in words. */
export function statusLabel(status: number): string {
  return ['To do', 'In progress', 'Done', 'Blocked'][status] ?? `status ${status}`;
}

/** The line for one task's change, or null when nothing a person cares about changed. */
export function taskLine(projectId: string, name: string, before: TaskView | null, after: TaskView | null, now: number): FeedItem | null {
  const base = { projectId, kind: 'task' as const, actorId: null };
  if (after && !before) {
    const who = after.assignee ? ` for ${after.assignee}` : '';
    return { ...base, key: `task/${after.id}/${after.updated_at_ms}`, at: after.updated_at_ms || now, text: `New task ${quote(after.title)}${who} in ${name}` };
  }
  if (!after && before) {
    return { ...base, key: `task/${before.id}/deleted`, at: now, text: `${quote(before.title)} was deleted in ${name}` };
  }
  if (!after || !before) return null;
  const key = `task/${after.id}/${after.updated_at_ms}`;
  const at = after.updated_at_ms || now;
  if (after.status !== before.status) {
    // The server does not say who moved a task; naming whose task it is stays truthful.
    const whose = after.assignee ? `${after.assignee}’s ` : '';
    return { ...base, key, at, text: `${whose}${quote(after.title)} moved to ${statusLabel(after.status)} in ${name}` };
  }
  if (after.assignee !== before.assignee) {
    const text = after.assignee ? `${quote(after.title)} was assigned to ${after.assignee} in ${name}` : `${quote(after.title)} was unassigned in ${name}`;
    return { ...base, key, at, text };
  }
  if (after.title !== before.title) {
    return { ...base, key, at, text: `${quote(before.title)} was renamed to ${quote(after.title)} in ${name}` };
  }
  return null;
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
    case 'task': {
      const line = taskLine(c.projectId, projectName, c.before, c.after, now);
      return line ? [line] : [];
    }
    case 'tasks': {
      if (!c.before) return [];
      const out: FeedItem[] = [];
      for (const [id, after] of c.after) {
        const line = taskLine(c.projectId, projectName, c.before.get(id) ?? null, after, now);
        if (line) out.push(line);
      }
      for (const [id, before] of c.before) {
        const line = c.after.has(id) ? null : taskLine(c.projectId, projectName, before, null, now);
        if (line) out.push(line);
      }
      return out;
    }
    case 'project': {
      if (!c.before || c.before.name === c.after.name) return [];
      return [{ key: `project/${c.projectId}/${now}`, projectId: c.projectId, at: now, text: `${c.before.name} was renamed to ${c.after.name}`, kind: 'project', actorId: null }];
    }
  }
}

const VERBS: Record<string, string> = { INSERT: 'added', UPDATE: 'updated', DELETE: 'deleted' };

/**
 * Feed lines that come straight from an event: sprints only (tasks are described from the
 * refetched task, messages from the refetched list).
 */
export function describeEvent(e: FeedEventView, projectName: string): FeedItem | null {
  const resource = e.resource ?? /^(sprint)_/.exec(e.kind)?.[1] ?? null;
  if (resource !== 'sprint') return null;
  const action = e.action ?? (e.kind.endsWith('_created') ? 'INSERT' : e.kind.endsWith('_deleted') ? 'DELETE' : 'UPDATE');
  const verb = VERBS[action] ?? 'changed';
  const text = e.summary
    ? `Sprint ${quote(e.summary)} ${verb} in ${projectName}`
    : `A ${resource} was ${verb} in ${projectName}`;
  return { key: `${resource}/${e.id ?? ''}/${e.at_ms}`, projectId: e.project_id, at: e.at_ms, text, kind: resource, actorId: null };
}

/**
 * Adds items newest first, without duplicates, keeping at most `max`. A line restored from the
 * history gives way to a fresh line with the same key (which says more); a restored line never
 * replaces one already shown.
 */
export function mergeFeed(feed: FeedItem[], items: FeedItem[], max = 300): FeedItem[] {
  if (items.length === 0) return feed;
  const shown = new Map(feed.map((f) => [f.key, f]));
  const fresh = items.filter((i) => {
    const had = shown.get(i.key);
    return !had || (had.restored === true && i.restored !== true);
  });
  if (fresh.length === 0) return feed;
  const replaced = new Set(fresh.map((i) => i.key));
  return [...fresh, ...feed.filter((f) => !replaced.has(f.key))].sort((a, b) => b.at - a.at).slice(0, max);
}

/** One line of the stored feed (what was shown live before a restart) as a feed line. */
export function storedLine(i: StoredItemView, projectName: string): FeedItem {
  const verb = VERBS[i.action] ?? 'changed';
  const base = { projectId: i.project_id, at: i.at_ms, actorId: null, restored: true };
  if (i.resource === 'message') {
    const text = i.summary ? `Message in ${projectName}: ${quote(i.summary)}` : `A message was posted in ${projectName}`;
    return { ...base, key: `message/${i.id}`, text, kind: 'message' };
  }
  const kind: FeedItem['kind'] = i.resource.includes('member') ? 'member'
    : i.resource === 'sprint' || i.resource === 'project' ? i.resource : 'task';
  const noun = { task: 'Task', sprint: 'Sprint', project: 'Project', member: 'Membership', message: 'Message' }[kind];
  const text = i.summary && kind !== 'member' ? `${noun} ${quote(i.summary)} ${verb} in ${projectName}` : `${noun} ${verb} in ${projectName}`;
  return { ...base, key: `stored/${i.resource}/${i.id}/${i.at_ms}`, text, kind };
}

/** The clock time of a feed line, "09:14" (its day is the heading above it). */
export function clockTime(at: number): string {
  const d = new Date(at);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
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
