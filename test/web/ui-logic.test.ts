/** The operations app's own logic, without a browser: state colouring, permissions, gazetteer, signing. */
import { compactVerify, importJWK, exportJWK, generateKeyPair, calculateJwkThumbprint } from 'jose';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isAllowed, type Actor } from '../../src/domain/authorization.js';
import { computeStatus } from '../../src/domain/corridor-status.js';
import type { CorridorView } from '../../src/schemas/corridor.js';
import { fold, latinQuery, nearestPlace, searchPlaces, type Place } from '../../web/src/gazetteer.js';
import { allowedActions, canPropose, movementActions } from '../../web/src/permissions.js';
import type { MovementView } from '../../src/schemas/movement.js';
import { rruleInWords } from '../../web/src/rrule-words.js';
import { b64url, ownPartyKids, parsePrivateJwk, registeredKey, signCompact, thumbprint } from '../../web/src/sign.js';
import { DISPLAY_STATES, keyFate, partyGuarantee, pictureAt, prepare, STATE_COLOURS, timelineRange } from '../../web/src/state.js';
import { losesGuaranteeIfCompromised } from '../../src/domain/guarantee-rules.js';
import { applyFixes, movementDots, nearestDot } from '../../web/src/movement-overlay.js';
import { trackLayers } from '../../web/src/track.js';
import { coalescer } from '../../web/src/coalesce.js';
import type { LatestPosition } from '../../web/src/api.js';
import { checkLocalTime } from '../../web/src/localtime.js';
import { httpHref } from '../../web/src/links.js';
import { coordName, markerLabel, movedWaypoint, nameAt, roundCoord, waypointAt } from '../../web/src/waypoints.js';

const H = 3_600_000;
const T0 = Date.parse('2022-03-08T07:00:00Z');

function corridor(over: Partial<CorridorView> & { windows?: CorridorView['terms']['windows']; guarantors?: string[]; signed?: string[] } = {}): CorridorView {
  const guarantors = over.guarantors ?? ['ua', 'ru'];
  const version = over.version ?? 1;
  const view = {
    id: 'cor_x',
    title: 'Sumy → Poltava',
    state: over.state ?? 'guaranteed',
    version,
    proposerPartyId: over.proposerPartyId ?? 'ua',
    createdAt: '2022-03-07T00:00:00Z',
    updatedAt: '2022-03-07T00:00:00Z',
    terms: {
      type: 'passage.corridor-terms/v1',
      corridorId: 'cor_x',
      version,
      title: 'Sumy → Poltava',
      route: { type: 'LineString', coordinates: [[34.798, 50.908], [34.551, 49.588]] },
      widthM: 2000,
      origin: { name: 'Sumy', coordinates: [34.798, 50.908] },
      destination: { name: 'Poltava', coordinates: [34.551, 49.588] },
      checkpoints: [],
      direction: 'outbound',
      purposes: ['evacuation'],
      eligibility: ['civilians'],
      windows: over.windows ?? [{ start: '2022-03-08T09:00:00+02:00', end: '2022-03-08T21:00:00+02:00', timeZone: 'Europe/Kyiv', rrule: 'FREQ=DAILY;COUNT=3' }],
      capacity: {},
      hazards: [],
      contacts: [],
      requiredGuarantors: guarantors,
      agreementId: null,
      legalBasis: [],
      notes: '',
    },
    guarantees: (over.signed ?? guarantors).map((p, i) => ({ id: `g${i}`, corridorId: 'cor_x', partyId: p, memberId: 'm', kid: 'k', version, jws: 'a.b.c', valid: true, keyRevokedAt: null, keyRevocationReason: null, keyCompromisedSince: null, createdAt: '2022-03-07T00:00:00Z' })),
    suspensions: over.suspensions ?? [],
  };
  return view as unknown as CorridorView;
}

