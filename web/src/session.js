// The signed-in session: who I am, my clinic (time zone, date format), my permissions, and
// staff names.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { get, post, token } from './api.js';
import { setDateFormat, setTimeZone } from './format.js';

export const SessionContext = createContext(null);
export const useSession = () => useContext(SessionContext);

export async function loadSession() {
  const me = await get('/me');
  setTimeZone((me.clinic && me.clinic.time_zone) || 'UTC');
  // The clinic's date format for every date shown; absent means the default ("2 Nov 1979").
  setDateFormat(me.clinic && me.clinic.date_format);
  const perms = new Set(me.permissions || []);
  const names = new Map([['system', 'System']]);
  if (me.staff) names.set(me.staff.id, me.staff.display_name);
  if (perms.has('staff_read')) {
    try {
      const staff = await get('/staff');
      for (const s of staff.items || []) names.set(s.id, s.display_name || s.email);
    } catch {
      /* names fall back to short ids */
    }
  }
  return {
    me,
    can: (p) => perms.has(p),
    staffName: (id) => names.get(id) || (id ? `Staff ${String(id).slice(0, 8)}` : '—'),
  };
}

export async function login(email, password) {
  const r = await post('/login', { email, password });
  token.set(r.token);
  return r;
}

export async function logout() {
  try {
    if (token.get()) await post('/logout');
  } catch {
    /* the session may already be gone */
  }
  token.clear();
}
