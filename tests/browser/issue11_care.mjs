// Browser tests of complications, the escalation worklist and the patient's check-in
// (issue 11 item 8, first half), run by run.mjs with its harness after the charting tests
// (tests/browser/issue10.mjs), whose completed sessions (patients ChartD<stamp> and
// ChartT<stamp>, a product lot each) they use:
//   - a complication recorded from a session at 1366 px: an onset before the session and
//     "fatal" without a date refused beside their fields; the proposal lists the session
//     with its lot, the lot ticked; grade 3 with the CTCAE wording; stored with the session
//     and the lot as suspects, and on the escalation worklist;
//   - the same at 390 px from the other session (grade 1: not on the worklist);
//   - the complication page: versions, a follow-up task done, an amendment (v2, reason);
//   - the worklist from the top bar (its count), acting on the grade 3 entry: it leaves;
//     the overdue check-ins beside it;
//   - the check-in link at 390 px in a fresh browser without a staff token: a red-flag
//     answer and a photo from the camera input -> "Call the clinic now" with the clinic's
//     number as a tel: link, the entry on the worklist; the link then says it was answered,
//     a second answer is refused (409);
//   - every screen checked at 390 px and 1366 px for horizontal scroll (checkWidths).
// Against a server without the complication or check-in routes it prints skip.

