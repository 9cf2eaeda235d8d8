import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { FeedEventView } from '../generated/FeedEventView';
import type { ResourceData } from '../generated/ResourceData';
import { RequestBudget } from './budget';
import { DEBOUNCE_MS, DataCache, type CacheChange } from './cache';
import { keyString, type CacheKey } from './invalidation';

const task = (id: string, status: number) => ({ id, project_id: 'p1', title: `Task ${id}`, status, assignee: 'bob', updated_at_ms: status });
const msg = (id: string, content: string) => ({ id, project_id: 'p1', sender_id: 'u2', sender: 'bob', content, created_at_ms: 1 });

function setup(limit = 60) {
  const fetched: string[] = [];
  const changes: CacheChange[] = [];
  let messages = [msg('m1', 'hello')];
  const fetch = vi.fn(async (k: CacheKey): Promise<ResourceData> => {
    fetched.push(keyString(k));
    switch (k.kind) {
      case 'messages':
        return { kind: 'messages', data: messages };
      case 'members':
        return { kind: 'members', data: [] };
      case 'project':
        return { kind: 'project', data: { id: k.projectId, name: 'Apollo', description: '', role: null, owner: null } };
      case 'tasks':
        return { kind: 'tasks', data: [task('t1', 0)] };
      case 'task':
        return { kind: 'task', data: task(k.id ?? '', 2) };
    }
  });
  const cache = new DataCache(
    { fetch, now: () => Date.now(), setTimer: (fn, ms) => setTimeout(fn, ms), onChange: (c) => changes.push(c) },
    new RequestBudget(limit, 60_000),
  );
  return { cache, fetched, changes, setMessages: (m: typeof messages) => (messages = m) };
}

const ev = (over: Partial<FeedEventView>): FeedEventView => ({
  project_id: 'p1', kind: 'cache_invalidate', resource: null, action: null, id: null, summary: null, at_ms: 0, ...over,
});

describe('DataCache', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  it('coalesces a burst of message events into one request', async () => {
    const { cache, fetched } = setup();
    for (let i = 0; i < 5; i++) cache.onEvent(ev({ resource: 'message', action: 'INSERT', id: `m${i}` }));
    await vi.advanceTimersByTimeAsync(DEBOUNCE_MS);
    expect(fetched).toEqual(['p1/messages']);
  });

  it('fetches only what the event names', async () => {
    const { cache, fetched } = setup();
    cache.onEvent(ev({ resource: 'project_members', action: 'INSERT', id: 'p1:u9' }));
    await vi.advanceTimersByTimeAsync(DEBOUNCE_MS);
    expect(fetched).toEqual(['p1/members']);
  });

  it('resync refetches every list of the project once, even with events pending', async () => {
    const { cache, fetched } = setup();
    cache.onEvent(ev({ resource: 'message', action: 'INSERT', id: 'm2' }));
    cache.resync('p1');
    await vi.advanceTimersByTimeAsync(DEBOUNCE_MS);
    expect(fetched.sort()).toEqual(['p1/members', 'p1/messages', 'p1/project', 'p1/tasks']);
  });

  it('a task update refetches exactly that task and reports its old and new status', async () => {
    const { cache, fetched, changes } = setup();
    cache.resync('p1');
    await vi.advanceTimersByTimeAsync(DEBOUNCE_MS);
    fetched.length = 0;
    for (let i = 0; i < 3; i++) cache.onEvent(ev({ resource: 'task', action: 'UPDATE', id: 't1' }));
    await vi.advanceTimersByTimeAsync(DEBOUNCE_MS);
    expect(fetched).toEqual(['p1/task/t1']);
    expect(changes.at(-1)).toMatchObject({ kind: 'task', before: { status: 0 }, after: { status: 2 } });
  });

  it('a deleted task is removed without a request', async () => {
    const { cache, fetched, changes } = setup();
    cache.resync('p1');
    await vi.advanceTimersByTimeAsync(DEBOUNCE_MS);
    const before = fetched.length;
    cache.onEvent(ev({ resource: 'task', action: 'DELETE', id: 't1' }));
    await vi.advanceTimersByTimeAsync(DEBOUNCE_MS);
    expect(fetched.length).toBe(before);
    expect(changes.at(-1)).toMatchObject({ kind: 'task', before: { id: 't1' }, after: null });
  });

  it('reports before and after so the feed shows only new messages', async () => {
    const { cache, changes, setMessages } = setup();
    cache.resync('p1');
    await vi.advanceTimersByTimeAsync(DEBOUNCE_MS);
    setMessages([msg('m2', 'Deploy is green'), msg('m1', 'hello')]);
    cache.onEvent(ev({ resource: 'message', action: 'INSERT', id: 'm2' }));
    await vi.advanceTimersByTimeAsync(DEBOUNCE_MS);
    const last = changes.at(-1);
    expect(last?.kind).toBe('messages');
    expect(last && last.kind === 'messages' ? last.before?.map((m) => m.id) : null).toEqual(['m1']);
  });

  it('stays under sixty requests a minute when events arrive faster, and catches up later', async () => {
    const { cache, fetched } = setup(60);
    for (let i = 0; i < 200; i++) {
      cache.onEvent(ev({ project_id: `p${i}`, resource: 'message', action: 'INSERT', id: `m${i}` }));
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(fetched.length).toBeLessThanOrEqual(60);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fetched.length).toBeLessThanOrEqual(120);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(new Set(fetched).size).toBe(200);
    expect(cache.pendingKeys()).toEqual([]);
  });

  it('a deleted project is forgotten without a request', async () => {
    const { cache, fetched } = setup();
    cache.resync('p1');
    await vi.advanceTimersByTimeAsync(DEBOUNCE_MS);
    const before = fetched.length;
    cache.onEvent(ev({ resource: 'project', action: 'DELETE', id: 'p1' }));
    await vi.advanceTimersByTimeAsync(DEBOUNCE_MS);
    expect(fetched.length).toBe(before);
    expect(cache.data.has('p1')).toBe(false);
  });
});
