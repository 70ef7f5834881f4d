// Mesodesk web app: entry point, session bootstrap and client-side routes.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './styles.css';
import { token, setUnauthorizedHandler } from './api.js';
import { SessionContext, loadSession, logout } from './session.js';
import { html, Link, navigate, useLocation, Spinner, Alert, PageTitle } from './ui.js';
import { LoginScreen } from './screens/login.js';
import { PatientListScreen } from './screens/patient-list.js';
import { PatientFormScreen } from './screens/patient-form.js';
import { PatientScreen } from './screens/patient.js';
import { PublicQuestionnaire } from './screens/questionnaire-public.js';
import { consentPage } from './screens/consent-public.js';
import { StaffScreen } from './screens/staff.js';
import { ClinicSettingsScreen } from './screens/clinic-settings.js';
import { AuditScreen } from './screens/audit.js';
import { StockScreen, ProductScreen } from './screens/stock.js';
import { ReceiveScreen } from './screens/stock-receive.js';
import { LotScreen, VialScreen } from './screens/stock-lot.js';
import { WorklistsScreen } from './screens/stock-worklists.js';
import { RecallsScreen, RecallWorklistScreen } from './screens/recall.js';
import { FormulationScreen } from './screens/formulation.js';
import { PatchTestsScreen } from './screens/patch-tests.js';
import { DayScreen } from './screens/day.js';
import { CalendarScreen } from './screens/calendar.js';
import { CourseScreen } from './screens/course.js';
import { ClinicSetupScreen } from './screens/clinic-setup.js';
import { CredentialsScreen } from './screens/credentials.js';
import { SessionScreen } from './screens/treatment-session.js';
import { ChartingScreen } from './screens/charting.js';
import { ComplicationScreen } from './screens/complication.js';
import { EscalationsScreen, EscalationNavLink } from './screens/escalation.js';
import { checkinPage } from './screens/checkin-public.js';
import { DashboardScreen } from './screens/dashboard.js';
import { SignalsScreen } from './screens/signals.js';

const ROLE_LABELS = { admin: 'Admin', practitioner: 'Practitioner', reception: 'Reception', auditor: 'Auditor', medical_director: 'Medical director' };

function route(path) {
  let m;
  if (path === '/' || path === '') return { name: 'home' };
  if (path === '/login') return { name: 'login' };
  if (path === '/patients') return { name: 'patients' };
  if (path === '/patients/new') return { name: 'patient-new' };
  if ((m = /^\/patients\/([A-Za-z0-9_-]+)\/edit$/.exec(path))) return { name: 'patient-edit', id: m[1] };
  if ((m = /^\/patients\/([A-Za-z0-9_-]+)\/formulation$/.exec(path))) return { name: 'formulation', id: m[1] };
  if ((m = /^\/patients\/([A-Za-z0-9_-]+)\/patch-tests$/.exec(path))) return { name: 'patch-tests', id: m[1] };
  if ((m = /^\/patients\/([A-Za-z0-9_-]+)$/.exec(path))) return { name: 'patient', id: m[1] };
  if (path === '/staff') return { name: 'staff' };
  if (path === '/clinic') return { name: 'clinic' };
  if (path === '/audit') return { name: 'audit' };
  if (path === '/stock') return { name: 'stock' };
  if (path === '/stock/receive') return { name: 'stock-receive' };
  if (path === '/stock/worklists') return { name: 'stock-worklists' };
  if (path === '/stock/recalls') return { name: 'recalls' };
  if ((m = /^\/stock\/recalls\/([A-Za-z0-9_-]+)$/.exec(path))) return { name: 'recall', id: m[1] };
  if ((m = /^\/stock\/products\/([A-Za-z0-9_-]+)$/.exec(path))) return { name: 'product', id: m[1] };
  if ((m = /^\/stock\/lots\/([A-Za-z0-9_-]+)$/.exec(path))) return { name: 'lot', id: m[1] };
  if ((m = /^\/stock\/vials\/([A-Za-z0-9_-]+)$/.exec(path))) return { name: 'vial', id: m[1] };
  if (path === '/calendar') return { name: 'calendar' };
  if (path === '/schedule/setup') return { name: 'schedule-setup' };
  if (path === '/credentials') return { name: 'credentials' };
  if ((m = /^\/courses\/([A-Za-z0-9_-]+)$/.exec(path))) return { name: 'course', id: m[1] };
  if ((m = /^\/sessions\/([A-Za-z0-9_-]+)$/.exec(path))) return { name: 'session', id: m[1] };
  if (path === '/charting') return { name: 'charting' };
  if ((m = /^\/complications\/([A-Za-z0-9_-]+)$/.exec(path))) return { name: 'complication', id: m[1] };
  if (path === '/escalations') return { name: 'escalations' };
  if (path === '/dashboard') return { name: 'dashboard' };
  if (path === '/signals') return { name: 'signals' };
  return { name: 'not-found' };
}

