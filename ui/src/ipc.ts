// The only module that talks to Tauri. Everything else sees typed functions and callbacks.
// Imports come from @tauri-apps/api (never window.__TAURI__) so the mocks can stand in for it.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type { AppError } from './generated/AppError';
import type { AppInfo } from './generated/AppInfo';
import type { MessageView } from './generated/MessageView';
import type { NotifyItem } from './generated/NotifyItem';
import type { ResourceData } from './generated/ResourceData';
import type { ResourceKind } from './generated/ResourceKind';
import type { SessionView } from './generated/SessionView';
import type { Settings } from './generated/Settings';
import type { SettingsPatch } from './generated/SettingsPatch';
import type { SignInRequest } from './generated/SignInRequest';
import type { Snapshot } from './generated/Snapshot';
import type { StoredFeedView } from './generated/StoredFeedView';
import type { UiEvent } from './generated/UiEvent';

/** The Tauri event every app-model event arrives under (`UI_EVENT` in Rust). */
export const UI_EVENT = 'ui-event';

/** Each event's payload type, by its name: derived from the generated union, so it cannot drift. */
export type EventMap = { [E in UiEvent as E['type']]: E['payload'] };

/** Normalises whatever a command rejected with into `{ code, message }`. */
export function toAppError(e: unknown): AppError {
  if (typeof e === 'object' && e !== null && 'code' in e && 'message' in e) {
    return e as AppError;
  }
  return { code: 'internal', message: typeof e === 'string' ? e : String(e) };
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toAppError(e);
  }
}

/** Typed command wrappers. */
export const commands = {
  appInfo: () => call<AppInfo>('app_info'),
  snapshot: () => call<Snapshot>('snapshot'),
  signIn: (request: SignInRequest) => call<SessionView>('sign_in', { request }),
  signOut: () => call<void>('sign_out'),
  retryNow: () => call<void>('retry_now'),
  watchProjects: (projectIds: string[]) => call<void>('watch_projects', { projectIds }),
  reconnectNow: () => call<void>('reconnect_now'),
  refreshSessionNow: () => call<SessionView>('refresh_session_now'),
  fetchResource: (projectId: string, kind: ResourceKind, id: string | null) =>
    call<ResourceData>('fetch_resource', { projectId, kind, id }),
  postMessage: (projectId: string, content: string) => call<MessageView>('post_message', { projectId, content }),
  storedFeed: () => call<StoredFeedView>('stored_feed'),
  markAllRead: () => call<StoredFeedView>('mark_all_read'),
  exportDiagnostics: () => call<string>('export_diagnostics'),
  saveDiagnostics: () => call<string>('save_diagnostics'),
  /** Sends only what the user changed; answers with the settings now in effect. */
  updateSettings: (patch: SettingsPatch) => call<Settings>('update_settings', { patch }),
  notify: (items: NotifyItem[]) => call<void>('notify', { items }),
};

type Handlers = { [K in keyof EventMap]?: (payload: EventMap[K]) => void };

/** Subscribes to the app model's events; resolves once the listener is registered. */
export function onEvents(handlers: Handlers): Promise<UnlistenFn> {
  return listen<UiEvent>(UI_EVENT, (e) => {
    const handler = handlers[e.payload.type] as ((p: unknown) => void) | undefined;
    handler?.(e.payload.payload);
  });
}
