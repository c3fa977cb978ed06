import { capAlertXml, capAtom, capClosedReason, CAP_EVENT_TYPES, CAP_LANGS, type CapAlertInput, type CapClosedCause, type CapKind, type CapLang, type CapRef } from '../domain/cap.js';
import { densifyGeodesic } from '../domain/geo/deconfliction-engine.js';
import { hxlCsv, type HxlColumn } from '../domain/hxl.js';
import { icsCalendar, windowOccurrenceUid, type IcsEvent } from '../domain/ical.js';
import { kmlDocument } from '../domain/kml.js';
import { calendarOccurrences, icsSequence, ICS_SEQUENCE_EVENTS } from '../domain/public-record.js';
import { withoutControlCharacters } from '../domain/text.js';
import { expandStoredWindows, formatLocal, formatUtc, windowsAround } from '../domain/windows.js';
import type { Terms } from '../schemas/corridor.js';
import type { Tx } from '../store/store.js';
import { getSetting } from './bootstrap.js';
import type { Deps } from './deps.js';
import { zonePolygonOf } from './geo.js';
import { calledOffOf, incidentKindsBySuspension, publicCalledOffReason, publicPicture, publicRecords, publicSuspensionReason, type CalledOff, type PublicCorridor } from './public.js';
import { translator } from '../i18n/index.js';
import type { Lang, MessageKey } from '../i18n/messages.js';

/**
 * Public feeds (no login; corridors only — never movements, positions, sites, or incidents
 * other than through the suspension a confirmed one caused): CAP 1.2 alerts and their Atom
 * index, an iCalendar feed of windows, and GeoJSON, KML and HXL CSV of routes and zones. Each
 * reads only terms every required party guaranteed (src/domain/public-record.ts), never a
 * corridor's current terms when an amendment awaits signatures.
 */

/** The exterior ring of a corridor version's zone, or none when its stored route no longer buffers. */
function zoneRingOf(terms: Terms): [number, number][] {
  return zonePolygonOf(terms.corridorId, terms.version, terms)?.[0] ?? [];
}

async function termsAt(tx: Tx, corridorId: string, version: number): Promise<Terms | undefined> {
  const row = await tx.selectFrom('corridor_versions').select('terms').where('corridor_id', '=', corridorId).where('version', '=', version).executeTakeFirst();
  return row ? (JSON.parse(row.terms) as Terms) : undefined;
}

async function capSender(tx: Tx): Promise<string> {
  const origin = (await tx.selectFrom('settings').select('value').where('key', '=', 'log_origin').executeTakeFirst())?.value ?? 'passage.local';
  return `passage@${origin.replace(/[\s,<&]/g, '-')}`;
}

export interface CapAlertRecord {
  readonly eventId: number;
  readonly input: CapAlertInput;
}

/**
 * Every public alert, oldest first, from the outbox. Per corridor, alerts form a chain that an
 * opening starts (an Alert); later ones Update it and reference the earlier alerts of the chain;
 * only a window's end Cancels them, and the next opening starts a new chain. A closure before the
 * window's end (a key declared compromised, terms amended) and a withdrawal are Updates: they tell
 * those on the route to seek shelter, and a reader that drops a cancelled alert unread would not
 * show that. A withdrawal with no chain running (the corridor not open, nor suspended since it
 * last was) sends no alert: CAP speaks of the ceasefire on the ground; the page and the calendar
 * say the corridor is called off. A withdrawal speaks of the last terms every party guaranteed.
 */