describe('state at an instant (the map’s colouring)', () => {
  it('open in a window, scheduled between windows, closed after the last, across a daily RRULE', () => {
    const p = prepare(corridor());
    expect(pictureAt(p, T0 + H).state).toBe('open');
    expect(pictureAt(p, T0 + 13 * H).state).toBe('scheduled');
    expect(pictureAt(p, T0 + 24 * H + H).state).toBe('open');
    expect(pictureAt(p, T0 - H).state).toBe('scheduled');
    expect(pictureAt(p, T0 + 3 * 24 * H).state).toBe('closed');
  });

  it('waiting while a guarantor has not signed the current version; rejected and withdrawn alike; drafts apart', () => {
    expect(pictureAt(prepare(corridor({ state: 'proposed', signed: ['ua'] })), T0 + H).state).toBe('waiting');
    const amended = corridor({ state: 'proposed', version: 2 });
    amended.guarantees = amended.guarantees.map((g) => ({ ...g, version: 1, valid: false }));
    expect(pictureAt(prepare(amended), T0 + H).state).toBe('waiting');
    expect(pictureAt(prepare(corridor({ state: 'rejected' })), T0 + H).state).toBe('rejected');
    expect(pictureAt(prepare(corridor({ state: 'withdrawn' })), T0 + H).state).toBe('rejected');
    expect(pictureAt(prepare(corridor({ state: 'draft', signed: [] })), T0 + H).state).toBe('draft');
  });

  it('a guarantee made with a key compromised at the time: the row says so, the party is missing, and may sign again', () => {
    const c = corridor({ state: 'proposed' });
    const compromised = { keyRevokedAt: '2022-03-08T08:30:00.000Z', keyRevocationReason: 'compromised' as const, keyCompromisedSince: '2022-03-01T00:00:00.000Z' };
    c.guarantees = c.guarantees.map((g) => (g.partyId === 'ua' ? { ...g, kid: 'old', valid: false, ...compromised } : g));
    expect(partyGuarantee(c, 'ua')).toMatchObject({ standing: 'compromised', current: undefined, compromised: { kid: 'old' }, others: [] });
    expect(keyFate(partyGuarantee(c, 'ua').compromised!)).toEqual({ kind: 'compromised', at: '2022-03-08T08:30:00.000Z', since: '2022-03-01T00:00:00.000Z', voids: true });
    expect(partyGuarantee(c, 'ru')).toMatchObject({ standing: 'signed', current: { partyId: 'ru' }, compromised: undefined });
    expect(pictureAt(prepare(c), T0 + H).state).toBe('waiting');
    expect(allowedActions({ memberId: 'm', partyId: 'ua', partyKind: 'belligerent', role: 'liaison' }, c)).toContain('sign');
    // Signed again with a key that stands: that one binds; the voided one is listed with the others.
    c.guarantees.push({ ...c.guarantees[0]!, id: 'g-new', kid: 'new', valid: true, keyRevokedAt: null, keyRevocationReason: null, keyCompromisedSince: null });
    expect(partyGuarantee(c, 'ua')).toMatchObject({ standing: 'signed', current: { kid: 'new' }, compromised: undefined, others: [{ kid: 'old' }] });
    // Amended since: void for the amendment, whatever became of the key.
    const amended = corridor({ state: 'proposed', version: 2 });
    amended.guarantees = amended.guarantees.map((g) => ({ ...g, version: 1, valid: false, ...(g.partyId === 'ua' ? compromised : {}) }));
    expect(partyGuarantee(amended, 'ua').standing).toBe('void');
    expect(partyGuarantee(corridor({ state: 'proposed', signed: [] }), 'ua').standing).toBe('waiting');
  });

  it('a key since retired (superseded), or compromised only after the guarantee: it binds, with a neutral note', () => {
    const c = corridor({ state: 'guaranteed' });
    c.guarantees = c.guarantees.map((g) => (g.partyId === 'ua' ? { ...g, keyRevokedAt: '2022-03-08T08:30:00.000Z', keyRevocationReason: 'superseded' as const, keyCompromisedSince: null } : g));
    expect(partyGuarantee(c, 'ua')).toMatchObject({ standing: 'signed', current: { partyId: 'ua' } });
    expect(keyFate(partyGuarantee(c, 'ua').current!)).toEqual({ kind: 'retired', at: '2022-03-08T08:30:00.000Z' });
    expect(pictureAt(prepare(c), T0 + H).state).toBe('open');
    const later = { ...c.guarantees[0]!, keyRevokedAt: '2022-03-08T08:30:00.000Z', keyRevocationReason: 'compromised' as const, keyCompromisedSince: '2022-03-07T12:00:00.000Z' };
    expect(keyFate(later)).toMatchObject({ kind: 'compromised', voids: false });
  });

  it('names the corridors that lose a guarantee if a key is declared compromised from an instant: those in play, signed then', () => {
    const c = corridor({ state: 'guaranteed' }); // both signed 2022-03-07T00:00:00Z with key "k"
    expect(losesGuaranteeIfCompromised(c, 'k', '2022-03-06T00:00:00.000Z')).toBe(true);
    expect(losesGuaranteeIfCompromised(c, 'k', '2022-03-07T00:00:00.000Z')).toBe(true);
    expect(losesGuaranteeIfCompromised(c, 'k', '2022-03-07T00:00:00.001Z')).toBe(false);
    expect(losesGuaranteeIfCompromised(c, 'other', '2022-03-06T00:00:00.000Z')).toBe(false);
    expect(losesGuaranteeIfCompromised(corridor({ state: 'withdrawn' }), 'k', '2022-03-06T00:00:00.000Z')).toBe(false);
    // Already void (amended): nothing more to lose.
    const amended = corridor({ state: 'proposed', version: 2 });
    amended.guarantees = amended.guarantees.map((g) => ({ ...g, version: 1, valid: false }));
    expect(losesGuaranteeIfCompromised(amended, 'k', '2022-03-06T00:00:00.000Z')).toBe(false);
  });

  it('suspended only while the suspension holds', () => {
    const c = corridor({ state: 'guaranteed', suspensions: [{ id: 's', since: new Date(T0 + 2 * H).toISOString(), until: new Date(T0 + 4 * H).toISOString(), reason: 'shelling', incident: null, suspendedBy: 'm', resumedBy: 'm', resumeReason: 'ok' }] });
    const p = prepare(c);
    expect(pictureAt(p, T0 + H).state).toBe('open');
    expect(pictureAt(p, T0 + 3 * H)).toMatchObject({ state: 'suspended', suspension: { reason: 'shelling' } });
    expect(pictureAt(p, T0 + 5 * H).state).toBe('open');
  });

  it('agrees with the API’s computeStatus on "open" at any instant, for any lifecycle state and suspension', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('proposed', 'guaranteed', 'suspended', 'rejected', 'withdrawn', 'draft' as const),
        fc.subarray(['ua', 'ru']),
        fc.option(fc.tuple(fc.integer({ min: -10, max: 80 }), fc.option(fc.integer({ min: 1, max: 30 }), { nil: null })), { nil: null }),
        fc.integer({ min: -24, max: 96 }),
        (state, signed, susp, atH) => {
          const suspensions = susp ? [{ id: 's', since: new Date(T0 + susp[0] * H).toISOString(), until: susp[1] === null ? null : new Date(T0 + (susp[0] + susp[1]) * H).toISOString(), reason: 'r', incident: null, suspendedBy: 'm', resumedBy: null, resumeReason: null }] : [];
          const c = corridor({ state: state as CorridorView['state'], signed, suspensions });
          const at = T0 + atH * H + 1;
          const api = computeStatus({
            corridorId: c.id,
            version: c.version,
            state: c.state,
            windows: c.terms.windows,
            requiredGuarantors: c.terms.requiredGuarantors.map((id) => ({ id, name: id })),
            signedParties: signed,
            suspensions: suspensions.map((s) => ({ since: Date.parse(s.since), until: s.until === null ? null : Date.parse(s.until), reason: s.reason })),
            at,
          });
          const pic = pictureAt(prepare(c), at);
          expect(pic.state === 'open').toBe(api.open);
          if (api.reasons.some((r) => r.code === 'suspended') && api.state !== 'closed' && signed.length === 2) expect(pic.state).toBe('suspended');
          if (api.state === 'closed' && !['rejected', 'withdrawn', 'draft'].includes(state)) expect(pic.state).toBe('closed');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('every state has a colour with at least 4.5:1 contrast against white text', () => {
    const lum = (hex: string): number => {
      const c = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16) / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
      return 0.2126 * (c[0] ?? 0) + 0.7152 * (c[1] ?? 0) + 0.0722 * (c[2] ?? 0);
    };
    for (const s of DISPLAY_STATES) expect(1.05 / (lum(STATE_COLOURS[s]) + 0.05), s).toBeGreaterThanOrEqual(4.5);
    expect(new Set(Object.values(STATE_COLOURS)).size).toBe(DISPLAY_STATES.length);
  });

  it('the timeline spans every window and now, with a day either side', () => {
    const [lo, hi] = timelineRange([prepare(corridor())], T0 + 10 * 24 * H);
    expect(lo).toBeLessThanOrEqual(T0 - 24 * H);
    expect(hi).toBeGreaterThanOrEqual(T0 + 11 * 24 * H);
  });
});

describe('actions offered by role (mirrors src/domain/authorization.ts)', () => {
  const actor = (partyId: string, partyKind: Actor['partyKind'], role: Actor['role']): Actor => ({ memberId: 'm', partyId, partyKind, role });
  const ua = actor('ua', 'belligerent', 'liaison');
  const ru = actor('ru', 'belligerent', 'liaison');
  const mediator = actor('mediator', 'mediator', 'liaison');
  const observer = actor('observers', 'observer', 'viewer');
  const operator = actor('convoy-ops', 'humanitarian', 'operator');

  it('a proposed corridor: each guarantor may sign once; the other side may reject; proposer and mediator amend and withdraw', () => {
    const c = corridor({ state: 'proposed', signed: ['ua'], proposerPartyId: 'ua' });
    expect(allowedActions(ua, c)).toEqual(['amend', 'withdraw']);
    expect(allowedActions(ru, c)).toEqual(['sign', 'reject']);
    expect(allowedActions(mediator, c)).toEqual(['amend', 'withdraw']);
    expect(allowedActions(observer, c)).toEqual([]);
    expect(allowedActions(operator, c)).toEqual([]);
  });

  it('a guaranteed corridor: only the mediator suspends; a suspended one only the mediator resumes', () => {
    expect(allowedActions(mediator, corridor({ state: 'guaranteed' }))).toEqual(['amend', 'suspend', 'withdraw']);
    expect(allowedActions(ru, corridor({ state: 'guaranteed' }))).toEqual([]);
    expect(allowedActions(mediator, corridor({ state: 'suspended' }))).toEqual(['amend', 'resume', 'withdraw']);
    expect(allowedActions(ua, corridor({ state: 'rejected' }))).toEqual([]);
  });

  it('never offers what the server’s rules refuse', () => {
    const roles: Actor['role'][] = ['admin', 'liaison', 'operator', 'viewer'];
    const kinds: [string, Actor['partyKind']][] = [['ua', 'belligerent'], ['ru', 'belligerent'], ['mediator', 'mediator'], ['aid', 'humanitarian'], ['obs', 'observer']];
    const perm = { sign: 'corridor.sign', amend: 'corridor.amend', propose: 'corridor.amend', withdraw: 'corridor.withdraw', reject: 'corridor.reject', suspend: 'corridor.suspend', resume: 'corridor.resume' } as const;
    for (const state of ['draft', 'proposed', 'guaranteed', 'suspended', 'closed', 'withdrawn', 'rejected'] as const) {
      for (const [partyId, kind] of kinds) {
        for (const role of roles) {
          const a = actor(partyId, kind, role);
          const c = corridor({ state, signed: [] });
          for (const act of allowedActions(a, c)) expect(isAllowed(a, perm[act], { proposerPartyId: c.proposerPartyId, requiredGuarantors: c.terms.requiredGuarantors }), `${kind} ${role} ${act} ${state}`).toBe(true);
        }
      }
    }
    expect(canPropose(ua)).toBe(true);
    expect(canPropose(operator)).toBe(false);
    expect(canPropose(actor('ua', 'belligerent', 'viewer'))).toBe(false);
  });
});

describe('gazetteer search', () => {
  const places: Place[] = [
    ['Kyiv', 30.5238, 50.4547, 2797553],
    ['Kamianets-Podilskyi', 26.5851, 48.6845, 101590],
    ["Bila Tserkva", 30.1045, 49.7956, 211205],
    ['Irpin', 30.2506, 50.5218, 40789],
    ['Bucha', 30.212, 50.5435, 42279],
  ];
  it('folds case, diacritics and apostrophes; prefix matches first, then containing', () => {
    expect(fold("Kam'yanets'-Podil's'kyi")).toBe('kamyanetspodilskyi');
    expect(searchPlaces(places, 'irp').map((p) => p[0])).toEqual(['Irpin']);
    expect(searchPlaces(places, 'kamianets pod').map((p) => p[0])).toEqual([]);
    expect(searchPlaces(places, 'kamianets-pod').map((p) => p[0])).toEqual(['Kamianets-Podilskyi']);
    expect(searchPlaces(places, 'TSERK').map((p) => p[0])).toEqual(['Bila Tserkva']);
    expect(searchPlaces(places, '  ')).toEqual([]);
  });
  it('finds a place typed in Cyrillic (Ukrainian or Russian letters), whichever spelling the gazetteer has', () => {
    const more: Place[] = [...places, ['Sumy', 34.8, 50.92, 268409], ['Zaporizhia', 35.18, 47.82, 710052], ['Lokhvytsya', 33.26, 50.36, 11603], ['Yahotyn', 31.76, 50.27, 19816]];
    expect(latinQuery('Суми')).toBe('sumy');
    expect(latinQuery('Запоріжжя')).toBe('zaporizhzhia');
    expect(latinQuery('Яготин')).toBe('yahotyn');
    expect(searchPlaces(more, 'Суми').map((p) => p[0])).toEqual(['Sumy']);
    expect(searchPlaces(more, 'Запоріжжя').map((p) => p[0])).toEqual(['Zaporizhia']);
    expect(searchPlaces(more, 'Zaporizhzhia').map((p) => p[0])).toEqual(['Zaporizhia']);
    expect(searchPlaces(more, 'Лохвиця').map((p) => p[0])).toEqual(['Lokhvytsya']);
    expect(searchPlaces(more, 'Сумы').map((p) => p[0])).toEqual(['Sumy']);
    expect(searchPlaces(more, 'Ірпінь').map((p) => p[0])).toEqual(['Irpin']);
    // A Russian name that is another word (Ирпень for Ірпінь) is not found: the list says so.
    expect(searchPlaces(more, 'Ирпень')).toEqual([]);
    expect(searchPlaces(more, 'Ягот').map((p) => p[0])).toEqual(['Yahotyn']);
    expect(searchPlaces(more, 'Киї')[0]?.[0]).toBe('Kyiv');
    expect(searchPlaces(more, 'Щщщ')).toEqual([]);
  });
  it('names a clicked point by the nearest settlement within a few km', () => {
    expect(nearestPlace(places, 30.25, 50.52)?.[0]).toBe('Irpin');
    expect(nearestPlace(places, 35, 45)).toBeUndefined();
  });
});

describe('movement dots over the map', () => {
  const pos = (deviceId: string, lon: number | null, lat: number | null, vehicle: string | null = null) => ({ movementId: 'mov_1', deviceId, vehicle, at: '2022-03-08T07:00:00Z', lon, lat }) as unknown as LatestPosition;
  it('one dot per tracker with a fix; the first listed wins', () => {
    const dots = movementDots([pos('a', 34.8, 50.9, 'AX 1234'), pos('b', null, null), pos('a', 30, 50)]);
    expect(dots).toEqual([{ deviceId: 'a', movementId: 'mov_1', vehicle: 'AX 1234', at: '2022-03-08T07:00:00Z', lon: 34.8, lat: 50.9 }]);
  });
  it('fixes move known dots in place (vehicle kept) and add new ones; the work is per fix', () => {
    const dots = new Map(movementDots([pos('a', 34.8, 50.9, 'AX 1234')]).map((d) => [d.deviceId, d]));
    const a = dots.get('a');
    const added = applyFixes(dots, [
      { movementId: 'mov_1', deviceId: 'a', at: '2022-03-08T07:01:00Z', lon: 34.7, lat: 50.8 },
      { movementId: 'mov_2', deviceId: 'c', at: '2022-03-08T07:01:00Z', lon: 33, lat: 49 },
    ]);
    expect(added).toBe(1);
    expect(dots.get('a')).toBe(a); // the same object, moved
    expect(a).toMatchObject({ vehicle: 'AX 1234', lon: 34.7, lat: 50.8, at: '2022-03-08T07:01:00Z' });
    expect(dots.get('c')).toMatchObject({ movementId: 'mov_2', vehicle: 'c', lon: 33, lat: 49 });
  });
  it('hit-tests the nearest drawn dot within the tolerance', () => {
    const xy = new Float32Array([10, 10, 20, 10, 100, 100]);
    expect(nearestDot(xy, 3, 14, 10, 8)).toBe(0);
    expect(nearestDot(xy, 3, 16, 11, 8)).toBe(1);
    expect(nearestDot(xy, 3, 60, 60, 8)).toBe(-1);
    expect(nearestDot(xy, 2, 100, 100, 8)).toBe(-1); // only the first n are drawn
  });
});

describe('waypoints drawn on the map', () => {
  const places: Place[] = [
    ['Kyiv', 30.5238, 50.4547, 2797553],
    ['Irpin', 30.2506, 50.5218, 40789],
    ['Bucha', 30.212, 50.5435, 42279],
  ];
  it('a click names its point by the nearest settlement within 8 km, else by its coordinates; coordinates keep 5 decimals', () => {
    expect(waypointAt(places, 30.2401234, 50.5301234)).toEqual({ name: 'Irpin', lon: 30.24012, lat: 50.53012, checkpoint: false, auto: true });
    // 0.15° of longitude at 50.5°N is about 10.6 km from Kyiv: no settlement that near.
    expect(waypointAt(places, 30.6738, 50.4547)).toMatchObject({ name: '50.4547, 30.6738', auto: true });
    expect(nameAt(places, 30.6738, 50.4547, 12)).toBe('Kyiv');
    expect(coordName(30.5, 50.25)).toBe('50.2500, 30.5000');
    expect(roundCoord(30.123456)).toBe(30.12346);
  });
  it('dragging a waypoint moves it and renames it, unless the user typed its name; the checkpoint mark stays', () => {
    const clicked = { ...waypointAt(places, 30.24, 50.53), checkpoint: true };
    expect(movedWaypoint(clicked, places, 30.52, 50.45)).toEqual({ name: 'Kyiv', lon: 30.52, lat: 50.45, checkpoint: true, auto: true });
    expect(movedWaypoint(clicked, places, 31.2, 50.0)).toMatchObject({ name: '50.0000, 31.2000', lon: 31.2, lat: 50 });
    const typed = { name: 'Checkpoint Zhytomyr road', lon: 30.2, lat: 50.5, checkpoint: false, auto: false };
    expect(movedWaypoint(typed, places, 30.5238, 50.4547)).toEqual({ ...typed, lon: 30.5238, lat: 50.4547 });
    expect(clicked.lon).toBe(30.24); // not mutated
  });
  it('markers are numbered as the list', () => {
    expect([0, 1, 2].map(markerLabel)).toEqual(['1', '2', '3']);
  });
});

describe('signing in the browser (WebCrypto Ed25519)', () => {
  it('makes a compact JWS that jose verifies, with kid = the RFC 7638 thumbprint', async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const priv = await exportJWK(privateKey);
    const jwk = parsePrivateJwk(JSON.stringify(priv));
    expect(jwk).not.toBeNull();
    const payload = new TextEncoder().encode('{"a":1,"b":"é"}');
    const jws = await signCompact(payload, jwk as NonNullable<typeof jwk>);
    const { payload: got, protectedHeader } = await compactVerify(jws, await importJWK(await exportJWK(publicKey), 'EdDSA'));
    expect(new TextDecoder().decode(got)).toBe('{"a":1,"b":"é"}');
    expect(protectedHeader).toEqual({ alg: 'EdDSA', kid: await calculateJwkThumbprint(await exportJWK(publicKey), 'sha256') });
    expect(await thumbprint({ x: priv.x ?? '' })).toBe(protectedHeader.kid);
  });
  it('tells a key file of the party’s own registered keys from any other, by thumbprint', async () => {
    const mine = await exportJWK((await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })).publicKey);
    const theirs = await exportJWK((await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })).publicKey);
    const kids = [await calculateJwkThumbprint(mine, 'sha256')];
    expect(await registeredKey({ x: mine.x ?? '' }, kids)).toBe(true);
    expect(await registeredKey({ x: theirs.x ?? '' }, kids)).toBe(false);
    expect(await ownPartyKids(async () => ({ party: { keys: [{ kid: 'k1' }, { kid: 'k2' }] } }))).toEqual(['k1', 'k2']);
    // /me out of reach: no answer, so the server judges the key.
    expect(await ownPartyKids(async () => Promise.reject(new Error('offline')))).toBeNull();
  });
  it('refuses what is not an Ed25519 private JWK; base64url has no padding', () => {
    expect(parsePrivateJwk('{"kty":"OKP","crv":"Ed25519","x":"abc"}')).toBeNull();
    expect(parsePrivateJwk('not json')).toBeNull();
    expect(b64url(new Uint8Array([251, 255]))).toBe('-_8');
  });
});

