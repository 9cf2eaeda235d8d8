// Browser-test entry: installs the Tauri IPC mocks, hands control to the test through
// window.__harness, then starts the real app.
import { mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';

type Handler = (cmd: string, args: Record<string, unknown> | undefined) => unknown;

declare global {
  interface Window {
    __harnessHandler?: Handler;
    __harness: { emit: (event: string, payload: unknown) => Promise<void>; calls: Array<{ cmd: string; args: unknown }> };
  }
}

const calls: Array<{ cmd: string; args: unknown }> = [];
mockIPC(
  (cmd, args) => {
    calls.push({ cmd, args });
    const handler = window.__harnessHandler;
    if (!handler) throw { code: 'internal', message: `no mock for ${cmd}` };
    return handler(cmd, args as Record<string, unknown> | undefined);
  },
  { shouldMockEvents: true },
);
// Tests name the app-model event; it arrives as the app does: one `ui-event` with a tagged payload.
window.__harness = { emit: (event, payload) => emit('ui-event', { type: event, payload }), calls };

await import('./main');
