/**
 * The keys page: a party's admins and liaison officers revoke a key saying why, the form spells
 * out both consequences, and a compromise is confirmed naming the corridors that lose the guarantee.
 * A party adds a key made in the browser (the private key saved on the device, never sent) or
 * the public file `passage keys generate` wrote. Its own harness: it revokes the demo's Ukrainian key.
 */
import { createPrivateKey, createPublicKey, sign as cryptoSign, verify as cryptoVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { losesGuaranteeIfCompromised } from '../../src/domain/guarantee-rules.js';
import type { CorridorView } from '../../src/schemas/corridor.js';
import { axe, describeViolations, HAVE_CHROMIUM, RESULTS, signIn, SKIP_REASON, useHarness } from './harness.js';

if (!HAVE_CHROMIUM) console.warn(SKIP_REASON);

const shot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: join(RESULTS, `web-keys-${name}.png`), fullPage: true });

describe.skipIf(!HAVE_CHROMIUM)('revoking a key in the operations app', () => {
  const h = useHarness();
  const get = async <T>(url: string): Promise<T> => JSON.parse((await h.app.inject({ url: `/api/v1${url}`, headers: { authorization: `Bearer ${h.token('observer')}` } })).body) as T;
  const uaKey = async () => (await get<{ keys: { kid: string; revokedAt: string | null; revocationReason: string | null; createdAt: string }[] }>('/parties/ua')).keys[0]!;

  it('an observer sees its party’s keys without the means to revoke', async () => {
    const { page } = await h.newPage();
    await signIn(h, page, 'observer', '/app/keys');
    await page.locator('#keys-read-only').waitFor();
    expect(await page.locator('button[data-revoke]').count()).toBe(0);
  }, 60_000);

  it('on a 390-px phone the page, with the form open, does not scroll sideways (ru)', async () => {
    const { page } = await h.newPage({ width: 390, height: 844, locale: 'ru-RU' });
    await signIn(h, page, 'ru-liaison', '/app/keys');
    await page.locator('button[data-revoke]').first().click();
    await page.locator('form.revoke-key').waitFor();
    expect(await page.locator('form.revoke-key').textContent()).toContain('Всё, что им подписано, по-прежнему обязывает');
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot(page, 'phone-ru');
  }, 60_000);

  it('asks why, spells out both consequences (uk), and names the corridors a compromise takes the guarantee from', async () => {
    const key = await uaKey();
    const corridors = await get<CorridorView[]>('/corridors');
    // Corridors already closed keep their record (the server skips them): not named.
    const closed = new Set<string>();
    for (const c of corridors) if ((await get<{ state: string }>(`/corridors/${c.id}/status`)).state === 'closed') closed.add(c.id);
    const losing = corridors.filter((c) => losesGuaranteeIfCompromised(c, key.kid, key.createdAt) && !closed.has(c.id)).map((c) => `“${c.title}”`);
    expect(losing.length).toBeGreaterThan(0); // the demo's Ukrainian guarantees

    const { page } = await h.newPage({ locale: 'uk-UA' });
    await signIn(h, page, 'ua-liaison', '/app/keys');
    await page.locator(`tr[data-kid="${key.kid}"][data-key-state=standing] button[data-revoke]`).click();
    const form = page.locator('form.revoke-key');
    await form.waitFor();
    expect(await form.textContent()).toContain('Усе, що ним підписано, й далі зобов’язує');
    expect(await form.textContent()).toContain('повертаються до стану «запропоновано»');
    await page.locator('nav a#nav-keys').waitFor();

    // English from here on, as the rest of the checks read the English wording.
    await page.locator('button[lang=en]').click();
    await page.locator(`tr[data-kid="${key.kid}"] button[data-revoke]`).click();
    await form.waitFor();
    await form.locator('button[type=submit]').click();
    await expect.poll(() => form.locator('.field-error').textContent()).toBe('Choose why the key is revoked.');
    expect(await page.locator('dialog.confirm').count()).toBe(0);
    expect(await form.locator('input[name=since]').isVisible()).toBe(false);
    await form.locator('input[value=compromised]').check();
    expect(await form.locator('input[name=since]').isVisible()).toBe(true);
    await form.locator('button[type=submit]').click();
    const dialog = page.locator('dialog.confirm p');
    await expect.poll(() => dialog.textContent()).toMatch(/^Report key \S+ compromised\? These corridors lose your party’s guarantee now and return to proposed until it signs again with a key that stands: /);
    for (const title of losing) expect(await dialog.textContent()).toContain(title);
    await shot(page, 'compromised-confirm');
    await page.locator('dialog.confirm button[data-confirm=cancel]').click();
    await page.waitForTimeout(300);
    // The page with the form open passes axe (labels, the fieldset's legend, contrast).
    const violations = await axe(page);
    expect(violations, describeViolations(violations)).toEqual([]);
    await form.locator('button[type=submit]').click();
    await page.locator('dialog.confirm button[data-confirm=cancel]').click();
    await page.waitForTimeout(300);
    expect((await uaKey()).revokedAt).toBeNull();
  }, 90_000);

  it('retiring the key (superseded) changes no corridor, and the corridor page notes it neutrally', async () => {
    const key = await uaKey();
    const before = (await get<CorridorView[]>('/corridors')).map((c) => [c.id, c.state]);
    const { page } = await h.newPage();
    await signIn(h, page, 'ua-liaison', '/app/keys');
    await page.locator(`tr[data-kid="${key.kid}"] button[data-revoke]`).click();
    const form = page.locator('form.revoke-key');
    await form.locator('input[value=superseded]').check();
    await form.locator('button[type=submit]').click();
    await expect.poll(() => page.locator('dialog.confirm p').textContent()).toMatch(/^Retire key \S+\? It will sign nothing more; its guarantees stay binding and no corridor changes\.$/);
    await page.locator('dialog.confirm button[data-confirm=ok]').click();
    await expect.poll(() => page.locator('#keys-msg').textContent()).toMatch(/^Key \S+ retired\. Its guarantees still bind\.$/);
    await page.locator(`tr[data-kid="${key.kid}"][data-key-state=superseded]`).waitFor();
    expect(await uaKey()).toMatchObject({ revocationReason: 'superseded' });
    expect((await get<CorridorView[]>('/corridors')).map((c) => [c.id, c.state])).toEqual(before);
    // Still offered: reporting the retired key compromised later.
    expect(await page.locator(`tr[data-kid="${key.kid}"] button[data-revoke]`).textContent()).toBe('Report compromised…');

    const signed = (await get<CorridorView[]>('/corridors')).find((c) => c.guarantees.some((g) => g.kid === key.kid && g.valid && g.version === c.version));
    expect(signed).toBeDefined();
    await page.goto(`${h.url}/app/corridors/${signed!.id}`);
    const row = page.locator('tr[data-party=ua]');
    await row.locator('.key-retired').waitFor();
    expect(await row.getAttribute('data-guarantee')).toBe('signed');
    expect(await row.locator('.key-retired').textContent()).toMatch(/since retired .*: a routine rotation; the guarantee still binds\./);
    expect(await row.locator('.key-compromised').count()).toBe(0);
    await shot(page, 'corridor-retired-key');

    // The demo's protocol of round 2, signed with that key: the talks page notes it, neutrally.
    await page.goto(`${h.url}/app/talks`);
    const note = page.locator('[data-key-retired=ua]').first();
    await note.waitFor();
    expect(await note.textContent()).toBe('Ukraine signed it with a key since retired (routine rotation): the signature stands.');
    expect(await page.locator('[data-key-compromised]').count()).toBe(0);
  }, 90_000);

  it('adds a key made in this browser: the private file is saved on the device, never sent, and matches the key registered', async () => {
    const { page } = await h.newPage();
    const sent: string[] = [];
    page.on('request', (r) => sent.push(r.postData() ?? ''));
    await signIn(h, page, 'ua-liaison', '/app/keys');
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#key-create').click()]);
    const file = download.suggestedFilename();
    expect(file).toMatch(/^ua-[\w-]{8}\.private\.jwk$/);
    const jwk = JSON.parse(readFileSync(await download.path(), 'utf8'));
    expect(Object.keys(jwk).sort()).toEqual(['alg', 'crv', 'd', 'kid', 'kty', 'x']);
    await expect.poll(() => page.locator('#keys-msg').textContent()).toBe(`Key ${jwk.kid.slice(0, 12)}… registered. Its private key was saved as ${file}: keep that file safe, it is the only copy.`);
    await page.locator(`tr[data-kid="${jwk.kid}"][data-key-state=standing]`).waitFor();
    // The server holds its public half, under the kid the file names; the private half was never sent.
    const registered = (await get<{ keys: { kid: string; jwk: { x: string } }[] }>('/parties/ua')).keys.find((k) => k.kid === jwk.kid);
    expect(registered?.jwk.x).toBe(jwk.x);
    expect(sent.filter((b) => b.includes(jwk.d))).toEqual([]);
    // The saved file signs what the registered key verifies.
    const message = Buffer.from('terms');
    const signature = cryptoSign(null, message, createPrivateKey({ key: jwk, format: 'jwk' }));
    expect(cryptoVerify(null, message, createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: registered!.jwk.x }, format: 'jwk' }), signature)).toBe(true);
    await shot(page, 'key-created');
  }, 60_000);

  it('registers the public file of `passage keys generate`, and refuses a private key or a file that is no key without sending it', async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const pub = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(pub, 'sha256');
    const { page } = await h.newPage({ locale: 'uk-UA' });
    const posted: string[] = [];
    page.on('request', (r) => (r.method() === 'POST' ? posted.push(r.url()) : undefined));
    await signIn(h, page, 'ua-admin', '/app/keys');
    const form = page.locator('form.register-key');
    const choose = (name: string, body: unknown) => form.locator('input[type=file]').setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(body)) });
    await choose('ua2.private.jwk', { ...(await exportJWK(privateKey)), kid, alg: 'EdDSA' });
    await form.locator('button[type=submit]').click();
    await expect.poll(() => form.locator('.field-error').textContent()).toMatch(/^Цей файл містить ПРИВАТНИЙ ключ/);
    await choose('notes.json', { kty: 'RSA', n: 'x' });
    await form.locator('button[type=submit]').click();
    await expect.poll(() => form.locator('.field-error').textContent()).toMatch(/^Цей файл не є відкритим ключем Ed25519/);
    expect(posted.filter((u) => u.includes('/keys'))).toEqual([]);
    await choose('ua2.public.jwk', { ...pub, kid, alg: 'EdDSA', use: 'sig' });
    await form.locator('button[type=submit]').click();
    await expect.poll(() => page.locator('#keys-msg').textContent()).toBe(`Ключ ${kid.slice(0, 12)}… зареєстровано.`);
    await page.locator(`tr[data-kid="${kid}"][data-key-state=standing]`).waitFor();
    // The section passes axe (labels, headings, contrast).
    const violations = await axe(page);
    expect(violations, describeViolations(violations)).toEqual([]);
    // Another party's key: the server's refusal is shown, not swallowed.
    await form.locator('input[type=file]').setInputFiles(h.demo.keyFiles.ru?.public ?? '');
    await form.locator('button[type=submit]').click();
    await expect.poll(() => page.locator('#keys-msg').textContent()).toMatch(/registered to another party/);
    expect(await page.locator('#keys-msg').getAttribute('class')).toMatch(/error/);
  }, 60_000);
});