describe('server-sent events parsing', () => {
  it('splits events on blank lines, joins data lines, keeps the remainder, skips comments', async () => {
    const { parseSse } = await import('../../web/src/events.js');
    const r = parseSse('retry: 2000\n\n: keep-alive\n\nid: 7\nevent: corridor.suspended\ndata: {"a":1}\n\nid: 8\nevent: x\ndata: one\ndata: two\n\nid: 9\nevent: partial\nda');
    expect(r.events).toEqual([
      { id: '7', type: 'corridor.suspended', data: { a: 1 } },
      { id: '8', type: 'x', data: 'one\ntwo' },
    ]);
    expect(r.rest).toBe('id: 9\nevent: partial\nda');
    expect(parseSse('data: z\r\n\r\n').events).toEqual([{ id: '', type: 'message', data: 'z' }]);
  });
});

describe('local times around daylight-saving changes', () => {
  it('a time skipped when the clocks go forward is a gap; one that happens twice is ambiguous', () => {
    expect(checkLocalTime('2027-03-28T03:30', 'Europe/Kyiv')).toEqual({ kind: 'gap' });
    expect(checkLocalTime('2027-03-28T02:30', 'Europe/Kyiv')).toEqual({ kind: 'ok' });
    expect(checkLocalTime('2027-03-28T04:30', 'Europe/Kyiv')).toEqual({ kind: 'ok' });
    const back = checkLocalTime('2027-10-31T03:30', 'Europe/Kyiv');
    expect(back.kind).toBe('ambiguous');
    if (back.kind === 'ambiguous') expect([back.chosen, back.other].sort()).toEqual(['2027-10-31T03:30:00+02:00', '2027-10-31T03:30:00+03:00']);
    expect(checkLocalTime('2027-10-31T03:30', 'UTC')).toEqual({ kind: 'ok' });
    expect(checkLocalTime('2027-03-28T03:30', 'Europe/Moscow')).toEqual({ kind: 'ok' });
  });
});

