/**
 * Fixes from a click-through review in chromium (every role, uk/ru/en, 1280×860 and 390×844):
 * input refused at the field, server refusals translated once, no sideways scrolling on a
 * phone, confirmations before consequential actions, and no dead ends.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { HAVE_CHROMIUM, RESULTS, signIn, SKIP_REASON, useHarness } from './harness.js';

if (!HAVE_CHROMIUM) console.warn(SKIP_REASON);

const shot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: join(RESULTS, `web-review-${name}.png`), fullPage: true });

describe.skipIf(!HAVE_CHROMIUM)('review fixes in chromium', () => {
  const h = useHarness();

  it('propose: a latitude of 95 or a longitude of −200 is refused at the field, and nothing is added', async () => {
    const { page } = await h.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await signIn(h, page, 'ua-liaison', '/app/propose');
    await page.locator('#propose-form').waitFor();
    await page.locator('#wp-name').fill('Nowhere');
    await page.locator('#wp-lat').fill('95');
    await page.locator('#wp-lon').fill('-200');
    await page.locator('#add-coords').click();
    await expect.poll(() => page.locator('#wp-lat-error').textContent()).toMatch(/−90 to 90/);
    expect(await page.locator('#wp-lon-error').textContent()).toMatch(/−180 to 180/);
    expect(await page.locator('#wp-lat').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#waypoints li').count()).toBe(0);
    // Corrected, it is added and the messages go.
    await page.locator('#wp-lat').fill('50.45');
    await page.locator('#wp-lon').fill('30.52');
    await page.locator('#add-coords').click();
    await expect.poll(() => page.locator('#waypoints li').count()).toBe(1);
    expect(await page.locator('.field-error').count()).toBe(0);
    expect(errors).toEqual([]);
  }, 60_000);
});
