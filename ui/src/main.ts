import './styles.css';
import { render } from 'lit-html';
import { App } from './app';
import { appView } from './views/layout';

const root = document.getElementById('app')!;
let queued = false;
const app: App = new App(() => {
  // Batch many model changes into one render per frame.
  if (queued) return;
  queued = true;
  requestAnimationFrame(() => {
    queued = false;
    render(appView(app), root);
  });
});
render(appView(app), root);
void app.start();
