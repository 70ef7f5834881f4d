// Fixtures shared by the browser tests of charting and pharmacovigilance (issue10.mjs,
// issue11_dash.mjs): signing in afresh, and a consent signed on the tablet through the API
// (the signature a PNG drawn in the page).

/** Sign in as email on a fresh session (sessionStorage cleared), landing on the patient list. */
export async function signInFresh(page, BASE, email, password) {
  await page.goto(`${BASE}/login?next=%2Fpatients`);
  await page.evaluate(() => sessionStorage.clear());
  await page.goto(`${BASE}/login?next=%2Fpatients`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Patients' }).waitFor();
}

/**
 * signConsent(pid, purpose, courseId?) for page (the signed-in staff page) and apiCall (the
 * harness's); typedName is the name typed under the signature. A refusal fails the test.
 */
export function consentSigner(page, apiCall, assert, typedName) {
  const ok = (r, what) => assert(r.status >= 200 && r.status < 300, `${what}: ${r.status} ${JSON.stringify(r.json)}`);
  const signature = () =>
    page.evaluate(() => {
      const c = document.createElement('canvas');
      c.width = 300;
      c.height = 100;
      const g = c.getContext('2d');
      g.lineWidth = 3;
      g.beginPath();
      g.moveTo(10, 80);
      for (let i = 1; i < 12; i++) g.lineTo(10 + i * 24, i % 2 ? 20 : 80);
      g.stroke();
      return c.toDataURL('image/png');
    });
  return async function signConsent(pid, purpose, courseId) {
    const c = await apiCall('POST', `/patients/${pid}/consents`, { purpose, course_id: courseId, language: 'en', channel: 'tablet' });
    ok(c, `${purpose} consent`);
    ok(await apiCall('POST', `/consents/${c.json.id}/open`, {}), `${purpose} consent opened`);
    ok(await apiCall('POST', `/consents/${c.json.id}/sign`, { typed_name: typedName, signature: await signature(), agree: true }), `${purpose} consent signed`);
  };
}
