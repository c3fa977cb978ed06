/**
 * In chromium, the Incidents page (web/src/views/incidents.ts):
 *
 * 1. An incident reported as an area (a GeoJSON Polygon, through the API) is drawn on the page's
 *    map as that area — filled and outlined where the polygon is, not where it is not (a point
 *    of its bounding box outside it), and not as loose dots at its corners — and hovering it
 *    names it. The page offers no way to *draw* an area for a new report (a click on its map sets
 *    the report's point only), so there is no drawing to drive here.
 * 2. A correction sent with If-Match of the version the page loaded, after another member
 *    corrected the report meanwhile: the server answers 412, the page says so in words about the
 *    report, shows the report as it stands now, keeps what the user typed, and a second attempt
 *    (now against the newer version) is accepted.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { HAVE_CHROMIUM, mapIdle, signIn, SKIP_REASON, useHarness } from './harness.js';

if (!HAVE_CHROMIUM) console.warn(SKIP_REASON);

type LonLat = [number, number];

interface Incident {
  id: string;
  version: number;
  severity: string;
  description: string;
  geometry: { type: string; coordinates: unknown };
}

/** Runs `fn` on the incidents page's maplibre map (the handle map.ts puts on its container). */
type MapHandle = {
  project(p: LonLat): { x: number; y: number };
  getCanvasContainer(): HTMLElement;
  fitBounds(b: [LonLat, LonLat], o: unknown): void;
  queryRenderedFeatures(a?: unknown, b?: unknown): { layer: { id: string }; properties: Record<string, unknown> }[];
  getSource(id: string): { serialize(): { data: GeoJSON.FeatureCollection } } | undefined;
};

/** The page pixel (viewport coordinates) where a point of the incidents map is drawn now. */
async function pixelOf(page: Page, p: LonLat): Promise<{ x: number; y: number }> {
  return page.evaluate((p) => {
    const m = (document.querySelector('#incident-map') as HTMLElement & { maplibreMap: MapHandle }).maplibreMap;
    const box = m.getCanvasContainer().getBoundingClientRect();
    const px = m.project(p);
    return { x: box.left + px.x, y: box.top + px.y };
  }, p);
}

/** Which of the incident layers have a rendered feature of incident `id` at `p` (or anywhere, without `p`). */
async function layersWith(page: Page, id: string, p?: LonLat): Promise<string[]> {
  return page.evaluate(
    ([id, p]) => {
      const m = (document.querySelector('#incident-map') as HTMLElement & { maplibreMap: MapHandle }).maplibreMap;
      const layers = { layers: ['incidents-area', 'incidents-outline', 'incidents'] };
      const found = p ? m.queryRenderedFeatures(m.project(p), layers) : m.queryRenderedFeatures(layers);
      return [...new Set(found.filter((f) => f.properties.id === id).map((f) => f.layer.id))].sort();
    },
    [id, p ?? null] as const,
  );
}

