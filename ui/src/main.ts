import './styles.css';
import { render } from 'lit-html';
import { commands, on } from './ipc';
import { statusView, type StatusModel } from './views/status';

const root = document.getElementById('app')!;
let model: StatusModel = { info: null, beats: 0, lastBeatAt: null, error: null };
const draw = () => render(statusView(model), root);

async function start(): Promise<void> {
  // Subscribe first, then fetch the snapshot, so nothing emitted in between is lost.
  await on('heartbeat', (beat) => {
    model = { ...model, beats: beat.seq, lastBeatAt: beat.at_ms };
    draw();
  });
  try {
    const info = await commands.appInfo();
    model = { ...model, info };
  } catch (e) {
    model = { ...model, error: String((e as { message?: string }).message ?? e) };
  }
  draw();
}

draw();
void start();