describe('what the movement page offers', () => {
  const who = (partyId: string, partyKind: Actor['partyKind'], role: Actor['role']): Actor => ({ memberId: `m-${partyId}-${role}`, partyId, partyKind, role });
  const m = (over: Partial<MovementView> = {}): MovementView =>
    ({ id: 'mov_1', corridorId: 'cor_1', operatorPartyId: 'ops', receivingPartyId: 'rx', state: 'notified', title: 't', plannedDeparture: '', vehicles: [], manifest: { people: { adults: 1 }, cargo: [{ id: 'c', item: 'i', category: 'food', quantity: 1, unit: 'kg' }] }, distribution: ['ua', 'ru', 'rx'], rules: {}, notes: '', warnings: [], acknowledgements: [], awaitingAcknowledgement: ['ua'], counts: [], receipts: [], departedAt: null, arrivedAt: null, createdAt: '', updatedAt: '', ...over }) as MovementView;
  it('follows the server’s rules for who, and the lifecycle for when', () => {
    const operator = who('ops', 'humanitarian', 'operator');
    const mediator = who('mediator', 'mediator', 'liaison');
    const receiver = who('rx', 'humanitarian', 'operator');
    expect(movementActions(who('ua', 'belligerent', 'liaison'), m(), 2)).toEqual(['acknowledge']);
    expect(movementActions(who('ua', 'belligerent', 'viewer'), m(), 2)).toEqual([]);
    expect(movementActions(who('ru', 'belligerent', 'liaison'), m(), 2)).toEqual([]); // already acknowledged
    expect(movementActions(operator, m(), 2)).toEqual(['depart', 'abort']);
    expect(movementActions(operator, m({ state: 'departed' }), 2)).toEqual(['checkin', 'arrive', 'abort']);
    expect(movementActions(operator, m({ state: 'departed' }), 0)).toEqual(['arrive', 'abort']); // no checkpoint to check in at
    expect(movementActions(mediator, m({ state: 'departed' }), 2)).toEqual(['checkin', 'arrive', 'abort']);
    expect(movementActions(receiver, m({ state: 'departed' }), 2)).toEqual(['receipt']);
    expect(movementActions(receiver, m({ state: 'arrived' }), 2)).toEqual(['receipt']);
    expect(movementActions(operator, m({ state: 'arrived' }), 2)).toEqual([]);
    expect(movementActions(receiver, m({ state: 'departed', manifest: { people: {}, cargo: [] } }), 2)).toEqual([]);
    expect(movementActions(who('ua', 'belligerent', 'liaison'), m({ state: 'aborted' }), 2)).toEqual([]);
  });
});