export async function capAlerts(deps: Deps, opts: { baseUrl?: string } = {}): Promise<CapAlertRecord[]> {
  const db = deps.store.db;
  // With the events that close a corridor before its window ends, in their own transaction: they
  // say why; and each guarantee, which says what terms a later withdrawal withdraws.
  const rows = await db
    .selectFrom('events')
    .selectAll()
    .where('type', 'in', [...Object.keys(CAP_EVENT_TYPES), ...Object.keys(CLOSING_CAUSES), 'corridor.guaranteed'])
    .where('audience', 'is', null)
    .orderBy('id')
    .execute();
  const everGuaranteed = new Set(rows.filter((r) => r.type === 'corridor.guaranteed').map((r) => r.corridor_id));
  const partyName = new Map((await db.selectFrom('parties').select(['id', 'name']).execute()).map((p) => [p.id, p.name]));
  // Per corridor, the last such event since its last alert.
  const causeOf = new Map<string, { type: string; time: string; partyId?: string }>();
  // Per corridor, the version it was last guaranteed at.
  const guaranteedVersion = new Map<string, number>();
  const sender = await capSender(db);
  // The incidents behind the suspensions these alerts announce, and no others.
  const suspensionIds = rows.flatMap((r) => (r.type === 'corridor.suspended' ? ((JSON.parse(r.payload) as { suspensionId?: string }).suspensionId ?? []) : []));
  const incidentKindOf = await incidentKindsBySuspension(db, suspensionIds);
  const chains = new Map<string, CapRef[]>();
  const out: CapAlertRecord[] = [];
  for (const r of rows) {
    const corridorId = r.corridor_id;
    if (!corridorId || !everGuaranteed.has(corridorId)) continue;
    if (r.type === 'corridor.guaranteed') {
      const v = (JSON.parse(r.payload) as { version?: number }).version;
      if (v !== undefined) guaranteedVersion.set(corridorId, v);
      continue;
    }
    if (CLOSING_CAUSES[r.type] !== undefined) {
      causeOf.set(corridorId, { type: r.type, time: r.time, partyId: (JSON.parse(r.payload) as { partyId?: string }).partyId });
      continue;
    }
    const cause = causeOf.get(corridorId);
    causeOf.delete(corridorId);
    const kind = CAP_EVENT_TYPES[r.type] as CapKind;
    const payload = JSON.parse(r.payload) as { version?: number; reason?: string; window?: { start: string; end: string }; since?: string; at?: string; suspensionId?: string };
    // A closure announced in the same transaction (the same instant) as a voiding or an amendment
    // is theirs (src/app/corridors.ts); any other is a window's end (the scheduler).
    const closedBy: CapClosedCause | undefined = kind !== 'closed' ? undefined : cause && Date.parse(cause.time) === Date.parse(r.time) ? closedCause(cause, partyName) : { cause: 'window_end' };
    const chain = chains.get(corridorId) ?? [];
    // No chain running: nothing on the ground to update (see above).
    if (kind === 'withdrawn' && chain.length === 0) continue;
    // A withdrawal carries the version current then, perhaps an amendment no party but its author signed.
    const version = kind === 'withdrawn' ? (guaranteedVersion.get(corridorId) ?? payload.version ?? 1) : (payload.version ?? 1);
    const terms = await termsAt(db, corridorId, version);
    if (!terms) continue;
    const sent = Date.parse(r.time);
    const ends = closedBy?.cause === 'window_end';
    const msgType = chain.length === 0 ? 'Alert' : ends ? 'Cancel' : 'Update';
    const timeZone = terms.windows[0]?.timeZone ?? 'UTC';
    // Windows that overlap or touch are one: the whole run, as the scheduler announces its end.
    const around = windowsAround(expandStoredWindows(terms.windows).intervals, sent);
    let window: { start: number; end: number } | null = payload.window ? { start: Date.parse(payload.window.start), end: Date.parse(payload.window.end) } : null;
    if (!window) {
      const w = around.endingAfter ?? around.last;
      window = w ? { start: w.start, end: w.end } : null;
    }
    const identifier = `corridor-alert-${r.id}`;
    out.push({
      eventId: Number(r.id),
      input: {
        identifier,
        sender,
        sent,
        kind,
        msgType,
        references: [...chain],
        corridorId,
        title: terms.title,
        origin: terms.origin.name,
        destination: terms.destination.name,
        widthM: terms.widthM,
        timeZone,
        window,
        lastEnd: around.last?.end ?? null,
        ...(kind === 'suspended' && payload.since ? { effective: Date.parse(payload.since) } : kind === 'resumed' && payload.at ? { effective: Date.parse(payload.at) } : {}),
        ...(closedBy ? { closedBy } : {}),
        reason: closedBy
          ? capClosedReason(closedBy)
          : (kind === 'suspended' || kind === 'resumed' || kind === 'withdrawn') && payload.reason !== undefined
            ? capReason(payload.reason, kind === 'suspended' && payload.suspensionId ? incidentKindOf.get(payload.suspensionId) : undefined)
            : null,
        zone: zoneRingOf(terms),
        web: opts.baseUrl ? `${opts.baseUrl}/public` : undefined,
      },
    });
    if (ends) chains.set(corridorId, []);
    else chains.set(corridorId, [...chain, { identifier, sent }]);
  }
  return out;
}