function Header({ session, onLogout }) {
  const { me } = session;
  return html`<header class="topbar">
    <div class="topbar-inner">
      <${Link} href="/patients" class="brand" aria-label="Mesodesk, patients">
        <svg class="brand-mark" viewBox="0 0 32 32" aria-hidden="true"><rect width="32" height="32" rx="7" /><path d="M8 23V9h3.2l4.8 7.4L20.8 9H24v14h-3v-9l-5 7.4-5-7.4v9z" /></svg>
        <span>Mesodesk</span>
      <//>
      <span class="clinic-name">${me.clinic && me.clinic.name}</span>
      <nav aria-label="Main" class="mainnav">
        ${session.can('schedule_read') && html`<${Link} href="/" aria-current=${location.pathname === '/' ? 'page' : undefined}>Today<//>`}
        ${session.can('schedule_read') && html`<${Link} href="/calendar" aria-current=${location.pathname === '/calendar' ? 'page' : undefined}>Calendar<//>`}
        <${Link} href="/patients" aria-current=${location.pathname.startsWith('/patients') ? 'page' : undefined}>Patients<//>
        ${(session.can('chart_write') || session.can('chart_signoff')) && html`<${Link} href="/charting" aria-current=${location.pathname === '/charting' ? 'page' : undefined}>Charting<//>`}
        ${session.can('clinical_read') && html`<${EscalationNavLink} current=${location.pathname === '/escalations'} />`}
        ${session.can('stock_read') && html`<${Link} href="/stock" aria-current=${location.pathname.startsWith('/stock') ? 'page' : undefined}>Stock<//>`}
        ${session.can('staff_write') && html`<${Link} href="/staff" aria-current=${location.pathname === '/staff' ? 'page' : undefined}>Staff<//>`}
        ${session.can('staff_write') && html`<${Link} href="/clinic" aria-current=${location.pathname === '/clinic' ? 'page' : undefined}>Clinic<//>`}
        ${session.can('audit_read') && html`<${Link} href="/audit" aria-current=${location.pathname === '/audit' ? 'page' : undefined}>Audit<//>`}
        ${session.can('pv_read') && html`<${Link} href="/dashboard" aria-current=${location.pathname === '/dashboard' || location.pathname === '/signals' ? 'page' : undefined}>Dashboard<//>`}
      </nav>
      <div class="whoami">
        <span class="who-name">${me.staff.display_name}</span>
        <span class="role-badge">${ROLE_LABELS[me.staff.role] || me.staff.role}</span>
        <button type="button" class="btn btn-ghost" onClick=${onLogout}>Sign out</button>
      </div>
    </div>
  </header>`;
}

function Redirect({ to }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

function NotFound() {
  return html`<section class="page"><${PageTitle}>Page not found<//><p>There is nothing at this address. <${Link} href="/patients">Go to patients<//>.</p></section>`;
}

