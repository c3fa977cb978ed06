import { chmodSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CompactSign, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { createAgreement } from '../app/agreements.js';
import { getSetting } from '../app/bootstrap.js';
import { getTermsText, proposeCorridor, submitGuarantee, suspendCorridor, transitionCorridor } from '../app/corridors.js';
import { inTransaction, type Deps } from '../app/deps.js';
import { serverVerifierKey } from '../app/log.js';
import { ensureDirectory } from '../store/dirs.js';
import type { DemoContext } from './demo-context.js';
import { loadIncidentDemo } from './incident-scenario.js';
import { loadLedgerDemo } from './ledger-scenario.js';
import { loadMovementDemo } from './movement-scenario.js';
import { createMember, createParty, issueToken, registerKey } from '../app/parties.js';
import type { Actor } from '../domain/authorization.js';
import { formatUtc, parseRfc3339 } from '../domain/windows.js';
import type { AgreementInput } from '../schemas/agreement.js';
import type { PartyKind, Role } from '../schemas/common.js';
import type { TermsInput } from '../schemas/corridor.js';
import { KEYED_PARTIES } from './parties.js';

/**
 * The demo story (DESIGN.md, "The story to demo"): public reports of March 2022, illustrative.
 * Coordinates are approximate; routes, windows and who signed what are a plausible
 * reconstruction for training and demonstration, not a record of what happened.
 */
export const DEMO_NOTICE = 'Demo scenario: illustrative, based on public reports of March 2022; not a record of events.';

const P = {
  mariupol: [37.543, 47.097],
  nikolske: [37.31, 47.2],
  rozivka: [36.83, 47.38],
  polohy: [36.254, 47.484],
  orikhiv: [35.783, 47.567],
  zaporizhzhia: [35.14, 47.839],
  sumy: [34.798, 50.908],
  holubivka: [34.0, 50.52],
  lokhvytsia: [33.265, 50.36],
  lubny: [32.997, 50.019],
  poltava: [34.551, 49.588],
  kharkiv: [36.23, 49.993],
  belgorod: [36.587, 50.595],
  irpin: [30.251, 50.522],
  kyiv: [30.523, 50.45],
} satisfies Record<string, [number, number]>;

interface DemoMember {
  key: string;
  partyId: string;
  name: string;
  role: Role;
}

const PARTIES: { id: string; kind: PartyKind; name: string; shortName: string }[] = [
  { id: 'ua', kind: 'belligerent', name: 'Ukraine', shortName: 'UA' },
  { id: 'ru', kind: 'belligerent', name: 'Russian Federation', shortName: 'RU' },
  { id: 'convoy-ops', kind: 'humanitarian', name: 'Convoy operator (illustrative)', shortName: 'Convoy ops' },
  { id: 'poltava-aid', kind: 'humanitarian', name: 'Receiving operator at Poltava (illustrative)', shortName: 'Poltava aid' },
  { id: 'observers', kind: 'observer', name: 'Observer mission (illustrative)', shortName: 'Observers' },
];

const MEMBERS: DemoMember[] = [
  { key: 'mediator-liaison', partyId: 'mediator', name: 'Mediator duty officer', role: 'liaison' },
  { key: 'ua-admin', partyId: 'ua', name: 'Ukraine delegation secretariat', role: 'admin' },
  { key: 'ua-liaison', partyId: 'ua', name: 'Ukraine liaison officer', role: 'liaison' },
  { key: 'ru-admin', partyId: 'ru', name: 'Russian delegation secretariat', role: 'admin' },
  { key: 'ru-liaison', partyId: 'ru', name: 'Russian liaison officer', role: 'liaison' },
  { key: 'convoy-operator', partyId: 'convoy-ops', name: 'Convoy leader', role: 'operator' },
  { key: 'receiving-operator', partyId: 'poltava-aid', name: 'Warehouse manager, Poltava', role: 'operator' },
  { key: 'observer', partyId: 'observers', name: 'Observer', role: 'viewer' },
];

export interface DemoResult {
  notice: string;
  shiftedByMs: number;
  parties: { id: string; kind: string; name: string }[];
  members: { key: string; memberId: string; partyId: string; name: string; role: string; token: string }[];
  keyFiles: Record<string, { private: string; public: string; kid: string }>;
  agreementId: string;
  corridors: Record<string, string>;
  trackerDevices: string[];
  /** The server's log verifier key, to pin for `passage verify --log-key`. */
  logKey: string;
  /** What the demo's movement and incident parts add (ids for scripts). */
  extra: Record<string, unknown>;
}

/**
 * Round 2 of the talks, 3 March 2022: the political basis of the demo corridors. Like the rest
 * of the talks it keeps its date when the demo is shifted to now: corridors operating today may
 * cite an understanding reached in 2022, but the understanding was not reached today.
 */
function agreement(): AgreementInput {
  return {
    title: 'Understanding on humanitarian corridors with a temporary local ceasefire',
    date: '2022-03-03',
    venue: { name: 'Belovezhskaya Pushcha, Brest region, Belarus', coordinates: [23.84, 52.57] },
    round: '2nd round',
    parties: [
      { partyId: 'ua', headOfDelegation: 'Davyd Arakhamia' },
      { partyId: 'ru', headOfDelegation: 'Vladimir Medinsky' },
    ],
    text:
      'The sides reached an understanding on the joint guarantee of humanitarian access, the evacuation of civilians, ' +
      'and the delivery of medicine and food, with a temporary ceasefire at the place where humanitarian access is ' +
      'established and when evacuation work begins. (Illustrative paraphrase of public reports.)',
    commitments: [
      'Jointly guarantee humanitarian corridors for the evacuation of civilians',
      'Deliver medicine and food along agreed routes',
      'Observe a temporary ceasefire in the corridor while evacuation is under way',
    ],
    nextRound: { date: '2022-03-07', venue: 'Belarus', note: 'third round "in the near future"' },
    legalBasis: ['Geneva Convention IV, art. 17', 'Geneva Convention IV, art. 23', 'Additional Protocol I, art. 70'],
  };
}

type CorridorSpec = { key: string; proposer: string; terms: TermsInput; signers: string[]; then?: 'reject' | { suspend: { since: string; reason: string } } };

function corridors(agreementId: string, t: (iso: string) => string): CorridorSpec[] {
  const base = {
    checkpoints: [],
    capacity: {},
    hazards: [],
    contacts: [],
    agreementId,
    legalBasis: ['Geneva Convention IV, art. 17'],
    notes: DEMO_NOTICE,
  };
  return [
    {
      key: 'sumy-poltava',
      proposer: 'ua-liaison',
      signers: ['ua-liaison', 'ru-liaison'],
      terms: {
        ...base,
        title: 'Sumy → Poltava',
        route: { type: 'LineString', coordinates: [P.sumy, P.holubivka, P.lokhvytsia, P.lubny, P.poltava] },
        widthM: 3000,
        origin: { name: 'Sumy', coordinates: P.sumy },
        destination: { name: 'Poltava', coordinates: P.poltava },
        checkpoints: [
          { id: 'lokhvytsia', name: 'Lokhvytsia', coordinates: P.lokhvytsia },
          { id: 'lubny', name: 'Lubny', coordinates: P.lubny },
        ],
        direction: 'outbound',
        purposes: ['evacuation'],
        eligibility: ['civilians', 'foreign_nationals', 'wounded', 'children', 'aged'],
        windows: [{ start: t('2022-03-08T09:00:00+02:00'), end: t('2022-03-08T21:00:00+02:00'), timeZone: 'Europe/Kyiv' }],
        capacity: { people: 5000, vehicles: 80 },
        contacts: [
          { partyId: 'ua', channel: 'phone', value: '+380 00 000 0000 (illustrative)', name: 'UA liaison desk' },
          { partyId: 'ru', channel: 'phone', value: '+7 000 000 0000 (illustrative)', name: 'RU liaison desk' },
        ],
        requiredGuarantors: ['ua', 'ru'],
      },
    },
    {
      key: 'mariupol-zaporizhzhia',
      proposer: 'mediator-liaison',
      signers: ['ua-liaison', 'ru-liaison'],
      terms: {
        ...base,
        title: 'Mariupol → Zaporizhzhia',
        route: { type: 'LineString', coordinates: [P.mariupol, P.nikolske, P.rozivka, P.polohy, P.orikhiv, P.zaporizhzhia] },
        widthM: 4000,
        origin: { name: 'Mariupol', coordinates: P.mariupol },
        destination: { name: 'Zaporizhzhia', coordinates: P.zaporizhzhia },
        checkpoints: [
          { id: 'polohy', name: 'Polohy', coordinates: P.polohy },
          { id: 'orikhiv', name: 'Orikhiv', coordinates: P.orikhiv },
        ],
        direction: 'both',
        purposes: ['evacuation', 'medical', 'food'],
        eligibility: ['civilians', 'wounded', 'sick', 'children', 'maternity_cases', 'aged'],
        // The ceasefire was announced from 09:00 Moscow time (08:00 Kyiv); evacuation was to start at 11:00.
        windows: [{ start: t('2022-03-05T08:00:00+02:00'), end: t('2022-03-05T16:00:00+02:00'), timeZone: 'Europe/Kyiv' }],
        hazards: [{ kind: 'mines', description: 'Reported mines near a checkpoint on the route (illustrative)', coordinates: P.nikolske }],
        requiredGuarantors: ['ua', 'ru'],
      },
    },
    {
      key: 'kharkiv-belgorod',
      proposer: 'ru-liaison',
      signers: ['ru-liaison'],
      then: 'reject',
      terms: {
        ...base,
        title: 'Kharkiv → Belgorod',
        route: { type: 'LineString', coordinates: [P.kharkiv, P.belgorod] },
        widthM: 2000,
        origin: { name: 'Kharkiv', coordinates: P.kharkiv },
        destination: { name: 'Belgorod', coordinates: P.belgorod },
        direction: 'outbound',
        purposes: ['evacuation'],
        eligibility: ['civilians'],
        windows: [{ start: t('2022-03-07T10:00:00+03:00'), end: t('2022-03-07T18:00:00+03:00'), timeZone: 'Europe/Moscow' }],
        requiredGuarantors: ['ua', 'ru'],
      },
    },
    {
      key: 'irpin-kyiv',
      proposer: 'mediator-liaison',
      signers: ['ua-liaison'],
      terms: {
        ...base,
        title: 'Irpin → Kyiv',
        route: { type: 'LineString', coordinates: [P.irpin, P.kyiv] },
        widthM: 1500,
        origin: { name: 'Irpin', coordinates: P.irpin },
        destination: { name: 'Kyiv', coordinates: P.kyiv },
        direction: 'outbound',
        purposes: ['evacuation', 'medical'],
        eligibility: ['civilians', 'wounded', 'persons_with_disabilities'],
        windows: [{ start: t('2022-03-09T09:00:00+02:00'), end: t('2022-03-09T18:00:00+02:00'), timeZone: 'Europe/Kyiv', rrule: 'FREQ=DAILY;COUNT=3' }],
        requiredGuarantors: ['ua', 'ru'],
      },
    },
  ];
}


/** How long after the Sumy → Poltava window opens `loadDemo`'s `now` falls. */
export const DEMO_NOW_AFTER_SUMY_OPENS_MS = 8 * 3_600_000;

/**
 * Loads the demo into an initialised store. `now` (epoch ms) shifts the scenario's times (the
 * corridors' windows, the convoy, the incident, the suspension) so that the Sumy → Poltava
 * window is open at that instant: eight hours after its start, four before its
 * end. By then the demo convoy (planned to leave an hour after the window opens, six hours on
 * the road, counted and received) could have arrived, so `passage simulate` replays its day as
 * planned without dating anything in the future. The talks of February and March 2022 (rounds,
 * positions, statements, their sources, the protocol and the agreement) keep their real dates
 * either way: they are a historical record, and the public page would otherwise say they took
 * place this week. Without `now` the whole story keeps its real 2022 dates. Private keys are
 * written under `keysDir` (mode 0600).
 */
export async function loadDemo(deps: Deps, opts: { keysDir: string; now?: number }): Promise<DemoResult> {
  if ((await getSetting(deps, 'demo_loaded')) !== undefined) throw new Error('the demo is already loaded in this database');
  const mediatorId = (await getSetting(deps, 'mediator_party')) ?? 'mediator';
  const sumyStart = Date.parse('2022-03-08T07:00:00Z');
  // Whole minutes, so shifted times stay readable.
  const shift = opts.now === undefined ? 0 : Math.floor((opts.now - (sumyStart + DEMO_NOW_AFTER_SUMY_OPENS_MS)) / 60_000) * 60_000;
  const t = (iso: string): string => formatUtc((parseRfc3339(iso) ?? Number.NaN) + shift);

  const system: Actor = { memberId: 'system', partyId: mediatorId, partyKind: 'mediator', role: 'admin' };
  for (const p of PARTIES) await inTransaction(deps, (u) => createParty(u, system, p));
  const actors = new Map<string, Actor>();
  const result: DemoResult = { notice: DEMO_NOTICE, shiftedByMs: shift, parties: [], members: [], keyFiles: {}, agreementId: '', corridors: {}, trackerDevices: ['demo-bus-01', 'demo-bus-02', 'demo-bus-03'], logKey: await serverVerifierKey(deps.store.db), extra: {} };
  for (const m of MEMBERS) {
    const kind = m.partyId === mediatorId || m.partyId === 'mediator' ? 'mediator' : (PARTIES.find((p) => p.id === m.partyId)?.kind ?? 'observer');
    const partyId = m.partyId === 'mediator' ? mediatorId : m.partyId;
    const member = await inTransaction(deps, (u) => createMember(u, null, partyId, { name: m.name, role: m.role }));
    const token = await inTransaction(deps, (u) => issueToken(u, null, member.id, 'demo'));
    actors.set(m.key, { memberId: member.id, partyId, partyKind: kind, role: m.role });
    result.members.push({ key: m.key, memberId: member.id, partyId, name: m.name, role: m.role, token: token.token });
  }
  // Each negotiating party makes its own key pair; only the public half reaches the server.
  ensureDirectory(opts.keysDir, 0o700);
  const privateKeys = new Map<string, { key: CryptoKey; kid: string }>();
  for (const partyKey of KEYED_PARTIES) {
    const partyId = partyKey === 'mediator' ? mediatorId : partyKey;
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const pub = await exportJWK(publicKey);
    const priv = await exportJWK(privateKey);
    const registrar = actors.get(partyKey === 'mediator' ? 'mediator-liaison' : `${partyKey}-admin`);
    if (!registrar) throw new Error(`no registrar for ${partyKey}`);
    const view = await inTransaction(deps, (u) => registerKey(u, registrar, partyId, { kty: 'OKP', crv: 'Ed25519', x: pub.x ?? '' }));
    const privPath = resolve(join(opts.keysDir, `${partyId}.private.jwk`));
    const pubPath = resolve(join(opts.keysDir, `${partyId}.public.jwk`));
    writeFileSync(privPath, `${JSON.stringify({ ...priv, kid: view.kid, alg: 'EdDSA' }, null, 2)}\n`, { mode: 0o600 });
    chmodSync(privPath, 0o600);
    writeFileSync(pubPath, `${JSON.stringify(view.jwk, null, 2)}\n`);
    privateKeys.set(partyId, { key: privateKey, kid: view.kid });
    result.keyFiles[partyId] = { private: privPath, public: pubPath, kid: view.kid };
  }
  const mediatorLiaison = actors.get('mediator-liaison');
  if (!mediatorLiaison) throw new Error('no mediator liaison');
  const agr = await inTransaction(deps, (u) => createAgreement(u, mediatorLiaison, agreement()));
  result.agreementId = agr.id;

  for (const spec of corridors(agr.id, t)) {
    const proposer = actors.get(spec.proposer);
    if (!proposer) throw new Error(`unknown demo member ${spec.proposer}`);
    const c = await inTransaction(deps, (u) => proposeCorridor(u, proposer, spec.terms));
    result.corridors[spec.key] = c.id;
    for (const signerKey of spec.signers) {
      const signer = actors.get(signerKey);
      const key = signer ? privateKeys.get(signer.partyId) : undefined;
      if (!signer || !key) throw new Error(`no key for ${signerKey}`);
      const { text } = await getTermsText(deps.store.db, c.id);
      const jws = await new CompactSign(new TextEncoder().encode(text)).setProtectedHeader({ alg: 'EdDSA', kid: key.kid }).sign(key.key);
      await inTransaction(deps, (u) => submitGuarantee(u, signer, c.id, jws));
    }
    if (spec.then === 'reject') {
      const ua = actors.get('ua-liaison');
      if (ua) await inTransaction(deps, (u) => transitionCorridor(u, ua, c.id, 'reject', { reason: 'The route leads only into the Russian Federation; evacuees must be free to go to Ukrainian-held territory.' }));
    } else if (spec.then) {
      const { since, reason } = spec.then.suspend;
      await inTransaction(deps, (u) => suspendCorridor(u, mediatorLiaison, c.id, { since, reason }));
    }
  }
  // The talks are a record, not part of the scenario: their dates never move.
  await loadLedgerDemo(deps, { actors, agreementId: agr.id, keys: privateKeys });
  const ctx: DemoContext = { actors, corridors: result.corridors, t, trackerDevices: result.trackerDevices, extra: result.extra };
  await loadMovementDemo(deps, ctx);
  await loadIncidentDemo(deps, ctx);
  result.parties = [{ id: mediatorId, kind: 'mediator', name: 'Neutral mediator' }, ...PARTIES.map((p) => ({ id: p.id, kind: p.kind, name: p.name }))];
  await deps.store.db.insertInto('settings').values({ key: 'demo_loaded', value: new Date(deps.now()).toISOString() }).execute();
  return result;
}
