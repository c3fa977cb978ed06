import { it } from 'vitest';
import { startHarness } from './harness.js';
it('explore', async () => {
  const h = await startHarness();
  try {
    const ctx = await h.browser.newContext({ viewport: { width: 360, height: 700 }, deviceScaleFactor: 2, locale: 'uk-UA' });
    const page = await ctx.newPage();
    await page.goto(`${h.url}/public`);
    await page.locator('li.c').first().screenshot({ path: '/work/main/test-results/explore-item.png' });
    const html = await page.content();
    console.log(html.length, /<path id="ua" d="(.{80})/.exec(html)?.[1]);
  } finally {
    await h.close();
  }
}, 120_000);
