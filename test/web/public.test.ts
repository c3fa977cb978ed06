import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultDeps, inTransaction, type Deps } from '../../src/app/deps.js';
import { loadCorridor, suspendCorridor } from '../../src/app/corridors.js';
import { initialise } from '../../src/app/bootstrap.js';
import { publicPicture } from '../../src/app/public.js';
import { createRound } from '../../src/app/ledger.js';
import type { RoundView } from '../../src/schemas/ledger.js';
import { loadDemo, type DemoResult } from '../../src/demo/scenario.js';
import { buildServer } from '../../src/http/server.js';
import { openStore, type Store } from '../../src/store/store.js';

let store: Store;
let deps: Deps;
let app: FastifyInstance;
let demo: DemoResult;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'passage-public-'));
  store = await openStore(join(dir, 'p.db'));
  deps = defaultDeps(store);
  await initialise(deps);
  demo = await loadDemo(deps, { keysDir: join(dir, 'keys'), now: Date.now() });
  // The story's suspension of Mariupol → Zaporizhzhia (shelling on 5 March), made here if the
  // demo has not made it itself.
  const mariupol = demo.corridors['mariupol-zaporizhzhia'] ?? '';
  const loaded = await loadCorridor(store.db, mariupol);
  if (!loaded.suspensions.some((x) => x.until === null)) {
    const m = demo.members.find((x) => x.key === 'mediator-liaison');
    if (!m) throw new Error('no mediator liaison in the demo');
    const since = new Date(Date.parse(loaded.terms.windows[0]?.start ?? '') + 30 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
    await inTransaction(deps, (u) => suspendCorridor(u, { memberId: m.memberId, partyId: m.partyId, partyKind: 'mediator', role: 'liaison' }, mariupol, { since, reason: 'Shelling reported on the route near Mariupol; evacuation postponed' }));
  }
  app = await buildServer(deps);
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await store?.close();
});

const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers });

describe('public picture', () => {
  it('shows only guaranteed corridors, grouped: Sumy → Poltava open, Mariupol suspended; never proposals or rejections', async () => {
    const p = await publicPicture(deps);
    expect(p.demo).toBe(true);
    const byTitle = Object.fromEntries(p.corridors.map((c) => [c.title, c.group]));
    expect(byTitle).toEqual({ 'Sumy → Poltava': 'open', 'Mariupol → Zaporizhzhia': 'suspended' });
    const mariupol = p.corridors.find((c) => c.title.startsWith('Mariupol'));
    expect(mariupol?.suspension?.reason).toMatch(/Shelling|shelling|обстріл/i);
    // Nothing private in what the page is built from.
    expect(Object.keys(mariupol ?? {})).not.toContain('contacts');
    expect(JSON.stringify(p)).not.toMatch(/hazard|contact|jws|kid|memberId|phone/i);
  });
});

