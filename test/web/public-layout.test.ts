/**
 * Chromium: the public page keeps to the phone's width when a party's words hold a long unbroken
 * string — a URL in a suspension's reason, a long place name in a title — and shows a corridor
 * called off (amended while it was open) with why. No JavaScript, as a cheap
 * phone on a weak link may run none.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tickWindows } from '../../src/app/scheduler.js';
import { api, guaranteedCorridor, makeWorld, type World } from '../helpers.js';

const CHROMIUM = process.env.PASSAGE_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const RESULTS = resolve('test-results');
const URL_REASON = 'Обстріл біля пункту пропуску; див. https://example.org/very/long/path/that/does/not/break/anywhere/at/all/0123456789abcdefghijklmnopqrstuvwxyz';
const LONG_TITLE = 'Кропивницький—Новомиргородська_територіальна_громада_довга_назва_без_пробілів';

describe.skipIf(!existsSync(CHROMIUM))('public page layout (chromium)', () => {
  let w: World;
  let browser: Browser;
  let base: string;
  beforeAll(async () => {
    w = await makeWorld('sqlite');
    const suspended = await guaranteedCorridor(w, { title: LONG_TITLE, windows: [{ start: '2022-03-08T09:00:00+02:00', end: '2022-03-10T21:00:00+02:00', timeZone: 'Europe/Kyiv' }] });
    const open = await guaranteedCorridor(w, { title: 'Mariupol → Zaporizhzhia' });
    w.clock.set('2022-03-08T06:00:00Z');
    await tickWindows(w.deps);
    w.clock.set('2022-03-08T07:00:01Z');
    await tickWindows(w.deps);
    expect((await api(w.app, w.mediator.liaison.token).post(`/corridors/${suspended}/suspend`, { reason: URL_REASON })).statusCode).toBe(200);
    // The other amended while open by its proposer alone: called off, shown with why.
    w.clock.set('2022-03-08T08:00:00Z');
    const view = JSON.parse((await api(w.app, w.ua.viewer.token).get(`/corridors/${open}`)).body);
    const amend = await api(w.app, w.ua.liaison.token).post(`/corridors/${open}/amend`, { baseVersion: 1, terms: { ...view.terms, type: undefined, corridorId: undefined, version: undefined, widthM: 3000 }, reason: 'wider' });
    expect(amend.statusCode, amend.body).toBe(200);
    await w.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(w.app.server.address() as { port: number }).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await w?.close();
  });

  it('never scrolls sideways at 320–1280 px with a URL in a reason and a long title; each language says why a corridor was called off', async () => {
    mkdirSync(RESULTS, { recursive: true });
    for (const lang of ['uk', 'ru', 'en']) {
      for (const width of [320, 360, 1280]) {
        const context = await browser.newContext({ viewport: { width, height: 740 }, javaScriptEnabled: false });
        const page = await context.newPage();
        await page.goto(`${base}/public?lang=${lang}`);
        expect(await page.evaluate(() => document.documentElement.scrollWidth), `${lang} ${width}`).toBeLessThanOrEqual(width);
        // The reason is whole (wrapped, not cut), and so are the times beside it.
        const why = page.locator('p.why', { hasText: 'https://example.org/very/long' });
        expect(await why.count()).toBe(1);
        const box = await why.boundingBox();
        expect(box && box.x + box.width, `${lang} ${width}`).toBeLessThanOrEqual(width);
        for (const when of await page.locator('p.when').all()) {
          const b = await when.boundingBox();
          expect(b && b.x + b.width, `${lang} ${width}: ${await when.textContent()}`).toBeLessThanOrEqual(width);
        }
        if (width === 360) {
          await page.screenshot({ path: `${RESULTS}/public-layout-${lang}-360.png`, fullPage: true });
          const closed = await page.locator('#h-closed').locator('..').textContent();
          expect(closed).toMatch({ uk: /Більше не діє з .*Причина: умови коридору переглядаються/, ru: /Больше не действует с .*Причина: условия коридора пересматриваются/, en: /No longer in force since .*Reason: its terms are being renegotiated/ }[lang]!);
        }
        await context.close();
      }
    }
  }, 120_000);
});
