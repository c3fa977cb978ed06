import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, runAsync, serve } from './spawn.js';

/**
 * `passage token rotate`: the first thing a party's admin does with the token the mediator handed
 * over (which can do nothing else), and a routine rotation for any member.
 */
describe('passage token rotate, against a real server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'passage-token-'));
  const db = join(dir, 'passage.db');
  let server: Awaited<ReturnType<typeof serve>>;
  let adminToken = '';

  const call = async (token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${server.url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, body: await res.json().catch(() => null) };
  };

  beforeAll(async () => {
    const init = run(['init', '--db', db], {}, dir);
    expect(init.code, init.err).toBe(0);
    adminToken = /Admin token \(shown once, keep it secret\): (psg_\S+)/.exec(init.out)?.[1] ?? '';
    server = await serve(db, dir);
  }, 60_000);
  afterAll(() => {
    server?.proc.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('turns the token the mediator handed over into one of the party’s own, and retires it', async () => {
    expect((await call(adminToken, 'POST', '/parties', { id: 'relief', kind: 'humanitarian', name: 'A relief agency' })).status).toBe(201);
    const admin = await call(adminToken, 'POST', '/parties/relief/members', { name: 'Relief admin', role: 'admin' });
    expect(admin.status).toBe(201);
    const handed = await call(adminToken, 'POST', `/members/${admin.body.id}/tokens`, { label: 'handed over' });
    expect(handed.status).toBe(201);
    // Before: the handed-over token can do nothing but this.
    const before = await runAsync(['corridors', 'list', '--url', server.url, '--token', handed.body.token]);
    expect(before.code).toBe(3);
    expect(before.err).toMatch(/token the mediator handed over.*`passage token rotate`.*\(token_handed_over\)/);

    const r = await runAsync(['token', 'rotate', '--label', 'laptop', '--url', server.url, '--token', handed.body.token]);
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toMatch(/^New API token tok_\S+ for Relief admin \(A relief agency\); it is shown only this once, keep it secret:$/);
    expect(lines[1]).toMatch(/^psg_\S+$/);
    expect(lines[2]).toBe(`The token the mediator handed over (${handed.body.id}) no longer works: the mediator, who saw it, holds no token of yours.`);
    const own = lines[1] as string;
    expect((await call(handed.body.token, 'GET', '/me')).status).toBe(401);
    const me = await call(own, 'GET', '/me');
    expect(me.body).toMatchObject({ member: { id: admin.body.id }, handedOverToken: false });
    expect((await runAsync(['corridors', 'list', '--url', server.url, '--token', own])).code).toBe(0);

    // A routine rotation: the new token works, the one used is revoked.
    const again = await runAsync(['token', 'rotate', '--json', '--url', server.url, '--token', own]);
    expect(again.code, again.err).toBe(0);
    const out = JSON.parse(again.out);
    expect(out).toMatchObject({ memberId: admin.body.id, partyId: 'relief', replacedTokenId: me.body.tokenId, replacedTokenRevoked: true, token: expect.stringMatching(/^psg_/) });
    expect((await call(own, 'GET', '/me')).status).toBe(401);
    expect((await call(out.token, 'GET', '/me')).status).toBe(200);
    const tokens = await call(out.token, 'GET', `/members/${admin.body.id}/tokens`);
    expect(tokens.body.map((t: { label: string; handedOver: boolean; revokedAt: string | null }) => [t.label, t.handedOver, t.revokedAt === null]).sort()).toEqual([
      ['handed over', true, false],
      ['laptop', false, false],
      ['rotated', false, true],
    ]);
  });

  it('refuses an unknown token with exit 3 and issues nothing', async () => {
    const r = await runAsync(['token', 'rotate', '--url', server.url, '--token', 'psg_nosuchtoken']);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/does not accept this token/);
    expect(r.out).toBe('');
  });
});
