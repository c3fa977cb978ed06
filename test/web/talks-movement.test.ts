/**
 * In chromium: the public page's talks timeline at 360 px; the "Talks" view (timeline of
 * rounds, matrix of agenda items × parties, printable rounds) as a demo party member; and the
 * movement page of the demo convoy after replaying it (fixes, check-ins, arrival and receipt
 * posted through the API, as `passage simulate` does). Screenshots under test-results/.
 */
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { planConvoy, replayableAt } from '../../src/domain/movement-simulation.js';
import { axe, describeViolations, HAVE_CHROMIUM, mapIdle, RESULTS, signIn, SKIP_REASON, useHarness, type Harness } from './harness.js';

if (!HAVE_CHROMIUM) console.warn(SKIP_REASON);

async function shot(page: Page, name: string, fullPage = false): Promise<void> {
  const path = join(RESULTS, `web-${name}.png`);
  if (!fullPage) return void (await page.screenshot({ path }));
  const before = page.viewportSize() ?? { width: 1280, height: 860 };
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: before.width, height: Math.min(height, 4000) });
  for (const id of await page.locator('.maplibregl-map').evaluateAll((els) => els.map((e) => e.id))) if (id) await mapIdle(page, `#${id}`);
  // A map sized in vh grows with the viewport: capture the whole page, whatever its height now.
  await page.screenshot({ path, fullPage: true });
  await page.setViewportSize(before);
}

async function expectAccessible(page: Page): Promise<void> {
  const violations = await axe(page);
  expect(violations, describeViolations(violations)).toEqual([]);
}

interface MovementLite {
  id: string;
  corridorId: string;
  state: string;
  plannedDeparture: string;
  vehicles: { trackerDeviceId?: string }[];
  manifest: { people: Record<string, number>; cargo: { id: string; quantity: number }[] };
}

/**
 * Replays the demo convoy as `passage simulate` does (src/cli/movement-commands.ts), but posts the
 * fixes as JSON batches to POST /positions instead of the OsmAnd listener: departs, drives the
 * route, stops at the first checkpoint, one bus strays 8 km, two adults are missing from the
 * second checkpoint on, arrives, and the receiving operator confirms the cargo receipt.
 */
