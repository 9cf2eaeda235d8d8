import { describe, expect, it, vi } from 'vitest';
import { addCatchUp, Continuity, dayLabel, groupByDay } from './continuity';

const empty = { items: [], unread: {} };
const port = (post: any) => ({ post, storedFeed: vi.fn().mockResolvedValue(empty), markAllRead: vi.fn().mockResolvedValue(empty) });

const now = new Date(2026, 11, 3, 13, 30).getTime();
const at = (d: number, h: number, m: number) => new Date(2026, 11, d, h, m).getTime();

describe('day labels', () => {
  it('says Today, Yesterday, then the date, with an absolute time', () => {
    expect(dayLabel(at(3, 9, 14), now)).toBe('Today 09:14');
    expect(dayLabel(at(2, 18, 2), now)).toBe('Yesterday 18:02');
    expect(dayLabel(new Date(2026, 10, 28, 7, 45).getTime(), now)).toBe('Sat 28 Nov 07:45');
    expect(dayLabel(new Date(2025, 10, 28, 7, 45).getTime(), now)).toBe('Fri 28 Nov 2025 07:45');
  });

  it('groups newest first under one heading per day', () => {
    const item = (id: string, t: number) => ({ project_id: 'p', resource: 'message', action: 'INSERT', id, summary: id, at_ms: t });
    const groups = groupByDay([item('a', at(2, 10, 0)), item('b', at(3, 9, 0)), item('c', at(3, 11, 0))], now);
    expect(groups.map((g) => [g.day, g.items.map((i) => i.id)])).toEqual([['Today', ['c', 'b']], ['Yesterday', ['a']]]);
  });
});

describe('catch-up', () => {
  it('ignores a baseline and counts a repeated item once', () => {
    const items = [{ resource: 'task', action: 'UPDATE', id: 't1', summary: 'moved', at_ms: 1 }];
    expect(addCatchUp([], { project_id: 'p', baseline: true, items: [] })).toEqual([]);
    const once = addCatchUp([], { project_id: 'p', baseline: false, items });
    expect(addCatchUp(once, { project_id: 'p', baseline: false, items })).toHaveLength(1);
  });
});

describe('composer', () => {
  it('keeps the text and shows the error when sending fails, clears it on success', async () => {
    const post = vi.fn().mockRejectedValueOnce({ code: 'forbidden', message: 'You are not a member' }).mockResolvedValueOnce({});
    const c = new Continuity(() => undefined, port(post));
    c.setText('hello');
    await c.send('p1');
    expect(c.composer.text).toBe('hello');
    expect(c.composer.error?.message).toBe('You are not a member');
    await c.send('p1');
    expect(post).toHaveBeenLastCalledWith('p1', 'hello');
    expect(c.composer.text).toBe('');
    expect(c.composer.error).toBeNull();
  });

  it('never sends an empty text', async () => {
    const post = vi.fn();
    const c = new Continuity(() => undefined, port(post));
    c.setText('   ');
    await c.send('p1');
    expect(post).not.toHaveBeenCalled();
    expect(c.composer.error?.code).toBe('invalid_input');
  });
});

describe('restored feed', () => {
  it('puts unread catch-up items under "While you were away" and mark all read empties it', async () => {
    const stored = {
      items: [
        { project_id: 'p', catch_up: true, resource: 'message', action: 'INSERT', id: 'm1', summary: 'bob: hi', at_ms: 5, read: false },
        { project_id: 'p', catch_up: true, resource: 'message', action: 'INSERT', id: 'm0', summary: 'old', at_ms: 1, read: true },
      ],
      unread: { p: 1 },
    };
    const markAllRead = vi.fn().mockResolvedValue(empty);
    const c = new Continuity(() => undefined, { post: vi.fn(), storedFeed: vi.fn().mockResolvedValue(stored), markAllRead });
    await c.restore();
    expect(c.away.map((i) => i.id)).toEqual(['m1']);
    expect(c.unread).toEqual({ p: 1 });
    c.onCatchUp({ project_id: 'p', baseline: false, items: [{ resource: 'message', action: 'INSERT', id: 'm1', summary: 'bob: hi', at_ms: 5 }] });
    expect(c.away).toHaveLength(1);
    await c.markAllRead();
    expect(markAllRead).toHaveBeenCalled();
    expect(c.away).toEqual([]);
    expect(c.unread).toEqual({});
  });
});

describe('restored live lines', () => {
  it('hands the stored lines that were shown live back to the feed, not to "While you were away"', async () => {
    const stored = {
      items: [
        { project_id: 'p', catch_up: false, resource: 'task', action: 'UPDATE', id: 't1', summary: 'Fix login', at_ms: 3, read: true },
        { project_id: 'p', catch_up: true, resource: 'message', action: 'INSERT', id: 'm1', summary: 'bob: hi', at_ms: 5, read: false },
      ],
      unread: { p: 1 },
    };
    const restored = vi.fn();
    const c = new Continuity(() => undefined, { post: vi.fn(), storedFeed: vi.fn().mockResolvedValue(stored), markAllRead: vi.fn() }, restored);
    await c.restore();
    expect(restored).toHaveBeenCalledWith([stored.items[0]]);
    expect(c.away.map((i) => i.id)).toEqual(['m1']);
  });
});

describe('live and missed', () => {
  it('a message seen live this session is not repeated under "While you were away"', () => {
    const c = new Continuity(() => undefined, port(vi.fn()));
    c.sawLive(['message/m1']);
    c.onCatchUp({ project_id: 'p', baseline: false, items: [
      { resource: 'message', action: 'INSERT', id: 'm1', summary: 'seen live', at_ms: 1 },
      { resource: 'message', action: 'INSERT', id: 'm2', summary: 'missed', at_ms: 2 },
    ] });
    expect(c.away.map((i) => i.id)).toEqual(['m2']);
  });
});
