import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, startDemoServer, type DemoServer } from './spawn.js';

/**
 * What `passage verify` prints about signatures whose key was revoked later in the log: those made
 * while the key was compromised no longer bind (guarantees) or count (protocol signatures), those
 * made with a key retired routinely still do — each named by its entry, as the API views show them.
 * The grouping is the CLI's own (src/cli/log-commands.ts); the engine does not change it.
 */
describe('passage verify groups signatures made with keys revoked since', () => {
  let ds: DemoServer;
  const remote = () => ['--url', ds.server.url, '--token', ds.token('observer'), '--log-key', ds.demo.logKey];

  beforeAll(async () => {
    ds = await startDemoServer('sqlite', 'verifyrevoked');
  }, 60_000);
  afterAll(async () => ds?.stop());

  it('prints nothing of the kind while every key stands', () => {
    const r = run(['verify', ...remote()]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).not.toMatch(/made with a key/);
    expect(r.out).toMatch(/2 signatures on public negotiation protocols verified the same way\./);
  });

  it('names the ones made with a compromised key as void and the retired key’s as standing, for guarantees and protocol signatures', () => {
    const ua = ds.demo.keyFiles.ua.kid as string;
    const ru = ds.demo.keyFiles.ru.kid as string;
    const revoke = (party: string, kid: string, reason: string) => run(['keys', 'revoke', kid, '--party', party, '--reason', reason, '--url', ds.server.url, '--token', ds.token(`${party}-admin`)]);
    expect(revoke('ru', ru, 'superseded').code).toBe(0);
    const stolen = revoke('ua', ua, 'compromised');
    expect(stolen.code, stolen.err).toBe(0);

    const r = run(['verify', ...remote()]);
    expect(r.code, r.err).toBe(0);
    const guarantees = Number(/(\d+) guarantees verified/.exec(r.out)?.[1]);
    const lines = r.out.split('\n');
    const group = (heading: RegExp): string[] => {
      const at = lines.findIndex((l) => heading.test(l));
      expect(at, `${heading} in:\n${r.out}`).toBeGreaterThanOrEqual(0);
      const n = Number(/^ {4}(\d+) of them/.exec(lines[at] ?? '')?.[1]);
      const items = lines.slice(at + 1, at + 1 + n);
      for (const l of items) expect(l).toMatch(/^ {6}entry \d+: /);
      return items;
    };
    const voidGuarantees = group(/of them were made with a key compromised at the time, and no longer bind \(the party must sign again\):$/);
    const standingGuarantees = group(/of them were made with a key revoked since that was not compromised then, and still bind:$/);
    // The demo's six guarantees: each belligerent gave three, every one with its only key.
    expect(voidGuarantees.length + standingGuarantees.length).toBe(guarantees);
    for (const l of voidGuarantees) expect(l).toMatch(new RegExp(`: ua's guarantee of corridor cor_\\S+ version \\d+, key ${ua} compromised since \\S+ \\(revoked at entry \\d+\\)$`));
    for (const l of standingGuarantees) expect(l).toMatch(new RegExp(`: ru's guarantee of corridor cor_\\S+ version \\d+, key ${ru} since retired \\(superseded\\) at entry \\d+$`));
    expect(voidGuarantees).toHaveLength(3);

    const voidSignatures = group(/of them were made with a key compromised at the time, and no longer count \(the delegation must sign again\):$/);
    const standingSignatures = group(/of them were made with a key revoked since that was not compromised then, and still count:$/);
    expect(voidSignatures).toEqual([expect.stringMatching(new RegExp(`: ua's signature of protocol prt_\\S+ version 1, key ${ua} compromised since `))]);
    expect(standingSignatures).toEqual([expect.stringMatching(new RegExp(`: ru's signature of protocol prt_\\S+ version 1, key ${ru} since retired \\(superseded\\)`))]);

    // --json carries the same, for a script.
    const j = run(['verify', ...remote(), '--json']);
    expect(j.code, j.err).toBe(0);
    const report = JSON.parse(j.out);
    expect(report.revokedKeyProtocolSignatures.map((s: any) => [s.partyId, s.reason, s.void]).sort()).toEqual([
      ['ru', 'superseded', false],
      ['ua', 'compromised', true],
    ]);
  });
});
