import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KyselyPlugin } from 'kysely';
import { capAlerts, corridorsCsv, corridorsGeoJson, corridorsIcs, corridorsKml } from '../../src/app/feeds.js';
import { incidentKindsBySuspension, publicPicture } from '../../src/app/public.js';
import { tickWindows } from '../../src/app/scheduler.js';
import { api, guaranteedCorridor, ENGINES, json, makeWorld, signBytes, type World } from '../helpers.js';
import { parseIcs, validateCap, XMLLINT, XSD } from './feed-readers.js';

function shelling(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { kind: 'shelling', severity: 'severe', geometry: { type: 'Point', coordinates: [33.265, 50.36] }, occurredAt: '2022-03-08T10:00:00Z', description: 'Shelling near the Lokhvytsia checkpoint', ...overrides };
}

const icsTime = (v: string): string => v.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z');

/** Both belligerents guarantee the corridor's current terms (after an amendment, say). */
async function signAll(w: World, id: string): Promise<void> {
  const bytes = (await api(w.app, w.ua.viewer.token).get(`/corridors/${id}/terms`)).rawPayload;
  for (const p of [w.ua, w.ru]) {
    const res = await api(w.app, p.liaison.token).post(`/corridors/${id}/guarantees`, { jws: await signBytes(bytes, p) });
    expect(res.statusCode, res.body).toBe(201);
  }
}

async function get(w: World, url: string) {
  return w.app.inject({ method: 'GET', url });
}

/** The CAP alerts the Atom index links, oldest first. */
async function capDocuments(w: World): Promise<string[]> {
  const atom = (await get(w, '/public/cap.atom')).body;
  const hrefs = [...atom.matchAll(/href="http:\/\/localhost(\/public\/cap\/\d+\.xml)"/g)].map((m) => m[1]!).reverse();
  const docs: string[] = [];
  for (const href of hrefs) docs.push((await get(w, href)).body);
  return docs;
}

/** One language's <info> block of a CAP alert. */
const capInfo = (doc: string, lang: string): string => doc.split('<info>').find((b) => b.includes(`<language>${lang}</language>`)) ?? '';

/** Its <instruction> and <description>, the words a reader acts on. */
const capText = (doc: string, lang: string): { instruction: string; description: string } => {
  const info = capInfo(doc, lang);
  return { instruction: /<instruction>(.*)<\/instruction>/.exec(info)?.[1] ?? '', description: /<description>(.*)<\/description>/.exec(info)?.[1] ?? '' };
};

const WINDOW_ENDED = {
  'en-US': 'The window has ended; the ceasefire along the route no longer holds.',
  'uk-UA': 'Час роботи коридору завершився; режим тиші на маршруті більше не діє.',
  'ru-RU': 'Время работы коридора истекло; режим тишины на маршруте больше не действует.',
} as const;

/** What a Cancel says when the corridor closed before its window ended. */
const CLOSED_EARLY = {
  'en-US': 'The ceasefire along the route no longer holds, although the window had not ended. Do not set out. Those already on the route: seek shelter and follow official instructions.',
  'uk-UA': 'Режим тиші на маршруті більше не діє, хоча час роботи коридору ще не сплив. Не вирушайте в дорогу. Ті, хто вже в дорозі: шукайте укриття та виконуйте офіційні вказівки.',
  'ru-RU': 'Режим тишины на маршруте больше не действует, хотя время работы коридора ещё не истекло. Не выезжайте. Тем, кто уже в пути: ищите укрытие и следуйте официальным указаниям.',
} as const;

describe('the CAP 1.2 schema check', () => {
  it('validates against the schema in the repository, and refuses what CAP 1.2 does not allow', () => {
    expect(existsSync(XMLLINT), 'xmllint (Debian libxml2-utils) is needed to validate CAP').toBe(true);
    expect(existsSync(XSD), XSD).toBe(true);
    const alert = (fields: { sent?: string; msgType?: string; extra?: string } = {}): string =>
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">',
        '  <identifier>corridor-alert-1</identifier>',
        '  <sender>passage@passage.local</sender>',
        `  <sent>${fields.sent ?? '2022-03-08T09:00:01+02:00'}</sent>`,
        '  <status>Actual</status>',
        `  <msgType>${fields.msgType ?? 'Alert'}</msgType>`,
        '  <scope>Public</scope>',
        ...(fields.extra ? [fields.extra] : []),
        '</alert>',
        '',
      ].join('\n');
    expect(validateCap(alert())).toBe('');
    // A time in UTC with Z (CAP wants an offset), a message type CAP does not have, an unknown element.
    expect(validateCap(alert({ sent: '2022-03-08T07:00:01Z' }))).toMatch(/\}sent': \[facet 'pattern'\] The value '2022-03-08T07:00:01Z' is not accepted/);
    expect(validateCap(alert({ msgType: 'Closed' }))).toMatch(/\}msgType': \[facet 'enumeration'\] The value 'Closed' is not an element of the set/);
    expect(validateCap(alert({ extra: '  <corridor>cor_1</corridor>' }))).toMatch(/\}corridor': This element is not expected/);
  });
});

/** Runs the scheduler from 08:00 Kyiv (it starts its watermark there) to just past 09:00, when the corridors' windows open; how many it announced open. */
async function openAtNine(w: World): Promise<number> {
  w.clock.set('2022-03-08T06:00:00Z');
  await tickWindows(w.deps);
  w.clock.set('2022-03-08T07:00:01Z');
  return tickWindows(w.deps);
}

