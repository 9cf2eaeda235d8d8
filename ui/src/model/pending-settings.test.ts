import { describe, expect, it } from 'vitest';
import type { Settings } from '../generated/Settings';
import { PendingSettings } from './pending-settings';

const confirmed: Settings = {
  server: null, watched: {}, paused: false, quiet: false, notify: { a: true }, start_hidden: false,
  start_at_login: false, proxy: null, ca_file: null,
};

describe('PendingSettings', () => {
  it('shows the newest click while earlier ones are still unanswered (on, off, on)', () => {
    const p = new PendingSettings();
    const on = p.begin({ start_at_login: true });
    const off = p.begin({ start_at_login: false });
    // The first click's answer comes back: the second click is still what the user sees.
    expect(p.isNewest(on)).toBe(false);
    p.settle(on);
    expect(p.over({ ...confirmed, start_at_login: true }).start_at_login).toBe(false);
    const again = p.begin({ start_at_login: true });
    p.settle(off);
    expect(p.over(confirmed).start_at_login).toBe(true);
    expect(p.isNewest(again)).toBe(true);
    p.settle(again);
    // Nothing in flight: the shell's settings are shown as they are.
    expect(p.over(confirmed)).toBe(confirmed);
  });

  it('lets other fields follow the shell while one is in flight', () => {
    const p = new PendingSettings();
    p.begin({ quiet: true });
    const shown = p.over({ ...confirmed, paused: true });
    expect(shown).toMatchObject({ quiet: true, paused: true, start_at_login: false });
  });

  it('puts a failed write back to what the shell has', () => {
    const p = new PendingSettings();
    const write = p.begin({ proxy: 'http://bad proxy' });
    expect(p.over(confirmed).proxy).toBe('http://bad proxy');
    p.settle(write);
    expect(p.over(confirmed).proxy).toBeNull();
  });

  it('stores texts and project switches as the shell does', () => {
    const p = new PendingSettings();
    p.begin({ proxy: '  ', ca_file: ' /etc/ca.pem ', notify: { B: false } });
    const shown = p.over(confirmed);
    expect(shown).toMatchObject({ proxy: null, ca_file: '/etc/ca.pem', notify: { a: true, b: false } });
    expect(confirmed.notify).toEqual({ a: true });
  });
});