describe('GET /public', () => {
  it('is HTML without login, in Ukrainian by default, with the demo notice, open and suspended corridors and why', async () => {
    const res = await get('/public');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.headers['content-language']).toBe('uk');
    const html = res.body;
    expect(html).toMatch(/<html lang="uk">/);
    expect(html).toContain('Гуманітарні коридори');
    expect(html).toContain('Демонстраційний сценарій — ілюстративний');
    expect(html).toContain('Відкриті зараз');
    expect(html).toContain('Sumy → Poltava');
    expect(html).toContain('Призупинені');
    expect(html).toMatch(/<p class="why"><strong>Причина:<\/strong> [^<]+<\/p>/);
    expect(html).toMatch(/\(Київ\) · /); // the agreed zone as a reader names it, not "Europe/Kyiv"
    expect(html).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
    expect(html).not.toContain('Irpin');
    expect(html).not.toContain('Kharkiv');
    expect(html).not.toMatch(/psg_|\+380|\+7 000|mines/);
    expect(html).not.toMatch(/<script/i);
    expect(Buffer.byteLength(html)).toBeLessThan(100_000);
  });

  it('follows Accept-Language, and ?lang= switches and is remembered in a cookie', async () => {
    const ru = await get('/public', { 'accept-language': 'ru-RU,ru;q=0.9,en;q=0.5' });
    expect(ru.body).toContain('Гуманитарные коридоры');
    expect(ru.body).toContain('Приостановлены');
    const en = await get('/public?lang=en', { 'accept-language': 'ru' });
    expect(en.body).toContain('Humanitarian corridors');
    expect(en.body).toContain('Demo scenario — illustrative');
    const cookie = String(en.headers['set-cookie']);
    expect(cookie).toMatch(/passage_lang=en/);
    const again = await get('/public', { 'accept-language': 'ru', cookie: 'passage_lang=en' });
    expect(again.body).toContain('Humanitarian corridors');
    // In any case, with a region: the language it names, remembered as such.
    for (const [tag, title, lang] of [['RU', 'Гуманитарные коридоры', 'ru'], ['ru-RU', 'Гуманитарные коридоры', 'ru'], ['UK', 'Гуманітарні коридори', 'uk'], ['En-GB', 'Humanitarian corridors', 'en']] as const) {
      const res = await get(`/public?lang=${tag}`, { 'accept-language': 'de' });
      expect(res.body, tag).toContain(title);
      expect(res.headers['content-language'], tag).toBe(lang);
      expect(String(res.headers['set-cookie']), tag).toContain(`passage_lang=${lang};`);
    }
    const bogus = await get('/public?lang=xx', { 'accept-language': 'en' });
    expect(bogus.body).toContain('Humanitarian corridors');
    expect(bogus.headers['set-cookie']).toBeUndefined();
  });

  it('links language versions, and marks the place for feeds until their routes exist', async () => {
    const res = await get('/public?lang=uk');
    expect(res.body).toContain('href="?lang=ru"');
    expect(res.body).toContain('href="?lang=en"');
    for (const feed of ['/public/cap.atom', '/public/corridors.ics', '/public/corridors.geojson']) {
      const exists = app.hasRoute({ method: 'GET', url: feed });
      expect(res.body.includes(`href="${feed}`)).toBe(exists);
    }
  });

  it('draws each corridor as an inline SVG over Ukraine’s outline', async () => {
    const res = await get('/public?lang=en');
    const outline = /<path id="ua" d="([^"]+)"/.exec(res.body)?.[1] ?? '';
    // Mainland (with Crimea) and an island: closed rings with a hundred-odd vertices, not collapsed.
    expect((outline.match(/L/g) ?? []).length).toBeGreaterThan(100);
    expect((outline.match(/Z/g) ?? []).length).toBe(2);
    expect((res.body.match(/<svg class="map"/g) ?? []).length).toBe(2);
    expect(res.body).toContain('aria-label="Map: route from Sumy to Poltava"');
  });

  it('shows a short timeline of the public rounds and agreed points, below the corridors, in uk, ru and en', async () => {
    // The same data as /public/ledger.json: only public rounds, in order.
    // A fourth round recorded for the mediator only must not appear.
    const before = (await get('/public/ledger.json')).json() as { rounds: RoundView[] };
    const last = before.rounds.find((r) => r.number === 3);
    if (!last) throw new Error('no round 3 in the demo');
    const m = demo.members.find((x) => x.key === 'mediator-liaison');
    if (!m) throw new Error('no mediator liaison in the demo');
    const later = new Date(Date.parse(`${last.startDate.slice(0, 10)}T12:00:00Z`) + 2 * 86_400_000).toISOString().slice(0, 10);
    await inTransaction(deps, (u) =>
      createRound(u, { memberId: m.memberId, partyId: m.partyId, partyKind: 'mediator', role: 'liaison' }, {
        number: 4,
        title: 'Secret fourth round',
        startDate: later,
        venue: { name: 'Undisclosed venue', coordinates: [30, 50] },
        host: last.host,
        delegations: last.delegations,
        agenda: [{ itemId: 'humanitarian-corridors', outcome: 'agreed', note: '' }],
        summary: 'mediator only',
        nextRound: null,
        visibility: 'mediator',
      } as never),
    );
    const forMediator = (await get('/api/v1/ledger/timeline', { authorization: `Bearer ${m.token}` })).json() as { rounds: { number: number }[] };
    expect(forMediator.rounds.map((r) => r.number)).toEqual([1, 2, 3, 4]);
    const doc = (await get('/public/ledger.json')).json() as { timeline: { number: number; agreed: { title: string }[] }[] };
    const publicRounds = doc.timeline.map((r) => r.number);
    expect(publicRounds).toEqual([1, 2, 3]);
    const cases = [
      { lang: 'uk', heading: 'Переговори: раунди та погоджені пункти', round: 'Раунд', agreed: 'Погоджено', date: /Раунд 1 · \d{1,2} [а-яіїє]+ \d{4} р\. · <span lang="en">Gomel/ },
      { lang: 'ru', heading: 'Переговоры: раунды и согласованные пункты', round: 'Раунд', agreed: 'Согласовано', date: /Раунд 1 · \d{1,2} [а-яё]+ \d{4} г\. · <span lang="en">Gomel/ },
      { lang: 'en', heading: 'Talks: rounds and agreed points', round: 'Round', agreed: 'Agreed', date: /Round 1 · \d{1,2} [A-Z][a-z]+ \d{4} · Gomel/ },
    ];
    for (const c of cases) {
      const html = (await get(`/public?lang=${c.lang}`)).body;
      const at = html.indexOf('id="h-talks"');
      expect(at, c.lang).toBeGreaterThan(html.indexOf('id="h-suspended"'));
      const section = html.slice(at, html.indexOf('</section>', at));
      expect(section).toContain(c.heading);
      // Dates in the reader's language (the demo shifts the rounds' dates with the clock).
      expect(section).toMatch(c.date);
      const items = section.match(/<li class="t">/g) ?? [];
      expect(items.length, c.lang).toBe(publicRounds.length);
      for (const n of publicRounds) expect(section).toContain(`${c.round} ${n} ·`);
      // The 3 March round agreed the humanitarian corridors.
      // Recorded in English, and marked so on the Ukrainian and Russian pages (WCAG 3.1.2).
      const title = c.lang === 'en' ? 'Humanitarian corridors' : '<span lang="en">Humanitarian corridors</span>';
      expect(section).toMatch(new RegExp(`${c.round} 2 ·[^]*?${c.agreed}:</span> ${title}`));
      if (c.lang === 'en') expect(section).not.toContain('lang="en"');
      expect(section).not.toMatch(/mediator only|shared with the parties|Secret fourth|Undisclosed|<script/i);
      expect(section).not.toContain(`${c.round} 4 ·`);
    }
    const en = (await get('/public?lang=en')).body;
    expect(Buffer.byteLength(en)).toBeLessThan(100_000);
  });

  it('an unknown path is still a problem+json 404, and the app shell is served at / and /app/*', async () => {
    const nf = await get('/nope');
    expect(nf.statusCode).toBe(404);
    expect(nf.headers['content-type']).toMatch(/problem\+json/);
    const shell = await get('/app/corridors/x');
    expect(shell.statusCode).toBe(200);
    expect(shell.headers['content-type']).toMatch(/text\/html/);
    expect((await get('/')).statusCode).toBe(200);
  });

  it('serves the icon both pages link to', async () => {
    for (const page of ['/public', '/']) expect((await get(page)).body).toContain('<link rel="icon" href="/favicon.svg" type="image/svg+xml"');
    const icon = await get('/favicon.svg');
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(icon.body).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  });
});
