// Vite build for the Mesodesk web app: static files in dist/, served by `mesodesk serve --web`.
// The clinical vocabulary is not built in: the app reads it from the running server.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    sourcemap: false,
    target: 'es2020',
  },
  server: {
    // `npm run dev` proxies the API to a locally running `mesodesk serve`.
    proxy: { '/api': process.env.MESODESK_URL || 'http://127.0.0.1:8080' },
  },
});
