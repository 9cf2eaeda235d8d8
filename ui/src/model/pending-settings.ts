// Settings changes the user made that the shell has not answered yet. The settings screen
// shows them over the settings the shell last confirmed, so an answer or a settings-changed
// event of an earlier click, arriving after a newer click, cannot flip a switch back, and a
// quick further click acts on what the screen shows.
import type { Settings } from '../generated/Settings';
import type { SettingsPatch } from '../generated/SettingsPatch';

type Flag = 'paused' | 'quiet' | 'start_hidden' | 'start_at_login';
type Text = 'proxy' | 'ca_file';
const FLAGS: readonly Flag[] = ['paused', 'quiet', 'start_hidden', 'start_at_login'];
const TEXTS: readonly Text[] = ['proxy', 'ca_file'];

/** One field a write sets: a flag, a text, or one project's notification switch. */
type Field = { kind: 'flag'; key: Flag; value: boolean } | { kind: 'text'; key: Text; value: string } | { kind: 'notify'; project: string; value: boolean };

const fieldId = (f: Field): string => (f.kind === 'notify' ? `notify:${f.project}` : f.key);

function fieldsOf(patch: SettingsPatch): Field[] {
  const fields: Field[] = [];
  for (const key of FLAGS) {
    const value = patch[key];
    if (value !== undefined) fields.push({ kind: 'flag', key, value });
  }
  for (const key of TEXTS) {
    const value = patch[key];
    if (value !== undefined) fields.push({ kind: 'text', key, value });
  }
  for (const [project, value] of Object.entries(patch.notify ?? {})) {
    // The shell keys projects in lower case (crates/core/src/app/settings.rs).
    if (value !== undefined) fields.push({ kind: 'notify', project: project.toLowerCase(), value });
  }
  return fields;
}

/** The writes in flight, newest per field. */
export class PendingSettings {
  private last = 0;
  private readonly fields = new Map<string, { write: number; field: Field }>();

  /** Records a write about to be sent; returns its number for `isNewest` and `settle`. */
  begin(patch: SettingsPatch): number {
    const write = ++this.last;
    for (const field of fieldsOf(patch)) this.fields.set(fieldId(field), { write, field });
    return write;
  }

  /** Whether no write began after `write`: only then does its answer say what is current. */
  isNewest(write: number): boolean {
    return write === this.last;
  }

  /** `write` was answered or failed: its fields show the shell's values again, unless a newer write sets them. */
  settle(write: number): void {
    for (const [id, pending] of this.fields) if (pending.write === write) this.fields.delete(id);
  }

  /** `confirmed` with the values of the writes in flight on top. */
  over(confirmed: Settings): Settings {
    if (this.fields.size === 0) return confirmed;
    const shown: Settings = { ...confirmed, notify: { ...confirmed.notify } };
    for (const { field } of this.fields.values()) {
      if (field.kind === 'flag') shown[field.key] = field.value;
      // As the shell stores it: trimmed, and empty means unset.
      else if (field.kind === 'text') shown[field.key] = field.value.trim() || null;
      else shown.notify[field.project] = field.value;
    }
    return shown;
  }
}