describe.skipIf(!HAVE_CHROMIUM)('incidents page in chromium: areas on the map, and a correction refused as stale', () => {
  const h = useHarness();

  const headers = (key: string, more: Record<string, string> = {}): Record<string, string> => ({ authorization: `Bearer ${h.token(key)}`, 'content-type': 'application/json', ...more });

  async function report(key: string, geometry: Incident['geometry'], description: string): Promise<Incident> {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/incidents',
      headers: headers(key),
      payload: { kind: 'obstruction', severity: 'moderate', geometry, occurredAt: new Date(Date.now() - 3_600_000).toISOString(), description },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as Incident;
  }

  async function current(id: string): Promise<Incident> {
    const res = await h.app.inject({ url: `/api/v1/incidents/${id}`, headers: headers('ua-liaison') });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as Incident;
  }

  it('an incident reported as a polygon is drawn as that area on the map: filled and outlined inside, nothing outside, no corner dots', async () => {
    // A triangle south-west of Poltava: its bounding box's north-west corner is outside it.
    const ring: LonLat[] = [[33.9, 49.3], [34.5, 49.3], [34.2, 49.75], [33.9, 49.3]];
    const inside: LonLat = [34.2, 49.45];
    const outsideInBox: LonLat = [33.95, 49.7];
    const area = await report('ua-liaison', { type: 'Polygon', coordinates: [ring] }, 'Road blocked by debris across this area');
    expect(area.geometry).toEqual({ type: 'Polygon', coordinates: [ring] });

    const { page } = await h.newPage();
    await signIn(h, page, 'ua-liaison', '/app/incidents');
    await page.locator(`#incidents tr[data-incident="${area.id}"]`).waitFor();
    await page.locator('#incident-map canvas.maplibregl-canvas').waitFor();
    await page.locator('#incident-map').scrollIntoViewIfNeeded();
    await mapIdle(page, '#incident-map');
    // The map was given the report's own polygon.
    const given = await page.evaluate((id) => {
      const m = (document.querySelector('#incident-map') as HTMLElement & { maplibreMap: MapHandle }).maplibreMap;
      return m.getSource('incidents')?.serialize().data.features.find((f) => f.properties?.id === id)?.geometry ?? null;
    }, area.id);
    expect(given).toEqual({ type: 'Polygon', coordinates: [ring] });

    // Zoomed to the area, as drawn: the fill at a point inside, and at no point of its box
    // outside it; the outline; and no circle (a corner drawn as a dot).
    await page.evaluate((ring) => {
      const m = (document.querySelector('#incident-map') as HTMLElement & { maplibreMap: MapHandle }).maplibreMap;
      const lons = ring.map((p) => p[0]);
      const lats = ring.map((p) => p[1]);
      m.fitBounds([[Math.min(...lons), Math.min(...lats)], [Math.max(...lons), Math.max(...lats)]], { padding: 40, animate: false });
    }, ring);
    await mapIdle(page, '#incident-map');
    expect(await layersWith(page, area.id)).toEqual(['incidents-area', 'incidents-outline']);
    expect(await layersWith(page, area.id, inside)).toContain('incidents-area');
    expect(await layersWith(page, area.id, outsideInBox)).toEqual([]);

    // Hovering the area names the incident, as a point's dot does.
    const px = await pixelOf(page, inside);
    await page.mouse.move(px.x, px.y);
    await expect.poll(() => page.locator('#incident-map .maplibregl-popup').textContent()).toMatch(/^Incident: obstruction /);
    // Its time as the list gives it (Kyiv wall clock, then UTC), not the API's ISO string.
    const popupText = (await page.locator('#incident-map .maplibregl-popup').textContent()) ?? '';
    expect(popupText).toMatch(/\(Europe\/Kyiv\) · \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
    expect(popupText).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:/);
    const out = await pixelOf(page, outsideInBox);
    await page.mouse.move(out.x, out.y);
    await expect.poll(() => page.locator('#incident-map .maplibregl-popup').count()).toBe(0);

    // A report can only be placed as a point: a click on the map sets its coordinates (no area drawing).
    await page.mouse.click(px.x, px.y);
    await expect.poll(() => page.locator('#inc-lat').inputValue()).toMatch(/^49\.4\d*/);
    expect(Number(await page.locator('#inc-lon').inputValue())).toBeCloseTo(inside[0], 1);
  }, 60_000);

  it('a correction sent against a version changed meanwhile (412) is explained, keeps what was typed, and can be sent again', async () => {
    const first = 'Checkpoint at Lubny closed; vehicles turned back';
    const incident = await report('ua-liaison', { type: 'Point', coordinates: [33.0, 50.01] }, first);
    expect(incident.version).toBe(1);

    const { page } = await h.newPage();
    // A tab that did not hear of the other correction (its event stream down): a page that hears
    // of it draws version 2 under the form, keeping what was typed (test/web/live-pages.test.ts).
    await page.route('**/api/v1/events**', (r) => r.abort());
    await signIn(h, page, 'ua-liaison', '/app/incidents');
    const row = page.locator(`#incidents tr[data-incident="${incident.id}"]`);
    await row.waitFor();
    await row.locator('details.correct-box summary').click();
    const form = row.locator(`form[data-correct-for="${incident.id}"]`);
    const typed = 'Checkpoint at Lubny closed from 14:00; 12 vehicles turned back to Romny';
    const reasonTyped = 'Time and count confirmed by the convoy leader';
    await form.locator('textarea[name=description]').fill(typed);
    await form.locator('select[name=severity]').selectOption('severe');
    await form.locator('input[name=correctionReason]').fill(reasonTyped);

    // Meanwhile the mediator corrects the report (version 1 → 2) in another tab.
    const theirs = 'Checkpoint at Lubny closed (mediator’s check); traffic diverted';
    const meanwhile = await h.app.inject({
      method: 'POST',
      url: `/api/v1/incidents/${incident.id}/corrections`,
      headers: headers('mediator-liaison', { 'if-match': '"1"' }),
      payload: { description: theirs, reason: 'Verified with the checkpoint' },
    });
    expect(meanwhile.statusCode, meanwhile.body).toBe(200);

    // The page sends If-Match "1": refused with 412 …
    const answer = page.waitForResponse((r) => r.url().endsWith(`/api/v1/incidents/${incident.id}/corrections`) && r.request().method() === 'POST');
    await form.locator('button[type=submit]').click();
    const res = await answer;
    expect(res.status()).toBe(412);
    expect(res.request().headers()['if-match']).toBe('"1"');
    // … said in words about the report (not the corridors' generic wording), in English …
    await expect.poll(() => page.locator('#decision-msg').textContent(), { timeout: 15_000 }).toMatch(/^Refused: The report was changed meanwhile; the list now shows it as it stands — check it and correct again if still needed\./);
    expect(await page.locator('#decision-msg').textContent()).not.toContain('corridor');
    // … nothing of the user's was applied …
    const after412 = await current(incident.id);
    expect([after412.version, after412.description, after412.severity]).toEqual([2, theirs, 'moderate']);
    // … the row shows the report as it stands now (the mediator's version 2) …
    await expect.poll(() => row.locator('.incident-state [data-version]').textContent()).toBe('corrected, v2');
    expect(await row.locator('td').nth(2).textContent()).toContain(theirs);
    // … and the form is still open with what the user typed and chose.
    expect(await row.locator('details.correct-box').evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
    expect(await form.locator('textarea[name=description]').inputValue()).toBe(typed);
    expect(await form.locator('select[name=severity]').inputValue()).toBe('severe');
    expect(await form.locator('input[name=correctionReason]').inputValue()).toBe(reasonTyped);

    // Sent again, it is against version 2 now, and accepted as version 3.
    const again = page.waitForResponse((r) => r.url().endsWith(`/api/v1/incidents/${incident.id}/corrections`) && r.request().method() === 'POST');
    await form.locator('button[type=submit]').click();
    const res2 = await again;
    expect([res2.status(), res2.request().headers()['if-match']]).toEqual([200, '"2"']);
    await expect.poll(() => page.locator('#decision-msg').textContent(), { timeout: 15_000 }).toBe('The report was corrected (version 3).');
    const final = await current(incident.id);
    expect([final.version, final.description, final.severity]).toEqual([3, typed, 'severe']);
    await expect.poll(() => row.locator('.incident-state [data-version]').textContent()).toBe('corrected, v3');
  }, 60_000);
});