/** Events that close an open corridor before its window ends, each announced with a `corridor.closed` in its transaction. */
const CLOSING_CAUSES: Record<string, Exclude<CapClosedCause['cause'], 'window_end'>> = {
  'guarantee.voided': 'key_compromised',
  'corridor.amended': 'amended',
};

function closedCause(e: { type: string; partyId?: string | undefined }, partyName: ReadonlyMap<string, string>): CapClosedCause {
  return CLOSING_CAUSES[e.type] === 'key_compromised' ? { cause: 'key_compromised', party: partyName.get(e.partyId ?? '') ?? e.partyId ?? '' } : { cause: 'amended' };
}

const LANG_OF_CAP: Record<CapLang, Lang> = { 'uk-UA': 'uk', 'ru-RU': 'ru', 'en-US': 'en' };

/** A suspension's public reason in each language of an alert (an incident's kind is translated; a party's words are its own). */
function capReason(reason: string, incidentKind: Parameters<typeof publicSuspensionReason>[1]): Record<CapLang, string> {
  return Object.fromEntries(CAP_LANGS.map((l) => [l, publicSuspensionReason(reason, incidentKind, LANG_OF_CAP[l])])) as Record<CapLang, string>;
}

export async function capAlertDocument(deps: Deps, eventId: number, baseUrl?: string): Promise<string | undefined> {
  const a = (await capAlerts(deps, baseUrl ? { baseUrl } : {})).find((x) => x.eventId === eventId);
  return a ? capAlertXml(a.input) : undefined;
}

export async function capAtomFeed(deps: Deps, baseUrl: string): Promise<string> {
  const alerts = (await capAlerts(deps, { baseUrl })).reverse();
  // Updated when its newest alert was sent; a feed with none has not changed since the server
  // was set up (not "now": its bytes, and so its entity tag, would change every second).
  const created = Date.parse((await getSetting(deps, 'created_at')) ?? '');
  return capAtom({
    id: `${baseUrl}/public/cap.atom`,
    title: 'Passage — humanitarian corridor alerts (CAP 1.2)',
    self: `${baseUrl}/public/cap.atom`,
    updated: alerts[0]?.input.sent ?? (Number.isNaN(created) ? deps.now() : created),
    entries: alerts.map((a) => ({
      id: `${baseUrl}/public/cap/${a.eventId}.xml`,
      title: `${a.input.title}: ${a.input.kind} (${a.input.msgType})`,
      updated: a.input.sent,
      summary: `${a.input.origin} → ${a.input.destination}: corridor ${a.input.kind}${a.input.reason ? ` — ${a.input.reason['en-US']}` : ''}`,
      href: `${baseUrl}/public/cap/${a.eventId}.xml`,
    })),
  });
}

// ---- iCalendar ------------------------------------------------------------------------------

/**
 * One VEVENT per window instance of every corridor ever guaranteed by all the parties it required:
 * the windows of the last terms they all guaranteed — never an amendment that awaits signatures.
 * UIDs are stable per occurrence (its agreed local start: `windowOccurrenceUid`). An event is
 * CANCELLED while a suspension holds over it, when one covered it, and when the guarantee ended
 * before it did (a key declared compromised, terms amended, withdrawn), its description saying
 * since when and why. SEQUENCE counts every change to the corridor (`icsSequence`).
 */
