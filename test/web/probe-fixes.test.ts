/**
 * Defects a read-only probe of the app found in chromium, each checked against a real server:
 * stale status lines on the incidents page, forms that left empty fields to the browser's own
 * bubble, a window's UTC end without its date, server-written English on Ukrainian and Russian
 * pages (a movement's warning, an automatic suspension's reason, refusals), the amend form's
 * dialog for an amendment that changes nothing, wide reconciliation tables without their hint,
 * and pages a role may not use. Its own harness: it suspends and amends demo corridors.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { HAVE_CHROMIUM, RESULTS, signIn, SKIP_REASON, useHarness } from './harness.js';

if (!HAVE_CHROMIUM) console.warn(SKIP_REASON);

const shot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: join(RESULTS, `web-probe-${name}.png`), fullPage: true });

describe.skipIf(!HAVE_CHROMIUM)('probe fixes in chromium', () => {
  const h = useHarness();
  const api = async (key: string, method: 'GET' | 'POST', url: string, payload?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> => {
    const res = await h.app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${h.token(key)}`, ...(payload ? { 'content-type': 'application/json' } : {}), ...headers }, ...(payload ? { payload: payload as object } : {}) });
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null };
  };

  it('incidents: starting another action clears the last one’s status line', async () => {
    const { page } = await h.newPage();
    await signIn(h, page, 'ua-liaison', '/app/incidents');
    await page.locator('#incident-form').waitFor();
    await page.locator('#inc-lat').fill('50.5');
    await page.locator('#inc-lon').fill('30.3');
    await page.locator('#inc-desc').fill('Status line test');
    await page.locator('#incident-submit').click();
    await expect.poll(() => page.locator('#incident-msg.ok').count(), { timeout: 15_000 }).toBe(1);
    const id = ((await api('ua-liaison', 'GET', '/incidents')).body as { id: string; description: string }[]).find((i) => i.description === 'Status line test')?.id ?? '';
    // Another action begins (correcting a report): "Reported …" goes.
    const row = page.locator(`tr[data-incident="${id}"]`);
    await row.locator('details.correct-box summary').click();
    expect(await page.locator('#incident-msg').textContent()).toBe('');
    await row.locator('form.correct select[name=severity]').selectOption('minor');
    await row.locator('form.correct input[name=correctionReason]').fill('fewer impacts');
    await row.locator('form.correct button[type=submit]').click();
    await expect.poll(() => page.locator('#decision-msg').textContent(), { timeout: 15_000 }).toBe('The report was corrected (version 2).');
    // And the other way round: writing a new report makes the correction's line stale.
    await page.locator('#inc-desc').fill('Next report');
    expect(await page.locator('#decision-msg').textContent()).toBe('');
  }, 60_000);

  it('propose and report forms say empty fields at each field in the app’s language, not in the browser’s bubble', async () => {
    const { page } = await h.newPage({ locale: 'uk-UA' });
    let posts = 0;
    page.on('request', (r) => {
      if (r.method() === 'POST') posts++;
    });
    await signIn(h, page, 'ua-liaison', '/app/propose');
    await page.locator('#propose-form').waitFor();
    await page.locator('#f-width').fill('');
    await page.locator('#propose-submit').click();
    await expect.poll(() => page.locator('#f-title-error').textContent()).toBe('Обов’язкове поле.');
    expect(await page.locator('#f-width-error').textContent()).toBe('Обов’язкове поле.');
    expect(await page.locator('#propose-error').textContent()).toBe('Відмовлено: виправте позначене поле.');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('f-title');
    // Typing in a field takes its mark away.
    await page.locator('#f-title').fill('Назва');
    expect(await page.locator('#f-title-error').count()).toBe(0);

    await page.locator('#nav-incidents').click();
    await page.locator('#incident-form').waitFor();
    await page.locator('#inc-when').fill('');
    await page.locator('#incident-submit').click();
    await expect.poll(() => page.locator('#inc-lat-error').textContent()).toBe('Виберіть місце на карті або введіть координати.');
    expect(await page.locator('#inc-when-error').textContent()).toBe('Обов’язкове поле.');
    expect(await page.locator('#inc-desc-error').textContent()).toBe('Обов’язкове поле.');
    expect(await page.locator('#incident-msg').textContent()).toBe('Відмовлено: виправте позначене поле.');
    // A latitude out of range is said at its field too, before anything is sent.
    await page.locator('#inc-lat').fill('95');
    await page.locator('#inc-lon').fill('30.3');
    await page.locator('#incident-submit').click();
    await expect.poll(() => page.locator('#inc-lat-error').textContent()).toBe('Введіть широту від −90 до 90 (десяткові градуси).');
    expect(posts).toBe(0);
  }, 60_000);

  it('a window that ends on the next UTC day says that day in the windows table', async () => {
    const day = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    const next = new Date(Date.parse(day) + 86_400_000).toISOString().slice(0, 10);
    const body = { title: 'Night window', route: { type: 'LineString', coordinates: [[30.213, 50.543], [30.523, 50.45]] }, widthM: 1000, origin: { name: 'Bucha', coordinates: [30.213, 50.543] }, destination: { name: 'Kyiv', coordinates: [30.523, 50.45] }, direction: 'outbound', purposes: ['evacuation'], eligibility: ['civilians'], windows: [{ start: `${day}T22:00:00+02:00`, end: `${next}T04:00:00+02:00`, timeZone: 'Europe/Kyiv' }], requiredGuarantors: ['ua', 'ru'] };
    const res = await api('ua-liaison', 'POST', '/corridors', body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const { page } = await h.newPage();
    await signIn(h, page, 'observer', `/app/corridors/${res.body.id}`);
    const cell = page.locator('section[aria-labelledby=windows-h] tbody tr td').nth(1);
    await cell.waitFor();
    expect(await cell.textContent()).toBe(`${day} 20:00 → ${next} 02:00 UTC`);
  }, 60_000);

  it('a movement’s reconciliation tables scroll in their own box on a phone, with the “scroll sideways” hint', async () => {
    const sumy = h.demo.corridors['sumy-poltava'] ?? '';
    const mov = await api('convoy-operator', 'POST', '/movements', { corridorId: sumy, title: 'Wide reconciliation', plannedDeparture: new Date(Date.now() - 60_000).toISOString(), vehicles: [{ plate: 'WR 1', type: 'bus' }], manifest: { people: { adults: 10, children: 5 }, cargo: [{ item: 'Water', category: 'water', quantity: 200, unit: 'l' }] }, receivingPartyId: 'poltava-aid', distribution: ['ua', 'ru', 'poltava-aid'] });
    expect(mov.status, JSON.stringify(mov.body)).toBe(201);
    const id = mov.body.id as string;
    expect((await api('convoy-operator', 'POST', `/movements/${id}/depart`, {})).status).toBe(200);
    const checkin = await api('convoy-operator', 'POST', `/movements/${id}/checkins`, { checkpointId: 'lokhvytsia', countedBy: 'Checkpoint officer', people: { adults: 9, children: 5 }, cargo: [] });
    expect(checkin.status, JSON.stringify(checkin.body)).toBe(201);
    const { page } = await h.newPage({ width: 390, height: 844, locale: 'uk-UA' });
    await signIn(h, page, 'convoy-operator', `/app/movements/${id}`);
    await page.locator('#recon-people').waitFor();
    for (const table of ['#recon-people', '#recon-cargo']) {
      const wrap = page.locator(`.scroll-wrap:has(${table})`);
      await expect.poll(() => wrap.getAttribute('data-overflow'), { timeout: 10_000 }).toBe('true');
      expect(await wrap.locator('.scroll-hint').isVisible()).toBe(true);
      expect(await wrap.locator('.scroll-hint').textContent()).toBe('Таблиця ширша за екран: прокрутіть її вбік →');
      expect(await wrap.locator('.table-scroll').getAttribute('aria-label')).toMatch(/^Таблиця: /);
    }
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot(page, 'movement-recon-uk-phone');
  }, 60_000);

  it('uk/ru pages say an automatic suspension and a movement’s warning from their data, in their language, with Kyiv and UTC times', async () => {
    const sumy = h.demo.corridors['sumy-poltava'] ?? '';
    const corridor = (await api('observer', 'GET', `/corridors/${sumy}`)).body as { terms: { route: { coordinates: [number, number][] } } };
    const [lon, lat] = corridor.terms.route.coordinates[1] ?? [0, 0];
    const inc = await api('ua-liaison', 'POST', '/incidents', { kind: 'shelling', severity: 'severe', geometry: { type: 'Point', coordinates: [lon, lat] }, occurredAt: new Date(Date.now() - 600_000).toISOString(), description: 'Shelling on the route' });
    expect(inc.status, JSON.stringify(inc.body)).toBe(201);
    expect(inc.body.corridorIds).toContain(sumy);
    const conf = await api('mediator-liaison', 'POST', `/incidents/${inc.body.id}/confirm`, { reason: 'seen by monitors' });
    expect(conf.body.suspensionIds.length, JSON.stringify(conf.body)).toBeGreaterThan(0);
    const mov = await api('convoy-operator', 'POST', '/movements', { corridorId: sumy, title: 'Held convoy', plannedDeparture: new Date(Date.now() + 3_600_000).toISOString(), vehicles: [{ plate: 'HC 1', type: 'bus' }], manifest: { people: { adults: 4 } }, distribution: ['ua', 'ru'] });
    expect(mov.status).toBe(201);
    expect(mov.body.warnings[0].reasons[0].incident).toEqual({ id: inc.body.id, kind: 'shelling' });
    try {
      // The movement page, in Ukrainian on a phone: a neutral note, in Ukrainian, times in Kyiv and UTC.
      const { page } = await h.newPage({ width: 390, height: 844, locale: 'uk-UA' });
      await signIn(h, page, 'convoy-operator', `/app/movements/${mov.body.id}`);
      const note = page.locator('.movement-warning');
      await note.waitFor();
      const text = (await note.textContent()) ?? '';
      expect(text).toMatch(/^Коли про це переміщення повідомили, коридор не був відкритий на запланований час виїзду \(.+ \(Europe\/Kyiv\) · \d{4}-\d\d-\d\d \d\d:\d\d UTC\): призупинений з .+ UTC: підтверджений інцидент \(обстріл, inc_\w+\) у зоні припинення вогню\.$/);
      expect(text).toContain(inc.body.id);
      expect(text).not.toMatch(/corridor is not open|Shelling|suspended since/);
      expect(await note.getAttribute('class')).not.toMatch(/error/);
      expect(await note.evaluate((el) => getComputedStyle(el).color)).not.toBe('rgb(179, 38, 30)');
      await shot(page, 'movement-warning-uk-phone');
      const desk = (await h.newPage({ width: 1440, height: 900, locale: 'uk-UA' })).page;
      await signIn(h, desk, 'convoy-operator', `/app/movements/${mov.body.id}`);
      await desk.locator('.movement-warning').waitFor();
      await desk.screenshot({ path: join(RESULTS, 'web-probe-movement-warning-uk-desk.png') });
      // The corridor page in Russian: its status and its suspensions, from the same data.
      const ru = (await h.newPage({ width: 1440, height: 900, locale: 'ru-RU' })).page;
      await signIn(h, ru, 'observer', `/app/corridors/${sumy}`);
      await ru.locator('li[data-reason=suspended]').waitFor();
      const expected = `подтверждённый инцидент (обстрел, ${inc.body.id}) в зоне прекращения огня`;
      expect(await ru.locator('li[data-reason=suspended]').textContent()).toBe(`приостановлен: ${expected}`);
      expect(await ru.locator('[data-suspension]').last().textContent()).toContain(expected);
      expect(await ru.locator('main').textContent()).not.toContain('confirmed incident');
      await shot(ru, 'corridor-suspended-ru');
      const phone = (await h.newPage({ width: 390, height: 844, locale: 'ru-RU' })).page;
      await signIn(h, phone, 'observer', `/app/corridors/${sumy}`);
      await phone.locator('li[data-reason=suspended]').waitFor();
      expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await phone.locator('li[data-reason=suspended]').scrollIntoViewIfNeeded();
      await phone.screenshot({ path: join(RESULTS, 'web-probe-corridor-suspended-ru-phone.png') });
      // The map's list in Ukrainian.
      const uk = (await h.newPage({ width: 1440, height: 900, locale: 'uk-UA' })).page;
      await signIn(h, uk, 'ru-liaison', '/app/');
      const cell = uk.locator(`tr[data-corridor="${sumy}"] [data-suspension-reason]`);
      await cell.waitFor();
      expect(await cell.textContent()).toBe(`підтверджений інцидент (обстріл, ${inc.body.id}) у зоні припинення вогню`);
      await cell.scrollIntoViewIfNeeded();
      await uk.screenshot({ path: join(RESULTS, 'web-probe-map-list-suspended-uk.png') });
    } finally {
      expect((await api('mediator-liaison', 'POST', `/corridors/${sumy}/resume`, { reason: 'calm again' })).status).toBe(200);
    }
  }, 90_000);

  it('a refusal is the app’s sentence for its code; the server’s words only as a second line', async () => {
    const irpin = h.demo.corridors['irpin-kyiv'] ?? '';
    const date = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    const proposed = await api('ua-liaison', 'POST', '/corridors', { title: 'Refusal words', route: { type: 'LineString', coordinates: [[30.213, 50.543], [30.523, 50.45]] }, widthM: 1000, origin: { name: 'Bucha', coordinates: [30.213, 50.543] }, destination: { name: 'Kyiv', coordinates: [30.523, 50.45] }, direction: 'outbound', purposes: ['evacuation'], eligibility: ['civilians'], windows: [{ start: `${date}T09:00:00+02:00`, end: `${date}T17:00:00+02:00`, timeZone: 'Europe/Kyiv' }], requiredGuarantors: ['ua', 'ru'] });
    expect(proposed.status).toBe(201);
    // A JWS over another corridor's terms (Irpin → Kyiv's), pasted on this one: terms_mismatch.
    const { CompactSign, importJWK } = await import('jose');
    const key = JSON.parse(readFileSync(h.demo.keyFiles.ru?.private ?? '', 'utf8')) as { kid: string };
    const other = await h.app.inject({ url: `/api/v1/corridors/${irpin}/terms`, headers: { authorization: `Bearer ${h.token('ru-liaison')}` } });
    const jws = await new CompactSign(other.rawPayload).setProtectedHeader({ alg: 'EdDSA', kid: key.kid }).sign(await importJWK(key as never, 'EdDSA'));
    const { page } = await h.newPage({ width: 1440, height: 900, locale: 'uk-UA' });
    await signIn(h, page, 'ru-liaison', `/app/corridors/${proposed.body.id}`);
    await page.locator('.sign-paste textarea').fill(jws);
    await page.locator('.sign-paste button[type=submit]').click();
    const main = page.locator('#action-msg .problem-main');
    await main.waitFor();
    expect(await main.textContent()).toBe('Відмовлено: Підпис зроблено не над чинними умовами.');
    const detail = page.locator('#action-msg .problem-detail');
    expect(await detail.textContent()).toMatch(/^the signed payload is not the current terms/);
    expect(await detail.getAttribute('lang')).toBe('en');
    expect(await detail.evaluate((el) => getComputedStyle(el).display)).toBe('block');
    await shot(page, 'refusal-uk');

    // Sign-in with a token the server does not know, in Russian: the app's words for it.
    const ru = (await h.newPage({ locale: 'ru-RU' })).page;
    await ru.goto(`${h.url}/app/`);
    await ru.locator('#token').fill('psg_notatokenatall');
    await ru.locator('form.signin button[type=submit]').click();
    await ru.locator('#signin-error .problem-detail').waitFor();
    expect(await ru.locator('#signin-error').evaluate((el) => el.firstChild?.textContent)).toBe('Токен не принят: он неизвестен или отозван, либо его участник отключён.');
    expect(await ru.locator('#signin-error .problem-detail').textContent()).toMatch(/unknown/);
  }, 60_000);

  it('amend: the dialog names only the guarantees that exist (none: no dialog), the page then says what the amendment did, and the policy is kept', async () => {
    const date = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    const terms = { title: 'Half signed', route: { type: 'LineString', coordinates: [[30.213, 50.543], [30.523, 50.45]] }, widthM: 1000, origin: { name: 'Bucha', coordinates: [30.213, 50.543] }, destination: { name: 'Kyiv', coordinates: [30.523, 50.45] }, direction: 'outbound', purposes: ['evacuation'], eligibility: ['civilians'], windows: [{ start: `${date}T09:00:00+02:00`, end: `${date}T17:00:00+02:00`, timeZone: 'Europe/Kyiv' }], requiredGuarantors: ['ua', 'ru'], suspensionPolicy: { automatic: ['shelling'], resumeBy: 'mediator' } };
    const proposed = await api('ua-liaison', 'POST', '/corridors', terms);
    expect(proposed.status, JSON.stringify(proposed.body)).toBe(201);
    const id = proposed.body.id as string;
    // Ukraine alone signs.
    const { CompactSign, importJWK } = await import('jose');
    const key = JSON.parse(readFileSync(h.demo.keyFiles.ua?.private ?? '', 'utf8')) as { kid: string };
    const bytes = await h.app.inject({ url: `/api/v1/corridors/${id}/terms`, headers: { authorization: `Bearer ${h.token('ua-liaison')}` } });
    const jws = await new CompactSign(bytes.rawPayload).setProtectedHeader({ alg: 'EdDSA', kid: key.kid }).sign(await importJWK(key as never, 'EdDSA'));
    expect((await api('ua-liaison', 'POST', `/corridors/${id}/guarantees`, { jws })).status).toBe(201);

    const { page } = await h.newPage({ width: 1440, height: 900 });
    await signIn(h, page, 'ua-liaison', `/app/corridors/${id}/amend`);
    await page.locator('#propose-form').waitFor();
    await page.locator('#f-width').fill('1500');
    await page.locator('#f-reason').fill('wider');
    await page.locator('#propose-submit').click();
    const dialog = page.locator('dialog.confirm');
    await dialog.waitFor();
    // Not "the corridor stops being guaranteed": it never was.
    expect(await dialog.locator('p').textContent()).toBe('Amending voids the guarantees given on version 1 by Ukraine. The corridor is not guaranteed yet; it will be once every required party signs version 2.');
    await page.screenshot({ path: join(RESULTS, 'web-probe-amend-some.png') });
    await dialog.locator('[data-confirm=ok]').click();
    await page.waitForURL(`**/app/corridors/${id}`);
    await expect.poll(() => page.locator('#action-msg').textContent()).toBe('Amended: version 2 is proposed and waits for the guarantees of Ukraine, Russian Federation. The guarantees given on version 1 by Ukraine no longer bind.');
    const v2 = (await api('observer', 'GET', `/corridors/${id}`)).body;
    expect(v2.terms).toMatchObject({ widthM: 1500, suspensionPolicy: { automatic: ['shelling'], resumeBy: 'mediator' } });

    // Version 2 has no guarantee: no dialog, and the page says only what was amended.
    await page.goto(`${h.url}/app/corridors/${id}/amend`);
    await page.locator('#propose-form').waitFor();
    await page.locator('#f-width').fill('1600');
    await page.locator('#f-reason').fill('wider still');
    await page.locator('#propose-submit').click();
    await page.waitForURL(`**/app/corridors/${id}`);
    await expect.poll(() => page.locator('#action-msg').textContent()).toBe('Amended: version 3 is proposed and waits for the guarantees of Ukraine, Russian Federation.');
  }, 90_000);

  it('a role that may not notify movements gets a page saying so at /app/movements/new, not "Page not found"', async () => {
    const { page } = await h.newPage({ width: 390, height: 844, locale: 'uk-UA' });
    await signIn(h, page, 'ua-liaison', '/app/movements/new');
    await page.locator('#not-allowed').waitFor();
    expect(await page.locator('#not-allowed').textContent()).toBe('Ваша роль не дозволяє повідомляти про переміщення');
    expect(await page.locator('main p').first().textContent()).toMatch(/^Ви увійшли як офіцер зв.язку сторони Ukraine\./);
    expect(await page.locator('#notify-form').count()).toBe(0);
    expect(await page.locator('#nav-notify').count()).toBe(0);
    await shot(page, 'notify-not-allowed-uk-phone');
  }, 60_000);

  it('signing with a key file that is not one of the party’s registered keys is refused at the file field, nothing sent', async () => {
    const date = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    const proposed = await api('ua-liaison', 'POST', '/corridors', { title: 'Whose key', route: { type: 'LineString', coordinates: [[30.213, 50.543], [30.523, 50.45]] }, widthM: 1000, origin: { name: 'Bucha', coordinates: [30.213, 50.543] }, destination: { name: 'Kyiv', coordinates: [30.523, 50.45] }, direction: 'outbound', purposes: ['evacuation'], eligibility: ['civilians'], windows: [{ start: `${date}T09:00:00+02:00`, end: `${date}T17:00:00+02:00`, timeZone: 'Europe/Kyiv' }], requiredGuarantors: ['ua', 'ru'] });
    expect(proposed.status).toBe(201);
    const { page } = await h.newPage();
    let posts = 0;
    page.on('request', (r) => {
      if (r.method() === 'POST') posts++;
    });
    await signIn(h, page, 'ru-liaison', `/app/corridors/${proposed.body.id}`);
    await page.locator('.sign-key').waitFor();
    // Ukraine's key file, chosen by Russia's liaison officer.
    await page.locator('.sign-key input[type=file]').setInputFiles(h.demo.keyFiles.ua?.private ?? '');
    await page.locator('.sign-key button[type=submit]').click();
    await expect.poll(() => page.locator('.sign-key .field-error').textContent()).toBe('This key is not one of Russian Federation’s registered keys, so nothing was signed. Choose your party’s private key file (the Keys page lists its keys).');
    expect(await page.locator('.sign-key input[type=file]').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#action-msg').textContent()).toBe('');
    expect(posts).toBe(0);
    await page.locator('.sign-key').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(RESULTS, 'web-probe-key-not-ours.png') });
    // Its own key file signs.
    await page.locator('.sign-key input[type=file]').setInputFiles(h.demo.keyFiles.ru?.private ?? '');
    await page.locator('.sign-key button[type=submit]').click();
    await expect.poll(() => page.locator('#action-msg.ok').count(), { timeout: 15_000 }).toBe(1);
    expect(((await api('observer', 'GET', `/corridors/${proposed.body.id}`)).body.guarantees as { partyId: string }[]).map((g) => g.partyId)).toEqual(['ru']);
  }, 60_000);
});
