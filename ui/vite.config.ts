import { defineConfig } from 'vitest/config';

// The production bundle: embedded into the Rust binary by `cargo build` (tauri.conf.json
// `frontendDist` = ui/dist). No inline scripts or styles, so the strict CSP holds.
export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