describe('a recurrence in words', () => {
  it('says the simple rules corridors use in each language, and leaves the rest as written', () => {
    expect(rruleInWords('FREQ=DAILY;COUNT=3', 'en')).toBe('daily, 3 times');
    expect(rruleInWords('FREQ=DAILY;COUNT=1', 'en')).toBe('daily, 1 time');
    expect(rruleInWords('FREQ=DAILY;COUNT=3', 'uk')).toBe('щодня, 3 рази');
    expect(rruleInWords('FREQ=DAILY;COUNT=5', 'uk')).toBe('щодня, 5 разів');
    expect(rruleInWords('FREQ=DAILY;COUNT=21', 'ru')).toBe('ежедневно, 21 раз');
    expect(rruleInWords('RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;UNTIL=20220401T000000Z', 'en')).toBe('every 2 weeks (Mon, Wed), until 2022-04-01');
    expect(rruleInWords('FREQ=MONTHLY;BYMONTHDAY=1;COUNT=3', 'en')).toBeNull();
    expect(rruleInWords('FREQ=WEEKLY;BYDAY=1MO;COUNT=3', 'en')).toBeNull();
  });
});

describe('a movement’s track on its page', () => {
  const now = Date.parse('2022-03-08T12:00:00Z');
  const track = (times: string[], coords: [number, number][]): GeoJSON.FeatureCollection => ({
    type: 'FeatureCollection',
    features: [{ type: 'Feature', properties: { kind: 'track', deviceId: 'bus-1', times }, geometry: { type: 'LineString', coordinates: coords } }],
  });
  it('gives the newest fix as the last position, but not one dated years ahead by a wrong phone clock', () => {
    const ok = trackLayers(track(['2022-03-08T10:00:00Z', '2022-03-08T11:00:00Z'], [[34.8, 50.9], [34.6, 50.5]]), now);
    expect(ok.last).toEqual({ device: 'bus-1', at: '2022-03-08T11:00:00Z' });
    const wrongClock = trackLayers(track(['2022-03-08T10:00:00Z', '2022-03-08T11:00:00Z', '2038-01-19T03:14:06Z'], [[34.8, 50.9], [34.6, 50.5], [34, 50.5]]), now);
    expect(wrongClock.last).toEqual({ device: 'bus-1', at: '2022-03-08T11:00:00Z' });
    expect(wrongClock.heads.features[0]?.geometry).toEqual({ type: 'Point', coordinates: [34.6, 50.5] });
    // The line itself keeps every stored fix.
    expect((wrongClock.lines.features[0]?.geometry as GeoJSON.LineString).coordinates).toHaveLength(3);
  });
});

