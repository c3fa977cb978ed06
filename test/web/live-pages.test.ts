/**
 * Pages that follow the event stream, in chromium against a real server (defects a read-only probe
 * found): the movement page moving while its convoy keeps reporting (a debounce alone waited for a
 * pause that never came), the map's movements list, the corridor page and the incidents page
 * drawn again live — keeping what the member is typing — and the notify form keeping every
 * vehicle and cargo row across a change of language.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { HAVE_CHROMIUM, mapIdle, RESULTS, signIn, SKIP_REASON, useHarness } from './harness.js';

if (!HAVE_CHROMIUM) console.warn(SKIP_REASON);

/** Waits until the page's event stream is connected: events from then on reach it. */
async function streaming(page: Page): Promise<void> {
  await page.waitForFunction(() => Number(document.documentElement.dataset.streams ?? 0) >= 1, undefined, { timeout: 20_000 });
}

describe.skipIf(!HAVE_CHROMIUM)('live pages in chromium', () => {
  const h = useHarness();
  const api = async (key: string, method: 'GET' | 'POST', url: string, payload?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> => {
    const res = await h.app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${h.token(key)}`, ...(payload ? { 'content-type': 'application/json' } : {}), ...headers }, ...(payload ? { payload: payload as object } : {}) });
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null };
  };
  const sumy = (): string => h.demo.corridors['sumy-poltava'] ?? '';

  /** Notifies a movement on Sumy → Poltava as the convoy operator (one van with `device`), shared with both belligerents (or `distribution`). */
  async function notified(title: string, device: string, distribution = ['ua', 'ru']): Promise<string> {
    const res = await api('convoy-operator', 'POST', '/movements', { corridorId: sumy(), title, plannedDeparture: new Date(Date.now() - 60_000).toISOString(), vehicles: [{ plate: `LP ${device}`, type: 'van', trackerDeviceId: device }], manifest: { people: { adults: 3 } }, distribution });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  }

  it('the movement page moves while its tracker keeps reporting every 400 ms, not only once it stops', async () => {
    const id = await notified('Live probe', 'live-page-1');
    expect((await api('convoy-operator', 'POST', `/movements/${id}/depart`, {})).status).toBe(200);
    const { page } = await h.newPage();
    await signIn(h, page, 'ua-liaison', `/app/movements/${id}`);
    await page.locator('#track-last').waitFor();
    await streaming(page);
    expect(await page.locator('#track-last').textContent()).toBe('No positions yet.');
    // Fixes every 400 ms — never the quiet spell a debounce waits for — until the page shows one
    // (or 60 were sent). The page must have moved while they were still coming.
    let sent = 0;
    let shown = false;
    for (; sent < 60 && !shown; sent++) {
      const fix = { deviceId: 'live-page-1', at: new Date().toISOString(), lat: 50.908 - sent * 0.005, lon: 34.798 - sent * 0.01, speed: 12 };
      expect((await api('convoy-operator', 'POST', '/positions', { fixes: [fix] })).status).toBe(200);
      await page.waitForTimeout(400); // the tracker's pace, not an assertion
      shown = /^Last position: /.test((await page.locator('#track-last').textContent()) ?? '');
    }
    expect(shown, 'the page showed a position while fixes kept arriving').toBe(true);
    expect(sent).toBeLessThan(60);
  }, 90_000);

  it('the map’s movements list follows movement events: a new movement appears, its departure shows', async () => {
    const { page } = await h.newPage();
    await signIn(h, page, 'ru-liaison', '/app/');
    await page.locator('#map[data-states]').waitFor();
    await streaming(page);
    const id = await notified('Appears live', 'live-list-1');
    const row = page.locator('#movement-list tr', { hasText: 'Appears live' });
    await row.waitFor({ timeout: 20_000 });
    expect(await row.locator('td').nth(1).textContent()).toBe('notified');
    expect((await api('convoy-operator', 'POST', `/movements/${id}/depart`, {})).status).toBe(200);
    await expect.poll(() => row.locator('td').nth(1).textContent(), { timeout: 20_000 }).toBe('under way');
  }, 60_000);

  it('the corridor page follows the stream, keeps what is typed, and says so when the terms change under a signing form', async () => {
    // A corridor Russia has to sign: Ukraine proposes it and signs (through the API).
    const date = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    const terms = { title: 'Live corridor', route: { type: 'LineString', coordinates: [[30.213, 50.543], [30.523, 50.45]] }, widthM: 1000, origin: { name: 'Bucha', coordinates: [30.213, 50.543] }, destination: { name: 'Kyiv', coordinates: [30.523, 50.45] }, direction: 'outbound', purposes: ['evacuation'], eligibility: ['civilians'], windows: [{ start: `${date}T09:00:00+02:00`, end: `${date}T17:00:00+02:00`, timeZone: 'Europe/Kyiv' }], requiredGuarantors: ['ua', 'ru'] };
    const proposed = await api('ua-liaison', 'POST', '/corridors', terms);
    expect(proposed.status, JSON.stringify(proposed.body)).toBe(201);
    const id = proposed.body.id as string;
    const { page } = await h.newPage({ width: 1440, height: 900 });
    await signIn(h, page, 'ru-liaison', `/app/corridors/${id}`);
    await page.locator('.sign-paste textarea').waitFor();
    await streaming(page);
    // Its map is drawn (following the stream must not take the page's map away).
    await mapIdle(page, '#corridor-map');
    expect(await page.locator('.sign h3').textContent()).toContain('Version 1');
    // Typing a JWS, and a reason to reject, when Ukraine amends the terms.
    await page.locator('.sign-paste textarea').fill('eyJhbGciOiJFZERTQSJ9.draft');
    await page.locator('form[data-action=reject] input[name=reason]').fill('half-typed reason');
    await page.locator('form[data-action=reject] input[name=reason]').focus();
    const amended = await api('ua-liaison', 'POST', `/corridors/${id}/amend`, { terms: { ...terms, widthM: 1500 }, reason: 'wider' }, { 'if-match': '"1"' });
    expect(amended.status, JSON.stringify(amended.body)).toBe(200);
    // Drawn again: version 2's terms, said plainly at the actions, and nothing typed is lost.
    await expect.poll(() => page.locator('.sign h3').textContent(), { timeout: 20_000 }).toContain('Version 2');
    // Above the forms, where it is read before signing.
    expect(await page.locator('.actions h2 + #terms-msg').textContent()).toBe('The terms changed to version 2 while this page was open: the page now shows them. Read them before signing.');
    expect(await page.locator('main').textContent()).toContain('1,500 m');
    expect(await page.locator('.sign-paste textarea').inputValue()).toBe('eyJhbGciOiJFZERTQSJ9.draft');
    expect(await page.locator('form[data-action=reject] input[name=reason]').inputValue()).toBe('half-typed reason');
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name)).toBe('reason');
    // Nothing was signed for it; the map is drawn again with the wider zone.
    expect((await api('observer', 'GET', `/corridors/${id}`)).body.guarantees).toEqual([]);
    await mapIdle(page, '#corridor-map');
    await page.screenshot({ path: join(RESULTS, 'web-corridor-live-amended.png'), fullPage: true });
  }, 90_000);

  it('an observer’s corridor page shows the suspension the mediator makes elsewhere (its log entry proven) and a new movement, without a reload', async () => {
    const { page } = await h.newPage();
    await signIn(h, page, 'observer', `/app/corridors/${sumy()}`);
    await page.locator('#susp-h').waitFor();
    await streaming(page);
    const before = await page.locator('[data-suspension]').count();
    await page.locator('#log[aria-busy=false]').waitFor({ timeout: 20_000 });
    const logged = await page.locator('[data-log-entry]').count();
    expect((await api('mediator-liaison', 'POST', `/corridors/${sumy()}/suspend`, { reason: 'live page test' })).status).toBe(200);
    await expect.poll(() => page.locator('[data-suspension]').count(), { timeout: 20_000 }).toBe(before + 1);
    expect(await page.locator('main h1 .badge').textContent()).toBe('Suspended');
    // The log is checked again: the suspension's entry is there, proven.
    await expect.poll(() => page.locator('[data-log-entry][data-proof=proven]').count(), { timeout: 20_000 }).toBe(logged + 1);
    // A movement notified on the corridor (shared with the observers) appears in its list.
    await notified('On this corridor', 'live-corridor-1', ['ua', 'ru', 'observers']);
    await page.locator('#corridor-movements tr', { hasText: 'On this corridor' }).waitFor({ timeout: 20_000 });
    expect(await page.locator('[data-log-entry][data-proof=proven]').count()).toBe(logged + 1);
    expect((await api('mediator-liaison', 'POST', `/corridors/${sumy()}/resume`, { reason: 'live page test over' })).status).toBe(200);
    await expect.poll(() => page.locator('main h1 .badge').textContent(), { timeout: 20_000 }).not.toBe('Suspended');
  }, 60_000);

  it('the incidents page follows the stream: a new report and a decision appear, an open dispute form keeps its text', async () => {
    const first = await api('ua-liaison', 'POST', '/incidents', { kind: 'shelling', severity: 'severe', geometry: { type: 'Point', coordinates: [30.31, 50.51] }, occurredAt: new Date(Date.now() - 3_600_000).toISOString(), description: 'Live list: first' });
    expect(first.status).toBe(201);
    const { page } = await h.newPage();
    await signIn(h, page, 'ru-liaison', '/app/incidents');
    const row = page.locator(`tr[data-incident="${first.body.id}"]`);
    await row.waitFor();
    await streaming(page);
    await row.locator('details.dispute-box summary').click();
    await row.locator('form.dispute textarea').fill('Not our fire');
    await page.locator('#inc-desc').fill('A report being written');
    const second = await api('ua-liaison', 'POST', '/incidents', { kind: 'obstruction', severity: 'minor', geometry: { type: 'Point', coordinates: [30.32, 50.52] }, occurredAt: new Date(Date.now() - 1_800_000).toISOString(), description: 'Live list: second' });
    await page.locator(`tr[data-incident="${second.body.id}"]`).waitFor({ timeout: 20_000 });
    expect((await api('mediator-liaison', 'POST', `/incidents/${first.body.id}/confirm`, { reason: 'seen' })).status).toBe(200);
    await expect.poll(() => page.locator(`tr[data-incident="${first.body.id}"]`).getAttribute('data-state'), { timeout: 20_000 }).toBe('confirmed');
    // What the member was writing is still there, its box still open.
    const again = page.locator(`tr[data-incident="${first.body.id}"]`);
    expect(await again.locator('details.dispute-box').getAttribute('open')).not.toBeNull();
    expect(await again.locator('form.dispute textarea').inputValue()).toBe('Not our fire');
    expect(await page.locator('#inc-desc').inputValue()).toBe('A report being written');
  }, 90_000);

  it('a live redraw keeps what the member changed, and shows newer data in what they left as it was', async () => {
    const rep = await api('ua-liaison', 'POST', '/incidents', { kind: 'shelling', severity: 'severe', geometry: { type: 'Point', coordinates: [30.33, 50.53] }, occurredAt: new Date(Date.now() - 3_600_000).toISOString(), description: 'Live correction' });
    expect(rep.status).toBe(201);
    const { page } = await h.newPage();
    await signIn(h, page, 'ua-liaison', '/app/incidents');
    const form = page.locator(`form[data-correct-for="${rep.body.id}"]`);
    await page.locator(`tr[data-incident="${rep.body.id}"] details.correct-box summary`).click();
    await streaming(page);
    // The member writes a reason, leaving severity and description as drawn …
    await form.locator('input[name=correctionReason]').fill('my reason');
    // … when the mediator corrects the severity.
    expect((await api('mediator-liaison', 'POST', `/incidents/${rep.body.id}/corrections`, { severity: 'minor', reason: 'monitors' })).status).toBe(200);
    await expect.poll(() => page.locator(`tr[data-incident="${rep.body.id}"] [data-version]`).textContent(), { timeout: 20_000 }).toBe('corrected, v2');
    expect(await form.locator('select[name=severity]').inputValue()).toBe('minor');
    expect(await form.locator('input[name=correctionReason]').inputValue()).toBe('my reason');
    expect(await page.locator(`tr[data-incident="${rep.body.id}"] details.correct-box`).getAttribute('open')).not.toBeNull();
  }, 60_000);

  it('what the member types while a live redraw’s requests are under way is kept, and the focus with it', async () => {
    const { page } = await h.newPage();
    await signIn(h, page, 'mediator-liaison', `/app/corridors/${sumy()}`);
    const reason = page.locator('form[data-action=suspend] input[name=reason]');
    await reason.waitFor();
    await streaming(page);
    // The redraw's read of the corridor is held until the member has typed.
    let arrived!: () => void;
    const held = new Promise<void>((resolve) => (arrived = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    await page.route(`**/api/v1/corridors/${sumy()}`, async (route) => {
      if (route.request().method() !== 'GET') return route.continue();
      arrived();
      await released;
      await route.continue();
    });
    await notified('Typed while drawing', 'live-typing-1', ['ua', 'ru', 'observers']);
    await held;
    await reason.fill('typed while the page was being drawn');
    release();
    await page.locator('#corridor-movements tr', { hasText: 'Typed while drawing' }).waitFor({ timeout: 20_000 });
    expect(await reason.inputValue()).toBe('typed while the page was being drawn');
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.closest('form')?.dataset.action)).toBe('suspend');
  }, 60_000);

  it('switching the language keeps every vehicle and cargo row of the notify form, each with its values', async () => {
    const { page } = await h.newPage();
    await signIn(h, page, 'convoy-operator', '/app/movements/new');
    await page.locator('#notify-form').waitFor();
    await page.locator('#n-title').fill('Two vans');
    await page.locator('#n-add-vehicle').click();
    const vehicles = page.locator('#n-vehicles tr');
    await vehicles.nth(0).locator('input[name=plate]').fill('AAA 1');
    await vehicles.nth(0).locator('input[name=trackerDeviceId]').fill('lang-1');
    await vehicles.nth(1).locator('input[name=plate]').fill('BBB 2');
    await vehicles.nth(1).locator('select[name=type]').selectOption('ambulance');
    await vehicles.nth(1).locator('input[name=seats]').fill('4');
    await page.locator('#n-add-cargo').click();
    const cargo = page.locator('#n-cargo tr');
    await cargo.nth(0).locator('input[name=item]').fill('Bread');
    await cargo.nth(0).locator('select[name=category]').selectOption('food');
    await cargo.nth(0).locator('input[name=quantity]').fill('120');
    await cargo.nth(0).locator('select[name=unit]').selectOption('kg');
    await page.locator('#n-people-adults').fill('7');
    await page.locator('.langs button[lang=uk]').click();
    await expect.poll(() => page.locator('#notify-form h1').textContent()).not.toBe('Notify a movement');
    const rows = await page.evaluate(() => ({
      title: (document.querySelector('#n-title') as HTMLInputElement).value,
      vehicles: Array.from(document.querySelectorAll('#n-vehicles tr')).map((r) => ['plate', 'type', 'seats', 'trackerDeviceId'].map((n) => (r.querySelector(`[name=${n}]`) as HTMLInputElement).value)),
      cargo: Array.from(document.querySelectorAll('#n-cargo tr')).map((r) => ['item', 'category', 'quantity', 'unit'].map((n) => (r.querySelector(`[name=${n}]`) as HTMLInputElement).value)),
      adults: (document.querySelector('#n-people-adults') as HTMLInputElement).value,
    }));
    expect(rows).toEqual({
      title: 'Two vans',
      vehicles: [
        ['AAA 1', 'bus', '', 'lang-1'],
        ['BBB 2', 'ambulance', '4', ''],
      ],
      cargo: [['Bread', 'food', '120', 'kg']],
      adults: '7',
    });
  }, 60_000);
});
