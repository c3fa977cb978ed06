/**
 * Fixes from a click-through review in chromium (every role, uk/ru/en, 1280×860 and 390×844):
 * input refused at the field, server refusals translated once, no sideways scrolling on a
 * phone, confirmations before consequential actions, and no dead ends.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { buchaKyiv, HAVE_CHROMIUM, RESULTS, signIn, SKIP_REASON, useHarness } from './harness.js';

if (!HAVE_CHROMIUM) console.warn(SKIP_REASON);

const shot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: join(RESULTS, `web-review-${name}.png`), fullPage: true });

const day = 86_400_000;

describe.skipIf(!HAVE_CHROMIUM)('review fixes in chromium', () => {
  const h = useHarness();

  /** Proposes a corridor as Ukraine's liaison through the API (tomorrow 09:00–17:00 Kyiv); returns its id. */
  async function proposed(title: string): Promise<string> {
    const date = new Date(Date.now() + day).toISOString().slice(0, 10);
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/corridors',
      headers: { authorization: `Bearer ${h.token('ua-liaison')}`, 'content-type': 'application/json' },
      payload: buchaKyiv(title, date),
    });
    expect(res.statusCode, res.body).toBe(201);
    return (JSON.parse(res.body) as { id: string }).id;
  }

  /** Fills the propose form with two waypoints and a title. */
  async function twoWaypoints(page: Page): Promise<void> {
    await page.locator('#f-title').fill('Review test');
    for (const [lat, lon] of [['50.543', '30.213'], ['50.45', '30.523']] as const) {
      await page.locator('#wp-lat').fill(lat);
      await page.locator('#wp-lon').fill(lon);
      await page.locator('#add-coords').click();
    }
    await expect.poll(() => page.locator('#waypoints li').count()).toBe(2);
  }

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

  it('a refusal is translated for its code, gives the server’s reason once, at the field it names', async () => {
    const { page } = await h.newPage({ locale: 'uk-UA' });
    await signIn(h, page, 'ua-liaison', '/app/propose');
    await page.locator('#propose-form').waitFor();
    await twoWaypoints(page);
    const date = new Date(Date.now() + 2 * day).toISOString().slice(0, 10);
    await page.locator('#f-start').fill(`${date}T16:00`);
    await page.locator('#f-end').fill(`${date}T09:00`);
    await page.locator('#propose-submit').click();
    await expect.poll(() => page.locator('#f-end-error').textContent()).toContain('Вікно має закінчуватися після початку');
    const atField = (await page.locator('#f-end-error').textContent()) ?? '';
    expect(atField.split('window end must be after its start').length - 1).toBe(1);
    expect(await page.locator('#propose-error').textContent()).toBe('Відмовлено: виправте позначене поле.');
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).not.toContain('/windows/0/end');
    expect(text.split('window end must be after its start').length - 1).toBe(1);
    await shot(page, 'propose-refused-uk');
    // Editing the form clears the stale messages.
    await page.locator('#f-end').fill(`${date}T18:00`);
    await expect.poll(() => page.locator('.field-error').count()).toBe(0);
    expect(await page.locator('#propose-error').textContent()).toBe('');
  }, 60_000);

  it('a bad key file is refused at the file field, without an "Error:" or "Refused:" prefix', async () => {
    const id = await proposed('Bad key test');
    const { page } = await h.newPage({ locale: 'ru-RU' });
    await signIn(h, page, 'ua-liaison', `/app/corridors/${id}`);
    await page.locator('.sign-key').waitFor();
    await page.locator('.sign-key input[type=file]').setInputFiles({ name: 'bad.jwk', mimeType: 'application/json', buffer: Buffer.from('{"kty":"RSA"}') });
    await page.locator('.sign-key button[type=submit]').click();
    // Found in the browser, not refused by the server: said at the field the file was chosen in.
    await expect.poll(() => page.locator('.sign-key .field-error').textContent()).toBe('Этот файл не является закрытым ключом Ed25519 в формате JWK.');
    expect(await page.locator('#action-msg').textContent()).toBe('');
  }, 60_000);

  it('on a 390-px phone no page scrolls sideways; wide tables scroll in their own box, with a cue', async () => {
    const widths: Record<string, number> = {};
    const measure = async (page: Page, name: string): Promise<void> => {
      await page.waitForTimeout(300);
      widths[name] = await page.evaluate(() => document.documentElement.scrollWidth);
    };
    for (const [key, locale] of [['mediator-liaison', 'uk-UA'], ['ru-liaison', 'ru-RU']] as const) {
      const { page, context } = await h.newPage({ width: 390, height: 844, locale });
      await signIn(h, page, key, '/app/incidents');
      await page.locator('#incidents').waitFor();
      await measure(page, `incidents ${key}`);
      if (key === 'mediator-liaison') {
        // The Actions column is in reach by scrolling the table's own box, which says so.
        const box = page.locator('.table-scroll:has(#incidents)');
        expect(await box.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
        expect(await box.getAttribute('tabindex')).toBe('0');
        expect(await page.locator('.scroll-wrap:has(#incidents) .scroll-hint').isVisible()).toBe(true);
        await shot(page, 'incidents-phone-uk');
      }
      for (const [name, id] of Object.entries(h.demo.corridors)) {
        await page.goto(`${h.url}/app/corridors/${id}`);
        await page.locator('#terms-h').waitFor();
        await measure(page, `${name} ${key}`);
        if (name === 'sumy-poltava' && key === 'ru-liaison') await shot(page, 'corridor-phone-ru');
      }
      await page.goto(`${h.url}/app/talks`);
      await page.locator('#position-matrix').waitFor();
      await measure(page, `talks ${key}`);
      expect(await page.locator('.scroll-wrap:has(#position-matrix) .scroll-hint').isVisible()).toBe(true);
      if (key === 'ru-liaison') await shot(page, 'talks-phone-ru');
      await context.close();
    }
    expect(Object.entries(widths).filter(([, w]) => w > 390)).toEqual([]);
  }, 120_000);

  it('propose: no two inputs overlap, on a desktop or a phone', async () => {
    const overlaps = async (page: Page, ids: string[]): Promise<string[]> =>
      page.evaluate((ids) => {
        const boxes = ids.map((id) => [id, (document.getElementById(id) as HTMLElement).getBoundingClientRect()] as const);
        const out: string[] = [];
        for (const [a, ra] of boxes)
          for (const [b, rb] of boxes) if (a < b && ra.left < rb.right - 0.5 && rb.left < ra.right - 0.5 && ra.top < rb.bottom - 0.5 && rb.top < ra.bottom - 0.5) out.push(`${a}×${b}`);
        for (const [a, ra] of boxes) if (ra.right > document.documentElement.clientWidth) out.push(`${a} off-screen`);
        return out;
      }, ids);
    const ids = ['wp-name', 'wp-lat', 'wp-lon', 'add-coords', 'f-start', 'f-end', 'f-tz', 'f-rrule', 'f-width', 'f-direction'];
    for (const [width, height] of [[1280, 860], [390, 844]] as const) {
      const { page, context } = await h.newPage({ width, height, locale: 'uk-UA' });
      await signIn(h, page, 'ua-liaison', '/app/propose');
      await page.locator('#propose-form').waitFor();
      await page.waitForTimeout(300);
      expect(await overlaps(page, ids), `${width}`).toEqual([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth), `${width}`).toBeLessThanOrEqual(width);
      await shot(page, `propose-${width}`);
      await context.close();
    }
  }, 60_000);

  it('sign with no key file chosen says to choose one; a new attempt or an edit clears old messages', async () => {
    const id = await proposed('No key test');
    const { page } = await h.newPage();
    await signIn(h, page, 'ua-liaison', `/app/corridors/${id}`);
    await page.locator('.sign-key').waitFor();
    await page.locator('.sign-key button[type=submit]').click();
    await expect.poll(() => page.locator('.sign-key .field-error').textContent()).toBe('Choose your party’s private key file first.');
    // A pasted JWS that is refused, then an edit of it: the refusal goes.
    await page.locator('.sign-paste textarea').fill('not.a.jws');
    expect(await page.locator('.sign-key .field-error').count()).toBe(1);
    await page.locator('.sign-paste button[type=submit]').click();
    await expect.poll(() => page.locator('#action-msg').textContent()).toMatch(/^Refused: /);
    expect(await page.locator('.sign-key .field-error').count()).toBe(0);
    await page.locator('.sign-paste textarea').fill('not.a.jws.either');
    await expect.poll(() => page.locator('#action-msg').textContent()).toBe('');
    // Choosing a file clears the message at the file field.
    await page.locator('.sign-key button[type=submit]').click();
    await page.locator('.sign-key .field-error').waitFor();
    await page.locator('.sign-key input[type=file]').setInputFiles({ name: 'k.jwk', mimeType: 'application/json', buffer: Buffer.from('{}') });
    await expect.poll(() => page.locator('.sign-key .field-error').count()).toBe(0);
  }, 60_000);

  it('propose: a window time the zone skips (spring forward) is refused at the field; a doubled one is explained', async () => {
    const { page } = await h.newPage();
    await signIn(h, page, 'ua-liaison', '/app/propose');
    await page.locator('#propose-form').waitFor();
    await twoWaypoints(page);
    // The message stays when the skipped time is the last field edited (the form's edit listener
    // must not clear what the field's own check just set).
    await page.locator('#f-end').fill('2027-03-28T12:00');
    await page.locator('#f-start').fill('2027-03-28T03:30');
    await page.waitForTimeout(200);
    await expect.poll(() => page.locator('#f-start-error').textContent()).toMatch(/does not exist in Europe\/Kyiv/);
    const before = (await h.app.inject({ url: '/api/v1/corridors', headers: { authorization: `Bearer ${h.token('observer')}` } })).body;
    await page.locator('#propose-submit').click();
    await page.waitForTimeout(500);
    expect(page.url()).toMatch(/\/app\/propose$/);
    expect((await h.app.inject({ url: '/api/v1/corridors', headers: { authorization: `Bearer ${h.token('observer')}` } })).body).toBe(before);
    // Moscow has no daylight saving: the same time is fine there.
    await page.locator('#f-tz').selectOption('Europe/Moscow');
    await expect.poll(() => page.locator('#f-start-error').count()).toBe(0);
    // When the clocks go back, 03:30 happens twice: a note says which is meant.
    await page.locator('#f-tz').selectOption('Europe/Kyiv');
    await page.locator('#f-start').fill('2027-10-31T03:30');
    await page.locator('#f-end').fill('2027-10-31T12:00');
    await expect.poll(() => page.locator('#f-start-note').textContent()).toMatch(/happens twice in Europe\/Kyiv.*2027-10-31T03:30:00\+0[23]:00, not 2027-10-31T03:30:00\+0[23]:00/);
    expect(await page.locator('.field-error').count()).toBe(0);
  }, 60_000);

  it('withdraw asks first, naming the consequence; an empty reason says so at the field', async () => {
    const id = await proposed('Withdraw test');
    const { page } = await h.newPage();
    await signIn(h, page, 'ua-liaison', `/app/corridors/${id}`);
    const form = page.locator('form[data-action=withdraw]');
    await form.waitFor();
    await form.locator('button').click();
    await expect.poll(() => form.locator('.field-error').textContent()).toBe('Give a reason first.');
    expect(await page.locator('dialog.confirm').count()).toBe(0);
    await form.locator('input').fill('Superseded by another route');
    expect(await form.locator('.field-error').count()).toBe(0);
    await form.locator('button').click();
    await expect.poll(() => page.locator('dialog.confirm p').textContent()).toBe('Withdraw corridor “Withdraw test”? It will not open, and this cannot be undone.');
    await shot(page, 'withdraw-confirm');
    await page.locator('dialog.confirm button[data-confirm=cancel]').click();
    await page.waitForTimeout(300);
    const state = async (): Promise<string> => (JSON.parse((await h.app.inject({ url: `/api/v1/corridors/${id}`, headers: { authorization: `Bearer ${h.token('observer')}` } })).body) as { state: string }).state;
    expect(await state()).toBe('proposed');
    await form.locator('button').click();
    await page.locator('dialog.confirm button[data-confirm=ok]').click();
    await expect.poll(state).toBe('withdrawn');
  }, 60_000);

  it('confirming an incident asks first, naming what it suspends; an empty reason says so at the field', async () => {
    const { page } = await h.newPage();
    await signIn(h, page, 'mediator-liaison', '/app/incidents');
    const row = page.locator('#incidents tbody tr[data-state=reported]').first();
    await row.waitFor();
    await row.locator('button[data-decision=confirm]').click();
    await expect.poll(() => row.locator('.field-error').textContent()).toBe('Give a reason first.');
    expect(await page.locator('dialog.confirm').count()).toBe(0);
    await row.locator('input[name=reason]').fill('Two sources');
    await row.locator('button[data-decision=confirm]').click();
    await expect.poll(() => page.locator('dialog.confirm p').textContent()).toMatch(/^Confirming this incident suspends/);
    await shot(page, 'incident-confirm-dialog');
    await page.locator('dialog.confirm button[data-confirm=cancel]').click();
    await page.waitForTimeout(300);
    expect(await row.getAttribute('data-state')).toBe('reported');
  }, 60_000);

  it('an observer opening /app/propose is told the role may not propose, without the form', async () => {
    const { page } = await h.newPage({ locale: 'uk-UA' });
    await signIn(h, page, 'observer', '/app/propose');
    await expect.poll(() => page.locator('h1').textContent()).toBe('Ваша роль не дозволяє пропонувати коридори');
    expect(await page.locator('#propose-form').count()).toBe(0);
    expect(await page.locator('main a[href="/app/"]').count()).toBe(1);
    await shot(page, 'propose-observer-uk');
    // The same for amending a corridor the role may not amend.
    const sumy = h.demo.corridors['sumy-poltava'] ?? '';
    await page.goto(`${h.url}/app/corridors/${sumy}/amend`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Зараз ви не можете змінити цей коридор');
    expect(await page.locator('#propose-form').count()).toBe(0);
    expect(await page.locator(`main a[href="/app/corridors/${sumy}"]`).count()).toBe(1);
  }, 60_000);

  it('after Resume the message says it was resumed and whether it is open now', async () => {
    const sumy = h.demo.corridors['sumy-poltava'] ?? '';
    const auth = { authorization: `Bearer ${h.token('mediator-liaison')}`, 'content-type': 'application/json' };
    const res = await h.app.inject({ method: 'POST', url: `/api/v1/corridors/${sumy}/suspend`, headers: { ...auth, 'idempotency-key': 'review-suspend' }, payload: { reason: 'Review test' } });
    expect(res.statusCode, res.body).toBe(200);
    const { page } = await h.newPage();
    await signIn(h, page, 'mediator-liaison', `/app/corridors/${sumy}`);
    const form = page.locator('form[data-action=resume]');
    await form.locator('input').fill('Guarantees restated');
    await form.locator('button').click();
    const open = async (): Promise<boolean> => (JSON.parse((await h.app.inject({ url: `/api/v1/corridors/${sumy}/status`, headers: auth })).body) as { open: boolean }).open;
    await expect.poll(() => page.locator('#action-msg').textContent()).toMatch(/^Resumed: /);
    expect(await page.locator('#action-msg').textContent()).toBe((await open()) ? 'Resumed: the suspension is lifted, and the corridor is open now.' : 'Resumed: the suspension is lifted; the corridor is not open right now (see its status above).');
  }, 60_000);

  it('no dead ends: a movement not shared, an unknown address, an expired token', async () => {
    const { page } = await h.newPage();
    await signIn(h, page, 'observer', '/app/movements/mov_doesnotexist');
    await expect.poll(() => page.locator('main h1').textContent()).toBe('Not found, or not shared with your party.');
    expect(await page.locator('main').textContent()).not.toMatch(/Error:|Something went wrong/);
    await page.locator('main a[href="/app/"]').click();
    await page.locator('#map').waitFor();
    await page.goto(`${h.url}/app/no-such-page`);
    await expect.poll(() => page.locator('main h1').textContent()).toBe('Page not found');
    expect(await page.locator('#map').count()).toBe(0);
    expect(await page.locator('main a[href="/app/"]').count()).toBe(1);
    await shot(page, 'not-found');
    // A deep link opened with a token the server no longer accepts: sign-in says why.
    await page.evaluate(() => sessionStorage.setItem('passage_token', 'psg_revoked-or-expired'));
    await page.goto(`${h.url}/app/incidents`);
    await expect.poll(() => page.locator('#signin-note').textContent()).toBe('Your session has expired or its token was revoked. Sign in again to open the page you asked for.');
    await page.locator('#token').fill(h.token('observer'));
    await page.locator('form.signin button[type=submit]').click();
    await page.locator('#incident-form').waitFor();
    expect(page.url()).toMatch(/\/app\/incidents$/);
  }, 60_000);

  it('window ends carry their zone, like starts: the overview list and the corridor’s time axis', async () => {
    const { page } = await h.newPage();
    await signIn(h, page, 'ua-liaison');
    const cell = page.locator(`tr[data-corridor="${h.demo.corridors['sumy-poltava'] ?? ''}"] td`).nth(1);
    await cell.waitFor();
    const text = (await cell.textContent()) ?? '';
    const [, end = ''] = text.split(' → ');
    expect(end).toContain('(Europe/Kyiv)');
    expect(text).toMatch(/UTC → .*UTC$/);
    // And the corridor page's windows time axis names the zone of its end as well.
    await page.goto(`${h.url}/app/corridors/${h.demo.corridors['sumy-poltava'] ?? ''}`);
    const axis = (await page.locator('svg.windows-timeline').getAttribute('aria-label')) ?? '';
    expect(axis.split(' → ')[1] ?? '').toContain('(Europe/Kyiv)');
  }, 60_000);

  it('log actions, vehicle types, cargo categories, hazard and contact kinds are shown in words, the raw value in the title', async () => {
    const sumy = h.demo.corridors['sumy-poltava'] ?? '';
    const { page } = await h.newPage({ locale: 'ru-RU' });
    await signIn(h, page, 'ua-liaison', `/app/corridors/${sumy}`);
    await page.locator('[data-log-entry]').first().waitFor({ timeout: 30_000 });
    const proposed = page.locator('[data-log-entry] [data-value="corridor.proposed"]').first();
    expect(await proposed.textContent()).toBe('коридор предложен');
    expect(await proposed.getAttribute('title')).toBe('corridor.proposed');
    const terms = (await page.locator('dl.terms').textContent()) ?? '';
    expect(terms).toContain('телефон');
    expect(terms).not.toMatch(/— phone:/);
    const movementId = String(h.demo.extra.movementId);
    await page.goto(`${h.url}/app/movements/${movementId}`);
    await page.locator('#manifest-vehicles').waitFor();
    const bus = page.locator('#manifest-vehicles [data-value=bus]').first();
    expect(await bus.textContent()).toBe('автобус');
    expect(await bus.getAttribute('title')).toBe('bus');
    const cargo = await page.locator('#manifest-cargo [data-value]').allTextContents();
    expect(cargo).toEqual(expect.arrayContaining(['лекарства', 'продукты']));
  }, 60_000);
});
