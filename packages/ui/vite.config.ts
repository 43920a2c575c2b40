import { defineConfig } from 'vite';

// No framework plugin: TSX compiles with the automatic JSX runtime (tsconfig "jsx": "react-jsx"),
// which is all a production build needs. The output must pass a CSP of script-src 'self': no inline
// scripts, so the module-preload polyfill (an inline snippet in some setups) is off.
export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    modulePreload: { polyfill: false },
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    // `pnpm exec vite` in packages/ui: the API of a local all-in-one behind the dev server.
    proxy: { '/v1': 'http://127.0.0.1:4000' },
  },
});
