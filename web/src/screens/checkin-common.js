// Check-ins after a session (issue 11 item 3): the staff routes and how a check-in reads.
// The tokens exist only when a link is made (at completion, or a new link): the server
// keeps their hash; a link is shown once and never logged.

export const CHECKIN_ROUTES = {
  overdue: '/checkins/overdue',
  session: (sid) => `/sessions/${encodeURIComponent(sid)}/checkins`,
  one: (id) => `/checkins/${encodeURIComponent(id)}`,
  reissue: (id) => `/checkins/${encodeURIComponent(id)}/reissue`,
  cancel: (id) => `/checkins/${encodeURIComponent(id)}/cancel`,
};

/** "Day 2" (days after the session). */
export const dayLabel = (d) => (d == null ? 'Check-in' : `Day ${d}`);

/** The patient's address of a link: the server's url (built from its public address), else its path (or /ci/{token}) on this app's address. */
export const linkUrl = (l) => (l && l.url) || (l && (l.path || l.token) ? `${location.origin}${l.path || `/ci/${l.token}`}` : '');

export const CHECKIN_STATUS = {
  pending: ['Waiting for the patient', 'badge-info'],
  answered: ['Answered', 'badge-ok'],
  overdue: ['Overdue', 'badge-warn'],
  expired: ['Expired', 'badge-muted'],
  cancelled: ['Cancelled', 'badge-muted'],
};
export const checkinBadge = (s) => CHECKIN_STATUS[s] || [String(s || '').replace(/_/g, ' '), 'badge-muted'];
