import { html, type TemplateResult } from 'lit-html';
import type { AppInfo } from '../generated/AppInfo';

/** What the status view shows. */
export interface StatusModel {
  info: AppInfo | null;
  beats: number;
  lastBeatAt: number | null;
  error: string | null;
}

/** The placeholder status view: app version and the heartbeat from Rust. */
export function statusView(m: StatusModel): TemplateResult {
  return html`<main class="status">
    <h1>DevHive</h1>
    <p data-testid="version">${m.info ? `Version ${m.info.version}${m.info.demo ? ' (demo)' : ''}` : 'Connecting to the app…'}</p>
    <p data-testid="heartbeat">${m.beats > 0 ? `Heartbeat #${m.beats}` : 'Waiting for the first heartbeat…'}</p>
    ${m.error ? html`<p class="error" role="alert">${m.error}</p>` : ''}
  </main>`;
}