describe('live events coalesced', () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  it('calls once a burst pauses, and at least once per maximum wait while events never pause', async () => {
    vi.useFakeTimers();
    const calls: number[] = [];
    const c = coalescer(() => void calls.push(Date.now()), { quietMs: 250, maxWaitMs: 1000 });
    const t0 = Date.now();
    // A burst, then quiet: one call, a quiet spell after the last event.
    c.poke();
    await vi.advanceTimersByTimeAsync(100);
    c.poke();
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls.map((t) => t - t0)).toEqual([350]);
    // Events every 200 ms for 3 s (never 250 ms of quiet): a call every second, not only at the end.
    calls.length = 0;
    const t1 = Date.now();
    for (let i = 0; i < 15; i++) {
      c.poke();
      await vi.advanceTimersByTimeAsync(200);
    }
    expect(calls.map((t) => t - t1)).toEqual([1000, 2000, 3000]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toHaveLength(3);
    // Cancelled (the page was left): no call any more.
    c.poke();
    c.cancel();
    await vi.advanceTimersByTimeAsync(2000);
    expect(calls).toHaveLength(3);
  });

  it('runs one call at a time: events during a slow call bring one more call after it', async () => {
    vi.useFakeTimers();
    let running = 0;
    let most = 0;
    let calls = 0;
    const c = coalescer(
      async () => {
        calls++;
        running++;
        most = Math.max(most, running);
        await new Promise((ok) => setTimeout(ok, 3000));
        running--;
      },
      { quietMs: 100, maxWaitMs: 500 },
    );
    c.poke();
    await vi.advanceTimersByTimeAsync(200); // the first call runs (3 s)
    for (let i = 0; i < 5; i++) {
      c.poke();
      await vi.advanceTimersByTimeAsync(300);
    }
    await vi.advanceTimersByTimeAsync(10_000);
    expect(most).toBe(1);
    expect(calls).toBe(2);
  });
});

describe('links to sources', () => {
  it('links http(s) only: javascript:, data: and ftp: URLs stored before the API refused them are shown as text', () => {
    expect(httpHref('https://example.org/a?b=c')).toBe('https://example.org/a?b=c');
    expect(httpHref('HTTP://Example.org')).toBe('http://example.org/');
    for (const bad of ['javascript:alert(document.cookie)', ' JavaScript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'ftp://example.org/x', 'not a url', '//example.org']) expect(httpHref(bad), bad).toBeUndefined();
  });
});
