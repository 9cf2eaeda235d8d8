import { describe, expect, it } from 'vitest';
import type { FeedEventView } from '../generated/FeedEventView';
import { allKeysFor, invalidationFor } from './invalidation';

const P = '3f6c2a9e-8b1d-4c7e-9a2f-5d4e6b7c8a90';
const ev = (over: Partial<FeedEventView>): FeedEventView => ({
  project_id: P,
  kind: 'cache_invalidate',
  resource: null,
  action: null,
  id: null,
  summary: null,
  at_ms: 0,
  ...over,
});

describe('invalidationFor', () => {
  it('a task update refetches exactly that task', () => {
    expect(invalidationFor(ev({ resource: 'task', action: 'UPDATE', id: 't1' }))).toEqual({
      refetch: [{ projectId: P, kind: 'task', id: 't1' }],
      drop: [],
    });
  });

  it('a task delete drops the task without a request', () => {
    expect(invalidationFor(ev({ kind: 'task_deleted', id: 't9' }))).toEqual({
      refetch: [],
      drop: [{ projectId: P, kind: 'task', id: 't9' }],
    });
  });

  it('sprint events need no request (their feed line comes from the event)', () => {
    expect(invalidationFor(ev({ resource: 'sprint', action: 'UPDATE', id: 's1' }))).toEqual({ refetch: [], drop: [] });
  });

  it('a message insert refetches the project messages (the event has no content)', () => {
    expect(invalidationFor(ev({ resource: 'message', action: 'INSERT', id: 'm1' })).refetch).toEqual([
      { projectId: P, kind: 'messages', id: null },
    ]);
  });

  it('a project update refetches the project only', () => {
    expect(invalidationFor(ev({ resource: 'project', action: 'UPDATE', id: P })).refetch).toEqual([
      { projectId: P, kind: 'project', id: null },
    ]);
  });

  it('a member change refetches the members only', () => {
    expect(invalidationFor(ev({ resource: 'project_members', action: 'INSERT', id: `${P}:u1` })).refetch).toEqual([
      { projectId: P, kind: 'members', id: null },
    ]);
  });

  it('aws handler events are understood from their type', () => {
    expect(invalidationFor(ev({ kind: 'message_created' })).refetch[0]?.kind).toBe('messages');
    expect(invalidationFor(ev({ kind: 'member_added' })).refetch[0]?.kind).toBe('members');
  });

  it('a project delete drops the whole project', () => {
    expect(invalidationFor(ev({ resource: 'project', action: 'DELETE', id: P })).drop).toEqual(allKeysFor(P));
  });

  it('unknown types touch nothing', () => {
    expect(invalidationFor(ev({ kind: 'something_new' }))).toEqual({ refetch: [], drop: [] });
  });
});
