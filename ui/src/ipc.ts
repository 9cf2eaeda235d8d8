// The only module that talks to Tauri. Everything else sees typed functions and callbacks.
// Imports come from @tauri-apps/api (never window.__TAURI__) so the mocks can stand in for it.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type { AppInfo } from './generated/AppInfo';
import type { ConnectionView } from './generated/ConnectionView';
import type { FeedEventView } from './generated/FeedEventView';
import type { IpcError } from './generated/IpcError';
import type { ProjectView } from './generated/ProjectView';
import type { ResourceData } from './generated/ResourceData';
import type { ResourceKind } from './generated/ResourceKind';
import type { ResyncView } from './generated/ResyncView';
import type { SessionView } from './generated/SessionView';
import type { Settings } from './generated/Settings';
import type { SignInRequest } from './generated/SignInRequest';
import type { Snapshot } from './generated/Snapshot';
import type { TimelineEntryView } from './generated/TimelineEntryView';
import type { NotifyItem } from './generated/NotifyItem';

/** Every event the shell emits, with its payload type. */
export interface EventMap {
  'session-changed': SessionView;
  'connection-changed': ConnectionView;
  'feed-event': FeedEventView;
  resync: ResyncView;
  'timeline-appended': TimelineEntryView;
  'projects-changed': ProjectView[];
  'paused-changed': boolean;
}

/** Normalises whatever a command rejected with into `{ code, message }`. */
export function toIpcError(e: unknown): IpcError {
  if (typeof e === 'object' && e !== null && 'code' in e && 'message' in e) {
    return e as IpcError;
  }
  return { code: 'internal', message: typeof e === 'string' ? e : String(e) };
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toIpcError(e);
  }
}

/** Typed command wrappers. */
export const commands = {
  appInfo: () => call<AppInfo>('app_info'),
  snapshot: () => call<Snapshot>('snapshot'),
  signIn: (request: SignInRequest) => call<SessionView>('sign_in', { request }),
  signOut: () => call<void>('sign_out'),
  listProjects: () => call<ProjectView[]>('list_projects'),
  watchProjects: (projectIds: string[]) => call<void>('watch_projects', { projectIds }),
  reconnectNow: () => call<void>('reconnect_now'),
  refreshSessionNow: () => call<SessionView>('refresh_session_now'),
  fetchResource: (projectId: string, kind: ResourceKind, id: string | null) =>
    call<ResourceData>('fetch_resource', { projectId, kind, id }),
  exportDiagnostics: () => call<string>('export_diagnostics'),
  saveDiagnostics: () => call<string>('save_diagnostics'),
  getSettings: () => call<Settings>('get_settings'),
  setSettings: (settings: Settings) => call<void>('set_settings', { settings }),
  setNotificationsPaused: (paused: boolean) => call<void>('set_notifications_paused', { paused }),
  notify: (items: NotifyItem[]) => call<void>('notify', { items }),
};

/** Subscribes to one event; resolves once the listener is registered. */
export function on<K extends keyof EventMap>(
  event: K,
  handler: (payload: EventMap[K]) => void,
): Promise<UnlistenFn> {
  return listen<EventMap[K]>(event, (e) => handler(e.payload));
}
