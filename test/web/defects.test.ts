/**
 * Defects an exploratory tester found in the operations app, each checked in chromium against a
 * real server: the log check trusting an unauthenticated tree head, double submits, a superseded
 * navigation drawing over the current page, an unreachable server said in the browser's English,
 * stale decisions from another tab, and key files that cannot sign.
 */
import { readFileSync } from 'node:fs';
import type { Page, Route } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { losesGuaranteeIfCompromised } from '../../src/domain/guarantee-rules.js';
import type { CorridorView } from '../../src/schemas/corridor.js';
import { buchaKyiv, HAVE_CHROMIUM, signIn, SKIP_REASON, useHarness } from './harness.js';

if (!HAVE_CHROMIUM) console.warn(SKIP_REASON);

const day = 86_400_000;

/** The note with one byte of its (first) signature changed: its key id still names the server's key. */
function tamperSignature(note: string): string {
  const lines = note.split('\n');
  const i = lines.findIndex((l) => l.startsWith('— '));
  const [dash, name, b64] = (lines[i] ?? '').split(' ');
  const bytes = Buffer.from(b64 ?? '', 'base64');
  bytes[4 + 10] = (bytes[4 + 10] ?? 0) ^ 0x01; // past the 4-byte key id, inside the Ed25519 signature
  lines[i] = `${dash} ${name} ${bytes.toString('base64')}`;
  return lines.join('\n');
}

