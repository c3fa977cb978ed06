/**
 * In chromium: the map page follows `movement.positions` events by moving only the trackers they
 * name (the dot overlay over the map, keyed by device id; the map itself is not redrawn) — no refetch of /positions/latest.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HAVE_CHROMIUM, mapIdle, RESULTS, signIn, SKIP_REASON, useHarness } from './harness.js';

if (!HAVE_CHROMIUM) console.warn(SKIP_REASON);

describe.skipIf(!HAVE_CHROMIUM)('live movements on the map in chromium', () => {
  const h = useHarness();

  it('moves the convoy’s buses from the event stream without re-reading all positions', async () => {
    const { page, context } = await h.newPage({ locale: 'en-GB' });
    const latest: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/v1/positions/latest')) latest.push(r.url());
    });
    await signIn(h, page, 'ua-liaison');
    await page.locator('#map[data-states]').waitFor();
    await mapIdle(page);
    const initial = latest.length;
    expect(initial).toBe(1);
    // The demo convoy's trackers are registered but have sent nothing: no dot, so no count yet.
    const movLegend = page.locator('.legend li', { hasText: 'Movement (latest position)' });
    expect(await movLegend.textContent()).toBe('Movement (latest position)');
    await page.waitForTimeout(500); // the event stream is connected
    const post = async (fixes: unknown[]): Promise<void> => {
      const res = await fetch(`${h.url}/api/v1/positions`, { method: 'POST', headers: { authorization: `Bearer ${h.token('convoy-operator')}`, 'content-type': 'application/json' }, body: JSON.stringify({ fixes }) });
      expect(res.status, await res.text()).toBe(200);
    };
    const t0 = Date.now() - 60_000;
    await post(['demo-bus-01', 'demo-bus-02'].map((deviceId, i) => ({ deviceId, at: new Date(t0).toISOString(), lat: 50.9 - i * 0.01, lon: 34.79, speed: 10 })));
    await page.waitForFunction(() => Number(document.querySelector('#map')?.getAttribute('data-fixes') ?? 0) >= 2, undefined, { timeout: 10_000 });
    // Its first fixes put it on the map, and in the legend's count.
    await expect.poll(() => movLegend.textContent()).toMatch(/\(1\)$/);
    await post([{ deviceId: 'demo-bus-01', at: new Date(t0 + 30_000).toISOString(), lat: 50.8, lon: 34.6, speed: 12 }]);
    await page.waitForFunction(() => Number(document.querySelector('#map')?.getAttribute('data-fixes') ?? 0) >= 3, undefined, { timeout: 10_000 });
    await mapIdle(page);
    // Moved in place: /positions/latest was read once, at load.
    expect(latest.length).toBe(initial);
    await page.screenshot({ path: join(RESULTS, 'web-map-live-movements.png') });
    await context.close();
  }, 90_000);
});
