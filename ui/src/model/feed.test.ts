import { describe, expect, it } from 'vitest';
import { clockTime, countdown, describeChange, describeEvent, mergeFeed, relativeTime, storedLine } from './feed';
import { withDays } from '../views/feed';

const msg = (id: string, sender: string, content: string, at = 1000) => ({ id, project_id: 'p1', sender_id: `u-${sender}`, sender, content, created_at_ms: at });

describe('feed sentences', () => {
  it('a new chat message reads "carol: Deploy is green"', () => {
    const items = describeChange({ kind: 'messages', projectId: 'p1', before: [msg('m1', 'bob', 'hi')], after: [msg('m2', 'carol', 'Deploy is green'), msg('m1', 'bob', 'hi')] }, 'Apollo', 0);
    expect(items.map((i) => i.text)).toEqual(['carol: Deploy is green']);
    expect(items[0]?.actorId).toBe('u-carol');
  });

  it('a member who joined is named with the project', () => {
    const items = describeChange({ kind: 'members', projectId: 'p1', before: [], after: [{ id: 'u1', username: 'dave', display_name: 'Dave', role: 'member' }] }, 'Apollo', 5);
    expect(items.map((i) => i.text)).toEqual(['dave joined Apollo']);
  });

  it('a first member load says nothing', () => {
    expect(describeChange({ kind: 'members', projectId: 'p1', before: null, after: [{ id: 'u1', username: 'dave', display_name: '', role: null }] }, 'Apollo', 5)).toEqual([]);
  });

  it('a task moved to another status reads "bob’s ‘Fix login’ moved to Done in Apollo"', () => {
    const t = (status: number) => ({ id: 't1', project_id: 'p1', title: 'Fix login', status, assignee: 'bob', updated_at_ms: status });
    const items = describeChange({ kind: 'task', projectId: 'p1', before: t(1), after: t(2) }, 'Apollo', 0);
    expect(items.map((i) => i.text)).toEqual(['bob’s ‘Fix login’ moved to Done in Apollo']);
  });

  it('a deleted task is named from the cache', () => {
    const t = { id: 't1', project_id: 'p1', title: 'Fix login', status: 0, assignee: null, updated_at_ms: 1 };
    expect(describeChange({ kind: 'task', projectId: 'p1', before: t, after: null }, 'Apollo', 5)[0]?.text).toBe('‘Fix login’ was deleted in Apollo');
  });

  it('a sprint event with a summary quotes it, without one still says where', () => {
    expect(describeEvent({ project_id: 'p1', kind: 'sprint_updated', resource: 'sprint', action: 'UPDATE', id: 's1', summary: 'Sprint 4', at_ms: 1 }, 'Apollo')?.text).toBe('Sprint ‘Sprint 4’ updated in Apollo');
    expect(describeEvent({ project_id: 'p1', kind: 'cache_invalidate', resource: 'sprint', action: 'INSERT', id: 's1', summary: null, at_ms: 1 }, 'Apollo')?.text).toBe('A sprint was added in Apollo');
  });

  it('message and task events make no line of their own (they come after the refetch)', () => {
    expect(describeEvent({ project_id: 'p1', kind: 'cache_invalidate', resource: 'message', action: 'INSERT', id: 'm', summary: null, at_ms: 1 }, 'Apollo')).toBeNull();
    expect(describeEvent({ project_id: 'p1', kind: 'task_updated', resource: 'task', action: 'UPDATE', id: 't', summary: 'x', at_ms: 1 }, 'Apollo')).toBeNull();
  });
});

describe('feed list', () => {
  it('keeps newest first and drops duplicates', () => {
    const a = { key: 'a', projectId: 'p', at: 1, text: 'a', kind: 'message' as const, actorId: null };
    const b = { key: 'b', projectId: 'p', at: 2, text: 'b', kind: 'message' as const, actorId: null };
    expect(mergeFeed(mergeFeed([], [a]), [b, a]).map((i) => i.key)).toEqual(['b', 'a']);
  });
});

describe('time formatting', () => {
  it('relative times are short and calm', () => {
    expect(relativeTime(0, 3_000)).toBe('just now');
    expect(relativeTime(0, 42_000)).toBe('42 s ago');
    expect(relativeTime(0, 180_000)).toBe('3 min ago');
    expect(relativeTime(0, 2 * 3_600_000)).toBe('2 h ago');
  });

  it('countdown shows mm:ss and never goes negative', () => {
    expect(countdown(14 * 60_000 + 5_000)).toBe('14:05');
    expect(countdown(-5)).toBe('00:00');
  });
});

describe('the feed after a restart', () => {
  const stored = (over: object) => ({ project_id: 'p1', catch_up: false, resource: 'task', action: 'UPDATE', id: 't1', summary: '', at_ms: 1000, read: true, ...over });

  it('a stored line reads plainly, with what the server said when it said something', () => {
    expect(storedLine(stored({ summary: 'Fix login' }), 'Apollo').text).toBe('Task ‘Fix login’ updated in Apollo');
    expect(storedLine(stored({}), 'Apollo').text).toBe('Task updated in Apollo');
    expect(storedLine(stored({ resource: 'project_members', action: 'INSERT', id: 'p1:u2' }), 'Apollo').text).toBe('Membership added in Apollo');
    const m = storedLine(stored({ resource: 'message', action: 'INSERT', id: 'm1' }), 'Apollo');
    expect([m.key, m.text, m.kind]).toEqual(['message/m1', 'A message was posted in Apollo', 'message']);
  });

  it('a fresh line replaces a restored one with the same key, never the other way round', () => {
    const restored = storedLine(stored({ resource: 'message', action: 'INSERT', id: 'm1' }), 'Apollo');
    const fresh = describeChange({ kind: 'messages', projectId: 'p1', before: [], after: [msg('m1', 'bob', 'hi', 1000)] }, 'Apollo', 0);
    const feed = mergeFeed(mergeFeed([], [restored]), fresh);
    expect(feed.map((i) => i.text)).toEqual(['bob: hi']);
    expect(mergeFeed(feed, [restored]).map((i) => i.text)).toEqual(['bob: hi']);
  });

  it('lines carry clock times under one heading per day, newest first', () => {
    const day = 86_400_000;
    const now = new Date(2026, 11, 3, 12, 0).getTime();
    const at = (ms: number, key: string) => ({ key, projectId: 'p1', at: ms, text: key, kind: 'task' as const, actorId: null });
    const rows = withDays([at(now - 60_000, 'a'), at(now - 120_000, 'b'), at(now - day, 'c')], now);
    expect(rows.map((r) => r.day ?? r.item?.key)).toEqual(['Today', 'a', 'b', 'Yesterday', 'c']);
    expect(clockTime(new Date(2026, 11, 3, 9, 4).getTime())).toBe('09:04');
  });
});