/** The iCalendar feed of public windows, its words in `lang` (times are UTC whatever the language). */
export async function corridorsIcs(deps: Deps, baseUrl?: string, lang: Lang = 'en'): Promise<string> {
  const db = deps.store.db;
  const tr = translator(lang);
  const records = await publicRecords(db);
  const names = new Map((await db.selectFrom('parties').select(['id', 'name']).execute()).map((p) => [p.id, p.name]));
  // The changes each corridor has been through: what SEQUENCE counts.
  const counts = new Map<string, Record<string, number>>();
  if (records.length > 0) {
    const rows = await db
      .selectFrom('events')
      .select(['corridor_id', 'type', (eb) => eb.fn.countAll<number>().as('n')])
      .where('type', 'in', [...ICS_SEQUENCE_EVENTS])
      .where('audience', 'is', null)
      .groupBy(['corridor_id', 'type'])
      .execute();
    for (const r of rows) counts.set(r.corridor_id ?? '', { ...counts.get(r.corridor_id ?? ''), [r.type]: Number(r.n) });
  }
  // The incidents behind the listed corridors' suspensions, and no others.
  const incidentKindOf = await incidentKindsBySuspension(db, records.flatMap((r) => r.corridor.suspensions.map((s) => s.id)));
  const events: IcsEvent[] = [];
  for (const r of records) {
    const c = r.corridor;
    const id = c.row.id;
    const suspensions = c.suspensions.map((s) => ({ since: Date.parse(s.since), until: s.until === null ? null : Date.parse(s.until), reason: publicSuspensionReason(s.reason, incidentKindOf.get(s.id), lang) }));
    const words = (prefix: 'purpose' | 'eligibility', xs: readonly string[]): string => xs.map((x) => tr(`${prefix}.${x}` as MessageKey)).join(', ');
    const sequence = icsSequence(counts.get(id) ?? {});
    // Each guaranteed version's occurrences, named by when they were agreed to start (not by
    // their position among the occurrences); each occurrence told in the terms of the span that
    // speaks for it (`calendarOccurrences`): an amendment that moved a window leaves the old
    // occurrence in the feed, cancelled, rather than dropping it from subscribers' calendars.
    const occurrencesOf = (version: number) => {
      const terms = r.termsOf.get(version);
      if (!terms) return [];
      const uids = new Set<string>();
      return expandStoredWindows(terms.windows).intervals.map((iv) => {
        let uid = windowOccurrenceUid(id, iv.localStart);
        if (uids.has(uid)) uid = windowOccurrenceUid(id, iv.localStart, iv.windowIndex);
        uids.add(uid);
        return { ...iv, uid };
      });
    };
    for (const { span, occurrence: iv } of calendarOccurrences(r.spans, occurrencesOf)) {
      const t = r.termsOf.get(span.version) as Terms;
      const uid = iv.uid;
      // When and why the guarantee of those terms ended, if it did.
      const lost: { at: number; calledOff: CalledOff } | null =
        span.until !== null && span.endedBy !== null ? { at: span.until, calledOff: calledOffOf(r, { kind: 'ended_early', version: span.version, since: span.until, endedBy: span.endedBy }, names) } : null;
      const route = `${t.origin.name} → ${t.destination.name}`;
      const tz = t.windows[iv.windowIndex]?.timeZone ?? 'UTC';
      const inForce = suspensions.find((s) => s.until === null && s.since < iv.end);
      const covering = suspensions.find((s) => s.until !== null && s.since <= iv.start && s.until >= iv.end);
      // The guarantee ended before this window did: it will not (or did not fully) take place.
      const calledOff = lost !== null && lost.at < iv.end ? lost : null;
      const cancelled = calledOff !== null || inForce !== undefined || covering !== undefined;
      const why = inForce ?? covering;
      const second = (ms: number): number => Math.floor(ms / 1000) * 1000;
      const lines = [
        // The title alone when it is just the route (as it usually is), not "A → B: A → B".
        t.title === route ? route : `${t.title}: ${route}`,
        `${tr('ics.window')}: ${formatLocal(iv.start, tz)} – ${formatLocal(iv.end, tz)} (${tz}); ${formatUtc(iv.start)} – ${formatUtc(iv.end)}`,
        `${tr('public.purposes')}: ${words('purpose', t.purposes)}. ${tr('public.for')}: ${words('eligibility', t.eligibility)}. ${tr('ics.direction')}: ${tr(`direction.${t.direction}` as MessageKey)}.`,
        // "1,5 км" in Ukrainian and Russian (CLDR's decimal comma), "1.5 km" in English.
        tr('ics.zone', { km: new Intl.NumberFormat(lang, { maximumFractionDigits: 3 }).format(t.widthM / 1000) }),
        // To the second, in the agreed zone and in UTC, like the window line above.
        ...(calledOff ? [tr('ics.calledOff', { local: formatLocal(second(calledOff.at), tz), zone: tz, utc: formatUtc(second(calledOff.at)), reason: publicCalledOffReason(calledOff.calledOff, lang) })] : []),
        ...(why ? [tr('ics.suspended', { local: formatLocal(second(why.since), tz), zone: tz, utc: formatUtc(second(why.since)), reason: why.reason })] : []),
      ];
      events.push({
        uid,
        dtstamp: Date.parse(c.row.updated_at),
        lastModified: Date.parse(c.row.updated_at),
        start: iv.start,
        end: iv.end,
        summary: `${cancelled ? `${tr('ics.cancelled')}: ` : ''}${tr('ics.summary', { title: t.title })}`,
        description: lines.join('\n'),
        location: route,
        geo: [t.origin.coordinates[1], t.origin.coordinates[0]],
        status: cancelled ? 'CANCELLED' : 'CONFIRMED',
        sequence,
        timeZone: tz,
        categories: [tr('ics.category'), ...t.purposes.map((p) => tr(`purpose.${p}` as MessageKey))],
        url: baseUrl ? `${baseUrl}/public` : undefined,
      });
    }
  }
  return icsCalendar(events, { name: tr('ics.name'), description: tr('ics.description'), language: lang });
}

