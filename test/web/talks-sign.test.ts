/**
 * Signing a round's protocol in the Talks view: offered to a delegation's liaison officer only
 * while the protocol awaits that delegation's signature — here, after the demo's Ukrainian key was
 * reported compromised, which voided its signature — and made in the browser with a key file
 * that is never sent. Its own harness: it revokes the demo's Ukrainian key.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { axe, describeViolations, HAVE_CHROMIUM, RESULTS, signIn, SKIP_REASON, useHarness } from './harness.js';

if (!HAVE_CHROMIUM) console.warn(SKIP_REASON);

describe.skipIf(!HAVE_CHROMIUM)('signing a protocol in the Talks view', () => {
  const h = useHarness();
  const call = async (method: 'GET' | 'POST', url: string, who: string, payload?: unknown) => {
    const res = await h.app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${h.token(who)}` }, ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) });
    return { status: res.statusCode, body: JSON.parse(res.body) };
  };
  const protocol = async () => (await call('GET', '/ledger/timeline', 'observer')).body.rounds.flatMap((r: any) => r.protocols)[0];

  it('offers nothing while every delegation’s signature counts', async () => {
    const p = await protocol();
    expect(p).toMatchObject({ state: 'signed', version: 1, signatories: ['ua', 'ru'] });
    expect([...p.signedBy].sort()).toEqual(['ru', 'ua']);
    const { page } = await h.newPage();
    await signIn(h, page, 'ua-liaison', '/app/talks');
    await page.locator(`[data-protocol-id="${p.id}"][data-protocol-state=signed]`).waitFor();
    expect(await page.locator('form.sign-protocol').count()).toBe(0);
    // The warning about the compromised signature has done its work: Ukraine signed again.
    expect(await page.locator('[data-key-compromised=ua]').count()).toBe(0);
  }, 60_000);

  it('after a compromise, offers the form to that delegation only, and signs with a new key file that never leaves the browser', async () => {
    // Ukraine registers a new key and reports the demo's compromised: its signature no longer counts.
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const pub = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(pub, 'sha256');
    expect((await call('POST', '/parties/ua/keys', 'ua-admin', { jwk: { kty: 'OKP', crv: 'Ed25519', x: pub.x } })).status).toBe(201);
    const priv = await exportJWK(privateKey);
    const file = join(mkdtempSync(join(tmpdir(), 'passage-talks-')), 'ua-new.private.jwk');
    writeFileSync(file, JSON.stringify({ ...priv, kid, alg: 'EdDSA' }));
    const old = h.demo.keyFiles.ua!;
    expect((await call('POST', `/parties/ua/keys/${old.kid}/revoke`, 'ua-admin', { reason: 'compromised' })).status).toBe(200);
    const p = await protocol();
    expect(p).toMatchObject({ state: 'open', signedBy: ['ru'], keyNotes: [{ partyId: 'ua', reason: 'compromised', compromised: true }] });

    // Not offered to the other delegation, nor to an observer.
    for (const who of ['ru-liaison', 'observer']) {
      const { page } = await h.newPage();
      await signIn(h, page, who, '/app/talks');
      await page.locator(`[data-protocol-id="${p.id}"][data-protocol-state=open]`).waitFor();
      expect(await page.locator('form.sign-protocol').count(), who).toBe(0);
    }

    const { page } = await h.newPage();
    const sent: string[] = [];
    page.on('request', (r) => sent.push(r.postData() ?? ''));
    await signIn(h, page, 'ua-liaison', '/app/talks');
    const form = page.locator(`form.sign-protocol[data-protocol="${p.id}"]`);
    await form.waitFor();
    expect(await form.textContent()).toContain('This protocol awaits the signature of Ukraine.');
    const violations = await axe(page);
    expect(violations, describeViolations(violations)).toEqual([]);
    // No file: said at the field, nothing sent.
    await form.locator('button[type=submit]').click();
    await expect.poll(() => form.locator('.field-error').textContent()).toBe('Choose your party’s private key file first.');
    // The compromised key: the server refuses it, and the form says why.
    await form.locator('input[type=file]').setInputFiles(old.private);
    await form.locator('button[type=submit]').click();
    await expect.poll(() => form.locator('.msg').textContent()).toMatch(/revoked/);
    expect(await form.locator('.msg').getAttribute('class')).toMatch(/error/);
    // The new key: signed, and the view says the protocol is signed by every delegation.
    await form.locator('input[type=file]').setInputFiles(file);
    await form.locator('button[type=submit]').click();
    await expect.poll(() => page.locator('#talks-msg').textContent()).toBe('Signed version 1; the protocol is now signed by every delegation.');
    await page.locator(`[data-protocol-id="${p.id}"][data-protocol-state=signed]`).waitFor();
    expect(await page.locator('form.sign-protocol').count()).toBe(0);
    // The warning about the compromised signature has done its work: Ukraine signed again.
    expect(await page.locator('[data-key-compromised=ua]').count()).toBe(0);
    await page.screenshot({ path: join(RESULTS, 'web-talks-signed-again.png'), fullPage: true });
    expect(sent.filter((b) => b.includes(String(priv.d)))).toEqual([]);
    const after = await call('GET', `/protocols/${p.id}`, 'observer');
    expect(after.body.state).toBe('signed');
    expect(after.body.signatures.filter((s: any) => s.valid).map((s: any) => [s.partyId, s.kid]).sort()).toEqual([
      ['ru', h.demo.keyFiles.ru!.kid],
      ['ua', kid],
    ]);
  }, 90_000);
});
