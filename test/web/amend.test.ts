/**
 * Forms that change what parties rely on, from a click-through review: the amend form (a reason,
 * the guarantees it voids named before it is made, nothing amended for nothing, checkpoint ids
 * and other windows kept), signing terms that changed meanwhile, place names typed in Cyrillic,
 * required fields said in the user's language, field marks that go when the field is fixed,
 * typed incident coordinates on the map, and the movement page before departure and on a phone.
 * Its own harness: it amends the demo's Sumy → Poltava corridor.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HAVE_CHROMIUM, mapIdle, signIn, SKIP_REASON, useHarness } from './harness.js';

if (!HAVE_CHROMIUM) console.warn(SKIP_REASON);

interface Corridor {
  version: number;
  state: string;
  terms: { widthM: number; checkpoints: { id: string; name: string; coordinates: number[] }[]; windows: unknown[]; [k: string]: unknown };
  guarantees: { partyId: string; version: number; valid: boolean }[];
}

describe.skipIf(!HAVE_CHROMIUM)('amending, signing and other forms in the browser', () => {
  const h = useHarness();
  const sumy = (): string => h.demo.corridors['sumy-poltava'] ?? '';
  const corridor = async (id: string): Promise<Corridor> => JSON.parse((await h.app.inject({ url: `/api/v1/corridors/${id}`, headers: { authorization: `Bearer ${h.token('observer')}` } })).body) as Corridor;

  it('an amendment needs a reason, names the guarantees it voids before it is made, and one that changes nothing is not sent', async () => {
    const before = await corridor(sumy());
    expect(before.state).toBe('guaranteed');
    expect(before.terms.checkpoints.map((c) => c.id)).toEqual(['lokhvytsia', 'lubny']);
    const { page } = await h.newPage();
    let posts = 0;
    page.on('request', (r) => {
      if (r.method() === 'POST') posts++;
    });
    await signIn(h, page, 'ua-liaison', `/app/corridors/${sumy()}/amend`);
    await page.locator('#propose-form').waitFor();
    const dialog = page.locator('dialog.confirm');
    // Nothing changed: said at the form, without a dialog about guarantees, and nothing is sent.
    const nothing = `Nothing changed: these are the terms of version ${before.version}. Change a term to amend them — an amendment voids every guarantee.`;
    await page.locator('#propose-submit').click();
    await expect.poll(() => page.locator('#propose-error').textContent()).toBe(nothing);
    await page.locator('#f-reason').fill('Nothing really');
    await page.locator('#propose-submit').click();
    await expect.poll(() => page.locator('#propose-error').textContent()).toBe(nothing);
    expect(await dialog.count()).toBe(0);
    expect(posts).toBe(0);
    // A change, without a reason: refused at the field, nothing sent.
    await page.locator('#f-width').fill(String(before.terms.widthM + 500));
    await page.locator('#f-reason').fill('');
    await page.locator('#propose-submit').click();
    await expect.poll(() => page.locator('#f-reason-error').textContent()).toMatch(/^Say why the terms change/);
    // A reason: the dialog names both parties whose guarantees stop binding; Cancel changes nothing.
    await page.locator('#f-reason').fill('A wider zone');
    await page.locator('#propose-submit').click();
    await dialog.waitFor();
    const text = (await dialog.textContent()) ?? '';
    expect(text).toContain('Ukraine');
    expect(text).toContain('Russian Federation');
    expect(text).toContain('the corridor stops being guaranteed');
    expect(text).toContain(`version ${before.version + 1}`);
    await dialog.locator('[data-confirm=cancel]').click();
    await expect.poll(() => dialog.count()).toBe(0);
    expect((await corridor(sumy())).version).toBe(before.version);
    expect(posts).toBe(0);
    // Confirmed: the corridor page says what happened. The checkpoints keep their ids, the other windows stay.
    await page.locator('#propose-submit').click();
    await dialog.locator('[data-confirm=ok]').click();
    await page.waitForURL(`**/app/corridors/${sumy()}`);
    await expect.poll(() => page.locator('#action-msg').textContent()).toBe(
      `Amended: version ${before.version + 1} is proposed and waits for the guarantees of Ukraine, Russian Federation. The guarantees given on version ${before.version} by Ukraine, Russian Federation no longer bind.`,
    );
    const after = await corridor(sumy());
    expect(after).toMatchObject({ version: before.version + 1, state: 'proposed' });
    expect(after.terms.widthM).toBe(before.terms.widthM + 500);
    expect(after.terms.checkpoints).toEqual(before.terms.checkpoints);
    expect(after.terms.windows).toEqual(before.terms.windows);
    const { widthM: _w1, version: _v1, ...restBefore } = before.terms;
    const { widthM: _w2, version: _v2, ...restAfter } = after.terms;
    expect(restAfter).toEqual(restBefore);
  }, 90_000);

  it('signing terms that changed while the page was open says so, and signs nothing', async () => {
    const start = await corridor(sumy());
    const { page } = await h.newPage();
    // A page that did not hear of the amendment (its event stream down; a page that hears of it
    // draws the new terms and says so: test/web/live-pages.test.ts): the browser refuses to sign.
    await page.route('**/api/v1/events**', (route) => route.abort());
    await signIn(h, page, 'ua-liaison', `/app/corridors/${sumy()}`);
    await page.locator('.sign-key').waitFor();
    // Meanwhile the mediator's side amends it again.
    const { type: _t, corridorId: _c, version: _v, ...input } = start.terms;
    const res = await h.app.inject({ method: 'POST', url: `/api/v1/corridors/${sumy()}/amend`, headers: { authorization: `Bearer ${h.token('ua-liaison')}`, 'if-match': `"${start.version}"` }, payload: { terms: { ...input, widthM: start.terms.widthM + 100 }, reason: 'wider again' } });
    expect(res.statusCode, res.body).toBe(200);
    const key = h.demo.keyFiles.ua?.private ?? '';
    await page.locator('.sign-key input[type=file]').setInputFiles({ name: 'ua.private.jwk', mimeType: 'application/json', buffer: readFileSync(key) });
    await page.locator('.sign-key button[type=submit]').click();
    // The page may still be checking its log section (pages of entries, then one inclusion proof
    // per entry of the corridor, one after another): on a busy machine the refusal can take a
    // second or more to show.
    await expect.poll(() => page.locator('#action-msg').textContent(), { timeout: 15_000 }).toBe(`Refused: The terms changed to version ${start.version + 1} while this page was open. Reload it and read them before signing.`);
    expect((await corridor(sumy())).guarantees.filter((g) => g.version === start.version + 1)).toEqual([]);
  }, 60_000);

  it('propose: a place typed in Cyrillic is found, an unknown one is said so, and an empty title is "Required." in the user’s language', async () => {
    const { page } = await h.newPage({ locale: 'uk-UA' });
    await signIn(h, page, 'ua-liaison', '/app/propose');
    await page.locator('#propose-form').waitFor();
    for (const name of ['Суми', 'Полтава']) {
      await page.locator('#f-search').fill(name);
      await page.locator('#add-place').click();
    }
    await expect.poll(() => page.locator('#waypoints li').allTextContents()).toEqual([expect.stringContaining('Sumy'), expect.stringContaining('Poltava')]);
    await page.locator('#f-search').fill('Zzzzqq');
    await page.locator('#add-place').click();
    await expect.poll(() => page.locator('#f-search-error').textContent()).toMatch(/^Населеного пункту «Zzzzqq» немає в списку/);
    expect(await page.locator('#waypoints li').count()).toBe(2);
    // Spaces only: the server's schema message is not shown; the field says it is required, in Ukrainian.
    await page.locator('#f-title').fill('   ');
    await page.locator('#propose-submit').click();
    await expect.poll(() => page.locator('#f-title-error').textContent()).toBe('Обов’язкове поле.');
    expect(await page.locator('main').textContent()).not.toContain('Too small');
  }, 60_000);

  it('switching the language keeps what was typed: the propose form’s fields, ticks and waypoints', async () => {
    const { page } = await h.newPage();
    await signIn(h, page, 'ua-liaison', '/app/propose');
    await page.locator('#propose-form').waitFor();
    await page.locator('#f-title').fill('Sumy → Poltava, second day');
    for (const name of ['Sumy', 'Poltava']) {
      await page.locator('#f-search').fill(name);
      await page.locator('#add-place').click();
    }
    await page.locator('#f-width').fill('3000');
    await page.locator('input[name=purpose][value=medical]').check();
    await page.locator('.langs button[lang=uk]').click();
    await expect.poll(() => page.locator('#propose-form h1').textContent()).not.toBe('Propose a corridor');
    expect(await page.locator('#f-title').inputValue()).toBe('Sumy → Poltava, second day');
    expect(await page.locator('#f-width').inputValue()).toBe('3000');
    expect(await page.locator('input[name=purpose][value=medical]').isChecked()).toBe(true);
    expect(await page.locator('#waypoints li').count()).toBe(2);
    // A fresh visit starts empty again.
    await page.goto(`${h.url}/app/`);
    await page.locator('#map').waitFor();
    await page.goto(`${h.url}/app/propose`);
    await page.locator('#propose-form').waitFor();
    expect(await page.locator('#waypoints li').count()).toBe(0);
    expect(await page.locator('#f-title').inputValue()).toBe('');
  }, 60_000);

  it('incidents: typed coordinates show on the map, and a corrected field loses its mark', async () => {
    const { page } = await h.newPage();
    await signIn(h, page, 'ua-liaison', '/app/incidents');
    await page.locator('#incident-form').waitFor();
    await mapIdle(page, '#incident-map');
    await page.locator('#inc-lat').fill('50.36');
    await page.locator('#inc-lon').fill('33.265');
    await expect.poll(() => page.locator('#incident-map .report-point').count()).toBe(1);
    await page.locator('#inc-lat').fill('');
    await expect.poll(() => page.locator('#incident-map .report-point').count()).toBe(0);
    await page.locator('#inc-lat').fill('50.36');
    // In the future: refused at the time field.
    await page.locator('#inc-when').fill('2099-01-01T10:00');
    await page.locator('#inc-desc').fill('Shelling near the route');
    await page.locator('#incident-submit').click();
    await expect.poll(() => page.locator('#inc-when-error').count()).toBe(1);
    // Corrected, with a description of spaces only: the time's mark goes, the description gets one.
    await page.locator('#inc-when').fill('2022-03-08T10:00');
    await page.locator('#inc-desc').fill('   ');
    await page.locator('#incident-submit').click();
    await expect.poll(() => page.locator('#inc-desc-error').textContent()).toBe('Required.');
    expect(await page.locator('#inc-when-error').count()).toBe(0);
    expect(await page.locator('#inc-when').getAttribute('aria-invalid')).toBeNull();
  }, 60_000);

  it('the map page in Ukrainian: the slider names its instant, a closed corridor its last window, the scale bar its units', async () => {
    const { page } = await h.newPage({ locale: 'uk-UA' });
    await signIn(h, page, 'ua-liaison', '/app/');
    await page.locator('#map[data-states]').waitFor();
    await mapIdle(page);
    const valueText = await page.locator('#timeline').getAttribute('aria-valuetext');
    expect(valueText).toBe(await page.locator('#timeline-value').textContent());
    expect(valueText).toMatch(/UTC$/);
    const mariupol = h.demo.corridors['mariupol-zaporizhzhia'] ?? '';
    const cells = await page.locator(`tr[data-corridor="${mariupol}"] td`).allTextContents();
    expect(cells.at(-1)).toMatch(/^завершилося: .+ → .+UTC$/);
    expect(await page.locator('.maplibregl-ctrl-scale').first().textContent()).toMatch(/\d+\s?(км|м)$/);
  }, 60_000);

  it('a movement not yet departed shows its plan, not matching counts; on a phone its page does not scroll sideways', async () => {
    const movementId = String(h.demo.extra.movementId);
    const { page } = await h.newPage({ width: 390, height: 844 });
    await signIn(h, page, 'ua-liaison', `/app/movements/${movementId}`);
    await page.locator('#recon-people').waitFor();
    expect(await page.locator('#movement-state').textContent()).toBe('notified');
    expect(await page.locator('#recon-status').textContent()).toBe('Not departed yet: the counts start at departure. The plan:');
    expect(await page.locator('#recon-people thead th').nth(1).textContent()).toBe('Planned');
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  }, 60_000);
});
