import { CompactSign, type CryptoKey } from 'jose';
import { inTransaction, type Deps } from '../app/deps.js';
import { createAgendaItem, createPosition, createProtocol, createRound, createStatement, getProtocolText, reviseStatement, signProtocol } from '../app/ledger.js';
import type { Actor } from '../domain/authorization.js';
import type { PositionInput, RoundInput, StatementInput } from '../schemas/ledger.js';

export interface LedgerDemoContext {
  /** Demo members by key, e.g. `ua-liaison`, `ru-liaison`, `mediator-liaison`. */
  readonly actors: ReadonlyMap<string, Actor>;
  /** The 3 March 2022 agreement the demo corridors cite. */
  readonly agreementId: string;
  /** Each negotiating party's private signing key and its kid, by party id. */
  readonly keys: ReadonlyMap<string, { key: CryptoKey; kid: string }>;
}

/**
 * The report in shared/seed/ is an English machine translation of a Chinese news report. It
 * garbles names and offices ("Uzbek Presidential Office" for the Office of the President of
 * Ukraine, "Podoljak" for Mykhailo Podolyak, "Mekinsky" for Vladimir Medinsky): the demo enters
 * those statements as the source printed them and then corrects them, so the ledger shows both.
 */
const SEED_SOURCE = 'Chinese-language news report by Astrid Zhang Lehan (English machine translation)';

const AGENDA = [
  { id: 'ceasefire', title: 'Ceasefire and withdrawal of troops', description: 'A general ceasefire; Ukraine’s demand that Russian troops withdraw.' },
  { id: 'humanitarian-corridors', title: 'Humanitarian corridors', description: 'Evacuation of civilians; delivery of medicine and food; joint guarantee of humanitarian access.' },
  { id: 'local-ceasefire', title: 'Temporary ceasefire along the corridors', description: 'A ceasefire at the place where humanitarian access is established, while evacuation is under way.' },
  { id: 'neutrality', title: 'Neutrality of Ukraine', description: 'Russia’s demand that Ukraine adopt a neutral status (no NATO membership).' },
  { id: 'demilitarization', title: '“Demilitarization”', description: 'Russia’s demand, in its own word (quoted, not adopted).' },
  { id: 'territorial-integrity', title: 'Territorial integrity of Ukraine', description: 'Sovereignty and territorial integrity within internationally recognised borders.' },
  { id: 'political-settlement', title: 'Future political settlement', description: 'The settlement of the conflict itself, as the Russian delegation’s head named it.' },
] as const;

type Delegations = RoundInput['delegations'];

const UA_DELEGATION: Delegations[number] = {
  partyId: 'ua',
  head: { name: 'Davyd Arakhamia', title: 'head of the Servant of the People parliamentary faction' },
  members: [
    { name: 'Oleksii Reznikov', title: 'Minister of Defence of Ukraine' },
    { name: 'Mykhailo Podolyak', title: 'adviser to the Head of the Office of the President of Ukraine' },
    { name: 'Rustem Umerov', title: 'member of the Verkhovna Rada' },
  ],
};

const RU_DELEGATION: Delegations[number] = {
  partyId: 'ru',
  head: { name: 'Vladimir Medinsky', title: 'aide to the President of the Russian Federation' },
  members: [
    { name: 'Leonid Slutsky', title: 'chairman of the State Duma Committee on International Affairs' },
    { name: 'Alexander Fomin', title: 'Deputy Minister of Defence of the Russian Federation' },
    { name: 'Andrey Rudenko', title: 'Deputy Minister of Foreign Affairs of the Russian Federation' },
  ],
};

const BELOVEZHSKAYA: RoundInput['venue'] = { name: 'Belovezhskaya Pushcha, Brest region, Belarus', coordinates: [23.84, 52.57] };

