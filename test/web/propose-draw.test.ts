/**
 * In chromium: a corridor proposed by drawing on the map. Three clicks on the propose form's
 * map add three waypoints (named after the nearest settlement, or by their coordinates); the
 * middle waypoint's numbered marker is dragged with the mouse to a new place, the list and the
 * preview following; the corridor is submitted and the API's stored route has the dragged
 * coordinates. The markers stay out of the keyboard's and screen readers' way (the list offers
 * the same), and axe-core finds nothing. Screenshot `test-results/web-propose-drawn.png`.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { localInputValue } from '../../src/i18n/index.js';
import { axe, describeViolations, HAVE_CHROMIUM, mapIdle, RESULTS, signIn, SKIP_REASON, useHarness } from './harness.js';

if (!HAVE_CHROMIUM) console.warn(SKIP_REASON);

type LonLat = [number, number];

/** The page pixel (viewport coordinates) where a point of the propose map is drawn now. */
async function pixelOf(page: Page, p: LonLat): Promise<{ x: number; y: number }> {
  return page.evaluate((p) => {
    const el = document.querySelector('#propose-map') as HTMLElement & { maplibreMap: { project(p: [number, number]): { x: number; y: number }; getCanvasContainer(): HTMLElement } };
    const box = el.maplibreMap.getCanvasContainer().getBoundingClientRect();
    const px = el.maplibreMap.project(p);
    return { x: box.left + px.x, y: box.top + px.y };
  }, p);
}

async function waypointTexts(page: Page): Promise<string[]> {
  return page.locator('#waypoints li .wp').allTextContents();
}

describe.skipIf(!HAVE_CHROMIUM)('proposing a corridor by drawing on the map, in chromium', () => {
  const h = useHarness();

  it('clicks add waypoints, a dragged marker moves one, and the stored route has the dragged coordinates', async () => {
    const { page } = await h.newPage();
    await signIn(h, page, 'ua-liaison', '/app/propose');
    await page.locator('#propose-form').waitFor();
    await page.locator('#propose-map canvas.maplibregl-canvas').waitFor();
    await mapIdle(page, '#propose-map');
    await page.locator('#propose-map').scrollIntoViewIfNeeded();
    // Zoom to the Kyiv region, where one pixel is about 250 m.
    await page.evaluate(() => {
      const m = (document.querySelector('#propose-map') as HTMLElement & { maplibreMap: { jumpTo(o: unknown): void } }).maplibreMap;
      m.jumpTo({ center: [30.45, 50.5], zoom: 8.5 });
    });
    await mapIdle(page, '#propose-map');

    // Three clicks: near Bucha, a point in the fields with no settlement within 8 km, near Kyiv.
    const clicks: LonLat[] = [
      [30.22, 50.54],
      [30.12, 50.4],
      [30.52, 50.45],
    ];
    for (const [i, p] of clicks.entries()) {
      const px = await pixelOf(page, p);
      await page.mouse.click(px.x, px.y);
      await expect.poll(() => page.locator('#waypoints li').count()).toBe(i + 1);
    }
    const names = await waypointTexts(page);
    expect(names[0]).toMatch(/^Bucha \(50\.54\d*, 30\.2[12]\d*\)$/);
    expect(names[1]).toMatch(/^50\.(39|40)\d\d, 30\.1[12]\d\d$/);
    expect(names[2]).toMatch(/^Kyiv \(/);
    // One numbered marker per waypoint, hidden from assistive technology and not focusable.
    const markers = page.locator('#propose-map .wp-marker');
    expect(await markers.count()).toBe(3);
    expect(await markers.evaluateAll((els) => els.map((e) => [e.textContent, e.getAttribute('aria-hidden'), e.getAttribute('tabindex'), e.getAttribute('data-end')]))).toEqual([
      ['1', 'true', null, 'origin'],
      ['2', 'true', null, 'via'],
      ['3', 'true', null, 'destination'],
    ]);

    // Drag marker 2 to near Irpin, in steps, with the mouse.
    const target: LonLat = [30.26, 50.51];
    const box = await markers.nth(1).boundingBox();
    if (!box) throw new Error('marker 2 is not visible');
    const to = await pixelOf(page, target);
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    for (let k = 1; k <= 10; k++) await page.mouse.move(box.x + box.width / 2 + ((to.x - box.x - box.width / 2) * k) / 10, box.y + box.height / 2 + ((to.y - box.y - box.height / 2) * k) / 10);
    // The list follows while the marker is still held.
    await expect.poll(async () => (await waypointTexts(page))[1]).toMatch(/^Irpin \(50\.5\d*, 30\.2\d*\)$/);
    await page.mouse.up();
    // Still three waypoints: the drop added none.
    await page.waitForTimeout(300);
    expect(await page.locator('#waypoints li').count()).toBe(3);
    const dropped = await markers.nth(1).boundingBox();
    expect(Math.abs((dropped?.x ?? 0) + (dropped?.width ?? 0) / 2 - to.x)).toBeLessThan(3);
    expect(Math.abs((dropped?.y ?? 0) + (dropped?.height ?? 0) / 2 - to.y)).toBeLessThan(3);

    // Keyboard users keep the list's controls for the same waypoint.
    await page.locator('#waypoints li').nth(1).getByRole('button', { name: /Move up: Irpin/ }).focus();
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toMatch(/^Move up: Irpin/);

    const tomorrow = localInputValue(Date.now() + 86_400_000, 'Europe/Kyiv').slice(0, 10);
    await page.locator('#f-title').fill('Bucha → Kyiv (drawn on the map)');
    await page.locator('#f-start').fill(`${tomorrow}T09:00`);
    await page.locator('#f-end').fill(`${tomorrow}T17:00`);
    await mapIdle(page, '#propose-map');
    const violations = await axe(page);
    expect(violations, describeViolations(violations)).toEqual([]);
    await page.locator('#propose-map').screenshot({ path: join(RESULTS, 'web-propose-drawn-map.png') });
    await page.screenshot({ path: join(RESULTS, 'web-propose-drawn.png'), fullPage: true });

    await page.locator('#propose-submit').click();
    await page.waitForURL(/\/app\/corridors\/cor_[a-z0-9]+$/);
    const id = /cor_[a-z0-9]+/.exec(page.url())?.[0] ?? '';
    const view = JSON.parse((await h.app.inject({ url: `/api/v1/corridors/${id}`, headers: { authorization: `Bearer ${h.token('observer')}` } })).body) as {
      terms: { route: { coordinates: LonLat[] }; origin: { name: string }; destination: { name: string } };
    };
    const route = view.terms.route.coordinates;
    expect(route).toHaveLength(3);
    // Within 0.005° (a few hundred metres, about two pixels at this zoom) of where it was aimed.
    const near = (a: LonLat | undefined, b: LonLat): void => {
      expect(Math.abs((a?.[0] ?? NaN) - b[0]), `${a} vs ${b}`).toBeLessThan(0.005);
      expect(Math.abs((a?.[1] ?? NaN) - b[1]), `${a} vs ${b}`).toBeLessThan(0.005);
    };
    near(route[0], clicks[0] as LonLat);
    near(route[1], target);
    near(route[2], clicks[2] as LonLat);
    // Exactly the coordinates the list showed: 5 decimals.
    for (const c of route) for (const x of c) expect(Math.round(x * 1e5) / 1e5).toBe(x);
    expect([view.terms.origin.name, view.terms.destination.name]).toEqual(['Bucha', 'Kyiv']);
  }, 90_000);
});
