import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { FeedEventView } from '../generated/FeedEventView';
import type { ResourceData } from '../generated/ResourceData';
import { RequestBudget } from './budget';
import { DEBOUNCE_MS, DataCache, type CacheChange } from './cache';
import { keyString, type CacheKey } from './invalidation';

const P = 'p1';
const task = (id: string, status = 0) => ({ id, project_id: P, title: `Task ${id}`, status, assignee: null, updated_at_ms: 1 });

function setup(limit = 60) {
  const fetched: string[] = [];
  const changes: CacheChange[] = [];
  const fetch = vi.fn(async (k: CacheKey): Promise<ResourceData> => {
    fetched.push(keyString(k));
    switch (k.kind) {
      case 'task':
        return { kind: 'task', data: task(k.id!, 2) };
      case 'tasks':
        return { kind: 'tasks', data: [task('t1')] };
      case 'messages':
        return { kind: 'messages', data: [] };
      case 'members':
        return { kind: 'members', data: [] };
      case 'project':
        return { kind: 'project', data: { id: P, name: 'Apollo', description: '', role: null, owner: null } };
    }
  });
  const cache = new DataCache(
    { fetch, now: () => Date.now(), setTimer: (fn, ms) => setTimeout(fn, ms), onChange: (c) => changes.push(c) },
    new RequestBudget(limit, 60_000),
  );
  return { cache, fetched, changes };
}

const ev = (over: Partial<FeedEventView>): FeedEventView => ({
  project_id: P, kind: 'cache_invalidate', resource: null, action: null, id: null, at_ms: 0, ...over,
});

describe('DataCache', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  it('coalesces a burst of events for the same task into one request', async () => {
    const { cache, fetched } = setup();
    for (let i = 0; i < 5; i++) cache.onEvent(ev({ resource: 'task', action: 'UPDATE', id: 't1' }));
    await vi.advanceTimersByTimeAsync(DEBOUNCE_MS);
    expect(fetched).toEqual(['p1/task/t1']);
  });

  it('resync refetches every list of the project and absorbs pending single-task fetches', async () => {
    const { cache, fetched } = setup();
    cache.onEvent(ev({ resource: 'task', action: 'UPDATE', id: 't1' }));
    cache.resync(P);
    cache.onEvent(ev({ resource: 'task', action: 'UPDATE', id: 't2' }));
    await vi.advanceTimersByTimeAsync(DEBOUNCE_MS);
    expect(fetched.sort()).toEqual(['p1/members', 'p1/messages', 'p1/project', 'p1/tasks']);
  });

  it('reports the before and after of a task so the feed can describe the change', async () => {
    const { cache, changes } = setup();
    cache.resync(P);
    await vi.advanceTimersByTimeAsync(DEBOUNCE_MS);
    cache.onEvent(ev({ resource: 'task', action: 'UPDATE', id: 't1' }));
    await vi.advanceTimersByTimeAsync(DEBOUNCE_MS);
    const last = changes.at(-1);
    expect(last).toMatchObject({ kind: 'task', before: { status: 0 }, after: { status: 2 } });
  });

  it('stays under sixty requests a minute when events arrive faster, and catches up later', async () => {
    const { cache, fetched } = setup(60);
    for (let i = 0; i < 200; i++) {
      cache.onEvent(ev({ resource: 'task', action: 'UPDATE', id: `t${i}` }));
      await vi.advanceTimersByTimeAsync(100);
    }
    // 20 s elapsed: at most 60 requests so far.
    expect(fetched.length).toBeLessThanOrEqual(60);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fetched.length).toBeLessThanOrEqual(120);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(new Set(fetched).size).toBe(200);
    expect(cache.pendingKeys()).toEqual([]);
  });

  it('a deleted task is removed without a request', async () => {
    const { cache, fetched, changes } = setup();
    cache.resync(P);
    await vi.advanceTimersByTimeAsync(DEBOUNCE_MS);
    const before = fetched.length;
    cache.onEvent(ev({ resource: 'task', action: 'DELETE', id: 't1' }));
    await vi.advanceTimersByTimeAsync(DEBOUNCE_MS);
    expect(fetched.length).toBe(before);
    expect(changes.at(-1)).toMatchObject({ kind: 'task', after: null });
    expect(cache.project(P).tasks?.has('t1')).toBe(false);
  });
});
