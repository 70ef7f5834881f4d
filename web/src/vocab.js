// The clinical vocabulary (areas, conditions, medications, substances, ingredients) as the
// running server's knowledge base has it. Staff pages load GET /kb once per session and
// share it; the patient's questionnaire page builds the same lookups from the vocabulary
// its own endpoint returns. Labels only help people read: the server judges codes.
import { useEffect, useState } from 'preact/hooks';
import { get, token } from './api.js';
import { useSession } from './session.js';

/**
 * Lookups over a vocabulary {kind: [{code, label, synonyms?}]}, kinds as GET /kb names
 * them (area, condition, medication, substance, ingredient). An unknown code, or any code
 * before the vocabulary has loaded, reads as itself. `kinds` is the server's record kinds
 * (GET /kb "kinds", as GET /kinds): the fact forms are built from them (facts.js).
 */
export function makeVocab(voc, kinds) {
  const lists = voc || {};
  const byCollection = new Map((kinds || []).filter((k) => k.collection).map((k) => [k.collection, k]));
  const maps = {};
  for (const [kind, list] of Object.entries(lists)) maps[kind] = new Map((list || []).map((e) => [e.code, e]));
  const entry = (kind, code) => (maps[kind] && maps[kind].get(code)) || null;
  const memo = {};
  return {
    /** A record kind as the server declares it (GET /kb "kinds"), by collection; null before the load. */
    kind: (collection) => byCollection.get(collection) || null,
    list: (kind) => lists[kind] || [],
    label: (kind, code) => (code ? (entry(kind, code) || {}).label || code : ''),
    /** Datalist options [value, text]: codes with labels, then synonyms (accepted by the server). */
    suggestions(kind) {
      if (!memo[kind]) {
        const list = lists[kind] || [];
        memo[kind] = [...list.map((e) => [e.code, e.label]), ...list.flatMap((e) => (e.synonyms || []).map((s) => [s, e.label]))];
      }
      return memo[kind];
    },
    /** Everyday names of a code ("ibuprofen"): its synonyms other than the label itself. */
    examples(kind, code, n = 3) {
      const e = entry(kind, code);
      if (!e || !e.synonyms) return [];
      return e.synonyms.filter((s) => s.toLowerCase() !== e.label.toLowerCase()).slice(0, n);
    },
  };
}

// One load per session: the cache is keyed by the bearer token, so signing in again
// (or as someone else) loads afresh. A failed load is not kept: the next screen retries.
const OFF = { data: null, error: null, loading: false, vocab: makeVocab(null) };
const LOADING = { ...OFF, loading: true };
let cache = { token: null, promise: null, state: LOADING };
const listeners = new Set();

function current() {
  const t = token.get();
  if (cache.token !== t) cache = { token: t, promise: null, state: LOADING };
  return cache;
}

function load() {
  const c = current();
  if (c.promise) return;
  const settle = (state) => {
    if (cache !== c) return;
    c.state = state;
    for (const fn of listeners) fn();
  };
  c.state = LOADING;
  c.promise = get('/kb').then(
    (data) => settle({ data, error: null, loading: false, vocab: makeVocab(data && data.vocabulary, data && data.kinds) }),
    (error) => {
      c.promise = null;
      settle({ ...OFF, error });
    },
  );
}

/**
 * The knowledge base of the running server (GET /kb: version, hash, vocabulary, rules) as
 * {data, error, loading, vocab}. Loaded only for staff who may read clinical records; for
 * anyone else (reception, or no session) it stays empty and nothing is fetched.
 */
export function useKb() {
  const session = useSession();
  const enabled = !!(session && session.can('clinical_read'));
  const [state, setState] = useState(() => (enabled ? current().state : OFF));
  useEffect(() => {
    if (!enabled) return undefined;
    const update = () => setState(current().state);
    listeners.add(update);
    load();
    update();
    return () => listeners.delete(update);
  }, [enabled]);
  return enabled ? state : OFF;
}

/** The vocabulary lookups, with the load's state: {vocab, loading, error}. */
export function useVocab() {
  const { vocab, loading, error } = useKb();
  return { ...vocab, loading, error };
}
