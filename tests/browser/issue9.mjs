// Browser tests of the schedule screens (issue 9 item 7, apart from consent signing, which
// consent.mjs tests): the day as the landing screen with what is missing; clinic hours,
// rooms and availability; credentials and the expiring worklist; planning a course and its
// timeline; booking inside and outside a session's window (the practitioner's override
// with a reason); a double booking refused; reschedule and cancel. Run by run.mjs with its
// harness (server, page, test/assert, checkWidths); every screen visited is checked at
// 390 px and 1366 px for horizontal scroll.

export async function issue9Tests(h) {
  const { test, assert, BASE, checkWidths, apiCall, DEMO_PASSWORD, ADMIN_PASSWORD, stamp, clinicDay } = h;
  const page = h.page();
  const ids = {};
  const roomA = `Room A ${stamp}`;
  const roomB = `Room B ${stamp}`;
  const licence = `LIC-${stamp}`;
  const tomorrow = clinicDay(1);
  const main = () => page.getByRole('navigation', { name: 'Main' });
  const sched = () => page.getByRole('navigation', { name: 'Schedule' });
  const dialog = (name) => page.getByRole('dialog', { name });
  const nav = (path) => page.evaluate((p) => { history.pushState(null, '', p); dispatchEvent(new Event('mesodesk:navigate')); }, path);

  /** Sign in at /login with no page asked for: staff land on the day. */
  async function signInToDay(email, password) {
    await page.goto(`${BASE}/login`);
    await page.evaluate(() => sessionStorage.clear());
    await page.goto(`${BASE}/login`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Today' }).waitFor();
    assert(new URL(page.url()).pathname === '/', `landed on ${page.url()}`);
  }

  await test('the day is the landing screen: today per practitioner and per room, the zone named, the three lists', async () => {
    await signInToDay('admin@demo.clinic', ADMIN_PASSWORD);
    await page.locator('.zone-label', { hasText: 'Europe/London' }).waitFor();
    for (const id of ['windows-h', 'maintenance-h', 'noshows-h']) await page.locator(`[data-worklist="${id}"]`).waitFor();
    await main().getByRole('link', { name: 'Patients' }).waitFor();
    await checkWidths(page, 'the day, by practitioner');
    await page.getByRole('tab', { name: 'By room' }).click();
    await page.waitForURL(/by=room/);
    await checkWidths(page, 'the day, by room');
  });

  await test('hours and rooms (admin): opening hours, two rooms, a practitioner’s weekly hours and an absence', async () => {
    await sched().getByRole('link', { name: 'Hours and rooms' }).click();
    await page.getByRole('heading', { level: 1, name: 'Hours and rooms' }).waitFor();
    const week = async (d) => {
      for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']) {
        await d.getByLabel(`Open on ${day}`).check();
        await d.getByLabel(`${day} from`).fill('08:00');
        await d.getByLabel(`${day} to`).fill('20:00');
      }
    };
    await page.getByRole('button', { name: 'Edit hours' }).click();
    const d = dialog('Opening hours');
    await week(d);
    await checkWidths(page, 'opening hours dialog');
    await d.getByRole('button', { name: 'Save' }).click();
    await d.waitFor({ state: 'detached' });
    await page.locator('[data-panel="hours"] dd[data-weekday="wed"]', { hasText: '08:00–20:00' }).waitFor();
    const hours = page.locator('[data-panel="hours"]');
    await hours.getByLabel('Closed on').fill(clinicDay(90));
    await hours.getByLabel('Why').fill('Staff training day');
    await hours.getByRole('button', { name: 'Add closure' }).click();
    await hours.locator(`li[data-closure="${clinicDay(90)}"]`, { hasText: 'Staff training day' }).waitFor();
    for (const name of [roomA, roomB]) {
      await page.getByLabel('New room').fill(name);
      await page.getByRole('button', { name: 'Add room' }).click();
      await page.locator(`li[data-room="${name}"]`).waitFor();
    }
    const av = page.locator('[data-panel="availability"]');
    await av.getByLabel('Practitioner').selectOption({ label: 'Nurse Sam Patel' });
    await av.getByRole('button', { name: 'Edit weekly hours' }).click();
    const w = dialog('Weekly hours');
    await week(w);
    await w.getByRole('button', { name: 'Save' }).click();
    await w.waitFor({ state: 'detached' });
    await av.locator('dd[data-availability="sat"]', { hasText: '08:00–20:00' }).waitFor();
    await av.getByRole('button', { name: '+ Absence' }).click();
    const x = dialog('An absence');
    await x.getByLabel('First day absent').fill(clinicDay(60));
    await x.getByLabel('Last day absent').fill(clinicDay(62));
    await x.getByLabel('Reason').fill('Training course');
    await x.getByRole('button', { name: 'Save' }).click();
    await x.waitFor({ state: 'detached' });
    await av.locator('li[data-exception="absent"]', { hasText: 'Training course' }).waitFor();
    await checkWidths(page, 'hours and rooms');
  });

  await test('credentials (admin): a licence with its scope and evidence; the expiring-within-60-days worklist lists it', async () => {
    await sched().getByRole('link', { name: 'Credentials' }).click();
    await page.getByRole('heading', { level: 1, name: 'Credentials' }).waitFor();
    await page.getByLabel('Staff member').selectOption({ label: 'Nurse Sam Patel (practitioner)' });
    await page.getByRole('button', { name: '+ Add credential' }).click();
    const d = dialog(/Add a credential/);
    await d.getByLabel('Type').selectOption('licence');
    await d.getByLabel('Number').fill(licence);
    await d.getByLabel('Issuing body').fill('Nursing and Midwifery Council');
    await d.getByLabel('Issued on').fill(clinicDay(-300));
    await d.getByLabel('Expires on').fill(clinicDay(30));
    await d.locator('input[data-scope="injectables"]').check();
    await d.getByLabel('Evidence (optional)').setInputFiles({ name: 'licence.pdf', mimeType: 'application/pdf', buffer: Buffer.from(`%PDF-1.4\n% licence ${stamp}\n%%EOF\n`) });
    await checkWidths(page, 'add credential dialog');
    await d.getByRole('button', { name: 'Add credential' }).click();
    await d.waitFor({ state: 'detached' });
    const row = page.locator(`.cred-col li[data-credential="${licence}"]`);
    await row.getByText('scope injectables').waitFor();
    await row.locator('.badge', { hasText: 'Expires in 30 days' }).waitFor();
    await row.locator('[data-evidence]').waitFor();
    await page.locator(`[data-worklist="credentials-expiring"] li[data-credential="${licence}"]`, { hasText: 'Nurse Sam Patel' }).waitFor();
    await checkWidths(page, 'credentials with the expiring worklist');
  });

  await test('plan a course (practitioner): protocol, formulation, start; a session count outside the range is named; the timeline shows each window', async () => {
    await signInToDay('practitioner@demo.clinic', DEMO_PASSWORD);
    const olivia = (await apiCall('GET', '/patients?q=Bennett')).json.items[0];
    ids.olivia = olivia.id;
    // A saved mixture to plan the course with (the formulation builder's own test saves one too).
    let mix = (await apiCall('GET', `/patients/${olivia.id}/formulations`)).json.items.find((m) => m.status === 'active');
    if (!mix) {
      const products = (await apiCall('GET', '/products')).json.items;
      const ha = products.find((p) => /hyaluronic/i.test(p.name)) || products[0];
      const r = await apiCall('POST', `/patients/${olivia.id}/formulations`, { name: `Course mix ${stamp}`, mixture: { components: [{ product_id: ha.id, volume_ml: 1 }], areas: ['cheeks'] } });
      assert(r.status === 201, `mixture: ${r.status} ${JSON.stringify(r.json)}`);
      mix = r.json;
    }
    await nav(`/patients/${olivia.id}`);
    await page.getByRole('heading', { level: 1, name: 'Bennett, Olivia' }).waitFor();
    await page.locator('section[data-kind="courses"]').getByRole('button', { name: '+ Plan a course' }).click();
    const d = dialog('Plan a course');
    await d.getByLabel('Protocol').selectOption('facial_rejuvenation');
    await d.getByLabel('Formulation').selectOption(mix.id);
    await d.getByLabel('Start date').fill(clinicDay(0));
    const sessions = d.getByLabel('Sessions (optional)');
    const hint = await d.locator('.field', { has: page.getByLabel('Sessions (optional)') }).locator('.hint').innerText();
    assert(/Range 3–6/.test(hint) && /S\d/.test(hint), `the range and its sources: ${hint}`);
    await sessions.fill('9');
    await d.getByRole('button', { name: 'Plan the course' }).click();
    const err = d.locator('.field.has-error', { has: page.getByLabel('Sessions (optional)') }).locator('.field-error');
    await err.waitFor();
    assert(/3|6|range/i.test(await err.innerText()), `session count error: ${await err.innerText()}`);
    await checkWidths(page, 'plan a course, a count outside the range');
    await sessions.fill('4');
    await d.getByRole('button', { name: 'Plan the course' }).click();
    await page.getByRole('heading', { level: 1, name: /Facial rejuvenation/ }).waitFor();
    ids.course = new URL(page.url()).pathname.split('/').pop();
    const items = page.locator('ol.timeline > li');
    await items.nth(4).waitFor();
    assert((await page.locator('ol.timeline > li[data-seq]').filter({ hasText: /^Session/ }).count()) === 4, 'four sessions of the series');
    await page.locator('ol.timeline > li', { hasText: 'Maintenance' }).first().waitFor();
    const w1 = await page.locator('ol.timeline > li[data-seq="1"] .tl-window').innerText();
    assert(/Window .* – .* · target/.test(w1), `session 1 window: ${w1}`);
    await checkWidths(page, 'course page with its timeline');
  });

  await test('book a session inside its window from the course; the window is shown on the calendar', async () => {
    await page.locator('ol.timeline > li[data-seq="1"]').getByRole('link', { name: /Book session 1/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Calendar' }).waitFor();
    const banner = page.locator('[data-window-banner]');
    await banner.getByText('Allowed window').waitFor();
    await page.locator('.cal-col[data-in-window="true"]').first().waitFor();
    await checkWidths(page, 'calendar week with the allowed window');
    await page.locator('.page-head').getByRole('button', { name: 'Book session 1' }).click();
    const d = dialog('Book session 1');
    await d.locator('[data-window]').waitFor();
    await d.getByLabel('Practitioner').selectOption({ label: 'Nurse Sam Patel' });
    await d.getByLabel('Room').selectOption({ label: roomA });
    await d.getByLabel('Date').fill(tomorrow);
    await d.getByLabel('Start (clinic time)').fill('10:00');
    await checkWidths(page, 'book a course session');
    await d.getByRole('button', { name: 'Book', exact: true }).click();
    await d.waitFor({ state: 'detached' });
    await page.locator('.notice-ok', { hasText: /Booked .*10:00/ }).waitFor();
    await page.locator(`.cal-col[data-day="${tomorrow}"] .cal-appt`, { hasText: 'Olivia' }).waitFor();
  });

  await test('book a session outside its window: refused with the reason; the practitioner books it with a written reason', async () => {
    await nav(`/courses/${ids.course}`);
    await page.locator('ol.timeline > li[data-seq="2"]').getByRole('link', { name: /Book session 2/ }).click();
    await page.locator('[data-window-banner]').waitFor();
    await page.locator('.page-head').getByRole('button', { name: 'Book session 2' }).click();
    const d = dialog('Book session 2');
    await d.getByLabel('Practitioner').selectOption({ label: 'Nurse Sam Patel' });
    await d.getByLabel('Room').selectOption({ label: roomB });
    await d.getByLabel('Date').fill(clinicDay(2));
    await d.getByLabel('Start (clinic time)').fill('11:00');
    await d.getByRole('button', { name: 'Book', exact: true }).click();
    const refusal = d.locator('.refusal');
    await refusal.waitFor();
    assert(/window|earliest|before/i.test(await refusal.innerText()), `the reason: ${await refusal.innerText()}`);
    await checkWidths(page, 'booking refused outside the window');
    await d.getByRole('button', { name: 'Book outside the window' }).click();
    await d.locator('.field.has-error', { has: page.getByLabel('Reason for booking outside the window') }).waitFor();
    await d.getByLabel('Reason for booking outside the window').fill('Patient travels abroad for a month');
    await d.getByRole('button', { name: 'Book outside the window' }).click();
    await d.waitFor({ state: 'detached' });
    await page.locator('.notice-ok', { hasText: 'outside the window' }).waitFor();
    const block = page.locator(`.cal-col[data-day="${clinicDay(2)}"] .cal-appt`, { hasText: 'override' });
    await block.click();
    const a = dialog(/Olivia Bennett/);
    await a.getByText('Patient travels abroad for a month').waitFor();
    await a.getByText(/Session 2/).waitFor();
    await checkWidths(page, 'an appointment booked outside its window');
    await a.getByRole('button', { name: 'Close' }).click();
  });

  await test('reception books: a double booking of the practitioner is refused with the message; outside a course window no override; reschedule and cancel', async () => {
    await signInToDay('reception@demo.clinic', DEMO_PASSWORD);
    await main().getByRole('link', { name: 'Calendar' }).click();
    await page.getByRole('heading', { level: 1, name: 'Calendar' }).waitFor();
    await page.getByRole('button', { name: '+ New appointment' }).click();
    const d = dialog('Book an appointment');
    await d.getByLabel('Patient').fill('Hart');
    await d.locator('.picker-hits').getByRole('button', { name: /Hart, Amelia/ }).click();
    await d.getByLabel('Practitioner').selectOption({ label: 'Nurse Sam Patel' });
    await d.getByLabel('Room').selectOption({ label: roomB });
    await d.getByLabel('Date').fill(tomorrow);
    await d.getByLabel('Start (clinic time)').fill('10:15');
    await d.getByRole('button', { name: 'Book', exact: true }).click();
    const msg = d.locator('.form-error, .field-error').first();
    await msg.waitFor();
    assert(/already|double|booked|overlap|conflict/i.test(await msg.innerText()), `double booking: ${await msg.innerText()}`);
    await checkWidths(page, 'double booking refused');
    await d.getByLabel('Start (clinic time)').fill('14:00');
    await d.getByRole('button', { name: 'Book', exact: true }).click();
    await d.waitFor({ state: 'detached' });
    await nav(`/calendar?view=day&date=${tomorrow}`);
    const appt = page.locator('.cal-appt', { hasText: 'Amelia' });
    await appt.waitFor();
    await checkWidths(page, 'calendar day per practitioner');
    await appt.click();
    const a = dialog(/Amelia Hart/);
    await a.getByRole('button', { name: 'Reschedule…' }).click();
    await a.getByLabel('New start (clinic time)').fill('15:30');
    await a.getByRole('button', { name: 'Move the appointment' }).click();
    await a.waitFor({ state: 'detached' });
    await page.locator('.cal-appt', { hasText: '15:30' }).filter({ hasText: 'Amelia' }).click();
    const b = dialog(/Amelia Hart/);
    await b.getByRole('button', { name: 'Cancel appointment…' }).click();
    await b.getByLabel('Why it is cancelled').fill('Patient asked to cancel');
    await b.getByRole('button', { name: 'Cancel the appointment' }).click();
    await b.waitFor({ state: 'detached' });
    await page.locator('.cal-appt.status-cancelled', { hasText: 'Amelia' }).waitFor();
    // Outside a course window reception is told why and that only a practitioner may override.
    await nav(`/calendar?course_id=${ids.course}&seq=3`);
    await page.locator('[data-window-banner]').waitFor();
    await page.locator('.page-head').getByRole('button', { name: 'Book session 3' }).click();
    const r = dialog('Book session 3');
    await r.getByLabel('Practitioner').selectOption({ label: 'Nurse Sam Patel' });
    await r.getByLabel('Date').fill(tomorrow);
    await r.getByLabel('Start (clinic time)').fill('16:30');
    await r.getByRole('button', { name: 'Book', exact: true }).click();
    await r.locator('.refusal', { hasText: 'Only a practitioner can book outside the window' }).waitFor();
    assert((await r.getByRole('button', { name: 'Book outside the window' }).count()) === 0, 'no override for reception');
    await r.getByRole('button', { name: 'Close' }).click();
    await nav(`/calendar?view=day&date=${tomorrow}`);
    await page.getByRole('tab', { name: 'Rooms' }).click();
    await page.locator(`.cal-col-head`, { hasText: roomA }).waitFor();
    await checkWidths(page, 'calendar day per room');
    await page.getByRole('tab', { name: 'Week' }).click();
    await page.locator('.cal-grid[data-view="week"]').waitFor();
    await checkWidths(page, 'calendar week per room');
  });

  await test('the day view lists what is missing before each treatment, each linking to where it is fixed', async () => {
    await nav(`/?date=${tomorrow}`);
    const row = page.locator('li.day-appt', { hasText: 'Olivia' }).first();
    await row.waitFor();
    const missing = row.locator('li.missing-item');
    await missing.first().waitFor();
    // Olivia has screenings from the earlier tests, facts recorded since, and no consent signed.
    const codes = await missing.evaluateAll((els) => els.map((e) => e.dataset.code));
    assert(codes.length > 0 && codes.every((c) => /^[a-z_]+$/.test(c)), `codes: ${codes.join(', ')}`);
    assert(codes.some((c) => /^(screening_|consent_)/.test(c)), `a screening or consent item among: ${codes.join(', ')}`);
    for (const item of await missing.all()) {
      assert((await item.locator('.missing-msg').innerText()).length > 10, 'each says what is missing');
      assert((await item.getByRole('link').count()) === 1, 'each links to where it is fixed');
    }
    // A patient with nothing booked that day is not listed.
    assert((await page.locator('li.day-appt', { hasText: 'Nakamura' }).count()) === 0, 'only the day’s patients');
    await checkWidths(page, 'the day with what is missing (reception)');
    await signInToDay('practitioner@demo.clinic', DEMO_PASSWORD);
    await nav(`/?date=${tomorrow}`);
    await page.locator('li.day-appt', { hasText: 'Olivia' }).first().locator('li.missing-item').first().waitFor();
    await checkWidths(page, 'the day with what is missing (practitioner)');
  });
}