for (const { engine, available } of ENGINES) {
  describe.skipIf(!available)(`${engine}: public feeds`, () => {
    it('publishes CAP 1.2 alerts for opened, suspended, resumed and closed, each valid against the OASIS schema, in three languages, chained by references', async () => {
      expect(existsSync(XMLLINT), 'xmllint (Debian libxml2-utils) is needed to validate CAP').toBe(true);
      const w = await makeWorld(engine);
      try {
        const id = await guaranteedCorridor(w);
        expect(await openAtNine(w)).toBe(1); // opened at 09:00 Kyiv
        w.clock.set('2022-03-08T10:05:00Z');
        const inc = json(await api(w.app, w.aid.operator.token).post('/incidents', shelling()));
        expect((await api(w.app, w.mediator.liaison.token).post(`/incidents/${inc.id}/confirm`, { reason: 'seen' })).statusCode).toBe(200);
        // The public reads why in its own language; the report's own words and ids stay with members.
        const feature = json(await get(w, '/public/corridors.geojson')).features.find((f: any) => f.id === `${id}/route`);
        expect(feature.properties.suspensionReason).toBe('a confirmed incident (shelling) in its ceasefire zone');
        for (const feed of ['/public/corridors.kml', '/public/corridors.csv']) expect((await get(w, feed)).body, feed).not.toContain(inc.id);
        for (const [lang, words] of [['uk', 'підтверджений інцидент (обстріл) у зоні припинення вогню'], ['ru', 'подтверждённый инцидент (обстрел) в зоне прекращения огня'], ['en', 'a confirmed incident (shelling) in its ceasefire zone']] as const) {
          const page = (await get(w, `/public?lang=${lang}`)).body;
          expect(page).toContain(words);
          expect(page).not.toContain('Shelling near the Lokhvytsia checkpoint');
          expect(page).not.toContain(inc.id);
        }
        w.clock.set('2022-03-08T12:00:00Z');
        expect((await api(w.app, w.mediator.liaison.token).post(`/corridors/${id}/resume`, { reason: 'calm restored' })).statusCode).toBe(200);
        w.clock.set('2022-03-08T19:30:00Z');
        expect(await tickWindows(w.deps)).toBe(1); // closed at 21:00 Kyiv
        expect(await tickWindows(w.deps)).toBe(0);

        const atom = await get(w, '/public/cap.atom');
        expect(atom.statusCode).toBe(200);
        expect(atom.headers['content-type']).toMatch(/application\/atom\+xml/);
        const hrefs = [...atom.body.matchAll(/href="http:\/\/localhost(\/public\/cap\/\d+\.xml)"/g)].map((m) => m[1]!);
        expect(hrefs).toHaveLength(4);
        const docs: string[] = [];
        for (const href of [...hrefs].reverse()) {
          const res = await get(w, href);
          expect(res.statusCode).toBe(200);
          expect(res.headers['content-type']).toMatch(/application\/cap\+xml/);
          expect(validateCap(res.body), res.body.slice(0, 400)).toBe('');
          docs.push(res.body);
        }
        const [opened, suspended, resumed, closed] = docs as [string, string, string, string];
        expect(opened).toMatch(/<msgType>Alert<\/msgType>/);
        expect(opened).not.toMatch(/<references>/);
        expect(opened).toMatch(/<sent>2022-03-08T09:00:01\+02:00<\/sent>/);
        expect(suspended).toMatch(/<msgType>Update<\/msgType>/);
        const openedId = /<identifier>(.*)<\/identifier>/.exec(opened)![1]!;
        const sender = /<sender>(.*)<\/sender>/.exec(opened)![1]!;
        expect(suspended).toContain(`<references>${sender},${openedId},2022-03-08T09:00:01+02:00</references>`);
        // Why, without the report's own words or the incident's internal id.
        expect(suspended).toContain('a confirmed incident (shelling) in its ceasefire zone');
        expect(suspended).not.toContain(inc.id);
        expect(suspended).not.toContain('Shelling near the Lokhvytsia checkpoint');
        expect(resumed).toMatch(/<msgType>Update<\/msgType>/);
        expect(closed).toMatch(/<msgType>Cancel<\/msgType>/);
        expect((/<references>(.*)<\/references>/.exec(closed)![1]!).split(' ')).toHaveLength(3);
        for (const d of docs) {
          expect([...d.matchAll(/<language>(.*)<\/language>/g)].map((m) => m[1])).toEqual(['uk-UA', 'ru-RU', 'en-US']);
          expect(d).not.toMatch(/\d{2}:\d{2}:\d{2}(\.\d+)?Z</);
          expect(d).toMatch(/<areaDesc>Ceasefire zone of the corridor Sumy → Poltava, 2 km wide<\/areaDesc>/);
          expect(d).toMatch(/<areaDesc>Зона режиму тиші коридору Sumy → Poltava/);
          const poly = /<polygon>(.*)<\/polygon>/.exec(d)![1]!.split(' ');
          expect(poly.length).toBeGreaterThanOrEqual(4);
          expect(poly[0]).toBe(poly[poly.length - 1]);
          const [lat, lon] = poly[0]!.split(',').map(Number);
          expect(lat).toBeGreaterThan(49);
          expect(lat).toBeLessThan(51.1);
          expect(lon).toBeGreaterThan(32);
          expect(lon).toBeLessThan(35);
        }
        expect(suspended).toMatch(/<event>Дію гуманітарного коридору призупинено<\/event>/);
        // Each language block gives the reason in its language (the uk and ru ones gave it in English).
        const infoOf = (doc: string, lang: string): string => doc.split('<info>').find((b) => b.includes(`<language>${lang}</language>`))!;
        expect(infoOf(suspended, 'uk-UA')).toContain('Причина: підтверджений інцидент (обстріл) у зоні припинення вогню');
        expect(infoOf(suspended, 'ru-RU')).toContain('Причина: подтверждённый инцидент (обстрел) в зоне прекращения огня');
        expect(infoOf(suspended, 'uk-UA')).not.toContain('a confirmed incident');
        // Effective when the suspension began (the incident, 10:00 UTC), not when the alert was sent (10:05).
        expect(suspended).toMatch(/<sent>2022-03-08T12:05:00\+02:00<\/sent>/);
        for (const lang of ['uk-UA', 'ru-RU', 'en-US']) expect(infoOf(suspended, lang)).toContain('<effective>2022-03-08T12:00:00+02:00</effective>');
        expect(infoOf(resumed, 'en-US')).toContain('<effective>2022-03-08T14:00:00+02:00</effective>');
        expect(suspended).toMatch(/<event>Действие гуманитарного коридора приостановлено<\/event>/);
        expect((await get(w, '/public/cap/999.xml')).statusCode).toBe(404);
        expect((await get(w, '/public/cap/abc')).statusCode).toBe(404);
        // Unconfirmed incidents never reach a public feed.
        const other = json(await api(w.app, w.aid.operator.token).post('/incidents', shelling({ description: 'UNCONFIRMED-REPORT' })));
        expect(other.state).toBe('reported');
        for (const url of ['/public/cap.atom', '/public/corridors.ics', '/public/corridors.geojson', '/public/corridors.kml', '/public/corridors.csv']) {
          expect((await get(w, url)).body).not.toContain('UNCONFIRMED-REPORT');
        }
      } finally {
        await w.close();
      }
    });

    it('serves every feed to any origin, with an entity tag and a 304; a trailing slash is another path (404)', async () => {
      const w = await makeWorld(engine);
      try {
        await guaranteedCorridor(w);
        expect(await openAtNine(w)).toBe(1); // opened: one alert
        const atom = (await get(w, '/public/cap.atom')).body;
        const alert = /href="http:\/\/localhost(\/public\/cap\/\d+\.xml)"/.exec(atom)![1]!;
        for (const url of ['/public/cap.atom', alert, '/public/corridors.ics', '/public/corridors.geojson', '/public/corridors.kml', '/public/corridors.csv']) {
          const first = await w.app.inject({ method: 'GET', url, headers: { origin: 'https://maps.example.org' } });
          expect(first.statusCode, url).toBe(200);
          expect(first.headers['access-control-allow-origin'], url).toBe('*');
          expect(String(first.headers['access-control-expose-headers']), url).toMatch(/ETag/);
          const etag = String(first.headers.etag);
          expect(etag, url).toMatch(/^(W\/)?"[^"]+"$/);
          const again = await w.app.inject({ method: 'GET', url, headers: { 'if-none-match': etag } });
          expect(again.statusCode, url).toBe(304);
          expect(again.body).toBe('');
          expect((await w.app.inject({ method: 'GET', url, headers: { 'if-none-match': '"stale"' } })).statusCode, url).toBe(200);
          // A page on another site asks before sending If-None-Match.
          const preflight = await w.app.inject({ method: 'OPTIONS', url, headers: { origin: 'https://maps.example.org', 'access-control-request-method': 'GET', 'access-control-request-headers': 'if-none-match' } });
          expect(preflight.statusCode, url).toBe(204);
          expect(preflight.headers['access-control-allow-origin']).toBe('*');
          expect(String(preflight.headers['access-control-allow-headers'])).toMatch(/If-None-Match/i);
          // The same path with a slash after it is not a resource with other methods.
          const slash = await get(w, `${url}/`);
          expect(slash.statusCode, `${url}/`).toBe(404);
          expect(slash.headers.allow).toBeUndefined();
        }
        expect((await get(w, alert)).headers['cache-control']).toBe('public, max-age=3600');
      } finally {
        await w.close();
      }
    });

    it('tags each feed by what it says, not by when it was asked: a moment later the same picture is a 304; a window opening or a suspension is a new tag', async () => {
      const w = await makeWorld(engine);
      try {
        const id = await guaranteedCorridor(w);
        const poll = (url: string, etag?: string) => w.app.inject({ method: 'GET', url, headers: etag ? { 'if-none-match': etag } : {} });
        const zoneOf = (fc: any) => fc.features.find((f: any) => f.id === `${id}/zone`).properties;
        w.clock.set('2022-03-08T06:00:00.123Z'); // before its window: no alert yet
        const first = await poll('/public/corridors.geojson');
        const etag = String(first.headers.etag);
        // The GeoJSON says when it was generated, to the millisecond, and whether it is the demo.
        expect(json(first)).toMatchObject({ type: 'FeatureCollection', generatedAt: '2022-03-08T06:00:00.123Z', demo: false });
        const tags = new Map<string, string>();
        for (const url of ['/public/cap.atom', '/public/corridors.ics', '/public/corridors.kml', '/public/corridors.csv']) tags.set(url, String((await poll(url)).headers.etag));
        w.clock.set('2022-03-08T06:00:05.456Z');
        const later = await poll('/public/corridors.geojson');
        expect(json(later).generatedAt).toBe('2022-03-08T06:00:05.456Z');
        expect(later.headers.etag, 'nothing changed but the time it was asked').toBe(etag);
        const held = await poll('/public/corridors.geojson', etag);
        expect(held.statusCode).toBe(304);
        expect(held.body).toBe('');
        // So are the others, an Atom index with no alert in it included.
        for (const [url, tag] of tags) {
          const again = await poll(url, tag);
          expect(again.statusCode, url).toBe(304);
          expect(again.headers.etag, url).toBe(tag);
        }
        // The window opens with the clock alone: the ceasefire zone holds now, a new tag.
        w.clock.set('2022-03-08T07:00:00.789Z');
        const opened = await poll('/public/corridors.geojson', etag);
        expect(opened.statusCode).toBe(200);
        expect(zoneOf(json(opened))).toMatchObject({ status: 'open', feature: 'ceasefire_zone', ceasefireInForce: true });
        const openTag = String(opened.headers.etag);
        expect(openTag).not.toBe(etag);
        w.clock.set('2022-03-08T07:30:00.001Z');
        expect((await poll('/public/corridors.geojson', openTag)).statusCode).toBe(304);
        // Suspended: a new tag again.
        expect((await api(w.app, w.mediator.liaison.token).post(`/corridors/${id}/suspend`, { reason: 'shots heard near the bridge' })).statusCode).toBe(200);
        const suspended = await poll('/public/corridors.geojson', openTag);
        expect(suspended.statusCode).toBe(200);
        expect(zoneOf(json(suspended))).toMatchObject({ status: 'suspended', ceasefireInForce: false, suspensionReason: 'shots heard near the bridge' });
        expect(new Set([etag, openTag, String(suspended.headers.etag)]).size).toBe(3);
      } finally {
        await w.close();
      }
    });

    it('updates the alert of a corridor closed by a compromised key saying so and telling those on the route to seek shelter, in each language — an Update, not a Cancel a reader may drop unread', async () => {
      const w = await makeWorld(engine);
      try {
        const id = await guaranteedCorridor(w);
        expect(await openAtNine(w)).toBe(1); // opened at 09:00 Kyiv
        w.clock.set('2022-03-08T08:30:00Z'); // 10:30 Kyiv: the window runs until 21:00
        const revoked = await api(w.app, w.ua.liaison.token).post(`/parties/ua/keys/${w.ua.kid}/revoke`, { reason: 'compromised' });
        expect(revoked.statusCode, revoked.body).toBe(200);
        expect(json(revoked).voidedCorridorIds).toEqual([id]);
        const docs = await capDocuments(w);
        expect(docs).toHaveLength(2);
        const [opened, cancel] = docs as [string, string];
        expect(validateCap(cancel), cancel).toBe('');
        expect(cancel).toMatch(/<msgType>Update<\/msgType>/);
        // Current until the window it cut short would have ended (21:00 Kyiv).
        expect(cancel).toContain('<expires>2022-03-08T21:00:00+02:00</expires>');
        expect(cancel).toContain(`,${/<identifier>(.*)<\/identifier>/.exec(opened)![1]!},`);
        expect(cancel).toMatch(/<sent>2022-03-08T10:30:00\+02:00<\/sent>/);
        const reasons = {
          'en-US': 'Reason: the guarantee of Ukraine no longer binds: the digital key it was signed with was declared compromised (lost or stolen)',
          'uk-UA': 'Причина: гарантія сторони «Ukraine» більше не діє: цифровий ключ, яким її підписано, визнано скомпрометованим (втраченим або викраденим)',
          'ru-RU': 'Причина: гарантия стороны «Ukraine» больше не действует: цифровой ключ, которым она подписана, признан скомпрометированным (утерян или похищен)',
        } as const;
        for (const lang of ['en-US', 'uk-UA', 'ru-RU'] as const) {
          const { instruction, description } = capText(cancel, lang);
          expect(instruction, lang).toBe(CLOSED_EARLY[lang]);
          expect(description, lang).toContain(reasons[lang]);
          expect(capInfo(cancel, lang), lang).not.toContain(WINDOW_ENDED[lang]);
          // Act now: not a window that ran its course.
          expect(capInfo(cancel, lang)).toMatch(/<responseType>Avoid<\/responseType>\s*<urgency>Immediate<\/urgency>\s*<severity>Severe<\/severity>/);
        }
        expect(cancel).not.toContain(w.ua.kid);
        expect((await get(w, '/public/cap.atom')).body).toContain('Sumy → Poltava: corridor closed — the guarantee of Ukraine no longer binds: the digital key it was signed with was declared compromised (lost or stolen)');
      } finally {
        await w.close();
      }
    });

    it('says truly why each alert chain ends: the window’s end, a withdrawal, terms amended while open (which closes it)', async () => {
      const w = await makeWorld(engine);
      try {
        const ended = await guaranteedCorridor(w);
        const withdrawn = await guaranteedCorridor(w, { title: 'Mariupol → Zaporizhzhia' });
        const amended = await guaranteedCorridor(w, { title: 'Volnovakha → Pokrovsk' });
        expect(await openAtNine(w)).toBe(3); // all three open at 09:00 Kyiv
        w.clock.set('2022-03-08T08:00:00Z');
        const ua = api(w.app, w.ua.liaison.token);
        expect((await ua.post(`/corridors/${withdrawn}/withdraw`, { reason: 'the route crosses a minefield' })).statusCode).toBe(200);
        const view = json(await api(w.app, w.ua.viewer.token).get(`/corridors/${amended}`));
        const amend = await ua.post(`/corridors/${amended}/amend`, { baseVersion: 1, terms: { ...view.terms, type: undefined, corridorId: undefined, version: undefined, widthM: 3000 }, reason: 'wider' });
        expect(amend.statusCode, amend.body).toBe(200);
        expect(json(await api(w.app, w.ua.viewer.token).get(`/corridors/${amended}/status`)).open).toBe(false);
        w.clock.set('2022-03-08T19:30:00Z');
        expect(await tickWindows(w.deps)).toBe(1); // the window of the one still open ends at 21:00 Kyiv
        const docs = await capDocuments(w);
        const of = (id: string) => docs.filter((d) => d.includes(`<incidents>${id}</incidents>`));
        for (const d of docs) expect(validateCap(d), d).toBe('');
        for (const id of [ended, withdrawn, amended]) expect(of(id), id).toHaveLength(2);
        // Only the window's end cancels; a withdrawal or an amendment while open carries a
        // safety message, which readers drop unread on a Cancel: an Update.
        expect(of(ended)[1]).toMatch(/<msgType>Cancel<\/msgType>/);
        for (const id of [withdrawn, amended]) expect(of(id)[1], id).toMatch(/<msgType>Update<\/msgType>/);
        const amendedReasons = {
          'en-US': 'Reason: the terms were amended; it can open again only once every party has guaranteed the new terms',
          'uk-UA': 'Причина: умови коридору змінено; він зможе знову відкритися лише після того, як усі сторони гарантують нові умови',
          'ru-RU': 'Причина: условия коридора изменены; он сможет снова открыться только после того, как все стороны гарантируют новые условия',
        } as const;
        for (const lang of ['en-US', 'uk-UA', 'ru-RU'] as const) {
          // Its window ran its course.
          expect(capText(of(ended)[1]!, lang).instruction, lang).toBe(WINDOW_ENDED[lang]);
          expect(capText(of(ended)[1]!, lang).description, lang).not.toMatch(/Reason|Причина/);
          // Withdrawn while open: the ceasefire ends now, as an early closure's does; with the party's reason as written.
          expect(capText(of(withdrawn)[1]!, lang).instruction, lang).toBe(CLOSED_EARLY[lang]);
          expect(capText(of(withdrawn)[1]!, lang).description, lang).toMatch(/(Reason|Причина): the route crosses a minefield$/);
          // Amended while open: closed then, its window still running, until guaranteed afresh.
          expect(capText(of(amended)[1]!, lang).instruction, lang).toBe(CLOSED_EARLY[lang]);
          expect(capText(of(amended)[1]!, lang).description, lang).toContain(amendedReasons[lang]);
          expect(capText(of(amended)[1]!, lang).description, lang).not.toContain('wider');
        }
        expect(of(amended)[1]).toMatch(/<sent>2022-03-08T10:00:00\+02:00<\/sent>/);
      } finally {
        await w.close();
      }
    });

    it('labels a zone a ceasefire zone only while the ceasefire holds, to six decimals; says times and numbers as each language does; keeps control characters out', async () => {
      const w = await makeWorld(engine);
      try {
        const id = await guaranteedCorridor(w, { widthM: 2500, windows: [{ start: '2022-03-08T09:00:00+02:00', end: '2022-03-08T21:00:00+02:00', timeZone: 'Europe/Kyiv', rrule: 'FREQ=DAILY;COUNT=3' }] });
        const zone = async () => json(await get(w, '/public/corridors.geojson')).features.find((f: any) => f.id === `${id}/zone`);
        w.clock.set('2022-03-08T06:00:00Z'); // before the first window: agreed, no ceasefire yet
        expect((await zone()).properties).toMatchObject({ status: 'next', feature: 'agreed_zone', ceasefireInForce: false });
        expect((await get(w, '/public/corridors.kml')).body).toContain('Sumy → Poltava — agreed zone, no ceasefire in force now');
        // The next window's close time carries UTC too.
        expect((await get(w, '/public?lang=en')).body).toMatch(/closes [^<]*· 2022-03-08 19:00 UTC/);
        w.clock.set('2022-03-08T10:00:00Z');
        const open = await zone();
        expect(open.properties).toMatchObject({ status: 'open', feature: 'ceasefire_zone', ceasefireInForce: true });
        const decimals = (n: number): number => (String(n).split('.')[1] ?? '').length;
        const fc = json(await get(w, '/public/corridors.geojson'));
        for (const f of fc.features) for (const p of (f.geometry.type === 'Polygon' ? f.geometry.coordinates.flat() : f.geometry.coordinates) as number[][]) expect(Math.max(decimals(p[0]!), decimals(p[1]!))).toBeLessThanOrEqual(6);
        // A reason holding a bell and a vertical tab is refused now (docs/api.md, field rules); one
        // stored before that rule still holds them, and a noncharacter is no control character.
        const mediator = api(w.app, w.mediator.liaison.token);
        const refused = await mediator.post(`/corridors/${id}/suspend`, { reason: 'shots\u0007 heard\u000b near the bridge' });
        expect(refused.statusCode, refused.body).toBe(400);
        expect(json(refused).errors.map((e: any) => e.path)).toEqual(['/reason']);
        expect((await mediator.post(`/corridors/${id}/suspend`, { reason: 'shots heard near\ufffe the bridge' })).statusCode).toBe(200);
        await w.store.db.updateTable('suspensions').set({ reason: 'shots\u0007 heard\u000b near\ufffe the bridge' }).where('corridor_id', '=', id).execute();
        expect((await zone()).properties).toMatchObject({ status: 'suspended', feature: 'agreed_zone', ceasefireInForce: false });
        const ics = (await get(w, '/public/corridors.ics')).body;
        const page = (await get(w, '/public?lang=en')).body;
        for (const text of [ics, page]) {
           
          expect(text).not.toMatch(/[\u0000-\u0008\u000B\u000E-\u001F\uFFFE]/);
          expect(text.replace(/\r\n[ \t]/g, '')).toContain('shots heard near the bridge');
        }
        // A suspended card says until when the agreement runs, not that "further" windows follow none shown.
        expect(page).not.toContain('Further windows follow');
        expect(page).toMatch(/Suspended since [^<]*\(Kyiv\)/);
        expect(page).toMatch(/Its agreed windows run until [^<]*\(Kyiv\) · 2022-03-10 19:00 UTC/);
        // Decimal commas in Ukrainian and Russian, a point in English.
        const ukIcs = (await get(w, '/public/corridors.ics?lang=uk')).body.replace(/\r\n[ \t]/g, '');
        expect(ukIcs).toContain('2\\,5 км завширшки');
        expect(ics.replace(/\r\n[ \t]/g, '')).toContain('2.5 km wide');
        const atom = (await get(w, '/public/cap.atom')).body;
        const alert = (await get(w, /href="http:\/\/localhost(\/public\/cap\/\d+\.xml)"/.exec(atom)![1]!)).body;
        expect(alert).toContain('ширина 2,5 км');
        expect(alert).toContain('2.5 km wide');
        expect(validateCap(alert)).toBe('');
        // The page links ?lang only on the feed that takes it.
        const ukPage = (await get(w, '/public?lang=uk')).body;
        expect(ukPage).toContain('href="/public/corridors.ics?lang=uk"');
        expect(ukPage).toContain('href="/public/cap.atom"');
        expect(ukPage).toContain('href="/public/corridors.geojson"');
      } finally {
        await w.close();
      }
    });

    it('serves an iCalendar feed that an independent reader parses into the API’s windows, CANCELLED when suspended, SEQUENCE rising on amendment', async () => {
      const w = await makeWorld(engine);
      try {
        const id = await guaranteedCorridor(w, {
          title: 'Sumy → Poltava; daily, "long" title with commas, semicolons and Ukrainian: Суми → Полтава, щоденно',
          windows: [{ start: '2022-03-08T09:00:00+02:00', end: '2022-03-08T21:00:00+02:00', timeZone: 'Europe/Kyiv', rrule: 'FREQ=DAILY;COUNT=3' }],
        });
        const res = await get(w, '/public/corridors.ics');
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toMatch(/text\/calendar/);
        const cal = parseIcs(res.body);
        expect(cal.name).toBe('VCALENDAR');
        expect(cal.props.VERSION![0]!.value).toBe('2.0');
        const vevents = cal.children.filter((c) => c.name === 'VEVENT');
        expect(vevents).toHaveLength(3);
        const view = json(await api(w.app, w.ua.viewer.token).get(`/corridors/${id}`));
        const status = json(await api(w.app, w.ua.viewer.token).get(`/corridors/${id}/status?at=2022-03-08T10:00:00Z`));
        expect(icsTime(vevents[0].props.DTSTART[0].value)).toBe(status.currentWindow.start);
        expect(icsTime(vevents[0].props.DTEND[0].value)).toBe(status.currentWindow.end);
        expect(vevents.map((v: any) => icsTime(v.props.DTSTART[0].value))).toEqual(['2022-03-08T07:00:00Z', '2022-03-09T07:00:00Z', '2022-03-10T07:00:00Z']);
        expect(vevents[0].props.SUMMARY[0].value).toContain(view.title);
        expect(vevents[0].props['X-PASSAGE-TZID'][0].value).toBe('Europe/Kyiv');
        expect(vevents[0].props.GEO[0].value).toBe('50.908;34.798');
        expect(vevents[0].props.STATUS[0].value).toBe('CONFIRMED');
        expect(vevents[0].props.SEQUENCE[0].value).toBe('0');
        expect(new Set(vevents.map((v: any) => v.props.UID[0].value)).size).toBe(3);
        // A calendar client polling with the tag it holds gets a 304 until the record changes.
        const etag = String(res.headers.etag);
        expect(etag).toMatch(/^W\/"[^"]+"$/);
        const again = await w.app.inject({ method: 'GET', url: '/public/corridors.ics', headers: { 'if-none-match': `"other", ${etag}` } });
        expect(again.statusCode).toBe(304);
        expect(again.body).toBe('');
        expect(again.headers.etag).toBe(etag);
        expect((await w.app.inject({ method: 'GET', url: '/public/corridors.ics', headers: { 'if-none-match': '"other"' } })).statusCode).toBe(200);

        w.clock.set('2022-03-08T10:05:00Z');
        // The public page shows the window in force, and that two more follow, until when.
        const page = (await get(w, '/public?lang=en')).body;
        expect(page).toMatch(/Further windows follow, the last ending [^<]*\(Kyiv\) · 2022-03-10 19:00 UTC/);
        // The zone as a civilian names it, in the reader's language.
        expect((await get(w, '/public?lang=uk')).body).toMatch(/Відкритий до [^<]*\(Київ\) · /);
        expect((await get(w, '/public?lang=ru')).body).toMatch(/\(Киев\) · /);
        expect((await get(w, '/public?lang=en')).body).not.toContain('(Europe/Kyiv)');
        const inc = json(await api(w.app, w.aid.operator.token).post('/incidents', shelling()));
        await api(w.app, w.mediator.liaison.token).post(`/incidents/${inc.id}/confirm`, { reason: 'seen' });
        const changed = await w.app.inject({ method: 'GET', url: '/public/corridors.ics', headers: { 'if-none-match': etag } });
        expect(changed.statusCode, 'the suspension changed the feed').toBe(200);
        expect(changed.headers.etag).not.toBe(etag);
        const after = parseIcs(changed.body).children.filter((c: any) => c.name === 'VEVENT');
        expect(after.map((v: any) => v.props.STATUS[0].value)).toEqual(['CANCELLED', 'CANCELLED', 'CANCELLED']);
        expect(after[0].props.SEQUENCE[0].value).toBe('1');
        expect(after[0].props.DESCRIPTION[0].value).toMatch(/Suspended since 2022-03-08T12:00:00\+02:00 \(Europe\/Kyiv\); 2022-03-08T10:00:00Z: a confirmed incident \(shelling\) in its ceasefire zone/);
        // In the reader's language, as the public page links it (times stay UTC).
        const uk = await get(w, '/public/corridors.ics?lang=uk');
        expect(uk.headers['content-language']).toBe('uk');
        const ukEvent = parseIcs(uk.body).children.filter((c: any) => c.name === 'VEVENT')[0];
        expect(ukEvent.props.SUMMARY[0].params).toEqual({ LANGUAGE: 'uk' });
        expect(ukEvent.props.SUMMARY[0].value).toBe(`СКАСОВАНО: Гуманітарний коридор ${view.title}`);
        const ukText = ukEvent.props.DESCRIPTION[0].value as string;
        expect(ukText).toContain('Мета: евакуація. Для кого: цивільні');
        expect(ukText).toContain('Призупинено з 2022-03-08T12:00:00+02:00 (Europe/Kyiv); 2022-03-08T10:00:00Z: підтверджений інцидент (обстріл) у зоні припинення вогню');
        expect(ukText).not.toMatch(/foreign_nationals|outbound|Shelling near/);
        expect((await get(w, '/public/corridors.ics?lang=xx')).statusCode).toBe(400);
        // Case and region do not matter; another language is still refused.
        for (const [tag, lang] of [['UK', 'uk'], ['ru-RU', 'ru'], ['uk_UA', 'uk'], ['EN', 'en']] as const) {
          const res = await get(w, `/public/corridors.ics?lang=${tag}`);
          expect(res.statusCode, tag).toBe(200);
          expect(res.headers['content-language'], tag).toBe(lang);
        }
        expect(parseIcs((await get(w, '/public/corridors.ics?lang=UK')).body).children.find((c: any) => c.name === 'VEVENT').props.SUMMARY[0].value).toBe(`СКАСОВАНО: Гуманітарний коридор ${view.title}`);
        for (const tag of ['de', 'ukr', 'ru RU']) expect((await get(w, `/public/corridors.ics?lang=${encodeURIComponent(tag)}`)).statusCode, tag).toBe(400);
        // An amendment (new version) raises SEQUENCE again; the feed keeps the same UIDs.
        const amend = await api(w.app, w.ua.liaison.token).post(`/corridors/${id}/amend`, { baseVersion: 1, terms: { ...view.terms, type: undefined, corridorId: undefined, version: undefined, widthM: 3000 }, reason: 'wider' });
        expect(amend.statusCode, amend.body).toBe(200);
        const amended = parseIcs((await get(w, '/public/corridors.ics')).body).children.filter((c: any) => c.name === 'VEVENT');
        expect(amended.map((v: any) => v.props.UID[0].value)).toEqual(after.map((v: any) => v.props.UID[0].value));
        expect(Number(amended[0].props.SEQUENCE[0].value)).toBeGreaterThan(1);
        // Still the agreed terms (2 km wide), cancelled: the amendment is renegotiation, not in force.
        expect(amended[0].props.STATUS[0].value).toBe('CANCELLED');
        expect(amended[0].props.DESCRIPTION[0].value).toContain('Ceasefire zone: 2 km wide');
        expect(amended[0].props.DESCRIPTION[0].value).toContain('No longer in force since 2022-03-08T12:05:00+02:00 (Europe/Kyiv); 2022-03-08T10:05:00Z: its terms are being renegotiated');
      } finally {
        await w.close();
      }
    });

    it('gives each shown suspension its own reason, even when the corridor’s previous suspension started at the same instant', async () => {
      const w = await makeWorld(engine);
      try {
        const mediator = api(w.app, w.mediator.liaison.token);
        const operator = api(w.app, w.aid.operator.token);
        const sumy = await guaranteedCorridor(w);
        const mariupol = await guaranteedCorridor(w, {
          title: 'Mariupol → Zaporizhzhia',
          route: { type: 'LineString', coordinates: [[37.543, 47.097], [36.254, 47.484], [35.783, 47.567], [35.14, 47.839]] },
          origin: { name: 'Mariupol', coordinates: [37.543, 47.097] },
          destination: { name: 'Zaporizhzhia', coordinates: [35.14, 47.839] },
          checkpoints: [{ name: 'Polohy', coordinates: [36.254, 47.484] }],
        });
        w.clock.set('2022-03-08T10:05:00Z');
        // Sumy: the mediator suspends and resumes in the same instant, then a confirmed incident
        // suspends it from that instant too (clamped to the previous suspension's end).
        const incSumy = json(await operator.post('/incidents', shelling()));
        expect(incSumy.corridorIds).toEqual([sumy]);
        expect((await mediator.post(`/corridors/${sumy}/suspend`, { reason: 'Talks paused by the mediator' })).statusCode).toBe(200);
        expect((await mediator.post(`/corridors/${sumy}/resume`, { reason: 'resumed' })).statusCode).toBe(200);
        expect((await mediator.post(`/incidents/${incSumy.id}/confirm`, { reason: 'seen' })).statusCode).toBe(200);
        // Mariupol: the other way round — an incident's suspension, lifted, then the mediator's.
        const incMariupol = json(await operator.post('/incidents', shelling({ geometry: { type: 'Point', coordinates: [36.254, 47.484] }, occurredAt: '2022-03-08T10:05:00Z' })));
        expect(incMariupol.corridorIds).toEqual([mariupol]);
        expect((await mediator.post(`/incidents/${incMariupol.id}/confirm`, { reason: 'seen' })).statusCode).toBe(200);
        expect((await mediator.post(`/corridors/${mariupol}/resume`, { reason: 'resumed' })).statusCode).toBe(200);
        expect((await mediator.post(`/corridors/${mariupol}/suspend`, { reason: 'Route under review by the mediator' })).statusCode).toBe(200);
        for (const id of [sumy, mariupol]) {
          const sus = json(await api(w.app, w.ua.viewer.token).get(`/corridors/${id}`)).suspensions;
          expect(sus.map((s: any) => s.since)).toEqual(['2022-03-08T10:05:00.000Z', '2022-03-08T10:05:00.000Z']);
        }

        const incident = 'a confirmed incident (shelling) in its ceasefire zone';
        const fc = json(await get(w, '/public/corridors.geojson'));
        const reasonOf = (id: string): string => fc.features.find((f: any) => f.id === `${id}/route`).properties.suspensionReason;
        expect(reasonOf(sumy)).toBe(incident);
        expect(reasonOf(mariupol)).toBe('Route under review by the mediator');
        const csv = (await get(w, '/public/corridors.csv')).body.split('\r\n');
        expect(csv.find((l) => l.startsWith(sumy))).toContain(incident);
        expect(csv.find((l) => l.startsWith(mariupol))).toContain('Route under review by the mediator');
        const page = (await get(w, '/public?lang=en')).body;
        expect(page).toContain('Route under review by the mediator');
        expect(page.split(incident)).toHaveLength(2); // once: Sumy's
        for (const body of [page, (await get(w, '/public/corridors.kml')).body, csv.join('\n')]) {
          expect(body).not.toContain(incSumy.id);
          expect(body).not.toContain('Talks paused by the mediator');
        }
      } finally {
        await w.close();
      }
    });

    it('reads only the incidents behind the suspensions an anonymous output shows, not every confirmed incident', async () => {
      const w = await makeWorld(engine);
      try {
        const mediator = api(w.app, w.mediator.liaison.token);
        const operator = api(w.app, w.aid.operator.token);
        const id = await guaranteedCorridor(w);
        const confirm = async (occurredAt: string, description: string): Promise<string> => {
          const inc = json(await operator.post('/incidents', shelling({ occurredAt, description })));
          expect((await mediator.post(`/incidents/${inc.id}/confirm`, { reason: 'seen' })).statusCode).toBe(200);
          return inc.id as string;
        };
        w.clock.set('2022-03-08T10:05:00Z');
        await confirm('2022-03-08T10:00:00Z', 'first'); // suspends; lifted below
        w.clock.set('2022-03-08T10:10:00Z');
        expect((await mediator.post(`/corridors/${id}/resume`, { reason: 'calm' })).statusCode).toBe(200);
        w.clock.set('2022-03-08T10:25:00Z');
        await confirm('2022-03-08T10:20:00Z', 'second'); // suspends; in force
        // Confirmed while the corridor is already suspended: they suspend nothing.
        for (const n of [1, 2, 3, 4]) await confirm(`2022-03-08T10:2${n}:00Z`, `later ${n}`);
        const sus = json(await api(w.app, w.ua.viewer.token).get(`/corridors/${id}`)).suspensions.map((s: any) => s.id as string);
        expect(sus).toHaveLength(2);

        // Every row a query touching the incidents table hands back.
        const nodes = new Map<unknown, string>();
        let rowsRead = 0;
        let queries = 0;
        const recorder: KyselyPlugin = {
          transformQuery: ({ node, queryId }) => {
            nodes.set(queryId, JSON.stringify(node));
            return node;
          },
          transformResult: async ({ result, queryId }) => {
            if (nodes.get(queryId)?.includes('"name":"incidents"')) {
              queries++;
              rowsRead += result.rows.length;
            }
            return result;
          },
        };
        const deps = { ...w.deps, store: { ...w.deps.store, db: w.deps.store.db.withPlugin(recorder) } };
        const reading = async <T>(f: () => Promise<T>): Promise<{ value: T; rows: number; queries: number }> => {
          rowsRead = 0;
          queries = 0;
          const value = await f();
          return { value, rows: rowsRead, queries };
        };
        const picture = await reading(() => publicPicture(deps));
        expect(picture.value.corridors[0]?.suspension?.reason).toBe('a confirmed incident (shelling) in its ceasefire zone');
        // Loading the corridors for a public output joins no incident (members' views do); the
        // output reads the incident behind the suspension in force only, of the 6 confirmed.
        expect({ rows: picture.rows, queries: picture.queries }).toEqual({ rows: 1, queries: 1 });
        for (const feed of [() => corridorsGeoJson(deps), () => corridorsCsv(deps), () => corridorsKml(deps)] as (() => Promise<unknown>)[]) expect((await reading(feed)).rows).toBe(1);
        const ics = await reading(() => corridorsIcs(deps));
        expect(ics.value.replace(/\r\n[ \t]/g, '')).toContain('a confirmed incident (shelling) in its ceasefire zone');
        expect(ics.rows).toBe(2); // the corridor's two suspensions'
        const cap = await reading(() => capAlerts(deps));
        expect(cap.value.filter((a) => a.input.kind === 'suspended').map((a) => a.input.reason?.['en-US'])).toEqual(['a confirmed incident (shelling) in its ceasefire zone', 'a confirmed incident (shelling) in its ceasefire zone']);
        expect(cap.rows).toBe(2); // the two announced suspensions'
        // Long lists go in IN lists of bounded length.
        const chunked = await reading(() => incidentKindsBySuspension(deps.store.db, [...sus, 'sus_unknown'], 2));
        expect(chunked.queries).toBe(2);
        expect([...chunked.value.entries()].sort()).toEqual(sus.map((s: string) => [s, 'shelling']).sort());
      } finally {
        await w.close();
      }
    });

    it('names each occurrence by its agreed local start, so a daily rule across the skipped hour keeps every UID when occurrences come or go', async () => {
      const w = await makeWorld(engine);
      try {
        // 03:30–04:30 Kyiv daily from 26 March 2022: on 27 March 03:30 does not exist (clocks go
        // forward at 03:00); the window then runs 04:30–05:30 summer time, and is still an occurrence.
        const daily = { start: '2022-03-26T03:30:00+02:00', end: '2022-03-26T04:30:00+02:00', timeZone: 'Europe/Kyiv', rrule: 'FREQ=DAILY;COUNT=4' };
        const id = await guaranteedCorridor(w, { windows: [daily] });
        const vevents = async (): Promise<any[]> => parseIcs((await get(w, '/public/corridors.ics')).body).children.filter((c: any) => c.name === 'VEVENT');
        const events = async (): Promise<[string, string][]> => (await vevents()).map((v: any) => [icsTime(v.props.DTSTART[0].value), v.props.UID[0].value]);
        expect(await events()).toEqual([
          ['2022-03-26T01:30:00Z', `${id}-20220326T033000@passage`],
          ['2022-03-27T01:30:00Z', `${id}-20220327T033000@passage`],
          ['2022-03-28T00:30:00Z', `${id}-20220328T033000@passage`],
          ['2022-03-29T00:30:00Z', `${id}-20220329T033000@passage`],
        ]);
        const before = new Map((await events()).map(([start, uid]) => [start, uid]));
        // The parties drop the first two nights: the occurrences that remain are the same events,
        // with the same UIDs (SEQUENCE rises), though each now stands first or second in the list;
        // the dropped ones stay in subscribers' calendars, cancelled, with their UIDs.
        const view = json(await api(w.app, w.ua.viewer.token).get(`/corridors/${id}`));
        const later = { ...daily, start: '2022-03-28T03:30:00+03:00', end: '2022-03-28T04:30:00+03:00', rrule: 'FREQ=DAILY;COUNT=2' };
        w.clock.set('2022-03-02T08:00:00Z');
        const amend = await api(w.app, w.ua.liaison.token).post(`/corridors/${id}/amend`, { baseVersion: 1, terms: { ...view.terms, type: undefined, corridorId: undefined, version: undefined, windows: [later] }, reason: 'nights of 28 and 29 March only' });
        expect(amend.statusCode, amend.body).toBe(200);
        // Public once both parties guarantee the new terms (until then the feed shows the agreed ones).
        expect((await events()).map(([start]) => start)).toHaveLength(4);
        await signAll(w, id);
        const after = await events();
        expect(after.map(([start]) => start)).toEqual(['2022-03-26T01:30:00Z', '2022-03-27T01:30:00Z', '2022-03-28T00:30:00Z', '2022-03-29T00:30:00Z']);
        for (const [start, uid] of after) expect(uid, start).toBe(before.get(start));
        expect((await vevents()).map((v: any) => v.props.STATUS[0].value)).toEqual(['CANCELLED', 'CANCELLED', 'CONFIRMED', 'CONFIRMED']);
        // Two windows of one corridor that start together are still two events.
        const twice = await guaranteedCorridor(w, {
          title: 'Sumy → Poltava, two windows',
          windows: [
            { start: '2022-03-08T09:00:00+02:00', end: '2022-03-08T12:00:00+02:00', timeZone: 'Europe/Kyiv' },
            { start: '2022-03-08T09:00:00+02:00', end: '2022-03-08T21:00:00+02:00', timeZone: 'Europe/Kyiv' },
          ],
        });
        expect((await events()).map(([, uid]) => uid).filter((uid) => uid.startsWith(twice))).toEqual([`${twice}-20220308T090000@passage`, `${twice}-20220308T090000-w1@passage`]);
      } finally {
        await w.close();
      }
    });

    it('serves GeoJSON, KML and HXL CSV of public corridors only', async () => {
      const w = await makeWorld(engine);
      try {
        const id = await guaranteedCorridor(w);
        json(await api(w.app, w.ua.liaison.token).post('/corridors', { title: 'Unsigned proposal' }));
        w.clock.set('2022-03-08T10:00:00Z');
        const gj = await get(w, '/public/corridors.geojson');
        expect(gj.headers['content-type']).toMatch(/application\/geo\+json/);
        const fc = json(gj);
        expect(fc.features.map((f: any) => f.id)).toEqual([`${id}/route`, `${id}/zone`]);
        expect(fc.features[0].geometry.type).toBe('LineString');
        expect(fc.features[0].geometry.coordinates.length).toBeGreaterThan(4);
        expect(fc.features[1].geometry.type).toBe('Polygon');
        expect(fc.features[1].properties).toMatchObject({ corridorId: id, status: 'open', origin: 'Sumy', destination: 'Poltava' });
        const kml = (await get(w, '/public/corridors.kml')).body;
        expect(kml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<kml xmlns="http:\/\/www.opengis.net\/kml\/2.2">/);
        expect(kml).toContain(`<Placemark id="${id}-zone">`);
        expect(kml).toMatch(/<coordinates>34\.798,50\.908 /);
        const dir = mkdtempSync(join(tmpdir(), 'kml-'));
        writeFileSync(join(dir, 'c.kml'), kml);
        execFileSync(XMLLINT, ['--noout', join(dir, 'c.kml')]); // well-formed
        const csv = (await get(w, '/public/corridors.csv')).body.split('\r\n');
        expect(csv[0]).toMatch(/^Corridor id,Title,Status,Origin,/);
        expect(csv[1]).toMatch(/^#meta\+id,#loc\+name\+corridor,#status,#loc\+name\+origin,#geo\+lat\+origin/);
        expect(csv[2]).toMatch(new RegExp(`^${id},Sumy → Poltava,open,Sumy,50.908,34.798,Poltava`));
        expect(csv).toHaveLength(4);
      } finally {
        await w.close();
      }
    });
  });
}
