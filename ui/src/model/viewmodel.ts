import type { ConnectionView } from '../generated/ConnectionView';
import type { AppError } from '../generated/AppError';
import type { Offline } from '../generated/Offline';
import type { SessionView } from '../generated/SessionView';
import { countdown, relativeTime } from './feed';

/** Visual tone of a badge; maps to a CSS class. */
export type Tone = 'ok' | 'busy' | 'warn' | 'bad' | 'muted';

/** A connection badge. */
export interface Badge {
  label: string;
  tone: Tone;
  /** The server's words or the retry time, shown under the project. */
  detail: string | null;
  /** Offer "Remove" (403/404: only the user can act). */
  removable: boolean;
}

/** The badge for one project's connection. */
export function badge(c: ConnectionView | undefined, now: number): Badge {
  if (!c) return { label: 'Not watched', tone: 'muted', detail: null, removable: false };
  switch (c.state) {
    case 'connected':
      return { label: 'Live', tone: 'ok', detail: null, removable: false };
    case 'connecting':
      return { label: 'Connecting', tone: 'busy', detail: c.attempt && c.attempt > 1 ? `attempt ${c.attempt}` : null, removable: false };
    case 'backoff': {
      const secs = c.retry_at_ms ? Math.max(0, Math.ceil((c.retry_at_ms - now) / 1000)) : null;
      const when = secs === null ? 'soon' : secs === 0 ? 'now' : `in ${secs} s`;
      return { label: 'Reconnecting', tone: 'warn', detail: `retrying ${when}${c.reason ? ` — ${c.reason}` : ''}`, removable: false };
    }
    case 'needs_login':
      return { label: 'Sign in needed', tone: 'bad', detail: c.reason, removable: false };
    case 'forbidden':
      return { label: 'No access', tone: 'bad', detail: c.reason ?? 'Access denied to project', removable: true };
    case 'not_found':
      return { label: 'Not found', tone: 'bad', detail: c.reason ?? 'Project not found', removable: true };
    case 'stopped':
      return { label: 'Stopped', tone: 'muted', detail: c.reason, removable: false };
  }
}

/** The aggregate status pill in the header. */
export function aggregate(session: SessionView, conns: ConnectionView[]): Badge {
  if (session.state === 'needs_login' || conns.some((c) => c.state === 'needs_login')) {
    return { label: 'Sign in needed', tone: 'bad', detail: session.reason, removable: false };
  }
  if (session.state === 'signed_out') return { label: 'Signed out', tone: 'muted', detail: null, removable: false };
  const live = conns.filter((c) => c.state !== 'forbidden' && c.state !== 'not_found');
  if (live.some((c) => c.state === 'connecting' || c.state === 'backoff')) return { label: 'Reconnecting', tone: 'warn', detail: null, removable: false };
  if (live.length > 0 && live.every((c) => c.state === 'connected')) return { label: 'Live', tone: 'ok', detail: null, removable: false };
  return { label: 'Offline', tone: 'muted', detail: null, removable: false };
}

/** One row of the session panel. */
export interface Row {
  label: string;
  value: string;
  testid: string;
}

const STATE_WORDS: Record<SessionView['state'], string> = {
  signed_out: 'Signed out',
  valid: 'Active',
  refreshing: 'Refreshing…',
  retrying: 'Refresh failed, retrying',
  needs_login: 'Sign-in needed',
};

/** The session panel's rows, with a live countdown. */
export function sessionRows(s: SessionView, now: number): Row[] {
  const rows: Row[] = [
    { label: 'Signed in as', value: s.user ?? '—', testid: 'session-user' },
    { label: 'Server', value: s.server_label ?? '—', testid: 'session-server' },
    { label: 'State', value: STATE_WORDS[s.state] + (s.reason ? ` — ${s.reason}` : ''), testid: 'session-state' },
    { label: 'Token expires in', value: s.expires_at_ms ? countdown(s.expires_at_ms - now) : '—', testid: 'session-expires' },
    { label: 'Next refresh', value: s.next_refresh_at_ms ? `in ${countdown(s.next_refresh_at_ms - now)}` : '—', testid: 'session-next' },
    {
      label: 'Last refresh',
      value: s.last_refresh ? `${s.last_refresh.ok ? 'succeeded' : `failed${s.last_refresh.detail ? `: ${s.last_refresh.detail}` : ''}`}, ${relativeTime(s.last_refresh.at_ms, now)}` : 'none yet',
      testid: 'session-last',
    },
    { label: 'Refresh token stored in', value: s.refresh_token_storage ?? '—', testid: 'session-storage' },
  ];
  if (s.lifetime_secs) rows.splice(4, 0, { label: 'Token lifetime', value: countdown(s.lifetime_secs * 1000), testid: 'session-lifetime' });
  return rows;
}

/** A plain sentence for every failure, by its code (the one mapping of `ErrorCode` in the UI). */
export function errorMessage(e: AppError): string {
  switch (e.code) {
    case 'bad_credentials':
      return `The server did not accept that username and password (“${e.message}”). Check them and try again.`;
    case 'invalid_input':
    case 'needs_sign_in':
      return e.message;
    case 'network':
      return `Could not reach the server: ${e.message}. Check the address and your connection.`;
    case 'rate_limited':
      return 'Too many requests. Wait a minute, then try again.';
    case 'keychain_locked':
      return 'Your system keychain is locked. Unlock it and try again, or untick “Remember me” to sign in for this run only.';
    case 'keychain':
      return `Could not store your session in the system keychain: ${e.message}. Untick “Remember me” to sign in for this run only.`;
    case 'server':
      return `The server had a problem: ${e.message}. Try again in a moment.`;
    case 'forbidden':
      return `You do not have access to that (${e.message}).`;
    case 'not_found':
      return `The server could not find that (${e.message}).`;
    case 'internal':
      return `Something went wrong in the app: ${e.message}`;
  }
}

/** "Can't reach <server>, retrying in N s" (the same words as the CLI's `offline_sentence`). */
export function offlineText(o: Offline, now: number): string {
  const secs = Math.max(0, Math.ceil((o.retry_at_ms - now) / 1000));
  return secs === 0 ? `Can't reach ${o.server}, retrying now` : `Can't reach ${o.server}, retrying in ${secs} s`;
}
