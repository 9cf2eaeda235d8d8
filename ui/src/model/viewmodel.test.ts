import { describe, expect, it } from 'vitest';
import type { ConnectionView } from '../generated/ConnectionView';
import type { SessionView } from '../generated/SessionView';
import { aggregate, badge, errorMessage, offlineText, sessionRows } from './viewmodel';

const conn = (over: Partial<ConnectionView>): ConnectionView => ({ project_id: 'p', state: 'connected', attempt: null, retry_at_ms: null, since_ms: null, reason: null, ...over });
const session = (over: Partial<SessionView>): SessionView => ({
  state: 'valid', user: 'alice', server_label: 'DevHive Fly', expires_at_ms: 0, lifetime_secs: 900, next_refresh_at_ms: null, last_refresh: null, refresh_token_storage: 'OS keychain', reason: null, ...over,
});

describe('badges', () => {
  it('every connection state has a distinct label', () => {
    const states: ConnectionView['state'][] = ['connecting', 'connected', 'backoff', 'needs_login', 'forbidden', 'not_found', 'stopped'];
    const labels = states.map((state) => badge(conn({ state }), 0).label);
    expect(new Set(labels).size).toBe(states.length);
  });

  it('forbidden shows the server words and offers Remove', () => {
    const b = badge(conn({ state: 'forbidden', reason: 'Access denied to project' }), 0);
    expect(b).toMatchObject({ label: 'No access', detail: 'Access denied to project', removable: true });
  });

  it('backoff counts down to the retry', () => {
    expect(badge(conn({ state: 'backoff', retry_at_ms: 5_000, reason: 'connection reset' }), 1_000).detail).toBe('retrying in 4 s — connection reset');
  });

  it('the aggregate ignores forbidden projects and flags reconnects', () => {
    expect(aggregate(session({}), [conn({}), conn({ state: 'forbidden' })]).label).toBe('Live');
    expect(aggregate(session({}), [conn({}), conn({ state: 'backoff' })]).label).toBe('Reconnecting');
    expect(aggregate(session({ state: 'needs_login' }), [conn({})]).label).toBe('Sign in needed');
  });
});

describe('session panel', () => {
  it('shows the expiry as a mm:ss countdown', () => {
    const rows = sessionRows(session({ expires_at_ms: 10 * 60_000 + 7_000 }), 0);
    expect(rows.find((r) => r.testid === 'session-expires')?.value).toBe('10:07');
  });

  it('names where the refresh token is stored', () => {
    expect(sessionRows(session({ refresh_token_storage: 'memory (demo)' }), 0).find((r) => r.testid === 'session-storage')?.value).toBe('memory (demo)');
  });
});

describe('sign-in messages', () => {
  it('bad credentials quote the server', () => {
    expect(errorMessage({ code: 'bad_credentials', message: 'Invalid credentials' })).toContain('“Invalid credentials”');
  });

  it('network errors say to check the address', () => {
    expect(errorMessage({ code: 'network', message: 'connection refused' })).toContain('Check the address');
  });
});

describe('plain words', () => {
  it('a locked keychain says to unlock it, not a raw error', () => {
    expect(errorMessage({ code: 'keychain_locked', message: 'keychain locked: …' })).toMatch(/^Your system keychain is locked\. Unlock it/);
  });

  it('a missing resource reads as a sentence', () => {
    expect(errorMessage({ code: 'not_found', message: '404 page not found' })).toBe('The server could not find that (404 page not found).');
  });

  it('offline counts down to the next try', () => {
    const o = { server: 'http://127.0.0.1:4000', retry_at_ms: 10_500, reason: 'network error' };
    expect(offlineText(o, 6_000)).toBe("Can't reach http://127.0.0.1:4000, retrying in 5 s");
    expect(offlineText(o, 11_000)).toBe("Can't reach http://127.0.0.1:4000, retrying now");
  });
});