// ---- GeoJSON, KML, CSV ----------------------------------------------------------------------

function densified(route: readonly [number, number][]): [number, number][] {
  return densifyGeodesic(route, 1000);
}

/** A position to 6 decimals (about 10 cm, RFC 7946 §11.2), as in the KML: no 15-digit noise. */
function micro([lon, lat]: readonly [number, number]): [number, number] {
  return [+lon.toFixed(6), +lat.toFixed(6)];
}

/** Party-written text as the feeds give it: without control characters (docs/feeds.md). */
const clean = (s: string): string => withoutControlCharacters(s);

/** Why it closed before its windows ran out, in English (the feeds are language-neutral), or null. */
function closedReasonOf(c: PublicCorridor): string | null {
  return c.calledOff ? clean(publicCalledOffReason(c.calledOff, 'en')) : null;
}

function publicProps(c: PublicCorridor): Record<string, unknown> {
  return {
    corridorId: c.id,
    title: clean(c.title),
    status: c.group,
    origin: clean(c.origin.name),
    destination: clean(c.destination.name),
    widthM: c.widthM,
    direction: c.direction,
    purposes: c.purposes,
    eligibility: c.eligibility,
    timeZone: c.timeZone,
    windowStart: c.window ? formatUtc(c.window.start) : null,
    windowEnd: c.window ? formatUtc(c.window.end) : null,
    suspendedSince: c.suspension ? formatUtc(c.suspension.since) : null,
    suspensionReason: c.suspension ? clean(c.suspension.reason) : null,
    closedAt: c.closedAt === null ? null : formatUtc(c.closedAt),
    // Closed before its windows ran out: `key_compromised`, `amended` or `withdrawn`, and why in words.
    closedCause: c.calledOff?.cause ?? null,
    closedReason: closedReasonOf(c),
  };
}

/** The zone of the terms shown (the last guaranteed version), not of the corridor's current terms. */
function zoneOfPublic(c: PublicCorridor): [number, number][][] | undefined {
  return zonePolygonOf(c.id, c.version, { route: { coordinates: c.route }, widthM: c.widthM });
}

/**
 * The public corridors as a GeoJSON FeatureCollection. Beside `features`: `generatedAt`, the
 * instant the picture was taken (now, UTC, to the millisecond) — it differs on every request, so
 * the feed's entity tag leaves it out — and `demo`, whether this database holds the illustrative
 * demo scenario (`passage demo`; the settings key `demo_loaded`).
 */
export async function corridorsGeoJson(deps: Deps): Promise<{ type: 'FeatureCollection'; generatedAt: string; demo: boolean; features: unknown[] }> {
  const pic = await publicPicture(deps);
  const features: unknown[] = [];
  for (const c of pic.corridors) {
    const props = publicProps(c);
    features.push({ type: 'Feature', id: `${c.id}/route`, geometry: { type: 'LineString', coordinates: densified(c.route).map(micro) }, properties: { ...props, feature: 'route' } });
    const zone = zoneOfPublic(c);
    // A ceasefire zone only while the ceasefire holds (the corridor open); before its window, while
    // suspended and after it, the same polygon is the zone agreed, where no ceasefire holds now.
    const holds = c.group === 'open';
    if (zone) features.push({ type: 'Feature', id: `${c.id}/zone`, geometry: { type: 'Polygon', coordinates: zone.map((ring) => ring.map(micro)) }, properties: { ...props, feature: holds ? 'ceasefire_zone' : 'agreed_zone', ceasefireInForce: holds } });
  }
  return { type: 'FeatureCollection', generatedAt: formatUtc(pic.at), demo: pic.demo, features };
}

