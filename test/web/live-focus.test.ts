/**
 * A live redraw keeps the member's place, in chromium against a real server: a keyboard or
 * screen-reader user tabbing through the incidents list stays on the same incident's button (not
 * thrown back to <body>, or onto another incident's button when a new report is drawn above it),
 * open boxes stay open, the table's box and the page stay scrolled; a button that went (another
 * member decided the incident) leaves the focus on that incident's row. The map page's lists and
 * the movement page keep the focus the same way.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { HAVE_CHROMIUM, RESULTS, signIn, SKIP_REASON, useHarness } from './harness.js';

if (!HAVE_CHROMIUM) console.warn(SKIP_REASON);

/** Waits until the page's event stream is connected: events from then on reach it. */
async function streaming(page: Page): Promise<void> {
  await page.waitForFunction(() => Number(document.documentElement.dataset.streams ?? 0) >= 1, undefined, { timeout: 20_000 });
}

/** What has the focus: its tag, its incident's row, its decision, its corridor, its class. */
function focusedIs(page: Page): Promise<{ tag: string; incident: string | null; decision: string | null; corridor: string | null; cls: string; connected: boolean }> {
  return page.evaluate(() => {
    const a = document.activeElement as HTMLElement;
    return {
      tag: a.tagName.toLowerCase(),
      incident: a.closest<HTMLElement>('tr[data-incident]')?.dataset.incident ?? null,
      decision: a.dataset.decision ?? null,
      corridor: a.closest<HTMLElement>('tr[data-corridor]')?.dataset.corridor ?? null,
      cls: a.className,
      connected: a.isConnected,
    };
  });
}

