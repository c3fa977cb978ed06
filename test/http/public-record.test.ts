import { exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { capAlerts } from '../../src/app/feeds.js';
import { tickWindows } from '../../src/app/scheduler.js';
import { api, guaranteedCorridor, ENGINES, json, makeWorld, signBytes, sumyPoltava, type World } from '../helpers.js';
import { parseIcs, validateCap } from './feed-readers.js';

/**
 * What the public outputs say of a corridor whose guarantee ended: only terms every required
 * party guaranteed — the last such — and, when the guarantee ended while windows were still to
 * run, that it is called off, since when and why (docs/feeds.md, docs/web.md).
 */

const get = (w: World, url: string) => w.app.inject({ method: 'GET', url });
const vevents = async (w: World, lang = 'en'): Promise<any[]> => parseIcs((await get(w, `/public/corridors.ics?lang=${lang}`)).body).children.filter((c: any) => c.name === 'VEVENT');
const features = async (w: World, id: string): Promise<any[]> => json(await get(w, '/public/corridors.geojson')).features.filter((f: any) => f.properties.corridorId === id);
const csvRow = async (w: World, id: string): Promise<Record<string, string>> => {
  const lines = (await get(w, '/public/corridors.csv')).body.split('\r\n');
  const header = lines[0]!.split(',');
  const row = lines.find((l) => l.startsWith(`${id},`));
  if (!row) return {};
  // No field here holds a quoted comma except the reasons, which come last.
  const cells = row.split(',');
  return Object.fromEntries(header.map((h, i) => [h, i === header.length - 1 ? cells.slice(i).join(',') : (cells[i] ?? '')]));
};

/** Both belligerents guarantee the corridor's current terms, Ukraine with `uaKey` (default its first key). */
async function signAll(w: World, id: string, uaKey?: { privateKey: CryptoKey; kid: string }): Promise<void> {
  const bytes = (await api(w.app, w.ua.viewer.token).get(`/corridors/${id}/terms`)).rawPayload;
  for (const [p, key] of [[w.ua, uaKey ?? w.ua], [w.ru, w.ru]] as const) {
    const res = await api(w.app, p.liaison.token).post(`/corridors/${id}/guarantees`, { jws: await signBytes(bytes, key) });
    expect(res.statusCode, res.body).toBe(201);
  }
}

const RU_DRAFT = {
  title: 'RU draft: via Hostomel airfield',
  route: { type: 'LineString', coordinates: [[34.798, 50.908], [36.2, 50.3], [34.551, 49.588]] },
  widthM: 500,
  windows: [{ start: '2022-03-09T08:00:00+03:00', end: '2022-03-09T15:00:00+03:00', timeZone: 'Europe/Moscow' }],
};

for (const { engine, available } of ENGINES) {
  describe.skipIf(!available)(`${engine}: public outputs read only guaranteed terms`, () => {
    it('never publishes one party’s unsigned amendment: the agreed window stays in the calendar, CANCELLED, saying why, same UID, SEQUENCE raised; page and map feeds show it called off', async () => {
      const w = await makeWorld(engine);
      try {
        const id = await guaranteedCorridor(w);
        w.clock.set('2022-03-08T05:00:00Z'); // before its window (09:00 Kyiv)
        const [agreed] = await vevents(w);
        expect(agreed.props.STATUS[0].value).toBe('CONFIRMED');
        const view = json(await api(w.app, w.ru.viewer.token).get(`/corridors/${id}`));
        // Its proposer amends it alone: a new title, a route by another airfield, Moscow time, another day — not signed by Russia.
        const amend = await api(w.app, w.ua.liaison.token).post(`/corridors/${id}/amend`, { baseVersion: 1, terms: { ...view.terms, type: undefined, corridorId: undefined, version: undefined, ...RU_DRAFT }, reason: 'counter-proposal' });
        expect(amend.statusCode, amend.body).toBe(200);
        const outputs = async (): Promise<Record<string, string>> => ({
          ics: (await get(w, '/public/corridors.ics')).body.replace(/\r\n[ \t]/g, ''),
          icsRu: (await get(w, '/public/corridors.ics?lang=ru')).body.replace(/\r\n[ \t]/g, ''),
          page: (await get(w, '/public?lang=en')).body,
          geojson: (await get(w, '/public/corridors.geojson')).body,
          kml: (await get(w, '/public/corridors.kml')).body,
          csv: (await get(w, '/public/corridors.csv')).body,
          atom: (await get(w, '/public/cap.atom')).body,
        });
        for (const [name, body] of Object.entries(await outputs())) {
          expect(body, name).not.toContain('Hostomel');
          expect(body, name).not.toMatch(/Europe\/Moscow|Moscow|Москва|2022-03-09/);
        }
        // The agreed window's event stays, with its UID, cancelled, saying so in the reader's language.
        const events = await vevents(w);
        expect(events.map((e) => e.props.UID[0].value)).toEqual([agreed.props.UID[0].value]);
        expect(events[0].props.STATUS[0].value).toBe('CANCELLED');
        expect(events[0].props.DTSTART[0].value).toBe(agreed.props.DTSTART[0].value);
        expect(Number(events[0].props.SEQUENCE[0].value)).toBeGreaterThan(Number(agreed.props.SEQUENCE[0].value));
        expect(events[0].props.SUMMARY[0].value).toBe('CANCELLED: Humanitarian corridor Sumy → Poltava');
        expect(events[0].props.DESCRIPTION[0].value).toContain('No longer in force since 2022-03-08T07:00:00+02:00 (Europe/Kyiv); 2022-03-08T05:00:00Z: its terms are being renegotiated');
        expect((await vevents(w, 'uk'))[0].props.DESCRIPTION[0].value).toContain('Більше не діє з 2022-03-08T07:00:00+02:00 (Europe/Kyiv); 2022-03-08T05:00:00Z: умови коридору переглядаються');
        expect((await vevents(w, 'ru'))[0].props.DESCRIPTION[0].value).toContain('Больше не действует с');
        // Map feeds: the agreed route and zone (2 km), closed, with when and why.
        const [route, zone] = await features(w, id);
        expect(route.properties).toMatchObject({ title: 'Sumy → Poltava', status: 'closed', closedAt: '2022-03-08T05:00:00Z', closedCause: 'amended', windowStart: null });
        expect(route.properties.closedReason).toMatch(/^its terms are being renegotiated/);
        expect(route.geometry.coordinates[0]).toEqual([34.798, 50.908]);
        expect(route.geometry.coordinates.some((p: number[]) => (p[0] ?? 0) > 35)).toBe(false); // not by the drafted route east
        expect(zone.properties.feature).toBe('agreed_zone');
        expect(await csvRow(w, id)).toMatchObject({ Status: 'closed', 'Closed at (UTC)': '2022-03-08T05:00:00Z', 'Closure cause': 'amended' });
        for (const [lang, heading, reason] of [
          ['en', 'Recently closed or called off', 'its terms are being renegotiated'],
          ['uk', 'Нещодавно закриті або скасовані', 'умови коридору переглядаються'],
          ['ru', 'Недавно закрытые или отменённые', 'условия коридора пересматриваются'],
        ] as const) {
          const page = (await get(w, `/public?lang=${lang}`)).body;
          const section = page.slice(page.indexOf('id="h-closed"'), page.indexOf('</section>', page.indexOf('id="h-closed"')));
          expect(section, lang).toContain(heading);
          expect(section, lang).toContain(`id="${id}"`);
          expect(section, lang).toContain(reason);
        }
        // Once both guarantee the new terms, those are public, and the calendar's copy rises again.
        w.clock.set('2022-03-08T06:00:00Z');
        await signAll(w, id);
        // The new terms moved the window to another day: the agreed one stays in subscribers'
        // calendars, cancelled as before (not dropped), beside the new window's event.
        const signed = await vevents(w);
        expect(signed.map((e) => [e.props.UID[0].value === agreed.props.UID[0].value, e.props.STATUS[0].value])).toEqual([
          [true, 'CANCELLED'],
          [false, 'CONFIRMED'],
        ]);
        expect(signed[0].props.DESCRIPTION[0].value).toContain('its terms are being renegotiated');
        expect(signed[1].props.SUMMARY[0].value).toContain('RU draft: via Hostomel airfield');
        expect(Number(signed[1].props.SEQUENCE[0].value)).toBeGreaterThan(Number(events[0].props.SEQUENCE[0].value));
        expect((await features(w, id))[0].properties).toMatchObject({ status: 'next', title: 'RU draft: via Hostomel airfield', closedAt: null, closedCause: null });
      } finally {
        await w.close();
      }
    });

    it('a key compromised while one corridor is open and others are scheduled: each stays on the page and in the feeds, called off with the reason, for as long as closed ones do; re-signing raises SEQUENCE', async () => {
      const w = await makeWorld(engine);
      try {
        const open = await guaranteedCorridor(w);
        const scheduled = await guaranteedCorridor(w, { title: 'Irpin → Kyiv', origin: { name: 'Irpin', coordinates: [30.251, 50.522] }, destination: { name: 'Kyiv', coordinates: [30.523, 50.45] }, route: { type: 'LineString', coordinates: [[30.251, 50.522], [30.523, 50.45]] }, checkpoints: [], windows: [{ start: '2022-03-12T09:00:00+02:00', end: '2022-03-12T16:00:00+02:00', timeZone: 'Europe/Kyiv' }] });
        // One that ran its course, suspended at its end: a later compromise does not rewrite it.
        const past = await guaranteedCorridor(w, { title: 'Mariupol → Zaporizhzhia', windows: [{ start: '2022-03-05T09:00:00+02:00', end: '2022-03-05T21:00:00+02:00', timeZone: 'Europe/Kyiv' }] });
        w.clock.set('2022-03-05T10:00:00Z');
        expect((await api(w.app, w.mediator.liaison.token).post(`/corridors/${past}/suspend`, { reason: 'shelling on the route' })).statusCode).toBe(200);
        w.clock.set('2022-03-08T06:00:00Z');
        await tickWindows(w.deps);
        w.clock.set('2022-03-08T07:00:01Z');
        expect(await tickWindows(w.deps)).toBe(1); // the open one opened at 09:00 Kyiv
        const before = new Map((await vevents(w)).map((e) => [e.props.UID[0].value, Number(e.props.SEQUENCE[0].value)]));
        w.clock.set('2022-03-08T08:30:00Z');
        const revoked = await api(w.app, w.ua.liaison.token).post(`/parties/ua/keys/${w.ua.kid}/revoke`, { reason: 'compromised' });
        expect(revoked.statusCode, revoked.body).toBe(200);
        expect(json(revoked).voidedCorridorIds.sort()).toEqual([open, scheduled].sort());

        const picture = json(await get(w, '/public/corridors.geojson')).features.filter((f: any) => f.properties.feature === 'route');
        const statusOf = (id: string) => picture.find((f: any) => f.properties.corridorId === id)?.properties;
        for (const id of [open, scheduled]) {
          expect(statusOf(id), id).toMatchObject({ status: 'closed', closedAt: '2022-03-08T08:30:00Z', closedCause: 'key_compromised', closedReason: 'the guarantee of Ukraine no longer binds: the digital key it was signed with was declared compromised (lost or stolen); the corridor holds again only once that party guarantees it again' });
          expect(await csvRow(w, id), id).toMatchObject({ Status: 'closed', 'Closure cause': 'key_compromised' });
          expect((await get(w, '/public/corridors.kml')).body).toContain(`<Folder id="${id}">`);
        }
        expect(statusOf(past)).toMatchObject({ status: 'suspended', closedAt: '2022-03-05T19:00:00Z', suspensionReason: 'shelling on the route' });
        for (const [lang, words] of [['en', 'the guarantee of Ukraine no longer binds'], ['uk', 'гарантія сторони «Ukraine» більше не діє'], ['ru', 'гарантия стороны «Ukraine» больше не действует']] as const) {
          const page = (await get(w, `/public?lang=${lang}`)).body;
          for (const id of [open, scheduled, past]) expect(page, `${lang} ${id}`).toContain(`id="${id}"`);
          expect(page.split(words).length - 1, lang).toBe(2);
        }
        // The CAP alert that sends readers to /public: an Update, and /public now shows why.
        const alerts = (await capAlerts(w.deps)).filter((a) => a.input.corridorId === open);
        expect(alerts.map((a) => [a.input.kind, a.input.msgType])).toEqual([['opened', 'Alert'], ['closed', 'Update']]);
        // The calendar: cancelled, saying why, SEQUENCE raised.
        const after = await vevents(w);
        for (const e of after.filter((x) => !x.props.UID[0].value.startsWith(past))) {
          expect(e.props.STATUS[0].value).toBe('CANCELLED');
          expect(e.props.DESCRIPTION[0].value).toContain('No longer in force since 2022-03-08T10:30:00+02:00 (Europe/Kyiv); 2022-03-08T08:30:00Z: the guarantee of Ukraine no longer binds');
          expect(Number(e.props.SEQUENCE[0].value)).toBeGreaterThan(before.get(e.props.UID[0].value)!);
        }
        // Ukraine signs the scheduled one again with a new key: public again, and calendars told so.
        const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
        const { kid } = json(await api(w.app, w.ua.admin.token).post('/parties/ua/keys', { jwk: { kty: 'OKP', crv: 'Ed25519', x: (await exportJWK(publicKey)).x } }));
        w.clock.set('2022-03-08T09:00:00Z');
        const bytes = (await api(w.app, w.ua.viewer.token).get(`/corridors/${scheduled}/terms`)).rawPayload;
        expect((await api(w.app, w.ua.liaison.token).post(`/corridors/${scheduled}/guarantees`, { jws: await signBytes(bytes, { privateKey, kid }) })).statusCode).toBe(201);
        const resigned = (await vevents(w)).find((e) => e.props.UID[0].value.startsWith(scheduled));
        expect(resigned.props.STATUS[0].value).toBe('CONFIRMED');
        expect(Number(resigned.props.SEQUENCE[0].value)).toBeGreaterThan(Number(after.find((e) => e.props.UID[0].value.startsWith(scheduled)).props.SEQUENCE[0].value));
        expect((await features(w, scheduled))[0].properties).toMatchObject({ status: 'next', closedCause: null });
        // A week later the called-off one is gone, as a closed one would be.
        w.clock.set('2022-03-15T08:30:00Z');
        expect((await features(w, open)).length).toBe(2);
        w.clock.set('2022-03-15T08:30:00.001Z');
        expect(await features(w, open)).toEqual([]);
      } finally {
        await w.close();
      }
    });

    it('withdrawn while scheduled: called off on the page and in the calendar with the party’s reason; no CAP alert, as none announced it', async () => {
      const w = await makeWorld(engine);
      try {
        const id = await guaranteedCorridor(w);
        // One that was open the day before, its chain cancelled at its window's end, then withdrawn too.
        const daily = await guaranteedCorridor(w, { title: 'Sumy → Poltava, daily', windows: [{ start: '2022-03-07T09:00:00+02:00', end: '2022-03-07T21:00:00+02:00', timeZone: 'Europe/Kyiv', rrule: 'FREQ=DAILY;COUNT=3' }] });
        w.clock.set('2022-03-07T06:00:00Z');
        await tickWindows(w.deps);
        w.clock.set('2022-03-07T19:00:01Z');
        expect(await tickWindows(w.deps)).toBe(2); // opened, closed
        w.clock.set('2022-03-08T05:00:00Z');
        const ua = api(w.app, w.ua.liaison.token);
        for (const c of [id, daily]) expect((await ua.post(`/corridors/${c}/withdraw`, { reason: 'the bridge at Lokhvytsia is down' })).statusCode).toBe(200);
        const alerts = await capAlerts(w.deps);
        expect(alerts.map((a) => [a.input.corridorId, a.input.kind, a.input.msgType])).toEqual([
          [daily, 'opened', 'Alert'],
          [daily, 'closed', 'Cancel'],
        ]);
        const [route] = await features(w, id);
        expect(route.properties).toMatchObject({ status: 'closed', closedAt: '2022-03-08T05:00:00Z', closedCause: 'withdrawn', closedReason: 'the corridor was withdrawn: the bridge at Lokhvytsia is down' });
        expect((await get(w, '/public?lang=uk')).body).toContain('коридор відкликано: the bridge at Lokhvytsia is down');
        const events = (await vevents(w)).filter((e) => e.props.UID[0].value.startsWith(daily));
        // The window that ran stays as it was; those still to come are cancelled.
        expect(events.map((e) => e.props.STATUS[0].value)).toEqual(['CONFIRMED', 'CANCELLED', 'CANCELLED']);
        expect(events[1].props.DESCRIPTION[0].value).toContain('the corridor was withdrawn: the bridge at Lokhvytsia is down');
         
        for (const url of ['/public/corridors.csv', '/public/corridors.geojson', '/public/corridors.kml', '/public/corridors.ics', '/public?lang=en']) expect((await get(w, url)).body, url).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
      } finally {
        await w.close();
      }
    });

    it('two touching windows are one: the page, the feeds, the status and CAP all say open until the end of the second; one closing alert, then', async () => {
      const w = await makeWorld(engine);
      try {
        w.clock.set('2022-03-08T07:30:00Z'); // 09:30 Kyiv, inside the first window
        const c = json(
          await api(w.app, w.ua.liaison.token).post(
            '/corridors',
            sumyPoltava({
              windows: [
                { start: '2022-03-08T09:00:00+02:00', end: '2022-03-08T10:00:00+02:00', timeZone: 'Europe/Kyiv' },
                { start: '2022-03-08T10:00:00+02:00', end: '2022-03-08T12:00:00+02:00', timeZone: 'Europe/Kyiv' },
              ],
            }),
          ),
        );
        await signAll(w, c.id); // guaranteed mid-window: it opens now
        await tickWindows(w.deps); // the scheduler's watermark starts here
        const end = '2022-03-08T10:00:00Z';
        expect(json(await api(w.app, w.ua.viewer.token).get(`/corridors/${c.id}/status`)).currentWindow.end).toBe(end);
        expect((await get(w, '/public?lang=en')).body).toMatch(/Open until [^<]*12:00 \(Kyiv\) · 2022-03-08 10:00 UTC/);
        expect((await features(w, c.id))[0].properties.windowEnd).toBe(end);
        expect((await csvRow(w, c.id))['Window end (UTC)']).toBe(end);
        expect((await get(w, '/public/corridors.kml')).body).toContain('<Data name="windowEnd"><value>2022-03-08T10:00:00Z</value></Data>');
        const [opened] = await capAlerts(w.deps);
        expect(opened?.input.kind).toBe('opened');
        const { capAlertXml } = await import('../../src/domain/cap.js');
        const xml = capAlertXml(opened!.input);
        expect(validateCap(xml)).toBe('');
        expect(xml).toContain('<expires>2022-03-08T12:00:00+02:00</expires>');
        expect(xml).toContain('holds until 2022-03-08 12:00 (Europe/Kyiv)');
        // No closing when the first window ends; one at the end of the second.
        w.clock.set('2022-03-08T08:00:01Z');
        expect(await tickWindows(w.deps)).toBe(0);
        w.clock.set('2022-03-08T10:00:01Z');
        expect(await tickWindows(w.deps)).toBe(1);
      } finally {
        await w.close();
      }
    });

    it('a suspension recorded after every window ended (an incident confirmed days later) asks no one to act: urgency Past, responseType None, no expiry', async () => {
      const w = await makeWorld(engine);
      try {
        const id = await guaranteedCorridor(w);
        w.clock.set('2022-03-20T10:00:00Z');
        const r = await api(w.app, w.mediator.liaison.token).post(`/corridors/${id}/suspend`, { reason: 'shelling confirmed by the observers', since: '2022-03-08T10:00:00Z' });
        expect(r.statusCode, r.body).toBe(200);
        const [alert] = await capAlerts(w.deps);
        const { capAlertXml } = await import('../../src/domain/cap.js');
        const xml = capAlertXml(alert!.input);
        expect(validateCap(xml)).toBe('');
        for (const info of xml.split('<info>').slice(1)) expect(info).toMatch(/<responseType>None<\/responseType>\s*<urgency>Past<\/urgency>\s*<severity>Minor<\/severity>/);
        expect(xml).not.toContain('<expires>');
        expect(xml).not.toContain('seek shelter');
      } finally {
        await w.close();
      }
    });
  });
}
