import { html, type TemplateResult } from 'lit-html';
import type { App } from '../app';

/** Settings: notifications per project, quiet mode, start hidden, proxy and extra CA. */
export function settingsView(app: App): TemplateResult {
  const m = app.model;
  const s = m.settings;
  const checked = (e: Event) => (e.currentTarget as HTMLInputElement).checked;
  const text = (e: Event) => (e.currentTarget as HTMLInputElement).value;
  return html`<section class="panel">
    <header class="panel-head"><h2>Settings</h2></header>
    <fieldset>
      <legend>Notifications</legend>
      <label class="check"><input type="checkbox" data-testid="pause" .checked=${s.paused} @change=${(e: Event) => app.setPaused(checked(e))} /> Pause notifications</label>
      <label class="check"><input type="checkbox" .checked=${s.quiet} data-testid="quiet" @change=${(e: Event) => app.saveSettings({ quiet: checked(e) })} /> Quiet mode (never notify)</label>
      ${m.projects.map(
        (p) => html`<label class="check"><input type="checkbox" .checked=${s.notify[p.id] ?? true}
          @change=${(e: Event) => app.saveSettings({ notify: { ...s.notify, [p.id]: checked(e) } })} /> ${p.name}</label>`,
      )}
      <p class="muted small">At most one notification per project every 10 seconds, then a summary. Never for your own actions.</p>
    </fieldset>
    <fieldset>
      <legend>Window</legend>
      <label class="check"><input type="checkbox" data-testid="start-at-login" .checked=${s.start_at_login} @change=${(e: Event) => app.saveSettings({ start_at_login: checked(e) })} /> Start when I log in</label>
      <label class="check"><input type="checkbox" data-testid="start-hidden" .checked=${s.start_hidden} @change=${(e: Event) => app.saveSettings({ start_hidden: checked(e) })} /> Start hidden in the tray</label>
    </fieldset>
    <fieldset>
      <legend>Network</legend>
      <label>Proxy <input type="text" data-testid="proxy" placeholder="from HTTPS_PROXY / HTTP_PROXY" .value=${s.proxy ?? ''} @change=${(e: Event) => app.saveSettings({ proxy: text(e) })} /></label>
      <label>Extra CA file <input type="text" data-testid="ca-file" placeholder="/path/to/company-ca.pem" .value=${s.ca_file ?? ''} @change=${(e: Event) => app.saveSettings({ ca_file: text(e) })} /></label>
      <p class="muted small">http://host:port, without a password (put one in HTTPS_PROXY). The CA is trusted besides this computer's own. Both apply from the next sign-in.</p>
    </fieldset>
  </section>`;
}