async function replayConvoy(h: Harness, movementId: string): Promise<void> {
  const call = async (method: string, path: string, body?: unknown, token = h.token('convoy-operator')): Promise<unknown> => {
    const res = await fetch(`${h.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json', 'idempotency-key': randomUUID() } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.headers.get('content-type')?.includes('json') ? res.json() : res.text();
  };
  const m = (await call('GET', `/movements/${movementId}`)) as MovementLite;
  expect(m.state).toBe('notified');
  const raw = await call('GET', `/corridors/${m.corridorId}/terms`);
  const terms = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { route: { coordinates: [number, number][] }; checkpoints: { id: string; name: string; coordinates: [number, number] }[] };
  const devices = m.vehicles.flatMap((v) => (v.trackerDeviceId ? [v.trackerDeviceId] : []));
  const cps = terms.checkpoints;
  // Nothing dated after now, as simulate sends it.
  const { plan } = replayableAt(planConvoy({ route: terms.route.coordinates, checkpoints: cps, devices, start: Date.parse(m.plannedDeparture), stopAt: cps[0]?.id, stopMinutes: 40, strayDevice: devices.at(-1), strayM: 8000, strayFixes: 6 }), Date.now());
  const people = m.manifest.people;
  const short = { ...people, adults: Math.max(0, (people.adults ?? 0) - 2) };
  await call('POST', `/movements/${movementId}/depart`, { at: new Date(plan.departAt).toISOString(), countedBy: 'Convoy leader, departure count at Sumy' });
  let sent = 0;
  for (const k of plan.counts) {
    const batch = plan.fixes.slice(sent).filter((f) => f.at <= k.at);
    if (batch.length > 0) {
      await call('POST', '/positions', { fixes: batch.map((f) => ({ deviceId: f.deviceId, at: new Date(f.at).toISOString(), lat: f.lat, lon: f.lon, speed: f.speedKn * 0.514444, bearing: f.bearing })) });
      sent += batch.length;
    }
    const counted = k.kind === 'checkpoint' && k.checkpointId === cps[0]?.id ? people : short;
    if (k.kind === 'checkpoint') await call('POST', `/movements/${movementId}/checkins`, { checkpointId: k.checkpointId, at: new Date(k.at).toISOString(), countedBy: `${k.name} checkpoint officer`, people: counted });
    else await call('POST', `/movements/${movementId}/arrive`, { at: new Date(k.at).toISOString(), countedBy: 'Poltava reception centre', people: counted, cargo: m.manifest.cargo.map((l) => ({ lineId: l.id, quantity: l.quantity })) });
  }
  if (m.manifest.cargo.length > 0) {
    // Only the receiving party confirms delivery, never the operator that sent it.
    await call('POST', `/movements/${movementId}/receipts`, { at: new Date(plan.receiptAt).toISOString(), receivedBy: 'Receiving operator at the destination', lines: m.manifest.cargo.map((l) => ({ lineId: l.id, quantity: l.quantity })) }, h.token('receiving-operator'));
  }
}

describe.skipIf(!HAVE_CHROMIUM)('talks and movements in chromium', () => {
  const h = useHarness();

  it('the public page shows the talks timeline below the corridors, in each language, at 360 px, without JavaScript', async () => {
    for (const [lang, heading] of [
      ['uk', 'Переговори: раунди та погоджені пункти'],
      ['ru', 'Переговоры: раунды и согласованные пункты'],
      ['en', 'Talks: rounds and agreed points'],
    ] as const) {
      const context = await h.browser.newContext({ viewport: { width: 360, height: 740 }, javaScriptEnabled: false, bypassCSP: true });
      const page = await context.newPage();
      const res = await page.goto(`${h.url}/public?lang=${lang}`);
      expect(res?.status()).toBe(200);
      await expect.poll(() => page.locator('#h-talks').textContent()).toBe(heading);
      expect(await page.locator('li.t').count()).toBe(3);
      // Nothing overflows the 360-px viewport.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
      if (lang === 'uk') {
        await page.locator('#h-talks').scrollIntoViewIfNeeded();
        await page.screenshot({ path: join(RESULTS, 'web-public-talks-uk-360.png') });
      }
      await context.close();
    }
  });

  it('a party member opens "Talks": rounds with agreed and open points, printable pages, and the matrix with Ukraine’s red line and Russia’s demands', async () => {
    const { page, context } = await h.newPage({ locale: 'en-GB' });
    await signIn(h, page, 'ua-liaison');
    await page.locator('#nav-talks').click();
    await page.locator('#position-matrix').waitFor();
    expect(await page.locator('h1').textContent()).toBe('Talks: the negotiation ledger');
    // The timeline: three rounds; the 3 March round agreed humanitarian corridors, and its protocol is signed.
    expect(await page.locator('li.round').count()).toBe(3);
    const r2 = page.locator('#round-2');
    expect(await r2.textContent()).toMatch(/Agreed: Humanitarian corridors/);
    expect(await r2.textContent()).toMatch(/signed by every delegation/);
    expect(await page.locator('#open-points').textContent()).toMatch(/Territorial integrity of Ukraine/);
    // When the next round is: the recorded note, and the rest in the reader's language.
    expect(await page.locator('#round-1 .next-round').textContent()).toBe('Next round: to be set (agreed to meet again; date and venue to be set)');
    // Each round's printable page opens (public rounds: no token needed).
    const href = await r2.locator('a.print-link').getAttribute('href');
    expect(href).toMatch(/^\/api\/v1\/rounds\/[^/]+\/print$/);
    const print = await fetch(`${h.url}${href ?? ''}`);
    expect(print.status).toBe(200);
    expect(await print.text()).toMatch(/<html/i);
    // The matrix: Ukraine's red line on territorial integrity, Russia's demands on neutrality, with history.
    const ti = page.locator('tr[data-item="territorial-integrity"] td[data-party="ua"]');
    expect(await ti.locator('.pos').first().textContent()).toMatch(/red line/);
    expect(await ti.locator('summary').textContent()).toBe('History (3)');
    const neutrality = page.locator('tr[data-item="neutrality"] td[data-party="ru"]');
    await neutrality.locator('summary').click();
    const history = await neutrality.locator('ol.history').textContent();
    expect(history).toMatch(/demand.*neutral status/);
    expect(history).toMatch(/conditional/);
    expect(await page.locator('tr[data-item="demilitarization"] td[data-party="ru"]').textContent()).toMatch(/demand/);
    // Mediator-only notes are not shown to a party.
    expect(await page.locator('main').textContent()).not.toMatch(/mediator only/i);
    await expectAccessible(page);
    await shot(page, 'talks-ua', true);
    // The same view in Ukrainian.
    await page.locator('.langs button[lang="uk"]').click();
    await page.locator('#position-matrix').waitFor();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Переговори: журнал переговорів');
    expect(await page.locator('tr[data-item="territorial-integrity"] td[data-party="ua"]').textContent()).toMatch(/червона лінія/);
    expect(await page.locator('#round-1 .next-round').textContent()).toBe('Наступний раунд: ще не визначено (agreed to meet again; date and venue to be set)');
    await context.close();
  }, 90_000);

  it('the demo convoy, replayed: its page shows the manifest, the track on the map, alerts and the reconciliation with the shortfall highlighted', async () => {
    const movementId = String(h.demo.extra.movementId);
    expect(movementId).toMatch(/^mov_/);
    const { page, context } = await h.newPage({ locale: 'en-GB' });
    await signIn(h, page, 'ua-liaison');
    // Reachable from the map page's list of movements.
    await page.locator('#map[data-states]').waitFor();
    await page.locator('#overview-movements a.movement-link').first().click();
    await page.locator('#recon-people').waitFor();
    expect(page.url()).toContain(`/app/movements/${movementId}`);
    expect(await page.locator('#movement-state').textContent()).toBe('notified');
    expect(await page.locator('#track-last').textContent()).toBe('No positions yet.');
    // The page follows the event stream while the convoy is replayed.
    await replayConvoy(h, movementId);
    await expect.poll(() => page.locator('#movement-state').textContent(), { timeout: 15_000 }).toBe('arrived');
    await expect.poll(() => page.locator('#movement-alerts li[data-type="count_discrepancy"]').count(), { timeout: 15_000 }).toBe(1);
    await mapIdle(page, '#movement-map');
    // The track: one line per bus on the map.
    const lines = await page.evaluate(() => {
      const map = (document.getElementById('movement-map') as HTMLElement & { maplibreMap?: { querySourceFeatures(s: string): unknown[] } }).maplibreMap;
      return map?.querySourceFeatures('track').length ?? 0;
    });
    expect(lines).toBeGreaterThanOrEqual(3);
    expect(await page.locator('#track-last').textContent()).toMatch(/Last position: demo-bus-0\d/);
    expect(await page.locator('#movement-state').textContent()).toBe('arrived');
    // Manifest.
    expect(await page.locator('#manifest-vehicles tbody tr').count()).toBeGreaterThanOrEqual(3);
    expect(await page.locator('#manifest-people').textContent()).toMatch(/159/);
    // Alerts: off-route raised and cleared for demo-bus-03; the count discrepancy open.
    expect(await page.locator('#movement-alerts li[data-type="off_route"][data-state="cleared"]').textContent()).toMatch(/^Off the route — cleared — demo-bus-03/);
    const disc = page.locator('#movement-alerts li[data-type="count_discrepancy"]');
    expect(await disc.textContent()).toMatch(/adults · -2 · first at Lubny/);
    // Reconciliation: adults 82 → Lokhvytsia 82 → Lubny 80 → arrived 80, the discrepancy highlighted from Lubny.
    expect(await page.locator('#recon-status').textContent()).toBe('Discrepancies found: highlighted below.');
    const head = await page.locator('#recon-people thead th').allTextContents();
    expect(head.slice(1, 5)).toEqual(['Departed', 'Lokhvytsia', 'Lubny', 'Arrived']);
    const adults = page.locator('#recon-people tbody tr', { hasText: 'adults' });
    expect(await adults.locator('td').allTextContents()).toEqual(['82', '82', '80 (-2) ⚠ first at Lubny', '80 (-2)', '-2first at Lubny']);
    expect(await adults.locator('td.discrepancy').count()).toBe(3);
    expect(await adults.locator('td.discrepancy.first').count()).toBe(1);
    // Cargo dispatched vs received: balanced, nothing highlighted.
    expect(await page.locator('#recon-cargo td.discrepancy').count()).toBe(0);
    expect(await page.locator('#recon-cargo thead').textContent()).toMatch(/Received/);
    await expectAccessible(page);
    await shot(page, 'movement-convoy', true);
    // And from the corridor page.
    await page.locator('a[href^="/app/corridors/"]').first().click();
    await page.locator('#corridor-movements a.movement-link').waitFor();
    await page.locator('#corridor-movements').screenshot({ path: join(RESULTS, 'web-corridor-movements.png') });
    // And the map page: the convoy's buses at Poltava, the movements table under the corridors.
    await page.locator('header a[href="/app/"]').first().click();
    await page.locator('#overview-movements').waitFor();
    await mapIdle(page);
    await shot(page, 'map-after-convoy', true);
    await context.close();
    // On a phone: the reconciliation's hidden "first at" note stays inside its table's scroll box.
    const phone = await h.newPage({ width: 390, height: 844, locale: 'en-GB' });
    await signIn(h, phone.page, 'ua-liaison', `/app/movements/${movementId}`);
    await phone.page.locator('#recon-people td.discrepancy.first').waitFor();
    await phone.page.waitForTimeout(300);
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.context.close();
  }, 120_000);
});