export async function corridorsKml(deps: Deps): Promise<string> {
  const pic = await publicPicture(deps);
  const items = [];
  for (const c of pic.corridors) {
    const p = publicProps(c);
    const data = Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v === null ? '' : Array.isArray(v) ? v.join(', ') : String(v)]));
    const closed = c.calledOff && c.closedAt !== null ? `; no longer in force since ${formatUtc(c.closedAt)}: ${closedReasonOf(c)}` : '';
    items.push({
      id: c.id,
      name: c.title,
      description: `${c.origin.name} → ${c.destination.name}: ${c.group}${c.window ? `, window ${formatLocal(c.window.start, c.window.timeZone)} – ${formatLocal(c.window.end, c.window.timeZone)} (${c.window.timeZone})` : ''}${c.suspension ? `; suspended since ${formatUtc(c.suspension.since)}: ${c.suspension.reason}` : ''}${closed}`,
      route: densified(c.route),
      zone: zoneOfPublic(c)?.[0] ?? [],
      zoneInForce: c.group === 'open',
      data,
    });
  }
  return kmlDocument('Passage — humanitarian corridors', items);
}

const CSV_COLUMNS: HxlColumn<PublicCorridor>[] = [
  { header: 'Corridor id', tag: '#meta+id', value: (c) => c.id },
  { header: 'Title', tag: '#loc+name+corridor', value: (c) => clean(c.title) },
  { header: 'Status', tag: '#status', value: (c) => c.group },
  { header: 'Origin', tag: '#loc+name+origin', value: (c) => clean(c.origin.name) },
  { header: 'Origin latitude', tag: '#geo+lat+origin', value: (c) => c.origin.coordinates[1] },
  { header: 'Origin longitude', tag: '#geo+lon+origin', value: (c) => c.origin.coordinates[0] },
  { header: 'Destination', tag: '#loc+name+destination', value: (c) => clean(c.destination.name) },
  { header: 'Destination latitude', tag: '#geo+lat+destination', value: (c) => c.destination.coordinates[1] },
  { header: 'Destination longitude', tag: '#geo+lon+destination', value: (c) => c.destination.coordinates[0] },
  { header: 'Window start (UTC)', tag: '#date+start', value: (c) => (c.window ? formatUtc(c.window.start) : '') },
  { header: 'Window end (UTC)', tag: '#date+end', value: (c) => (c.window ? formatUtc(c.window.end) : '') },
  { header: 'Time zone', tag: '#meta+timezone', value: (c) => c.timeZone },
  { header: 'Width (m)', tag: '#meta+width_m', value: (c) => c.widthM },
  { header: 'Direction', tag: '#meta+direction', value: (c) => c.direction },
  { header: 'Purposes', tag: '#sector', value: (c) => c.purposes.join(' ') },
  { header: 'Eligible', tag: '#population+eligible', value: (c) => c.eligibility.join(' ') },
  { header: 'Suspended since (UTC)', tag: '#date+suspended', value: (c) => (c.suspension ? formatUtc(c.suspension.since) : '') },
  { header: 'Suspension reason', tag: '#description+suspension', value: (c) => (c.suspension ? clean(c.suspension.reason) : '') },
  { header: 'Closed at (UTC)', tag: '#date+closed', value: (c) => (c.closedAt === null ? '' : formatUtc(c.closedAt)) },
  { header: 'Closure cause', tag: '#status+closure', value: (c) => c.calledOff?.cause ?? '' },
  { header: 'Closure reason', tag: '#description+closure', value: (c) => closedReasonOf(c) ?? '' },
];

export async function corridorsCsv(deps: Deps): Promise<string> {
  return hxlCsv(CSV_COLUMNS, (await publicPicture(deps)).corridors);
}
