import { defineConfig } from 'vite';

// The browser-test bundle: the same app, started by a harness page that installs
// `@tauri-apps/api/mocks` first. Built to dist-harness/, never shipped.
export default defineConfig({
  base: './',
  build: {
    outDir: 'dist-harness',
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: { input: 'harness.html' },
  },
});
