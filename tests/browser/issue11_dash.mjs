// Browser tests of the pharmacovigilance dashboard, the signal report and the course
// outcomes (issue 11 item 8, second half), run by run.mjs with its harness. Seeded through
// the API as the practitioner: two patients' courses with completed sessions (check-in,
// screening, consents, before and after photos, prechecks, chart, completion), GAIS (both
// raters), WSRS and satisfaction scores on them, and infections recorded against one lot.
// The dashboard draws a canvas of non-zero size per chart and its table holds the figures
// GET /pv/dashboard gives; the signal report lists the seeded cluster with its rule and
// links, and offers the CSV; the course page plots the scores beside the photos of each
// view, and a practitioner's score is recorded from the page with the scale's points.
// Every screen is checked at 390 px and 1366 px for horizontal scroll (checkWidths).
// Against a server without the outcome or pv routes it prints skip for those tests.

import { consentSigner, signInFresh } from './fixtures.mjs';

export async function issue11DashTests(h) {
  const { test, assert, BASE, checkWidths, apiCall, DEMO_PASSWORD, stamp, clinicDay } = h;
  const page = h.page();
  const panel = (kind) => page.locator(`section[data-kind="${kind}"]`);
  const ok = (r, what) => assert(r.status >= 200 && r.status < 300, `${what}: ${r.status} ${JSON.stringify(r.json)}`);

  const signIn = (email) => signInFresh(page, BASE, email, DEMO_PASSWORD);

  /** Is a route served? An unknown endpoint is a 404 that says so, not a missing record. */
  const served = async (path) => {
    const r = await apiCall('GET', path);
    return !(r.status === 404 && /endpoint/i.test(JSON.stringify(r.json)));
  };

  /** A real JPEG drawn in the page, uploaded as a session photo with the token. */
  const uploadPhoto = (sid, phase, view) =>
    page.evaluate(
      async ({ sid, phase, view }) => {
        const c = document.createElement('canvas');
        c.width = 320;
        c.height = 240;
        const g = c.getContext('2d');
        g.fillStyle = phase === 'before' ? '#d9b8a0' : '#e6c8b0';
        g.fillRect(0, 0, 320, 240);
        g.fillStyle = '#333';
        g.font = '28px sans-serif';
        g.fillText(`${phase} ${view}`, 20, 120);
        const blob = await new Promise((r) => c.toBlob(r, 'image/jpeg', 0.8));
        const r = await fetch(`/api/v1/sessions/${sid}/photos?phase=${phase}&view=${view}`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${sessionStorage.getItem('mesodesk.token')}`, 'Content-Type': 'image/jpeg' },
          body: blob,
        });
        return { status: r.status, json: await r.json() };
      },
      { sid, phase, view },
    );

  const signConsent = consentSigner(page, apiCall, assert, 'Dana Patient');

  /** One product lot shared by every patient (the cluster's lot) and a needle lot. */
  async function stock() {
    const prod = await apiCall('POST', '/products', { name: `HA dash ${stamp}`, presentation: 'single_dose', volume_ml: 5, base: 'aqueous', ingredients: [{ ingredient: 'hyaluronic_acid' }], regulatory: { UK: 'ce_marked', EU: 'ce_marked', US: 'fda_cleared' } });
    ok(prod, 'product');
    const lot = await apiCall('POST', '/lots', { product_id: prod.json.id, lot_number: `DASH${stamp}`, expiry: '2099-01-31', received_on: clinicDay(-10), quantity: 40 });
    ok(lot, 'lot');
    const n = await apiCall('POST', '/consumables', { kind: 'needle', name: `Needle 30G 13 mm dash ${stamp}`, gauge: 30, length_mm: 13 });
    ok(n, 'needle');
    const nl = await apiCall('POST', '/lots', { product_id: n.json.id, lot_number: `DN${stamp}`, expiry: '2099-01-31', received_on: clinicDay(-10), quantity: 100 });
    ok(nl, 'needle lot');
    return { product: prod.json, lot: lot.json, needle: nl.json };
  }

  /** A patient ready to treat: facts, a mixture of the shared lot's product, a course, consents, a screening. */
  async function patient(given, st, today) {
    const p = await apiCall('POST', '/patients', { given_name: given, family_name: `Dash${stamp}`, birth_date: '1986-05-14', sex: 'female', fitzpatrick: 3, confirm_not_duplicate: true });
    ok(p, 'patient');
    const pid = p.json.id;
    ok(await apiCall('POST', `/patients/${pid}/status`, { pregnant: 'no', breastfeeding: 'no', recorded_on: today }), 'status');
    ok(await apiCall('POST', `/patients/${pid}/allergy_statements`, { asked_on: today }), 'no known allergies');
    const f = await apiCall('POST', `/patients/${pid}/formulations`, { name: `Glow ${given}`, mixture: { components: [{ product_id: st.product.id, volume_ml: 2 }], areas: ['cheeks', 'forehead'], concerns: ['dryness'] }, planned_date: today });
    ok(f, 'mixture');
    const c = await apiCall('POST', `/patients/${pid}/courses`, { protocol: 'facial_rejuvenation', formulation_id: f.json.id, start: today });
    ok(c, 'course');
    await signConsent(pid, 'photo');
    await signConsent(pid, 'treatment', c.json.id);
    ok(await apiCall('POST', '/screenings', { patient_id: pid, date: today, plan: { areas: ['cheeks', 'forehead'], ingredients: ['hyaluronic_acid'] } }), 'screening');
    return { pid, given, course: c.json.id, sessions: [] };
  }

  /** A completed course session through the API: check-in, photos, prechecks, start, chart, completion. */
  async function completeSession(pt, st, seq) {
    const s = await apiCall('POST', '/sessions', { patient_id: pt.pid, course_id: pt.course, course_session: seq });
    ok(s, `check-in of session ${seq}`);
    const sid = s.json.id;
    for (const v of ['front', 'left', 'right']) ok(await uploadPhoto(sid, 'before', v), `before photo ${v}`);
    const materials = { lots: [{ lot_id: st.lot.id }], needle_lot_id: st.needle.id };
    ok(await apiCall('POST', `/sessions/${sid}/precheck`, { materials }), 'prechecks');
    ok(await apiCall('POST', `/sessions/${sid}/start`, {}), 'start');
    const chart = {
      technique: 'papule',
      started_at: new Date(Date.now() - 40 * 60000).toISOString().replace(/\.\d+Z$/, 'Z'),
      ended_at: new Date(Date.now() - 10 * 60000).toISOString().replace(/\.\d+Z$/, 'Z'),
      needle_lot_id: st.needle.id,
      entries: [{ map: 'face_front', x: 280, y: 300, zone: 'cheek_left', points: 5, volume_ml: 0.5, depth_mm: 1.5, angle_deg: 40, needle_gauge: 30, needle_length_mm: 13, lot_id: st.lot.id }],
      notes: `Session ${seq} of ${pt.given}, well tolerated.`,
    };
    ok(await apiCall('PUT', `/sessions/${sid}/chart`, chart), `chart of session ${seq}`);
    for (const v of ['front', 'left', 'right']) ok(await uploadPhoto(sid, 'after', v), `after photo ${v}`);
    ok(await apiCall('POST', `/sessions/${sid}/complete`, {}), `completion of session ${seq}`);
    pt.sessions.push(sid);
    return sid;
  }

  /** The civil day now in a time zone. */
  const zoneDay = (zone) => new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(new Date());

  /** The admin's API calls from Node, with a token of their own (the page stays the practitioner's). */
  let adminToken = null;
  async function adminCall(method, path, body) {
    if (!adminToken) {
      const r = await fetch(`${BASE}/api/v1/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: 'admin@demo.clinic', password: h.ADMIN_PASSWORD }) });
      adminToken = (await r.json()).token;
    }
    const r = await fetch(`${BASE}/api/v1${path}`, { method, headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
    return { status: r.status, json: await r.json().catch(() => null) };
  }
  const setZone = async (zone) => ok(await adminCall('PATCH', '/clinic', { time_zone: zone, reason: 'dashboard test: sessions some days before the onset' }), `clinic zone ${zone}`);

  /** A complication through the API, recorded from its session (the session's lots become its suspects). */
  async function complication(pt, sid, code, onset, grade, description) {
    let r = await apiCall('POST', `/sessions/${sid}/complications`, { code, onset_on: onset, grade, description });
    if (r.status === 404 || r.status === 405) r = await apiCall('POST', `/patients/${pt.pid}/complications`, { code, onset_on: onset, grade, description, session_id: sid });
    ok(r, `complication ${code}`);
    return r.json;
  }

  let st = null;
  let ada = null;
  let bea = null;
  let cleo = null;
  const infections = [];
  let outcomes = false;
  let pv = false;
  let complications = false;

  await test('issue 11 dashboard fixture: completed sessions on one lot, infections on it, through the API', async () => {
    await page.setViewportSize({ width: 1366, height: 900 });
    await signIn('practitioner@demo.clinic');
    outcomes = (await served('/kb/outcome-scales')) && (await served('/courses/none/outcomes'));
    pv = await served('/pv/dashboard');
    complications = (await served('/kb/complications')) && (await served('/complications/none'));
    st = await stock();
    // The API charts sessions on the clinic's today only. An infection's onset window opens a
    // day or more after its session, so the two patients of the cluster are treated while the
    // clinic's zone is 11 hours behind UTC and their infections recorded when it is 14 hours
    // ahead: the sessions are then 1 or 2 days before the onset. The zone is set back after.
    const zone = (await adminCall('GET', '/clinic')).json.time_zone;
    try {
      await setZone('Pacific/Pago_Pago');
      ada = await patient('Ada', st, zoneDay('Pacific/Pago_Pago'));
      bea = await patient('Bea', st, zoneDay('Pacific/Pago_Pago'));
      await completeSession(ada, st, 1);
      await completeSession(ada, st, 2);
      await completeSession(bea, st, 1);
      if (complications) {
        await setZone('Pacific/Kiritimati');
        const onset = zoneDay('Pacific/Kiritimati');
        infections.push(await complication(ada, ada.sessions[1], 'infection_bacterial', onset, 2, 'Tender red papules at the cheek, warm'));
        infections.push(await complication(bea, bea.sessions[0], 'infection_bacterial', onset, 2, 'Red swelling and pus at two injection points'));
      }
    } finally {
      await setZone(zone);
    }
    cleo = await patient('Cleo', st, clinicDay(0));
    await completeSession(cleo, st, 1);
    if (complications) await complication(cleo, cleo.sessions[0], 'bruising', clinicDay(0), 1, 'Small bruises at the cheek');
  });

  /** The figures as the app prints them (dashboard-chart.js num, interval). */
  const num = (v, d = 1) => (v === null || v === undefined || !Number.isFinite(Number(v)) ? '—' : Number(v).toLocaleString('en-GB', { minimumFractionDigits: d, maximumFractionDigits: d }));
  const interval = (lo, hi) => (num(lo) === '—' || num(hi) === '—' ? '—' : `${num(lo)}–${num(hi)}`);
  /** A chart drawn: its canvas has a non-zero size on the page and in pixels. */
  async function drawn(fig, what) {
    const canvas = fig.locator('canvas');
    await canvas.waitFor();
    await page.waitForFunction((el) => el.width > 0 && el.height > 0, await canvas.elementHandle());
    const box = await canvas.boundingBox();
    assert(box && box.width > 50 && box.height > 50, `${what}: the canvas is ${JSON.stringify(box)}`);
  }
  /** The cells of a chart's table (it is visually hidden until asked for: textContent). */
  const cells = (table) => table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.textContent.trim())));

  if (!outcomes) console.log('skip course outcomes: this server has no /api/v1/kb/outcome-scales or /api/v1/outcomes (no such endpoint)');
  else
    await test('course page: the scores per scale and rater plotted over the sessions beside the before/after photos; a score recorded with the scale\'s points', async () => {
      const scales = (await apiCall('GET', '/kb/outcome-scales')).json.scales;
      const find = (re) => scales.find((x) => re.test(x.id));
      const gais = find(/gais/i);
      const wsrs = find(/wsrs|wrinkle/i);
      const sat = find(/satisf|face/i);
      assert(gais && wsrs && sat, `GAIS, WSRS and satisfaction scales: ${scales.map((x) => x.id)}`);
      const pts = (sc) => [...sc.points].sort((a, b) => a.value - b.value).map((p) => p.value);
      const [g, w] = [pts(gais), pts(wsrs)];
      const score = async (sid, scale, rater, value) => ok(await apiCall('POST', '/outcomes', { session_id: sid, scale: scale.id, rater, score: value }), `${scale.id} ${rater} ${value}`);
      await score(ada.sessions[0], gais, 'practitioner', g[2]);
      await score(ada.sessions[0], gais, 'patient', g[1]);
      await score(ada.sessions[1], gais, 'practitioner', g[1]);
      await score(ada.sessions[1], gais, 'patient', g[0]);
      await score(ada.sessions[0], wsrs, 'practitioner', w[3]);
      const sv = pts(sat);
      await score(ada.sessions[0], sat, 'patient', sv[sv.length - 2]);
      await score(ada.sessions[1], sat, 'patient', sv[sv.length - 1]);
      await score(bea.sessions[0], gais, 'practitioner', g[1]);
      await score(cleo.sessions[0], gais, 'patient', g[2]);
      const series = (await apiCall('GET', `/courses/${ada.course}/outcomes`)).json;

      await page.setViewportSize({ width: 1366, height: 900 });
      await page.goto(`${BASE}/courses/${ada.course}`);
      const op = panel('outcomes');
      for (const sc of [gais, wsrs, sat]) {
        const fig = op.locator(`[data-scale="${sc.id}"] figure[data-chart="outcome-${sc.id}"]`);
        await drawn(fig, `${sc.id} over the course`);
        // The table holds each score the API gives, on its session's row and under its rater.
        const rows = await cells(fig.locator('table'));
        const head = await fig.locator('table thead th').allTextContents();
        for (const s of series.series.filter((x) => x.scale === sc.id)) {
          const col = head.indexOf(s.rater === 'patient' ? 'Patient' : 'Practitioner');
          assert(col > 0, `${sc.id}: a column for ${s.rater}: ${head}`);
          for (const p of s.points) {
            const n = series.sessions.find((x) => x.id === p.session_id).course_session;
            const row = rows.find((r) => r[0].startsWith(`Session ${n}`));
            assert(row && row[col].startsWith(String(p.score)) && (!p.label || row[col].includes(p.label)), `${sc.id} ${s.rater} session ${n}: ${p.score} ${p.label} in ${JSON.stringify(rows)}`);
          }
        }
      }
      // Beside the plots: each view's before and after thumbnails, session by session, with that session's scores.
      for (const v of ['front', 'left', 'right'])
        for (const sid of ada.sessions) {
          const cell = op.locator(`.outcome-photos[data-view="${v}"] li[data-session="${sid}"]`);
          await cell.locator('img.thumb').nth(1).waitFor();
          assert((await cell.locator('img.thumb').count()) === 2, `${v}: before and after of session ${sid}`);
          const beside = await cell.locator('.outcome-scores').innerText();
          assert(beside.includes('GAIS') || beside.includes(gais.name), `${v}: the session's GAIS beside its photos: ${beside}`);
        }
      await checkWidths(page, 'course page with its outcomes');

      // A practitioner's WSRS score on session 2 from the page: refused without a score, then recorded and plotted.
      await op.getByRole('button', { name: 'Record a score' }).click();
      const d = page.locator('dialog[open]');
      const second = d.getByLabel('Session').locator('option', { hasText: /^Session 2\b/ });
      await second.waitFor({ state: 'attached' });
      await d.getByLabel('Session').selectOption(await second.getAttribute('value'));
      await d.getByLabel('Scale').selectOption(wsrs.id);
      const pick = [...wsrs.points].sort((a, b) => a.value - b.value)[1];
      if (pick.meaning) await d.getByText(pick.meaning).waitFor();
      await checkWidths(page, 'record a score dialog');
      await d.getByRole('button', { name: 'Record the score' }).click();
      await d.locator('.score-points.has-error .field-error').waitFor();
      await d.getByRole('radio', { name: new RegExp(`^${pick.value} ${pick.label}`, 'i') }).check();
      await d.getByRole('button', { name: 'Record the score' }).click();
      await d.waitFor({ state: 'detached' });
      await op.getByRole('status').filter({ hasText: 'Score recorded' }).waitFor();
      const wfig = op.locator(`figure[data-chart="outcome-${wsrs.id}"]`);
      await page.waitForFunction((el) => [...el.querySelectorAll('tbody tr')].some((r) => r.textContent.startsWith('Session 2')), await wfig.locator('table').elementHandle());
      const row = (await cells(wfig.locator('table'))).find((r) => r[0].startsWith('Session 2'));
      assert(row[1].startsWith(String(pick.value)), `session 2's WSRS plotted: ${row}`);
      const stored = (await apiCall('GET', `/sessions/${ada.sessions[1]}/outcomes`)).json;
      const list = Array.isArray(stored) ? stored : stored.items;
      assert(list.some((o) => o.scale === wsrs.id && o.rater === 'practitioner' && o.score === pick.value), `stored: ${JSON.stringify(list)}`);
    });

  if (!pv) console.log('skip dashboard and signal report: this server has no /api/v1/pv/dashboard (no such endpoint)');
  else {
    await test('dashboard: a chart per figure drawn, each table holding what GET /pv/dashboard gives; the cluster with its rule, sources and links', async () => {
      const api = (await apiCall('GET', '/pv/dashboard?weeks=26')).json;
      await page.setViewportSize({ width: 1366, height: 900 });
      await page.goto(`${BASE}/patients`);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
      await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
      const fig = (name) => page.locator(`figure[data-chart="${name}"]`);
      // Sessions per week: the weeks and counts of the API, in order.
      await drawn(fig('sessions_per_week'), 'sessions per week');
      const weeks = await cells(fig('sessions_per_week').locator('table'));
      assert(JSON.stringify(weeks.map((r) => r[1])) === JSON.stringify(api.sessions_per_week.map((x) => String(x.sessions))), `sessions per week: ${JSON.stringify(weeks)} vs ${JSON.stringify(api.sessions_per_week)}`);
      assert(api.sessions_per_week.reduce((a, x) => a + x.sessions, 0) >= 4, 'the seeded sessions are counted');
      // Rates by product and by lot, with their intervals.
      for (const [name, dim] of [['rates_product', 'product'], ['rates_lot', 'lot']]) {
        await drawn(fig(name), `rates by ${dim}`);
        const rows = await cells(fig(name).locator('table'));
        for (const r of api.rates.filter((x) => x.dimension === dim)) {
          const row = rows.find((x) => x[0] === (r.label || r.id));
          assert(row, `${dim} ${r.label} listed: ${JSON.stringify(rows)}`);
          assert(row[1] === String(r.sessions) && row[2] === String(r.events) && row[3] === num(r.rate_per_1000) && row[4] === interval(r.lo, r.hi), `${dim} ${r.label}: ${row} vs ${JSON.stringify(r)}`);
        }
      }
      const ours = api.rates.find((x) => x.dimension === 'lot' && x.id === st.lot.id);
      assert(ours && ours.events >= 2, `the seeded lot's rate: ${JSON.stringify(ours)}`);
      // GAIS distribution: the counts per point and rater.
      const gais = Array.isArray(api.gais) ? api.gais : [api.gais];
      if (gais.some((x) => x && x.n > 0)) {
        await drawn(fig('gais'), 'GAIS distribution');
        const rows = await cells(fig('gais').locator('table'));
        for (const [i, dist] of gais.entries()) for (const c of dist.counts) assert(rows.some((r) => r[0].startsWith(String(c.value)) && r[i + 1] === String(c.n)), `GAIS ${c.value}: ${c.n} in ${JSON.stringify(rows)}`);
      }
      // Maintenance due: drawn when any course is due.
      if (api.maintenance_due.some((x) => x.courses > 0)) {
        await drawn(fig('maintenance_due'), 'maintenance due');
        const rows = await cells(fig('maintenance_due').locator('table'));
        assert(JSON.stringify(rows.map((r) => r[1])) === JSON.stringify(api.maintenance_due.map((x) => String(x.courses))), `maintenance due: ${JSON.stringify(rows)}`);
      } else await fig('maintenance_due').locator('.empty').waitFor();
      // The seeded cluster: two infections sharing the lot, its rule and sources, links to the lot and each complication.
      const cluster = panel('pv-signals').locator(`li[data-cluster="lot:${st.lot.id}"]`);
      await cluster.waitFor();
      assert((await cluster.locator('.pv-rule code').innerText()) === 'infection_cluster', 'the cluster names its rule');
      assert((await cluster.locator('.pv-rule .src').count()) > 0, 'the cluster names its sources');
      assert((await cluster.locator(`a[href="/stock/lots/${st.lot.id}"]`).count()) === 1, 'the cluster links to its lot');
      for (const c of infections) assert((await cluster.locator(`a[data-complication="${c.id}"]`).count()) === 1, `the cluster links to complication ${c.id}`);
      await checkWidths(page, 'dashboard');
      await fig('sessions_per_week').getByRole('button', { name: 'Show the numbers' }).click();
      await fig('rates_lot').getByRole('button', { name: 'Show the numbers' }).click();
      await checkWidths(page, 'dashboard with two tables shown');
    });

    await test('signal report: the cluster, the rates and the disproportionality lines; the CSV downloaded', async () => {
      const api = (await apiCall('GET', '/pv/signals')).json;
      await panel('pv-signals').getByRole('link', { name: /Full signal report/ }).click();
      await page.getByRole('heading', { level: 1, name: 'Signal report' }).waitFor();
      const cluster = panel('pv-signals').locator(`li[data-cluster="lot:${st.lot.id}"]`);
      await cluster.waitFor();
      assert((await cluster.innerText()).includes(st.lot.lot_number), 'the cluster names the lot');
      const lotRow = panel('pv-rates').locator('table[data-rates="lot"] tbody tr', { has: page.locator(`a[href="/stock/lots/${st.lot.id}"]`) });
      const r = api.rates.find((x) => x.dimension === 'lot' && x.id === st.lot.id);
      const got = await lotRow.locator('td').allTextContents();
      assert(JSON.stringify(got) === JSON.stringify([String(r.sessions), String(r.events), num(r.rate_per_1000), interval(r.lo, r.hi)]), `lot rate row ${got} vs ${JSON.stringify(r)}`);
      const disp = api.disproportionality.filter((x) => x.id === st.lot.id);
      for (const x of disp) await panel('pv-disproportionality').locator(`tr[data-line="lot:${st.lot.id}:${x.code}"]`).waitFor();
      await checkWidths(page, 'signal report');
      const [dl] = await Promise.all([page.waitForEvent('download'), page.locator('a[data-csv]').click()]);
      const csv = await (await import('node:fs')).promises.readFile(await dl.path(), 'utf8');
      assert(/^"?section"?,/.test(csv) && csv.includes(st.lot.id), `the CSV: ${csv.slice(0, 200)}`);
    });
  }

  await test('reception has no dashboard in the menu', async () => {
    await signIn('reception@demo.clinic');
    assert((await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).count()) === 0, 'no Dashboard link for reception');
  });
}