export async function issue11CareTests(h) {
  const { test, assert, BASE, checkWidths, apiCall, DEMO_PASSWORD, ADMIN_PASSWORD, stamp, clinicDay, browser } = h;
  const page = h.page();
  const panel = (kind) => page.locator(`section[data-kind="${kind}"]`);
  const ok = (r, what) => assert(r.status >= 200 && r.status < 300, `${what}: ${r.status} ${JSON.stringify(r.json)}`);
  const items = (x) => (Array.isArray(x) ? x : (x && (x.items || x.versions)) || []);

  async function signIn(email, password = DEMO_PASSWORD) {
    await page.goto(`${BASE}/login?next=%2Fpatients`);
    await page.evaluate(() => sessionStorage.clear());
    await page.goto(`${BASE}/login?next=%2Fpatients`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Patients' }).waitFor();
  }

  /** A real image the server decodes: JPEG bytes drawn on an OffscreenCanvas in page p. */
  const jpeg = async (p, label) => {
    const b64 = await p.evaluate(async (text) => {
      const oc = new OffscreenCanvas(480, 360);
      const g = oc.getContext('2d');
      Object.assign(g, { fillStyle: '#d9a890' }).fillRect(0, 0, 480, 360);
      Object.assign(g, { fillStyle: '#333', font: '36px sans-serif' }).fillText(text, 30, 180);
      const bytes = new Uint8Array(await (await oc.convertToBlob({ type: 'image/jpeg', quality: 0.8 })).arrayBuffer());
      return btoa(Array.from(bytes, (x) => String.fromCharCode(x)).join(''));
    }, label);
    return Buffer.from(b64, 'base64');
  };

  // --- the routes, and the charting tests' sessions ---
  const fx = {};
  let skip = '';
  let noCheckins = '';
  /** The first of paths this server does not have ("no such endpoint"), or ''. */
  async function missing(paths) {
    for (const path of paths) {
      const r = await apiCall('GET', path);
      if (r.status === 404 && /no such endpoint/.test((r.json.error || {}).message || '')) return `this server has no ${path} (no such endpoint)`;
      ok(r, path);
    }
    return '';
  }
  await test('care: the complication and check-in routes are there', async () => {
    await signIn('practitioner@demo.clinic');
    skip = await missing(['/kb/complications', '/escalations']);
    if (skip) return;
    noCheckins = await missing(['/checkins/overdue', '/kb/checkins']);
    fx.cat = (await apiCall('GET', '/kb/complications')).json;
    for (const tag of ['D', 'T']) {
      const found = await apiCall('GET', `/patients?q=${encodeURIComponent(`Chart${tag}${stamp}`)}`);
      const p = items(found.json)[0];
      if (!p) {
        skip = `no charting patient Chart${tag}${stamp} (the charting tests did not run)`;
        return;
      }
      const ss = items((await apiCall('GET', `/patients/${p.id}/sessions`)).json).filter((s) => s.state === 'completed' || s.state === 'signed_off');
      assert(ss.length, `a completed session of Chart${tag}`);
      const s = (await apiCall('GET', `/sessions/${ss[0].id}`)).json;
      const lots = items(s.materials && s.materials.lots).map((l) => l.lot_id);
      fx[tag] = { pid: p.id, session: s.id, day: s.day, lot: lots[0] };
      assert(fx[tag].lot, `the session's product lot: ${JSON.stringify(s.materials)}`);
    }
  });
  if (skip) {
    console.log(`skip care: ${skip}`);
    return;
  }

  /** A complication of the catalogue whose onset window starts on the session's day (min 0). */
  const sameDay = (cat, category) => items(cat.complications).find((c) => c.onset && c.onset.min_days === 0 && (!category || c.category === category) && items(c.red_flags).length);

  /** Record from the session page: the refusals, then the proposal, the lot ticked, the grade. */
  async function recordFromSession(tag, grade, { refusals }) {
    const f = fx[tag];
    await page.goto(`${BASE}/sessions/${f.session}`);
    const cx = panel('complications');
    await cx.getByRole('button', { name: '+ Record a complication' }).click();
    const dlg = page.locator('dialog[open]');
    const form = dlg.locator('form.cx-form');
    await form.waitFor();
    const entry = sameDay(fx.cat, 'local_reaction');
    assert(entry, 'a same-day local reaction in the catalogue');
    await form.getByLabel('Complication').selectOption(entry.code);
    await form.locator(`[data-flag="${entry.red_flags[0].code}"]`).waitFor();
    // Each grade shows its CTCAE v5 wording.
    for (const g of items(fx.cat.grades)) assert((await form.locator(`label[data-grade="${g.grade}"]`).innerText()).includes(g.label), `grade ${g.grade} wording`);
    // Seriousness starts as not assessed, never as no.
    assert((await form.locator('[data-criterion] input:checked').count()) === 7, 'seven criteria answered');
    for (const l of await form.locator('[data-criterion] label.on').allInnerTexts()) assert(/Not assessed/.test(l), `criterion defaults to not assessed: ${l}`);
    if (refusals) {
      // An onset before the session: refused under Onset.
      const before = new Date(`${f.day}T12:00:00Z`);
      before.setUTCDate(before.getUTCDate() - 3);
      await form.locator('input[name="onset_on"]').fill(before.toISOString().slice(0, 10));
      await form.locator(`label[data-grade="${grade}"]`).click();
      await form.getByRole('button', { name: 'Record the complication' }).click();
      await form.locator('.field.has-error:has(input[name="onset_on"]) .field-error').waitFor();
      await checkWidths(page, `complication refused at the onset (${tag})`);
      // Fatal without a date: refused under the outcome's date.
      await form.locator('input[name="onset_on"]').fill(f.day);
      await form.getByLabel('Outcome', { exact: true }).selectOption('fatal');
      await form.getByRole('button', { name: 'Record the complication' }).click();
      await form.locator('.field.has-error:has(input[name="outcome_on"]) .field-error').waitFor();
      await form.getByLabel('Outcome', { exact: true }).selectOption('');
    } else {
      await form.locator('input[name="onset_on"]').fill(f.day);
    }
    // The proposal: this session with its lot, to tick.
    const row = form.locator(`li.cx-session[data-session="${f.session}"]`);
    await row.waitFor();
    assert(await row.locator('input[name="suspects.sessions"]').isChecked(), 'the session is ticked to begin with');
    const lotBox = row.locator(`label[data-lot="${f.lot}"] input`).first();
    await lotBox.check();
    await form.locator(`label[data-grade="${grade}"]`).click();
    await form.getByLabel('Description').fill(`Redness at the cheeks (${tag})`);
    await checkWidths(page, `complication form with the proposal (${tag})`);
    await form.getByRole('button', { name: 'Record the complication' }).click();
    const note = cx.locator('[data-recorded]');
    await note.waitFor();
    const id = await note.getAttribute('data-recorded');
    const c = (await apiCall('GET', `/complications/${id}`)).json;
    assert(c.grade === grade && c.code === entry.code, `stored: ${JSON.stringify(c).slice(0, 300)}`);
    assert(items(c.suspects.sessions).includes(f.session) && items(c.suspects.lots).includes(f.lot), `the session and its lot are suspects: ${JSON.stringify(c.suspects)}`);
    assert(Object.values(c.seriousness).every((x) => x === null), `seriousness not assessed is stored as null: ${JSON.stringify(c.seriousness)}`);
    await cx.locator(`li[data-complication="${id}"]`).waitFor();
    await checkWidths(page, `session with a complication (${tag})`);
    return { id, note, entry };
  }

  await test('care: a grade 3 complication recorded from a session at 1366 px: refusals beside their fields, the lot ticked, on the worklist', async () => {
    await page.setViewportSize({ width: 1366, height: 900 });
    await signIn('practitioner@demo.clinic');
    const r = await recordFromSession('T', 3, { refusals: true });
    await r.note.locator('[data-escalated]').waitFor();
    fx.grade3 = r.id;
    const list = (await apiCall('GET', '/escalations')).json;
    assert(items(list).some((e) => e.source_id === r.id && e.reason === 'grade_3_plus'), `the grade 3 is on the worklist: ${JSON.stringify(list).slice(0, 400)}`);
  });

  await test('care: a grade 1 complication recorded from a session at 390 px, not on the worklist', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const r = await recordFromSession('D', 1, { refusals: false });
    assert((await r.note.locator('[data-escalated]').count()) === 0, 'a grade 1 without red flags is not escalated');
    fx.grade1 = r.id;
    const list = (await apiCall('GET', '/escalations')).json;
    assert(!items(list).some((e) => e.source_id === r.id), 'not on the worklist');
    await page.setViewportSize({ width: 1366, height: 900 });
  });

  await test('care: the patient page lists the complication; its page: versions, a follow-up done, an amendment as a new version', async () => {
    await page.goto(`${BASE}/patients/${fx.D.pid}`);
    const row = panel('complications').locator(`li[data-complication="${fx.grade1}"]`);
    await row.waitFor();
    assert(/Grade 1/.test(await row.innerText()), 'listed with its grade');
    assert((await panel('complications').getByRole('button', { name: '+ Record a complication' }).count()) === 1, 'recorded from the patient page too');
    await checkWidths(page, 'patient page with a complication');
    await row.getByRole('link').first().click();
    await page.locator(`.cx-page[data-complication="${fx.grade1}"]`).waitFor();
    await panel('complication-versions').locator('li[data-version="1"]').waitFor();
    await checkWidths(page, 'complication page');
    const fu = panel('followups').locator('li.cx-followup').first();
    if (await fu.count()) {
      await fu.getByRole('button', { name: 'Done' }).click();
      await panel('followups').locator('li.cx-followup[data-status="done"]').first().waitFor();
    }
    await page.getByRole('button', { name: 'Amend…' }).click();
    const form = panel('complication-amend').locator('form.cx-form');
    await form.getByLabel('Outcome', { exact: true }).selectOption('resolved');
    await form.locator('input[name="outcome_on"]').fill(clinicDay(0));
    await form.getByRole('button', { name: 'Save the amendment' }).click();
    // No reason: refused beside the reason.
    await form.locator('.field.has-error:has(textarea[name="reason"])').waitFor();
    await form.getByLabel('Reason for the amendment').fill('resolved at the day 2 call');
    await checkWidths(page, 'complication amend form');
    await form.getByRole('button', { name: 'Save the amendment' }).click();
    await page.locator('[data-amended]').waitFor();
    await page.locator('.cx-page[data-version="2"]').waitFor();
    const v2 = panel('complication-versions').locator('li[data-version="2"]');
    await v2.waitFor();
    const t = await v2.innerText();
    assert(/resolved at the day 2 call/.test(t) && /Outcome/.test(t), `v2 with its reason and the outcome change: ${t}`);
    assert((await panel('complication-versions').locator('li[data-version="1"]').count()) === 1, 'v1 is kept');
    await checkWidths(page, 'complication page after the amendment');
  });

  await test('care: the worklist from the top bar with its count; acting on the grade 3 takes it off', async () => {
    await page.goto(`${BASE}/patients`);
    const link = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Escalations/ });
    await link.locator('[data-escalation-count]').waitFor();
    await link.click();
    await page.getByRole('heading', { level: 1, name: /^Escalations/ }).waitFor();
    const entry = panel('escalations').locator(`li.esc-entry[data-source="${fx.grade3}"][data-reason="grade_3_plus"]`);
    await entry.waitFor();
    const text = await entry.innerText();
    assert(/Chart/.test(text) && /Grade 3/.test(text) && /Since/.test(text), `patient, grade and since: ${text}`);
    await panel('overdue-checkins').waitFor();
    await checkWidths(page, 'escalation worklist');
    await entry.getByRole('button', { name: 'Act…' }).click();
    await entry.getByRole('button', { name: 'Record the action' }).click();
    await entry.locator('.has-error .field-error, .form-error').first().waitFor();
    await entry.getByLabel('Called the patient').check();
    await entry.getByLabel('Note').fill('Seen tomorrow morning; cool compresses.');
    await checkWidths(page, 'acting on an escalation');
    await entry.getByRole('button', { name: 'Record the action' }).click();
    await page.locator('[data-acted]').waitFor();
    await entry.waitFor({ state: 'detached' });
    const list = (await apiCall('GET', '/escalations')).json;
    assert(!items(list).some((e) => e.source_id === fx.grade3 && e.reason === 'grade_3_plus'), 'gone from the worklist');
    await checkWidths(page, 'escalation worklist after acting');
  });

  if (noCheckins) {
    console.log(`skip care check-ins: ${noCheckins}`);
    return;
  }
  await test('care: the check-in at 390 px: a red flag and a photo -> call the clinic now with its number; on the worklist; a second answer refused', async () => {
    // The clinic's number, as the admin keeps it.
    await signIn('admin@demo.clinic', ADMIN_PASSWORD);
    let phone = (await apiCall('GET', '/me')).json.clinic.phone;
    if (!phone) {
      phone = '020 7946 0321';
      ok(await apiCall('PATCH', '/clinic', { phone, reason: 'patients call this number' }), 'clinic phone');
    }
    await signIn('practitioner@demo.clinic');
    const cis = items((await apiCall('GET', `/sessions/${fx.T.session}/checkins`)).json);
    const ci = cis.find((c) => c.status === 'pending' || c.status === 'overdue');
    assert(ci, `a waiting check-in of the session: ${JSON.stringify(cis).slice(0, 300)}`);
    const link = await apiCall('POST', `/checkins/${ci.id}/reissue`, {});
    ok(link, 'a new link');
    const token = link.json.token;
    assert(token, 'the token');

    // The patient's phone: a fresh browser without the staff token.
    const pctx = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-GB', timezoneId: 'Europe/Madrid', isMobile: true, hasTouch: true });
    pctx.setDefaultTimeout(8000);
    const pp = await pctx.newPage();
    const staffCalls = [];
    pp.on('request', (rq) => rq.headers().authorization && staffCalls.push(rq.url()));
    try {
      await pp.goto(`${BASE}/ci/${token}`);
      await pp.getByRole('heading', { level: 1, name: /How are you feeling/ }).waitFor();
      const qs = pp.locator('.ci-q');
      assert((await qs.count()) > 0, 'the questions');
      await checkWidths(pp, 'check-in form');
      // Sent with nothing answered: each required question says so under it, nothing is sent.
      await pp.getByRole('button', { name: 'Send my answers' }).click();
      await pp.locator('.ci-q.has-error .field-error').first().waitFor();
      // A file that is not an image: refused in words under the photo.
      await pp.locator('input[type="file"][name="photo"]').setInputFiles({ name: 'note.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('this is not a picture') });
      await pp.locator('.ci-photo.has-error .field-error').waitFor();
      // Answer every question: "no" (or the first option, or the scale's lowest), except one
      // yes / no question that the kb maps to a red flag when answered "yes" (GET /kb/checkins).
      const kbq = items((await apiCall('GET', '/kb/checkins')).json.questions);
      const flagged = kbq.find((q) => q.type === 'yes_no' && q.maps_to && q.maps_to.red_flag && items(q.when).includes('yes'));
      assert(flagged, `a red-flag question in the kb: ${JSON.stringify(kbq).slice(0, 300)}`);
      for (const q of kbq) {
        const box = pp.locator(`.ci-q[data-question="${q.code}"]`);
        if (!(await box.count()) || q.type === 'text') continue;
        const want = q === flagged ? 'yes' : q.type === 'yes_no' ? 'no' : null;
        const opt = want ? box.locator(`input[value="${want}"]`) : box.locator('input').first();
        await opt.check();
      }
      // A photo from the camera input: sent and shown.
      await pp.locator('input[type="file"][capture="environment"][accept="image/*"]').setInputFiles({ name: 'cheek.jpg', mimeType: 'image/jpeg', buffer: await jpeg(pp, 'day 2') });
      await pp.locator('.ci-photo[data-photo="sent"]').waitFor();
      await checkWidths(pp, 'check-in answered with a photo');
      await pp.getByRole('button', { name: 'Send my answers' }).click();
      const call = pp.locator('[data-call-now]');
      await call.waitFor();
      assert(/Call the clinic now/.test(await call.innerText()), 'call the clinic now');
      const tel = call.locator('a[href^="tel:"]');
      assert((await tel.getAttribute('href')) === `tel:${phone.replace(/[^\d+]/g, '')}`, `the clinic's number as a tel: link: ${await tel.getAttribute('href')}`);
      assert((await tel.innerText()).includes(phone), 'the number shown');
      await checkWidths(pp, 'check-in: call the clinic now');
      // The link works once.
      await pp.reload();
      await pp.locator('[data-checkin="answered"]').waitFor();
      await checkWidths(pp, 'check-in already answered');
      const again = await pp.evaluate(async (t) => {
        const r = await fetch(`/api/v1/checkin/${t}`, { method: 'POST', credentials: 'omit', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ answers: {} }) });
        return { status: r.status, json: await r.json().catch(() => null) };
      }, token);
      assert(again.status === 409 && again.json.error.field === 'token', `a second answer refused naming the token: ${JSON.stringify(again)}`);
      assert(staffCalls.length === 0, `no staff token sent: ${staffCalls.join(', ')}`);
    } finally {
      await pctx.close();
    }
    // The red flag is on the worklist at once.
    await page.goto(`${BASE}/escalations`);
    const entry = panel('escalations').locator(`li.esc-entry[data-reason="checkin_red_flag"][data-source="${ci.id}"]`);
    await entry.waitFor();
    assert(/Red flags/.test(await entry.innerText()), 'its red flags are shown');
    await checkWidths(page, 'worklist with the check-in red flag');
  });
}
