import './styles.css';
import { render } from 'lit-html';
import { App } from './app';
import { appView } from './views/layout';
import { renderScheduler } from './schedule';

const root = document.getElementById('app')!;
const app: App = new App(renderScheduler(() => render(appView(app), root), {
  now: () => performance.now(),
  setTimer: (fn, ms) => window.setTimeout(fn, ms),
}));
render(appView(app), root);
void app.start();