describe.skipIf(!HAVE_CHROMIUM)('a live redraw keeps the member’s place', () => {
  const h = useHarness();
  const api = async (key: string, method: 'GET' | 'POST', url: string, payload?: unknown): Promise<{ status: number; body: any }> => {
    const res = await h.app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${h.token(key)}`, ...(payload ? { 'content-type': 'application/json' } : {}) }, ...(payload ? { payload: payload as object } : {}) });
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null };
  };
  const report = async (description: string, lon: number): Promise<string> => {
    const res = await api('ua-liaison', 'POST', '/incidents', { kind: 'shelling', severity: 'severe', geometry: { type: 'Point', coordinates: [lon, 50.51] }, occurredAt: new Date(Date.now() - 3_600_000).toISOString(), description });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  };

  it('the incidents page: focus on the same incident’s button, its box open, the boxes scrolled; a decided incident’s row', async () => {
    const a = await report('Focus: first', 30.41);
    const b = await report('Focus: second', 30.42);
    // Narrow: the list's table scrolls sideways in its box, and the page scrolls.
    const { page } = await h.newPage({ width: 760, height: 700 });
    await signIn(h, page, 'mediator-liaison', '/app/incidents');
    const rowA = (): ReturnType<Page['locator']> => page.locator(`tr[data-incident="${a}"]`);
    await rowA().waitFor();
    await streaming(page);
    // The member opens a's correction box, scrolls the table's box and the page, and tabs to a's "Dismiss".
    await rowA().locator('details.correct-box summary').click();
    const box = page.locator('#incidents').locator('xpath=..');
    await page.locator(`tr[data-incident="${a}"] button[data-decision=confirm]`).focus();
    await page.keyboard.press('Tab');
    const scrolled = await page.evaluate(() => {
      const b = document.querySelector('#incidents')?.parentElement as HTMLElement;
      b.scrollLeft = 60;
      window.scrollTo({ top: 300, behavior: 'instant' });
      return { box: b.scrollLeft, page: window.scrollY };
    });
    expect(scrolled.box).toBeGreaterThan(0);
    expect(scrolled.page).toBeGreaterThan(0);
    expect(await focusedIs(page)).toMatchObject({ tag: 'button', incident: a, decision: 'dismiss' });

    // Another member reports a third incident: it is drawn above a and b.
    const c = await report('Focus: third', 30.43);
    await page.locator(`tr[data-incident="${c}"]`).waitFor({ timeout: 20_000 });
    expect(await focusedIs(page)).toMatchObject({ tag: 'button', incident: a, decision: 'dismiss', connected: true });
    expect(await rowA().locator('details.correct-box').getAttribute('open')).not.toBeNull();
    // As far as before (or as far as the box goes, its content now as wide as the new rows make it).
    await expect.poll(() => box.evaluate((el) => el.scrollLeft - Math.min(60, el.scrollWidth - el.clientWidth))).toBe(0);
    expect(await box.evaluate((el) => el.scrollLeft)).toBeGreaterThan(0);
    expect(await page.evaluate(() => window.scrollY)).toBe(scrolled.page);
    // Tabbing on goes on from there (back to a's "Confirm"), not from the top of the page.
    await page.keyboard.press('Shift+Tab');
    expect(await focusedIs(page)).toMatchObject({ tag: 'button', incident: a, decision: 'confirm' });

    // The member moves to b's correction summary; a closed box stays closed, an opened one open.
    await page.locator(`tr[data-incident="${b}"] details.correct-box summary`).focus();
    await page.keyboard.press('Enter');
    expect(await page.locator(`tr[data-incident="${b}"] details.correct-box`).getAttribute('open')).not.toBeNull();
    await rowA().locator('details.correct-box summary').click();
    await page.locator(`tr[data-incident="${b}"] details.correct-box summary`).focus();
    // Another member confirms a: a's row is drawn again (its buttons go).
    expect((await api('mediator-liaison', 'POST', `/incidents/${a}/confirm`, { reason: 'seen' })).status).toBe(200);
    await expect.poll(() => rowA().getAttribute('data-state'), { timeout: 20_000 }).toBe('confirmed');
    expect(await focusedIs(page)).toMatchObject({ tag: 'summary', incident: b, connected: true });
    expect(await page.locator(`tr[data-incident="${b}"] details.correct-box`).getAttribute('open')).not.toBeNull();
    expect(await rowA().locator('details.correct-box').getAttribute('open')).toBeNull();

    // The member is on b's "Confirm" when another member dismisses b: the button is gone, the
    // focus stays on b's row (its state, which says what happened), not on <body>.
    await page.locator(`tr[data-incident="${b}"] button[data-decision=confirm]`).focus();
    expect((await api('mediator-liaison', 'POST', `/incidents/${b}/dismiss`, { reason: 'not seen' })).status).toBe(200);
    await expect.poll(() => page.locator(`tr[data-incident="${b}"]`).getAttribute('data-state'), { timeout: 20_000 }).toBe('dismissed');
    expect(await focusedIs(page)).toMatchObject({ incident: b, cls: 'incident-state', connected: true });
    await page.screenshot({ path: join(RESULTS, 'web-incidents-live-focus.png'), fullPage: true });
  }, 120_000);

  it('the map page: focus on a corridor’s link and on a movement’s link stays through live redraws', async () => {
    const sumy = h.demo.corridors['sumy-poltava'] ?? '';
    const { page } = await h.newPage();
    await signIn(h, page, 'ua-liaison', '/app/');
    await page.locator('#map[data-states]').waitFor();
    await streaming(page);
    const link = page.locator(`#corridor-list tr[data-corridor="${sumy}"] a`);
    await link.focus();
    const live = await page.getAttribute('#map', 'data-live');
    // The mediator suspends the corridor: the whole picture (and the list) is drawn again.
    expect((await api('mediator-liaison', 'POST', `/corridors/${sumy}/suspend`, { reason: 'focus test' })).status).toBe(200);
    await expect.poll(() => page.locator(`#corridor-list tr[data-corridor="${sumy}"]`).getAttribute('data-state'), { timeout: 20_000 }).toBe('suspended');
    expect(await page.getAttribute('#map', 'data-live')).not.toBe(live);
    expect(await focusedIs(page)).toMatchObject({ tag: 'a', corridor: sumy, connected: true });
    expect((await api('mediator-liaison', 'POST', `/corridors/${sumy}/resume`, { reason: 'focus test over' })).status).toBe(200);
    await expect.poll(() => page.locator(`#corridor-list tr[data-corridor="${sumy}"]`).getAttribute('data-state'), { timeout: 20_000 }).not.toBe('suspended');
    expect(await focusedIs(page)).toMatchObject({ tag: 'a', corridor: sumy, connected: true });

    // The movements list: a new movement is drawn into it while a movement's link has the focus.
    const notify = async (title: string): Promise<string> => {
      const res = await api('convoy-operator', 'POST', '/movements', { corridorId: sumy, title, plannedDeparture: new Date(Date.now() + 3_600_000).toISOString(), vehicles: [{ plate: `FC ${title}`, type: 'van' }], manifest: { people: { adults: 2 } }, distribution: ['ua', 'ru'] });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.id as string;
    };
    const first = await notify('Focus one');
    const firstLink = page.locator(`#movement-list a[href$="${first}"]`);
    await firstLink.waitFor({ timeout: 20_000 });
    await firstLink.focus();
    await notify('Focus two');
    await page.locator('#movement-list tr', { hasText: 'Focus two' }).waitFor({ timeout: 20_000 });
    expect(await page.evaluate(() => (document.activeElement as HTMLAnchorElement).getAttribute('href'))).toMatch(new RegExp(`${first}$`));
    await page.screenshot({ path: join(RESULTS, 'web-map-live-focus.png'), fullPage: true });
  }, 90_000);

  it('the corridor page: focus on its map’s zoom button and the page’s scroll stay when it is drawn again (map and all)', async () => {
    const sumy = h.demo.corridors['sumy-poltava'] ?? '';
    const { page } = await h.newPage({ width: 1280, height: 600 });
    await signIn(h, page, 'observer', `/app/corridors/${sumy}`);
    await page.locator('#susp-h').waitFor();
    await streaming(page);
    const before = await page.locator('[data-suspension]').count();
    await page.locator('#corridor-map .maplibregl-ctrl-zoom-in').focus();
    const y = await page.evaluate(() => {
      window.scrollTo({ top: 200, behavior: 'instant' });
      return window.scrollY;
    });
    expect(y).toBeGreaterThan(0);
    expect((await api('mediator-liaison', 'POST', `/corridors/${sumy}/suspend`, { reason: 'corridor focus test' })).status).toBe(200);
    await expect.poll(() => page.locator('[data-suspension]').count(), { timeout: 20_000 }).toBe(before + 1);
    expect(await page.evaluate(() => document.activeElement?.closest('#corridor-map') !== null && document.activeElement?.classList.contains('maplibregl-ctrl-zoom-in'))).toBe(true);
    expect(await page.evaluate(() => window.scrollY)).toBe(y);
    expect((await api('mediator-liaison', 'POST', `/corridors/${sumy}/resume`, { reason: 'corridor focus test over' })).status).toBe(200);
    await expect.poll(() => page.locator('main h1 .badge').textContent(), { timeout: 20_000 }).not.toBe('Suspended');
  }, 60_000);

  it('the movement page: focus on the reconciliation’s scroll box stays while the convoy reports', async () => {
    const sumy = h.demo.corridors['sumy-poltava'] ?? '';
    const res = await api('convoy-operator', 'POST', '/movements', { corridorId: sumy, title: 'Focus movement', plannedDeparture: new Date(Date.now() - 60_000).toISOString(), vehicles: [{ plate: 'FC 1', type: 'van', trackerDeviceId: 'focus-1' }], manifest: { people: { adults: 3 } }, distribution: ['ua', 'ru'] });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const id = res.body.id as string;
    const { page } = await h.newPage();
    await signIn(h, page, 'ua-liaison', `/app/movements/${id}`);
    await page.locator('#recon-slot .table-scroll').waitFor();
    await streaming(page);
    await page.locator('#recon-slot .table-scroll').first().focus();
    const live = await page.getAttribute('#movement-map', 'data-live');
    expect((await api('convoy-operator', 'POST', `/movements/${id}/depart`, {})).status).toBe(200);
    await expect.poll(() => page.getAttribute('#movement-map', 'data-live'), { timeout: 20_000 }).not.toBe(live);
    await expect.poll(() => page.locator('#movement-state').textContent(), { timeout: 20_000 }).toBe('under way');
    expect(await page.evaluate(() => {
      const a = document.activeElement as HTMLElement;
      return { inRecon: a.closest('#recon-slot') !== null, cls: a.className, connected: a.isConnected };
    })).toEqual({ inRecon: true, cls: 'table-scroll', connected: true });
    await page.screenshot({ path: join(RESULTS, 'web-movement-live-focus.png'), fullPage: true });
  }, 60_000);
});