function rounds(): RoundInput[] {
  const base = { host: 'Republic of Belarus (host)', delegations: [UA_DELEGATION, RU_DELEGATION], visibility: 'public' as const };
  return [
    {
      ...base,
      number: 1,
      title: 'First round',
      startDate: '2022-02-28',
      venue: { name: 'Gomel region, Belarus, near the border with Ukraine', coordinates: [30.0, 51.6] },
      agenda: [
        { itemId: 'ceasefire', outcome: 'not_agreed', note: 'Ukraine sought an immediate ceasefire and withdrawal of troops.' },
        { itemId: 'neutrality', outcome: 'not_agreed', note: '' },
        { itemId: 'demilitarization', outcome: 'not_agreed', note: '' },
        { itemId: 'territorial-integrity', outcome: 'not_agreed', note: '' },
      ],
      summary: 'No substantial progress owing to large differences; both sides agreed to meet again.',
      nextRound: { note: 'agreed to meet again; date and venue to be set' },
    },
    {
      ...base,
      number: 2,
      title: 'Second round',
      startDate: '2022-03-03',
      venue: BELOVEZHSKAYA,
      agenda: [
        { itemId: 'humanitarian-corridors', outcome: 'agreed', note: 'Joint guarantee of humanitarian access, evacuation of civilians, delivery of medicine and food.' },
        { itemId: 'local-ceasefire', outcome: 'agreed', note: 'A possible temporary ceasefire where humanitarian access is established, while evacuation is under way.' },
        { itemId: 'ceasefire', outcome: 'not_agreed', note: 'Military issues discussed without agreement.' },
        { itemId: 'political-settlement', outcome: 'deferred', note: 'Discussed; no consensus on resolving the conflict itself.' },
        { itemId: 'neutrality', outcome: 'not_agreed', note: '' },
        { itemId: 'demilitarization', outcome: 'not_agreed', note: '' },
        { itemId: 'territorial-integrity', outcome: 'not_agreed', note: '' },
      ],
      summary: 'About three hours of talks. Understanding reached on humanitarian corridors with a temporary local ceasefire; the conflict itself unresolved; a third round "as soon as possible".',
      nextRound: { note: 'in the near future (“in the next few days”, Slutsky)' },
    },
    {
      ...base,
      number: 3,
      title: 'Third round',
      startDate: '2022-03-07',
      venue: BELOVEZHSKAYA,
      agenda: [
        { itemId: 'humanitarian-corridors', outcome: 'agreed', note: 'Logistics of the corridors discussed (illustrative).' },
        { itemId: 'ceasefire', outcome: 'not_agreed', note: '' },
        { itemId: 'neutrality', outcome: 'not_agreed', note: '' },
        { itemId: 'demilitarization', outcome: 'not_agreed', note: '' },
        { itemId: 'territorial-integrity', outcome: 'not_agreed', note: '' },
        { itemId: 'political-settlement', outcome: 'deferred', note: '' },
      ],
      summary: 'Illustrative: corridors discussed further; the political issues remained open.',
      nextRound: null,
    },
  ];
}

/**
 * Loads the ledger part of the demo (issue 8): rounds, positions, protocol, statements. Their
 * dates are those of the talks and of the reports quoted, even when the rest of the demo is
 * shifted to now: a record of what was said when does not move.
 */
