// Vite build for the Mesodesk web app: static files in dist/, served by `mesodesk serve --web`.
import { defineConfig } from 'vite';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const KB_VOCAB = fileURLToPath(new URL('../kb/vocabulary.json', import.meta.url));
const VIRTUAL = 'virtual:vocab';

// The code lists (areas, conditions, medications, allergy substances) come from the
// knowledge base at build time, trimmed to code, label and synonyms. They only feed
// suggestions: the server remains the judge of what a valid code is.
function vocabPlugin() {
  return {
    name: 'mesodesk-vocab',
    resolveId(id) {
      return id === VIRTUAL ? '\0' + VIRTUAL : null;
    },
    load(id) {
      if (id !== '\0' + VIRTUAL) return null;
      let v = {};
      if (existsSync(KB_VOCAB)) {
        this.addWatchFile(KB_VOCAB);
        v = JSON.parse(readFileSync(KB_VOCAB, 'utf8'));
      }
      const trim = (list) =>
        (list || []).map((e) => ({ code: e.code, label: e.label, synonyms: e.synonyms || [] }));
      const out = {
        areas: trim(v.areas),
        conditions: trim(v.conditions),
        medications: trim(v.medications),
        substances: trim([...(v.allergens || []), ...(v.ingredients || [])]),
      };
      return `export default ${JSON.stringify(out)};`;
    },
  };
}

export default defineConfig({
  base: '/',
  plugins: [vocabPlugin()],
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