function App() {
  const loc = useLocation();
  const [session, setSession] = useState(null);
  const [boot, setBoot] = useState(() => (token.get() ? 'loading' : 'anon'));
  const [bootError, setBootError] = useState(null);
  const [notice, setNotice] = useState(null);

  const signIn = async () => {
    const s = await loadSession();
    setSession(s);
    setBoot('ready');
    return s;
  };

  useEffect(() => {
    setUnauthorizedHandler(() => {
      token.clear();
      setSession(null);
      setBoot('anon');
      setNotice('Your session has ended. Please sign in again.');
    });
    if (boot === 'loading')
      signIn().catch((e) => {
        if (e.status === 401) return;
        setBootError(e);
        setBoot('error');
      });
  }, []);

  const onLogout = async () => {
    await logout();
    setSession(null);
    setBoot('anon');
    setNotice('You have signed out.');
    navigate('/login', { replace: true });
  };

  const r = route(loc.path);

  if (boot === 'loading') return html`<main class="center"><${Spinner} label="Opening Mesodesk…" /></main>`;
  if (boot === 'error')
    return html`<main class="center"><${Alert}>Mesodesk could not start: ${bootError.message}<//><button class="btn" onClick=${() => location.reload()}>Retry</button></main>`;
  if (boot === 'anon' || !session) {
    const next = r.name === 'login' ? new URLSearchParams(loc.search).get('next') : loc.path + loc.search;
    return html`<${LoginScreen}
      notice=${notice}
      onSignedIn=${async () => {
        await signIn();
        setNotice(null);
        // Staff who see the schedule land on the day ('/'); the others on the patient list.
        const to = next && next.startsWith('/') && !next.startsWith('//') && next !== '/login' ? next : '/';
        navigate(to, { replace: true });
      }}
    />`;
  }

  let screen;
  switch (r.name) {
    case 'home':
      screen = session.can('schedule_read') ? html`<${DayScreen} search=${loc.search} />` : html`<${Redirect} to="/patients" />`;
      break;
    case 'login':
      screen = html`<${Redirect} to="/" />`;
      break;
    case 'patients':
      screen = html`<${PatientListScreen} search=${loc.search} />`;
      break;
    case 'patient-new':
      screen = html`<${PatientFormScreen} />`;
      break;
    case 'patient-edit':
      screen = html`<${PatientFormScreen} id=${r.id} key=${'edit' + r.id} />`;
      break;
    case 'patient':
      screen = html`<${PatientScreen} id=${r.id} key=${r.id} />`;
      break;
    case 'staff':
      screen = html`<${StaffScreen} />`;
      break;
    case 'clinic':
      screen = html`<${ClinicSettingsScreen} />`;
      break;
    case 'audit':
      screen = html`<${AuditScreen} search=${loc.search} />`;
      break;
    case 'stock':
      screen = html`<${StockScreen} />`;
      break;
    case 'stock-receive':
      screen = html`<${ReceiveScreen} search=${loc.search} />`;
      break;
    case 'stock-worklists':
      screen = html`<${WorklistsScreen} />`;
      break;
    case 'recalls':
      screen = html`<${RecallsScreen} />`;
      break;
    case 'recall':
      screen = html`<${RecallWorklistScreen} id=${r.id} key=${r.id} />`;
      break;
    case 'product':
      screen = html`<${ProductScreen} id=${r.id} key=${r.id} />`;
      break;
    case 'lot':
      screen = html`<${LotScreen} id=${r.id} key=${r.id} />`;
      break;
    case 'vial':
      screen = html`<${VialScreen} id=${r.id} key=${r.id} />`;
      break;
    case 'formulation':
      screen = html`<${FormulationScreen} id=${r.id} key=${r.id} />`;
      break;
    case 'patch-tests':
      screen = html`<${PatchTestsScreen} id=${r.id} key=${r.id} />`;
      break;
    case 'calendar':
      screen = html`<${CalendarScreen} search=${loc.search} />`;
      break;
    case 'schedule-setup':
      screen = html`<${ClinicSetupScreen} />`;
      break;
    case 'credentials':
      screen = html`<${CredentialsScreen} search=${loc.search} />`;
      break;
    case 'course':
      screen = html`<${CourseScreen} id=${r.id} key=${r.id} />`;
      break;
    case 'session':
      screen = html`<${SessionScreen} id=${r.id} key=${r.id} />`;
      break;
    case 'charting':
      screen = html`<${ChartingScreen} search=${loc.search} />`;
      break;
    case 'complication':
      screen = html`<${ComplicationScreen} id=${r.id} key=${r.id} />`;
      break;
    case 'escalations':
      screen = html`<${EscalationsScreen} />`;
    case 'dashboard':
      screen = html`<${DashboardScreen} />`;
      break;
    case 'signals':
      screen = html`<${SignalsScreen} search=${loc.search} />`;
      break;
    default:
      screen = html`<${NotFound} />`;
  }
  return html`<${SessionContext.Provider} value=${session}>
    <a class="skip-link" href="#main">Skip to content</a>
    <${Header} session=${session} onLogout=${onLogout} />
    <main id="main" class="main">${screen}</main>
  <//>`;
}

// /q/{token}: the patient's questionnaire, public and outside the staff app.
const q = /^\/q\/([A-Za-z0-9_-]+)\/?$/.exec(location.pathname);
render(q ? html`<${PublicQuestionnaire} token=${q[1]} />` : consentPage() || checkinPage() || html`<${App} />`, document.getElementById('app'));