export async function loadLedgerDemo(deps: Deps, ctx: LedgerDemoContext): Promise<void> {
  const actor = (key: string): Actor => {
    const a = ctx.actors.get(key);
    if (!a) throw new Error(`no demo member ${key}`);
    return a;
  };
  const mediator = actor('mediator-liaison');
  const run = <T>(fn: Parameters<typeof inTransaction<T>>[1]): Promise<T> => inTransaction(deps, fn);

  for (const item of AGENDA) await run((u) => createAgendaItem(u, mediator, { ...item, visibility: 'public' }));
  const roundIds: string[] = [];
  for (const r of rounds()) roundIds.push((await run((u) => createRound(u, mediator, r))).id);
  const [r1 = '', r2 = '', r3 = ''] = roundIds;

  // Positions over time: Russia's demands on neutrality and "demilitarization" at every round,
  // Ukraine's red line on territorial integrity, and the humanitarian offers of round 2.
  const src = (outlet: string, date: string, url?: string): PositionInput['source'] => ({ outlet, date, ...(url ? { url } : {}) });
  const positions: [string, PositionInput][] = [
    ['ua-liaison', { itemId: 'ceasefire', partyId: 'ua', roundId: r1, statedOn: '2022-02-28', kind: 'demand', text: 'An immediate ceasefire and the withdrawal of Russian troops from the territory of Ukraine.', source: src('Office of the President of Ukraine, public statements (illustrative)', '2022-02-28'), visibility: 'public' }],
    ['ua-liaison', { itemId: 'territorial-integrity', partyId: 'ua', roundId: r1, statedOn: '2022-02-28', kind: 'red_line', text: 'No concession on sovereignty and territorial integrity.', source: src('public reports (illustrative)', '2022-02-28'), visibility: 'public' }],
    ['ru-liaison', { itemId: 'neutrality', partyId: 'ru', roundId: r1, statedOn: '2022-02-28', kind: 'demand', text: 'Ukraine to adopt a neutral status.', source: src('public reports (illustrative)', '2022-02-28'), visibility: 'public' }],
    ['ru-liaison', { itemId: 'demilitarization', partyId: 'ru', roundId: r1, statedOn: '2022-02-28', kind: 'demand', text: '“Demilitarization” of Ukraine.', source: src('public reports (illustrative)', '2022-02-28'), visibility: 'public' }],
    ['ru-liaison', { itemId: 'neutrality', partyId: 'ru', roundId: r2, statedOn: '2022-03-03', kind: 'demand', text: 'Ukraine’s neutrality should be discussed first, so that no threats against Russia appear in Ukraine (Putin to Macron, Kremlin readout).', source: src('Kremlin website, readout of the Putin–Macron telephone call', '2022-03-03'), visibility: 'public' }],
    ['ru-liaison', { itemId: 'demilitarization', partyId: 'ru', roundId: r2, statedOn: '2022-03-03', kind: 'demand', text: 'The “demilitarization” of Ukraine should be discussed first; delaying the talks will only add demands (Kremlin readout).', source: src('Kremlin website, readout of the Putin–Macron telephone call', '2022-03-03'), visibility: 'public' }],
    ['ua-liaison', { itemId: 'territorial-integrity', partyId: 'ua', roundId: r2, statedOn: '2022-03-03', kind: 'red_line', text: 'Ukraine will negotiate a ceasefire and humanitarian corridors but will not compromise on territorial integrity (Kuleba).', source: src(SEED_SOURCE, '2022-03-04'), visibility: 'public' }],
    ['ua-liaison', { itemId: 'humanitarian-corridors', partyId: 'ua', roundId: r2, statedOn: '2022-03-03', kind: 'offer', text: 'Joint guarantee of humanitarian corridors for civilians, medicine and food.', source: src(SEED_SOURCE, '2022-03-04'), visibility: 'public' }],
    ['ru-liaison', { itemId: 'humanitarian-corridors', partyId: 'ru', roundId: r2, statedOn: '2022-03-03', kind: 'offer', text: 'Humanitarian access with a possible temporary ceasefire along it (Medinsky).', source: src(SEED_SOURCE, '2022-03-04'), visibility: 'public' }],
    ['ru-liaison', { itemId: 'neutrality', partyId: 'ru', roundId: r3, statedOn: '2022-03-07', kind: 'conditional', condition: 'Ukraine amends its constitution to enshrine neutrality, and recognises Crimea as Russian and the “DPR” and “LPR” as independent.', text: 'Military action would stop “in a moment” on Russia’s conditions (Peskov).', source: src('Reuters', '2022-03-07'), visibility: 'public' }],
    ['ru-liaison', { itemId: 'demilitarization', partyId: 'ru', roundId: r3, statedOn: '2022-03-07', kind: 'demand', text: 'Ukraine to cease military action (Peskov).', source: src('Reuters', '2022-03-07'), visibility: 'public' }],
    ['ua-liaison', { itemId: 'territorial-integrity', partyId: 'ua', roundId: r3, statedOn: '2022-03-07', kind: 'red_line', text: 'Territorial integrity is not negotiable (illustrative restatement).', source: src('public reports (illustrative)', '2022-03-07'), visibility: 'public' }],
    ['ua-liaison', { itemId: 'humanitarian-corridors', partyId: 'ua', roundId: r3, statedOn: '2022-03-07', kind: 'conditional', condition: 'Corridors lead to Ukrainian-held territory.', text: 'Corridors that lead only into Russia or Belarus are refused (illustrative; shared with the parties).', source: src('public reports (illustrative)', '2022-03-07'), visibility: 'parties' }],
    ['mediator-liaison', { itemId: 'local-ceasefire', partyId: 'ru', roundId: r3, statedOn: '2022-03-07', kind: 'conditional', condition: 'Routes and windows are agreed in detail beforehand.', text: 'Mediator’s note of a side conversation (illustrative; mediator only).', source: src('mediator’s notes (illustrative)', '2022-03-07'), visibility: 'mediator' }],
  ];
  for (const [who, p] of positions) await run((u) => createPosition(u, actor(who), p));

  // Statements after round 2, as the seed reports them; the garbled ones are corrected in a second version.
  const seed = { outlet: SEED_SOURCE, date: '2022-03-04' };
  const tags = (itemIds: string[]): StatementInput['tags'] => ({ roundIds: [r2], itemIds });
  const mt = (text: string, reviewed: boolean, note?: string): StatementInput['translations'][number] => ({ lang: 'en', text, method: 'machine', reviewed, ...(note ? { note } : {}) });
  const podolyak1: StatementInput = {
    speaker: { name: 'Podoljak', office: 'adviser to the Uzbek Presidential Office' },
    saidOn: '2022-03-03',
    place: 'Belovezhskaya Pushcha, after the talks',
    source: { ...seed, excerpt: 'According to Podoljak, adviser to the Uzbek Presidential Office, the two sides reached a consensus on the joint guarantee of humanitarian access…' },
    original: { lang: 'uk', text: null },
    translations: [mt('The two sides reached a consensus on the joint guarantee of humanitarian access, the evacuation of civilians, and the delivery of medicine and food, and agreed to a possible ceasefire at the place where humanitarian access is established and when evacuation work begins.', false)],
    tags: tags(['humanitarian-corridors', 'local-ceasefire']),
    visibility: 'public',
  };
  const statements: { first: StatementInput; fix?: { statement: StatementInput; reason: string } }[] = [
    {
      first: podolyak1,
      fix: {
        reason: 'The machine translation garbled the speaker: Mykhailo Podolyak, adviser to the Head of the Office of the President of Ukraine (not "Podoljak", "Uzbek Presidential Office").',
        statement: { ...podolyak1, speaker: { name: 'Mykhailo Podolyak', office: 'adviser to the Head of the Office of the President of Ukraine', partyId: 'ua' }, translations: [mt(podolyak1.translations[0]?.text ?? '', true, 'English machine translation of a Chinese report; checked against the report, not against the words spoken.')] },
      },
    },
    {
      first: {
        speaker: { name: 'Mykhailo Podolyak', office: 'adviser to the Head of the Office of the President of Ukraine', partyId: 'ua' },
        saidOn: '2022-03-03',
        source: seed,
        original: { lang: 'uk', text: null },
        translations: [mt('Unfortunately, we have not achieved the results we expected. The only thing that can be mentioned is that the two sides have had more detailed discussions on the humanitarian field. In addition, the two sides will hold a third round of negotiations in the near future.', true)],
        tags: tags(['humanitarian-corridors']),
        visibility: 'public',
      },
    },
    {
      first: {
        speaker: { name: 'Mekinsky', office: 'head of the Russian delegation, presidential assistant' },
        saidOn: '2022-03-03',
        source: { ...seed, excerpt: 'the head of the Russian delegation and presidential assistant Mekinsky made a more positive statement' },
        original: { lang: 'ru', text: null },
        translations: [mt('Russia and Ukraine discussed three issues in detail: military issues, international humanitarian issues and the future political settlement of the conflict. The sides reached agreement on humanitarian access and a possible temporary ceasefire — substantial progress.', false)],
        tags: tags(['humanitarian-corridors', 'local-ceasefire', 'political-settlement']),
        visibility: 'public',
      },
      fix: {
        reason: 'The machine translation garbled the name: Vladimir Medinsky, aide to the President of the Russian Federation (not "Mekinsky").',
        statement: {
          speaker: { name: 'Vladimir Medinsky', office: 'aide to the President of the Russian Federation; head of the Russian delegation', partyId: 'ru' },
          saidOn: '2022-03-03',
          source: { ...seed, excerpt: 'the head of the Russian delegation and presidential assistant Mekinsky made a more positive statement' },
          original: { lang: 'ru', text: null },
          translations: [mt('Russia and Ukraine discussed three issues in detail: military issues, international humanitarian issues and the future political settlement of the conflict. The sides reached agreement on humanitarian access and a possible temporary ceasefire — substantial progress.', true)],
          tags: tags(['humanitarian-corridors', 'local-ceasefire', 'political-settlement']),
          visibility: 'public',
        },
      },
    },
    {
      first: {
        speaker: { name: 'Leonid Slutsky', office: 'chairman of the State Duma Committee on International Affairs; member of the Russian delegation', partyId: 'ru' },
        saidOn: '2022-03-03',
        source: seed,
        original: { lang: 'ru', text: null },
        translations: [mt('The third round of negotiations with Ukraine will be held in the next few days; several more rounds may be needed.', true)],
        tags: tags([]),
        visibility: 'public',
      },
    },
    {
      first: {
        speaker: { name: 'Dmitry Peskov', office: 'Press Secretary of the President of the Russian Federation', partyId: 'ru' },
        saidOn: '2022-03-03',
        source: seed,
        original: { lang: 'ru', text: null },
        translations: [mt('It is very important that the two sides reached an understanding on humanitarian issues in the current severe situation.', true)],
        tags: tags(['humanitarian-corridors']),
        visibility: 'public',
      },
    },
    {
      first: {
        speaker: { name: 'Dmytro Kuleba', office: 'Minister of Foreign Affairs of Ukraine', partyId: 'ua' },
        saidOn: '2022-03-03',
        source: seed,
        original: { lang: 'uk', text: null },
        translations: [mt('Ukraine will negotiate for a ceasefire and the establishment of humanitarian channels, but will not compromise on the issue of territorial integrity.', true)],
        tags: tags(['ceasefire', 'humanitarian-corridors', 'territorial-integrity']),
        visibility: 'public',
      },
    },
  ];
  for (const s of statements) {
    const made = await run((u) => createStatement(u, mediator, s.first));
    const fix = s.fix;
    if (fix) await run((u) => reviseStatement(u, mediator, made.id, { baseVersion: made.version, reason: fix.reason, statement: fix.statement }));
  }

  // The agreed text of round 2, signed by both delegations with their own keys, linked to the
  // agreement the demo corridors cite.
  const protocol = await run((u) =>
    createProtocol(u, mediator, r2, {
      title: 'Protocol of the second round: humanitarian corridors',
      points: [
        { itemId: 'humanitarian-corridors', text: 'The sides jointly guarantee humanitarian access: the evacuation of civilians and the delivery of medicine and food along agreed corridors.' },
        { itemId: 'local-ceasefire', text: 'A temporary ceasefire is observed at the place where humanitarian access is established, while evacuation is under way.' },
      ],
      text: 'Illustrative paraphrase of public reports of the round of 3 March 2022; not the text of any signed document.',
      agreementId: ctx.agreementId,
      visibility: 'public',
    }),
  );
  for (const signerKey of ['ua-liaison', 'ru-liaison']) {
    const signer = actor(signerKey);
    const key = ctx.keys.get(signer.partyId);
    if (!key) throw new Error(`no demo key for ${signer.partyId}`);
    const { text } = await getProtocolText(deps.store.db, signer, protocol.id);
    const jws = await new CompactSign(new TextEncoder().encode(text)).setProtectedHeader({ alg: 'EdDSA', kid: key.kid }).sign(key.key);
    await run((u) => signProtocol(u, signer, protocol.id, jws));
  }
}
