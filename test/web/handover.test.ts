/**
 * Signing in with the token the mediator handed over: the app explains why it cannot be used as
 * it is, makes the member a token of its own (shown once), and goes on with that one; the handed
 * over token stops working.
 */
import { describe, expect, it } from 'vitest';
import { inTransaction } from '../../src/app/deps.js';
import { issueToken } from '../../src/app/parties.js';
import { join } from 'node:path';
import { HAVE_CHROMIUM, RESULTS, SKIP_REASON, useHarness } from './harness.js';

if (!HAVE_CHROMIUM) console.warn(SKIP_REASON);

describe.skipIf(!HAVE_CHROMIUM)('a token the mediator handed over, at sign-in', () => {
  const h = useHarness();

  async function call(token: string, method: 'GET' | 'POST', url: string, payload?: object): Promise<{ status: number; body: any }> {
    const res = await h.app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json' } : {}) }, ...(payload ? { payload } : {}) });
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null };
  }

  it('explains it, makes the member its own token shown once, and signs in with that one', async () => {
    // The mediator's admin (a token made here, as `passage init` does) hands a new agency its first admin and token.
    const mediatorAdmin = await h.store.db.selectFrom('members').select('id').where('party_id', '=', 'mediator').where('role', '=', 'admin').executeTakeFirstOrThrow();
    const admin = (await inTransaction(h.deps, (u) => issueToken(u, null, mediatorAdmin.id))).token;
    expect((await call(admin, 'POST', '/parties', { id: 'relief', kind: 'humanitarian', name: 'Relief Agency' })).status).toBe(201);
    const member = await call(admin, 'POST', '/parties/relief/members', { name: 'Relief admin', role: 'admin' });
    const handed = await call(admin, 'POST', `/members/${member.body.id}/tokens`, { label: 'handed over' });
    expect(handed.body.handedOver).toBe(true);

    const { page } = await h.newPage();
    await page.goto(`${h.url}/app/`);
    await page.locator('#token').fill(handed.body.token);
    await page.locator('form.signin button[type=submit]').click();
    await expect.poll(() => page.locator('#handover-why').textContent()).toMatch(/^This is the token the mediator handed over to Relief admin \(Relief Agency\)\. The mediator has seen it/);
    // Nothing is signed in yet: no header, and the handed-over token is not kept.
    expect(await page.locator('#who').count()).toBe(0);
    expect(await page.evaluate(() => JSON.stringify(sessionStorage))).not.toContain(handed.body.token);

    await page.locator('#handover-make').click();
    const own = await page.locator('#own-token').inputValue();
    expect(own).toMatch(/^psg_/);
    expect(own).not.toBe(handed.body.token);
    await page.screenshot({ path: join(RESULTS, 'handover-own-token.png') });
    expect(await page.locator('#own-token-note').textContent()).toMatch(/shown only this once.*The token handed over no longer works/);
    expect((await call(handed.body.token, 'GET', '/me')).status).toBe(401);
    expect((await call(own, 'GET', '/me')).body).toMatchObject({ member: { id: member.body.id }, handedOverToken: false });

    // Shown until the user says it is kept: a reload before then shows it again, not the map.
    await page.reload();
    expect(await page.locator('#own-token').inputValue()).toBe(own);
    expect(await page.locator('#handover-why').count()).toBe(0);
    await page.locator('#handover-continue').click();
    await expect.poll(() => page.locator('#who').textContent()).toContain('Relief admin');
    // The app goes on with the member's own token (a page that needs more than /me loads).
    await page.goto(`${h.url}/app/keys`);
    await expect.poll(() => page.locator('main h1').first().textContent()).toMatch(/key/i);
    expect(await page.locator('.error:visible').count()).toBe(0);
  });

  it('an unknown token still gets the plain refusal, not the handover page', async () => {
    const { page } = await h.newPage();
    await page.goto(`${h.url}/app/`);
    await page.locator('#token').fill('psg_notatokenatall');
    await page.locator('form.signin button[type=submit]').click();
    await expect.poll(() => page.locator('#signin-error').textContent()).toMatch(/^The token was not accepted/);
    expect(await page.locator('#handover-why').count()).toBe(0);
  });
});