describe.skipIf(!HAVE_CHROMIUM)('defects found by exploratory testing', () => {
  const h = useHarness();
  const api = async (key: string, method: 'GET' | 'POST', url: string, payload?: unknown): Promise<{ status: number; body: any }> => {
    const res = await h.app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${h.token(key)}`, ...(payload ? { 'content-type': 'application/json' } : {}) }, ...(payload ? { payload: payload as object } : {}) });
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null };
  };

  /** Proposes a corridor as Ukraine's liaison (tomorrow 09:00–17:00 Kyiv); returns its id. */
  async function proposed(title: string): Promise<string> {
    const date = new Date(Date.now() + day).toISOString().slice(0, 10);
    const res = await api('ua-liaison', 'POST', '/corridors', buchaKyiv(title, date));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  }

  async function logRows(page: Page): Promise<{ included: string | null; proof: string | null; text: string }[]> {
    await page.locator('#log[aria-busy=false]').waitFor({ timeout: 20_000 });
    return page.locator('[data-log-entry]').evaluateAll((rows) => rows.map((r) => ({ included: r.getAttribute('data-included'), proof: r.getAttribute('data-proof'), text: r.children[3]?.textContent ?? '' })));
  }

  it('log check: with a verified head the proofs pass; with one byte of the head’s signature changed none is shown as passed; a bad proof, another corridor’s entry or bytes that are no entry fail', async () => {
    const id = h.demo.corridors['sumy-poltava'] as string;
    const good = (await h.newPage()).page;
    const logRequests: string[] = [];
    good.on('request', (r) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith('/api/v1/log/')) logRequests.push(path);
    });
    await signIn(h, good, 'observer', `/app/corridors/${id}`);
    const honest = await logRows(good);
    expect(honest.length).toBeGreaterThan(3);
    expect(await good.locator('[data-log-signature]').getAttribute('data-log-signature')).toBe('true');
    expect(honest.every((r) => r.included === 'true' && r.text.startsWith('✓'))).toBe(true);
    // The corridor's entries came with their proofs in one request: no page of the whole log, no proof asked for one by one.
    expect(logRequests.filter((p) => p === '/api/v1/log/entries/by-subject')).toHaveLength(1);
    expect(logRequests.filter((p) => p === '/api/v1/log/entries' || p.startsWith('/api/v1/log/proof/'))).toEqual([]);
    expect(logRequests.filter((p) => p === '/api/v1/log/key')).toHaveLength(1); // asked for once

    const { page } = await h.newPage();
    await page.route('**/api/v1/log/checkpoint', async (route: Route) => {
      const res = await route.fetch();
      await route.fulfill({ response: res, body: tamperSignature(await res.text()) });
    });
    // And the entries' answer altered: the first entry's proof has one bit flipped, the second is
    // another corridor's real entry with its valid proof, passed off as this corridor's, the third
    // not an entry at all.
    const other = h.demo.corridors['mariupol-zaporizhzhia'] as string;
    await page.route('**/api/v1/log/entries/by-subject?**', async (route: Route) => {
      const res = await route.fetch();
      const body = (await res.json()) as { entries: { index: number; entry: string; proof: string[] }[] };
      const size = new URL(route.request().url()).searchParams.get('size');
      const foreign = (await api('observer', 'GET', `/log/entries/by-subject?subject=${encodeURIComponent(`corridor/${other}`)}&size=${size}`)).body.entries[0];
      const proof = Buffer.from(body.entries[0]?.proof[0] ?? '', 'base64');
      proof[0] = (proof[0] ?? 0) ^ 0x01;
      (body.entries[0] as { proof: string[] }).proof[0] = proof.toString('base64');
      body.entries[1] = foreign;
      (body.entries[2] as { entry: string }).entry = Buffer.from('not an entry at all').toString('base64');
      await route.fulfill({ response: res, json: body });
    });
    await signIn(h, page, 'observer', `/app/corridors/${id}`);
    const rows = await logRows(page);
    expect(await page.locator('[data-log-signature]').getAttribute('data-log-signature')).toBe('false');
    expect(await page.locator('[data-log-signature]').textContent()).toContain('does NOT verify');
    expect(rows.length).toBe(honest.length);
    expect(rows.slice(0, 3).map((r) => r.proof)).toEqual(['failed', 'failed', 'failed']);
    for (const r of rows.slice(0, 3)) expect(r.text).toMatch(/^✗ /);
    // Bytes that are no entry carry no time: a dash in its place, and the table is still drawn.
    expect(await page.locator('[data-log-entry]').nth(2).locator('td').nth(1).textContent()).toBe('—');
    for (const r of rows.slice(3)) {
      expect(r.included).toBe('false');
      expect(r.proof).toBe('unauthenticated');
      expect(r.text).toMatch(/^✗ not established: the tree head is not authenticated/);
    }
    expect(await page.locator('[data-log-entry] .ok').count()).toBe(0);
  }, 90_000);

  it('double-clicking Report sends one report: exactly one incident is created', async () => {
    const before = (await api('ua-liaison', 'GET', '/incidents')).body.length as number;
    const { page } = await h.newPage();
    let posts = 0;
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/v1/incidents')) posts++;
    });
    await signIn(h, page, 'ua-liaison', '/app/incidents');
    await page.locator('#incident-form').waitFor();
    await page.locator('#inc-lat').fill('50.5');
    await page.locator('#inc-lon').fill('30.3');
    await page.locator('#inc-desc').fill('Double-click test');
    await page.locator('#incident-submit').dblclick();
    await expect.poll(() => page.locator('#incident-msg.ok').count(), { timeout: 15_000 }).toBe(1);
    const after = (await api('ua-liaison', 'GET', '/incidents')).body as { description: string }[];
    expect(after.filter((i) => i.description === 'Double-click test')).toHaveLength(1);
    expect(after.length).toBe(before + 1);
    expect(posts).toBe(1);
    // Given back once the request ended.
    expect(await page.locator('#incident-submit').isDisabled()).toBe(false);
  }, 60_000);

  it('a button is disabled while its request is in flight and given back when it fails', async () => {
    const { page } = await h.newPage();
    await signIn(h, page, 'ua-liaison', '/app/incidents');
    await page.locator('#incident-form').waitFor();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    await page.route('**/api/v1/incidents', async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      await held;
      await route.fulfill({ status: 500, contentType: 'application/problem+json', body: JSON.stringify({ code: 'internal', detail: 'test failure' }) });
    });
    await page.locator('#inc-lat').fill('50.5');
    await page.locator('#inc-lon').fill('30.3');
    await page.locator('#inc-desc').fill('In flight');
    await page.locator('#incident-submit').click();
    await expect.poll(() => page.locator('#incident-submit').isDisabled()).toBe(true);
    expect(await page.locator('#incident-form').getAttribute('aria-busy')).toBe('true');
    release();
    await expect.poll(() => page.locator('#incident-msg').textContent()).toBe('Refused: test failure');
    expect(await page.locator('#incident-submit').isDisabled()).toBe(false);
    expect(await page.locator('#incident-form').getAttribute('aria-busy')).toBe(null);
  }, 60_000);

  it('navigation race: Talks (slow) then Incidents shows Incidents, and Talks never draws over it', async () => {
    const { page } = await h.newPage();
    await signIn(h, page, 'ua-liaison', '/app/');
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let ledgerAnswered = 0;
    await page.route('**/api/v1/ledger/*', async (route) => {
      await held;
      await route.continue();
    });
    page.on('requestfinished', (r) => {
      if (r.url().includes('/api/v1/ledger/')) ledgerAnswered++;
    });
    await page.locator('#nav-talks').click();
    await page.locator('#nav-incidents').click();
    await page.locator('#incident-form').waitFor();
    release();
    await expect.poll(() => ledgerAnswered, { timeout: 15_000 }).toBe(2);
    // Let the superseded render run to its end (a wait, not a timing assertion).
    await page.evaluate(() => new Promise((r) => setTimeout(r, 300)));
    expect(new URL(page.url()).pathname).toBe('/app/incidents');
    expect(await page.locator('#incident-form').count()).toBe(1);
    expect(await page.locator('.talks').count()).toBe(0);
    expect(await page.locator('main h1').first().textContent()).toBe('Incidents');
  }, 60_000);

  it('server out of reach: a form says so in the user’s language and keeps the input; a page offers Try again', async () => {
    const { page } = await h.newPage({ locale: 'uk-UA' });
    await signIn(h, page, 'ua-liaison', '/app/incidents');
    await page.locator('#incident-form').waitFor();
    await page.locator('#inc-lat').fill('50.5');
    await page.locator('#inc-lon').fill('30.3');
    await page.locator('#inc-desc').fill('Offline test');
    await page.route('**/api/v1/**', (route) => route.abort('connectionrefused'));
    await page.locator('#incident-submit').click();
    await expect.poll(() => page.locator('#incident-msg').textContent()).toBe('Не вдається зв’язатися із сервером — введене збережено; спробуйте ще раз.');
    expect(await page.locator('#inc-desc').inputValue()).toBe('Offline test');
    expect(await page.locator('#inc-lat').inputValue()).toBe('50.5');

    // A page that cannot load: translated, with a way to try again that works once the server is back.
    await page.locator('#nav-talks').click();
    await page.locator('#retry').waitFor();
    expect(await page.locator('main [role=alert]').textContent()).toBe('Не вдається зв’язатися із сервером. Перевірте з’єднання й спробуйте ще раз.');
    expect(await page.locator('main').textContent()).not.toContain('Failed to fetch');
    await page.unroute('**/api/v1/**');
    await page.locator('#retry').click();
    await page.locator('.talks').waitFor();
  }, 60_000);

  it('a stale decision from another tab: the incident’s words, and the row shows the state it is in', async () => {
    const reported = await api('ua-liaison', 'POST', '/incidents', { kind: 'shelling', severity: 'severe', geometry: { type: 'Point', coordinates: [30.31, 50.51] }, occurredAt: new Date(Date.now() - 3_600_000).toISOString(), description: 'Stale decision test' });
    expect(reported.status, JSON.stringify(reported.body)).toBe(201);
    const id = reported.body.id as string;
    const { page } = await h.newPage();
    // Pages follow the event stream and would show the decision before the click; with the
    // stream cut (a proxy that drops it), the click is stale and the server's refusal is shown.
    await page.route('**/api/v1/events**', (r) => r.abort());
    await signIn(h, page, 'mediator-liaison', '/app/incidents');
    const row = page.locator(`tr[data-incident="${id}"]`);
    await row.waitFor();
    // Another tab dismisses it meanwhile.
    expect((await api('mediator-liaison', 'POST', `/incidents/${id}/dismiss`, { reason: 'false alarm' })).status).toBe(200);
    await row.locator('input[name=reason]').fill('confirmed by observers');
    await row.locator('button[data-decision=confirm]').click();
    await page.locator('dialog.confirm button[data-confirm=ok]').click();
    await expect.poll(() => page.locator(`tr[data-incident="${id}"]`).getAttribute('data-state')).toBe('dismissed');
    const text = (await page.locator('#decision-msg').textContent()) ?? '';
    expect(text).toMatch(/^Refused: This decision is no longer possible: the incident was decided meanwhile/);
    expect(text).not.toContain('corridor');
    // Focus is on the incident's state, not lost to <body>.
    expect(await page.evaluate(() => document.activeElement?.closest('tr')?.getAttribute('data-incident'))).toBe(id);
  }, 60_000);

  it('correcting a report: the reporting party’s liaison corrects severity with a reason; another party is not offered it; an empty reason is said at the field', async () => {
    const reported = await api('ua-liaison', 'POST', '/incidents', { kind: 'shelling', severity: 'severe', geometry: { type: 'Point', coordinates: [30.32, 50.52] }, occurredAt: new Date(Date.now() - 3_600_000).toISOString(), description: 'Correction test' });
    expect(reported.status, JSON.stringify(reported.body)).toBe(201);
    const id = reported.body.id as string;
    // A party that did not report it sees the row, not the correction form.
    const other = (await h.newPage()).page;
    await signIn(h, other, 'ru-liaison', '/app/incidents');
    await other.locator(`tr[data-incident="${id}"]`).waitFor();
    expect(await other.locator(`tr[data-incident="${id}"] form[data-correct-for]`).count()).toBe(0);

    const { page } = await h.newPage();
    await signIn(h, page, 'ua-liaison', '/app/incidents');
    const row = page.locator(`tr[data-incident="${id}"]`);
    await row.waitFor();
    await row.locator('details.correct-box summary').click();
    const form = row.locator('form[data-correct-for]');
    expect(await form.locator('select[name=severity]').inputValue()).toBe('severe');
    expect(await form.locator('textarea[name=description]').inputValue()).toBe('Correction test');
    await form.locator('select[name=severity]').selectOption('minor');
    // No reason: said at the field, nothing sent.
    await form.locator('button[type=submit]').click();
    await expect.poll(() => form.locator('.field-error').textContent()).toBe('Required.');
    expect(await form.locator('input[name=correctionReason]').getAttribute('aria-invalid')).toBe('true');
    expect((await api('ua-liaison', 'GET', `/incidents/${id}`)).body.version).toBe(1);
    await form.locator('input[name=correctionReason]').fill('observers counted fewer impacts');
    await form.locator('button[type=submit]').click();
    await expect.poll(() => page.locator(`tr[data-incident="${id}"] [data-version]`).textContent(), { timeout: 15_000 }).toBe('corrected, v2');
    const fresh = page.locator(`tr[data-incident="${id}"]`);
    expect(await fresh.locator('td').first().locator('.small').textContent()).toBe('minor');
    expect((await api('ua-liaison', 'GET', `/incidents/${id}`)).body).toMatchObject({ version: 2, severity: 'minor' });
  }, 60_000);

  it('a stale Resume from another tab: the corridor page is drawn again in its present state', async () => {
    const id = await proposed('Stale resume test');
    // Both sign through the API (the demo's key files), so that it can be suspended.
    for (const party of ['ua', 'ru'] as const) {
      const { CompactSign, importJWK } = await import('jose');
      const key = JSON.parse(readFileSync(h.demo.keyFiles[party]?.private ?? '', 'utf8')) as { kid: string };
      const terms = await h.app.inject({ url: `/api/v1/corridors/${id}/terms`, headers: { authorization: `Bearer ${h.token(`${party}-liaison`)}` } });
      const jws = await new CompactSign(terms.rawPayload).setProtectedHeader({ alg: 'EdDSA', kid: key.kid }).sign(await importJWK(key as never, 'EdDSA'));
      expect((await api(`${party}-liaison`, 'POST', `/corridors/${id}/guarantees`, { jws })).status).toBe(201);
    }
    expect((await api('mediator-liaison', 'POST', `/corridors/${id}/suspend`, { reason: 'shelling reported' })).status).toBe(200);
    const { page } = await h.newPage();
    // With the event stream cut, the page cannot learn of the other tab's resumption before the click.
    await page.route('**/api/v1/events**', (r) => r.abort());
    await signIn(h, page, 'mediator-liaison', `/app/corridors/${id}`);
    await page.locator('form[data-action=resume]').waitFor();
    // Another tab resumes it meanwhile, giving its reason.
    expect((await api('mediator-liaison', 'POST', `/corridors/${id}/resume`, { reason: 'ceasefire restored' })).status).toBe(200);
    await page.locator('form[data-action=resume] input[name=reason]').fill('all clear');
    await page.locator('form[data-action=resume] button[type=submit]').click();
    // The app's sentence, and what it did; the server's words on a line under it.
    await expect.poll(() => page.locator('#action-msg .problem-main').textContent()).toBe('Refused: This action is not possible in the corridor’s present state. The page now shows the corridor as it stands.');
    expect(await page.locator('#action-msg .problem-detail').textContent()).toMatch(/resume/);
    // Drawn again: no Resume offered any more, and the suspension shows the mediator's resume reason.
    expect(await page.locator('form[data-action=resume]').count()).toBe(0);
    expect(await page.locator('[data-suspension] .resume-reason').textContent()).toBe('Resumed: ceasefire restored');
  }, 60_000);

  it('key files that cannot sign are said at the file field, without "Refused", on the corridor and Talks sign forms', async () => {
    const id = await proposed('Key file test');
    const priv = JSON.parse(readFileSync(h.demo.keyFiles.ua?.private ?? '', 'utf8')) as { kty: string; crv: string; x: string; d: string; kid: string };
    const other = JSON.parse(readFileSync(h.demo.keyFiles.ru?.private ?? '', 'utf8')) as { d: string };
    const files: [string, object, string][] = [
      ['mismatch', { ...priv, d: other.d }, 'The key file’s private and public parts do not match'],
      ['public', { kty: 'OKP', crv: 'Ed25519', x: priv.x }, 'This file holds only a public key.'],
      ['ec', { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA', d: 'AA' }, 'This file is not an Ed25519 private JWK.'],
    ];
    const { page } = await h.newPage();
    await signIn(h, page, 'ua-liaison', `/app/corridors/${id}`);
    await page.locator('.sign-key').waitFor();
    let posts = 0;
    page.on('request', (r) => {
      if (r.method() === 'POST') posts++;
    });
    for (const [name, jwk, words] of files) {
      await page.locator('.sign-key input[type=file]').setInputFiles({ name: `${name}.jwk`, mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(jwk)) });
      await page.locator('.sign-key button[type=submit]').click();
      await expect.poll(() => page.locator('.sign-key .field-error').textContent()).toContain(words);
      expect(await page.locator('#action-msg').textContent()).toBe('');
    }
    expect(posts).toBe(0);

    // The Talks sign form, for a protocol awaiting Ukraine's signature, if the demo has one.
    await page.locator('#nav-talks').click();
    await page.locator('.talks').waitFor();
    const form = page.locator('form.sign-protocol').first();
    if ((await form.count()) > 0) {
      await form.locator('input[type=file]').setInputFiles({ name: 'mismatch.jwk', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(files[0]?.[1])) });
      await form.locator('button[type=submit]').click();
      await expect.poll(() => form.locator('.field-error').textContent()).toContain('The key file’s private and public parts do not match');
      expect(await form.locator('.msg').textContent()).toBe('');
    }
  }, 60_000);

  it('the map page does not scroll sideways at 390 px in uk, ru and en (the corridor list scrolls in its own box)', async () => {
    for (const locale of ['uk-UA', 'ru-RU', 'en-GB']) {
      const { page } = await h.newPage({ width: 390, height: 844, locale });
      await signIn(h, page, 'mediator-liaison', '/app/');
      await page.locator('tr[data-corridor]').first().waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth), locale).toBeLessThanOrEqual(390);
    }
  }, 90_000);

  it('the map at a past instant shows only incidents that had happened by then; an instant it cannot read is said', async () => {
    const list = (await api('mediator-liaison', 'GET', '/incidents')).body as { occurredAt: string }[];
    const times = list.map((i) => Date.parse(i.occurredAt)).sort((a, b) => a - b);
    expect(times.length).toBeGreaterThan(1);
    // Just before the newest incident: every older one, not the newest.
    const at = new Date((times.at(-1) as number) - 60_000).toISOString();
    const expected = times.filter((x) => x <= Date.parse(at)).length;
    expect(expected).toBeLessThan(times.length);
    const legendCount = async (page: Page): Promise<number> => {
      const text = (await page.locator('.panel li', { hasText: 'Incident' }).textContent()) ?? '';
      return Number(/\((\d+)\)/.exec(text)?.[1] ?? 0);
    };
    const { page } = await h.newPage();
    await signIn(h, page, 'mediator-liaison', `/app/?at=${encodeURIComponent(at)}`);
    await page.locator('tr[data-corridor]').first().waitFor();
    await expect.poll(() => legendCount(page)).toBe(expected);
    expect(await page.locator('#at-invalid').count()).toBe(0);
    // Now: all of them.
    await page.locator('#timeline-now').click();
    await expect.poll(() => legendCount(page)).toBe(times.length);

    const ru = (await h.newPage({ locale: 'ru-RU' })).page;
    await signIn(h, ru, 'mediator-liaison', '/app/?at=yesterday');
    await ru.locator('#at-invalid').waitFor();
    expect(await ru.locator('#at-invalid').textContent()).toBe('Момент «yesterday» в адресе не понят (запишите его как 2026-11-24T10:00:00Z); карта показывает текущее состояние.');
  }, 90_000);

  it('incident decisions name their incident to assistive technology; the map’s zoom buttons speak the app’s language', async () => {
    const { page } = await h.newPage({ locale: 'uk-UA' });
    await signIn(h, page, 'mediator-liaison', '/app/incidents');
    const rows = page.locator('tr[data-incident][data-state=reported]');
    await rows.first().waitFor();
    const names = await rows.evaluateAll((trs) =>
      trs.map((tr) => {
        const btn = tr.querySelector('button[data-decision=confirm]');
        const ids = (btn?.getAttribute('aria-describedby') ?? '').split(' ');
        return ids.map((id) => document.getElementById(id)?.textContent ?? '').join(' ');
      }),
    );
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) expect(n).toMatch(/^Інцидент: /);
    // Each row's description differs from the others' (kind, time, place).
    expect(new Set(names).size).toBe(names.length);
    const zoomIn = page.locator('#incident-map .maplibregl-ctrl-zoom-in');
    await zoomIn.waitFor();
    expect(await zoomIn.getAttribute('aria-label')).toBe('Збільшити');
    expect(await page.locator('#incident-map .maplibregl-ctrl-zoom-out').getAttribute('aria-label')).toBe('Зменшити');
  }, 60_000);

  it('after confirming an incident focus is on its row’s state, not <body>', async () => {
    const reported = await api('ua-liaison', 'POST', '/incidents', { kind: 'obstruction', severity: 'minor', geometry: { type: 'Point', coordinates: [30.32, 50.52] }, occurredAt: new Date(Date.now() - 7_200_000).toISOString(), description: 'Focus test' });
    const id = reported.body.id as string;
    const { page } = await h.newPage();
    await signIn(h, page, 'mediator-liaison', '/app/incidents');
    const row = page.locator(`tr[data-incident="${id}"]`);
    await row.locator('input[name=reason]').fill('seen by observers');
    await row.locator('button[data-decision=confirm]').click();
    await page.locator('dialog.confirm button[data-confirm=ok]').click();
    await expect.poll(() => page.locator(`tr[data-incident="${id}"]`).getAttribute('data-state')).toBe('confirmed');
    await expect.poll(() => page.evaluate(() => (document.activeElement as HTMLElement | null)?.className)).toBe('incident-state');
    expect(await page.evaluate(() => document.activeElement?.closest('tr')?.getAttribute('data-incident'))).toBe(id);
  }, 60_000);

  it('incidents show a correction’s version and disputes, and a party’s negotiator disputes one in the app', async () => {
    const reported = await api('ua-liaison', 'POST', '/incidents', { kind: 'shelling', severity: 'moderate', geometry: { type: 'Point', coordinates: [30.33, 50.53] }, occurredAt: new Date(Date.now() - 7_200_000).toISOString(), description: 'Dispute test' });
    const id = reported.body.id as string;
    const corrected = await api('ua-liaison', 'POST', `/incidents/${id}/corrections`, { severity: 'severe', reason: 'more damage found' });
    expect(corrected.status, JSON.stringify(corrected.body)).toBe(200);
    const { page } = await h.newPage();
    await signIn(h, page, 'ru-liaison', '/app/incidents');
    const row = page.locator(`tr[data-incident="${id}"]`);
    await row.waitFor();
    expect(await row.locator('[data-version]').textContent()).toBe('corrected, v2');
    expect(await row.locator('[data-dispute]').count()).toBe(0);
    await row.locator('details.dispute-box summary').click();
    await row.locator('form.dispute button[type=submit]').click();
    await expect.poll(() => row.locator('.field-error').textContent()).toBe('Required.');
    await row.locator('form.dispute textarea').fill('No shelling there at that time.');
    await row.locator('form.dispute button[type=submit]').click();
    await expect.poll(() => page.locator(`tr[data-incident="${id}"] [data-dispute]`).count()).toBe(1);
    expect(await page.locator(`tr[data-incident="${id}"] [data-dispute]`).textContent()).toMatch(/^Disputed by Russian Federation, .*No shelling there at that time\.$/);
    expect(await page.locator('#decision-msg').textContent()).toBe('The dispute of Russian Federation was attached to the report.');
    const server = (await api('ru-liaison', 'GET', `/incidents/${id}`)).body as { disputes: { statement: string }[] };
    expect(server.disputes.map((d) => d.statement)).toEqual(['No shelling there at that time.']);
  }, 60_000);
});

describe.skipIf(!HAVE_CHROMIUM)('keys page defects (its own harness: it compromises the demo’s Ukrainian key)', () => {
  const h = useHarness();
  const get = async <T>(url: string): Promise<T> => JSON.parse((await h.app.inject({ url: `/api/v1${url}`, headers: { authorization: `Bearer ${h.token('ua-liaison')}` } })).body) as T;

  it('the compromise dialog names only corridors not closed now — exactly those the server then voids', async () => {
    const key = (await get<{ keys: { kid: string; createdAt: string }[] }>('/parties/ua')).keys[0]!;
    const corridors = await get<CorridorView[]>('/corridors');
    const signedWith = corridors.filter((c) => losesGuaranteeIfCompromised(c, key.kid, key.createdAt));
    const closed: string[] = [];
    for (const c of signedWith) if ((await get<{ state: string }>(`/corridors/${c.id}/status`)).state === 'closed') closed.push(c.title);
    expect(closed.length).toBeGreaterThan(0); // the demo's past corridors, still "guaranteed" in the store
    const { page } = await h.newPage();
    await signIn(h, page, 'ua-liaison', '/app/keys');
    await page.locator(`tr[data-kid="${key.kid}"] button[data-revoke]`).click();
    const form = page.locator('form.revoke-key');
    await form.locator('input[value=compromised]').check();
    await form.locator('button[type=submit]').click();
    const dialog = page.locator('dialog.confirm p');
    await dialog.waitFor();
    const text = (await dialog.textContent()) ?? '';
    for (const title of closed) expect(text).not.toContain(`“${title}”`);
    const named = [...text.matchAll(/“([^”]+)”/g)].map((m) => m[1]).sort();
    // The server's answer names the corridors it voided: the dialog named exactly those.
    const [answer] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/revoke')), page.locator('dialog.confirm button[data-confirm=ok]').click()]);
    const { voidedCorridorIds } = (await answer.json()) as { voidedCorridorIds: string[] };
    const voided = corridors.filter((c) => voidedCorridorIds.includes(c.id)).map((c) => c.title).sort();
    expect(voided.length).toBeGreaterThan(0);
    expect(named).toEqual(voided);
  }, 90_000);

  it('registering the public file of a compromised key never says "registered", and the next attempt clears the message', async () => {
    const key = (await get<{ keys: { kid: string; revokedAt: string | null; revocationReason: string | null }[] }>('/parties/ua')).keys[0]!;
    expect(key.revocationReason).toBe('compromised'); // by the test above
    const { page } = await h.newPage();
    await signIn(h, page, 'ua-liaison', '/app/keys');
    const form = page.locator('form.register-key');
    // This server refuses it (key_revoked): said at the field, not as registered.
    await form.locator('input[type=file]').setInputFiles(h.demo.keyFiles.ua?.public ?? '');
    await form.locator('button[type=submit]').click();
    await expect.poll(() => form.locator('.field-error').textContent()).toMatch(/revoked/);
    expect(await page.locator('#keys-msg').textContent()).not.toMatch(/registered/);
    // A server that answers 201 with the compromised record it already holds (as one did):
    // the app reads the answer and says the key is compromised.
    await page.route('**/api/v1/parties/ua/keys', async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      const party = await get<{ keys: unknown[] }>('/parties/ua');
      await route.fulfill({ status: 201, contentType: 'application/json', body: JSON.stringify(party.keys[0]) });
    });
    await form.locator('button[type=submit]').click();
    await expect.poll(() => page.locator('#keys-msg').textContent()).toMatch(/^Key \S+ was registered before and has been reported compromised: it cannot sign\./);
    expect(await page.locator('#keys-msg').getAttribute('class')).toMatch(/error/);
    // The next attempt (a private key, refused at the field): the earlier message is gone.
    await form.locator('input[type=file]').setInputFiles(h.demo.keyFiles.ua?.private ?? '');
    await form.locator('button[type=submit]').click();
    await expect.poll(() => form.locator('.field-error').textContent()).toMatch(/PRIVATE/);
    expect(await page.locator('#keys-msg').textContent()).toBe('');
  }, 60_000);
});
