import { DateTime } from 'luxon';
import { withoutControlCharacters } from './text.js';

/**
 * OASIS Common Alerting Protocol 1.2 alerts for corridors (DESIGN.md, "Standards we speak"):
 * one <info> per language (uk-UA, ru-RU, en-US), the ceasefire zone as a CAP polygon of
 * "lat,lon" pairs in a closed ring, times with an offset and no fraction. Pure text building;
 * the XML is valid against the OASIS schema, test/fixtures/cap/CAP-v1.2.xsd (checked by a test with xmllint).
 */
export const CAP_NS = 'urn:oasis:names:tc:emergency:cap:1.2';

export type CapKind = 'opened' | 'closed' | 'suspended' | 'resumed' | 'withdrawn';
export const CAP_EVENT_TYPES: Record<string, CapKind> = {
  'corridor.opened': 'opened',
  'corridor.closed': 'closed',
  'corridor.suspended': 'suspended',
  'corridor.resumed': 'resumed',
  'corridor.withdrawn': 'withdrawn',
};

export type CapLang = 'uk-UA' | 'ru-RU' | 'en-US';
export const CAP_LANGS: readonly CapLang[] = ['uk-UA', 'ru-RU', 'en-US'];

export interface CapRef {
  readonly identifier: string;
  readonly sent: number;
}

/**
 * Why a corridor closed (kind `closed`). `window_end`: its window ran its course. The others close
 * it while its window runs, and the ceasefire ends with it: `key_compromised`, a required party's
 * guarantee no longer binds because the key it was signed with was declared compromised (`party`:
 * its name); `amended`, its terms were amended and await every party's guarantee again.
 */
export type CapClosedCause = { readonly cause: 'window_end' } | { readonly cause: 'key_compromised'; readonly party: string } | { readonly cause: 'amended' };

export interface CapAlertInput {
  readonly identifier: string;
  readonly sender: string;
  readonly sent: number;
  readonly kind: CapKind;
  readonly msgType: 'Alert' | 'Update' | 'Cancel';
  /** Earlier alerts of the same corridor this one updates or cancels. */
  readonly references: readonly CapRef[];
  readonly corridorId: string;
  readonly title: string;
  readonly origin: string;
  readonly destination: string;
  readonly widthM: number;
  /** The zone the corridor was agreed in; alert times are given with its offset. */
  readonly timeZone: string;
  /**
   * The window concerned (opened, closed), or the one in force or next (suspended, resumed,
   * withdrawn). Windows that overlap or touch are one (`windowsAround`): the corridor stays open
   * across the seam, so "holds until" and `expires` say the end of the whole run.
   */
  readonly window: { start: number; end: number } | null;
  /** When the corridor's last window ends (its terms'); null when none expands. Default: the window's end. */
  readonly lastEnd?: number | null;
  /** Why a `closed` corridor closed (default: its window ended). */
  readonly closedBy?: CapClosedCause;
  /** When the change took effect (a suspension's start, a resumption), if not when it was sent. */
  readonly effective?: number;
  /** The reason, in each language of the alert (a party's own words are the same in all three). */
  readonly reason: Readonly<Record<CapLang, string>> | null;
  /** Exterior ring of the ceasefire zone, [lon, lat], closed. */
  readonly zone: readonly (readonly [number, number])[];
  readonly web?: string | undefined;
}

/** `2022-03-08T09:00:00+02:00`: offset of the agreed zone, no fraction, never `Z` (CAP 1.2 §3.3.2). */
export function capTime(ms: number, timeZone: string): string {
  const dt = DateTime.fromMillis(Math.floor(ms / 1000) * 1000, { zone: timeZone });
  const z = dt.isValid ? dt : DateTime.fromMillis(Math.floor(ms / 1000) * 1000, { zone: 'UTC' });
  return z.toFormat("yyyy-MM-dd'T'HH:mm:ssZZ").replace(/Z$/, '+00:00');
}

function localText(ms: number, timeZone: string): string {
  const dt = DateTime.fromMillis(ms, { zone: timeZone });
  return (dt.isValid ? dt : DateTime.fromMillis(ms, { zone: 'UTC' })).toFormat('yyyy-MM-dd HH:mm');
}

export function xmlEscape(s: string): string {
  // Characters XML 1.0 forbids are dropped; markup characters are escaped.
  return withoutControlCharacters(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

/**
 * A CAP polygon: space-separated "lat,lon" pairs, first = last (CAP 1.2 §3.2.4), to 5 decimals
 * (about a metre). A position that rounds onto the one before it is left out: a zero-length edge
 * upsets strict geometry readers.
 */
export function capPolygon(ring: readonly (readonly [number, number])[]): string {
  const pts: string[] = [];
  for (const [lon, lat] of ring) {
    const pair = `${+lat.toFixed(5)},${+lon.toFixed(5)}`;
    if (pts[pts.length - 1] !== pair) pts.push(pair);
  }
  if (pts.length > 0 && pts[0] !== pts[pts.length - 1]) pts.push(pts[0] as string);
  return pts.join(' ');
}

interface Words {
  event: Record<CapKind, string>;
  instruction: Record<CapKind, string>;
  /** The instruction of a resumption between windows (`{start}`: when the next one opens). */
  resumedLater: string;
  /** The instruction of a corridor closed while its window ran (`closedBy` other than the window's end). */
  closedEarly: string;
  /**
   * The instruction of a change (suspension, resumption, withdrawal) sent once every window of the
   * corridor has ended: nothing on the ground changes with it (urgency Past, responseType None).
   */
  windowsOver: string;
  /** The reason of such a closure, by cause. */
  closedReason: Record<Exclude<CapClosedCause['cause'], 'window_end'>, string>;
  area: string;
  description: string;
  window: string;
  reason: string;
  senderName: string;
}

const WORDS: Record<CapLang, Words> = {
  'en-US': {
    event: { opened: 'Humanitarian corridor open', closed: 'Humanitarian corridor closed', suspended: 'Humanitarian corridor suspended', resumed: 'Humanitarian corridor resumed', withdrawn: 'Humanitarian corridor withdrawn' },
    instruction: {
      opened: 'The ceasefire along the route holds until {end}. Use only the agreed route and stay within the corridor.',
      closed: 'The window has ended; the ceasefire along the route no longer holds.',
      suspended: 'Do not set out. Those already on the route: seek shelter and follow official instructions.',
      resumed: 'The ceasefire along the route holds again. Check the window times before setting out.',
      withdrawn: 'The corridor has been withdrawn; do not use the route.',
    },
    resumedLater: 'The suspension has been lifted, but the ceasefire along the route holds only from the next window: {start}. Do not set out before then.',
    closedEarly: 'The ceasefire along the route no longer holds, although the window had not ended. Do not set out. Those already on the route: seek shelter and follow official instructions.',
    windowsOver: 'Every window of this corridor has already ended, so no ceasefire holds along the route; this notice records the change and calls for no action.',
    closedReason: {
      key_compromised: 'the guarantee of {party} no longer binds: the digital key it was signed with was declared compromised (lost or stolen)',
      amended: 'the terms were amended; it can open again only once every party has guaranteed the new terms',
    },
    area: 'Ceasefire zone of the corridor {origin} → {destination}, {km} km wide',
    description: '{title}: from {origin} to {destination}.',
    window: 'Window: {start} – {end} ({tz}).',
    reason: 'Reason: {reason}',
    senderName: 'Passage — corridor record of the parties and the mediator',
  },
  'uk-UA': {
    event: { opened: 'Гуманітарний коридор відкрито', closed: 'Гуманітарний коридор закрито', suspended: 'Дію гуманітарного коридору призупинено', resumed: 'Дію гуманітарного коридору відновлено', withdrawn: 'Гуманітарний коридор скасовано' },
    instruction: {
      opened: 'Режим тиші на маршруті діє до {end}. Рухайтеся лише узгодженим маршрутом і не виходьте за межі коридору.',
      closed: 'Час роботи коридору завершився; режим тиші на маршруті більше не діє.',
      suspended: 'Не вирушайте в дорогу. Ті, хто вже в дорозі: шукайте укриття та виконуйте офіційні вказівки.',
      resumed: 'Режим тиші на маршруті знову діє. Перевірте час роботи коридору перед виїздом.',
      withdrawn: 'Коридор скасовано; не користуйтеся цим маршрутом.',
    },
    resumedLater: 'Призупинення скасовано, але режим тиші на маршруті діятиме лише з наступного часу роботи коридору: {start}. Не вирушайте раніше.',
    closedEarly: 'Режим тиші на маршруті більше не діє, хоча час роботи коридору ще не сплив. Не вирушайте в дорогу. Ті, хто вже в дорозі: шукайте укриття та виконуйте офіційні вказівки.',
    windowsOver: 'Увесь час роботи цього коридору вже минув, тож режим тиші на маршруті не діє; це повідомлення лише фіксує зміну й не вимагає жодних дій.',
    closedReason: {
      key_compromised: 'гарантія сторони «{party}» більше не діє: цифровий ключ, яким її підписано, визнано скомпрометованим (втраченим або викраденим)',
      amended: 'умови коридору змінено; він зможе знову відкритися лише після того, як усі сторони гарантують нові умови',
    },
    area: 'Зона режиму тиші коридору {origin} → {destination}, ширина {km} км',
    description: '{title}: з {origin} до {destination}.',
    window: 'Час роботи: {start} – {end} ({tz}).',
    reason: 'Причина: {reason}',
    senderName: 'Passage — реєстр коридорів сторін і посередника',
  },
  'ru-RU': {
    event: { opened: 'Гуманитарный коридор открыт', closed: 'Гуманитарный коридор закрыт', suspended: 'Действие гуманитарного коридора приостановлено', resumed: 'Действие гуманитарного коридора возобновлено', withdrawn: 'Гуманитарный коридор отменён' },
    instruction: {
      opened: 'Режим тишины на маршруте действует до {end}. Двигайтесь только по согласованному маршруту и не покидайте коридор.',
      closed: 'Время работы коридора истекло; режим тишины на маршруте больше не действует.',
      suspended: 'Не выезжайте. Тем, кто уже в пути: ищите укрытие и следуйте официальным указаниям.',
      resumed: 'Режим тишины на маршруте снова действует. Проверьте время работы коридора перед выездом.',
      withdrawn: 'Коридор отменён; не используйте этот маршрут.',
    },
    resumedLater: 'Приостановка отменена, но режим тишины на маршруте будет действовать только со следующего времени работы коридора: {start}. Не выезжайте раньше.',
    closedEarly: 'Режим тишины на маршруте больше не действует, хотя время работы коридора ещё не истекло. Не выезжайте. Тем, кто уже в пути: ищите укрытие и следуйте официальным указаниям.',
    windowsOver: 'Всё время работы этого коридора уже истекло, поэтому режим тишины на маршруте не действует; это сообщение лишь фиксирует изменение и не требует никаких действий.',
    closedReason: {
      key_compromised: 'гарантия стороны «{party}» больше не действует: цифровой ключ, которым она подписана, признан скомпрометированным (утерян или похищен)',
      amended: 'условия коридора изменены; он сможет снова открыться только после того, как все стороны гарантируют новые условия',
    },
    area: 'Зона режима тишины коридора {origin} → {destination}, ширина {km} км',
    description: '{title}: из {origin} в {destination}.',
    window: 'Время работы: {start} – {end} ({tz}).',
    reason: 'Причина: {reason}',
    senderName: 'Passage — реестр коридоров сторон и посредника',
  },
};

function fill(template: string, vars: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_m, k: string) => vars[k] ?? '');
}

/**
 * The tone of an alert: its kind's, or `closed_early` (closed while a window ran: what a
 * suspension is to those who would use it — avoid it, now), or `past` (a change sent once every
 * window has ended: nothing to do, whatever the fixed table says of its kind).
 */
type Tone = CapKind | 'closed_early' | 'past';
const SEVERITY: Record<Tone, string> = { opened: 'Moderate', closed: 'Minor', suspended: 'Severe', resumed: 'Moderate', withdrawn: 'Severe', closed_early: 'Severe', past: 'Minor' };
const URGENCY: Record<Tone, string> = { opened: 'Immediate', closed: 'Past', suspended: 'Immediate', resumed: 'Immediate', withdrawn: 'Immediate', closed_early: 'Immediate', past: 'Past' };
const RESPONSE: Record<Tone, string> = { opened: 'Execute', closed: 'None', suspended: 'Avoid', resumed: 'Execute', withdrawn: 'Avoid', closed_early: 'Avoid', past: 'None' };

/** Closed while its window ran: the ceasefire ended early, and people may be on the route. */
function closedEarly(a: Pick<CapAlertInput, 'kind' | 'closedBy'>): boolean {
  return a.kind === 'closed' && a.closedBy !== undefined && a.closedBy.cause !== 'window_end';
}

/**
 * A suspension, resumption or withdrawal sent when every window of the corridor had already ended
 * (an incident confirmed days later, say): it records the change, and asks nothing of anyone.
 */
export function capWindowsOver(a: Pick<CapAlertInput, 'kind' | 'window' | 'lastEnd' | 'sent'>): boolean {
  if (a.kind !== 'suspended' && a.kind !== 'resumed' && a.kind !== 'withdrawn') return false;
  const end = a.lastEnd === undefined ? a.window?.end : a.lastEnd;
  return end === undefined || end === null || end <= a.sent;
}

function toneOf(a: CapAlertInput): Tone {
  if (capWindowsOver(a)) return 'past';
  if (closedEarly(a)) return 'closed_early';
  return a.kind;
}

/**
 * When an alert stops being current (CAP `expires`), so that readers drop it then: an opening or
 * a resumption with the window it concerns (the whole run of touching windows), a closure before
 * the window's end with that window (it would have closed then anyway), a suspension or a
 * withdrawal with the corridor's last window. None for a window's end (a Cancel), nor for a change
 * sent after every window had ended (urgency Past), nor for a time already gone.
 */
export function capExpires(a: CapAlertInput): number | undefined {
  if (capWindowsOver(a)) return undefined;
  let end: number | undefined;
  if (a.kind === 'opened' || a.kind === 'resumed' || closedEarly(a)) end = a.window?.end;
  else if (a.kind === 'suspended' || a.kind === 'withdrawn') end = (a.lastEnd === undefined ? a.window?.end : a.lastEnd) ?? undefined;
  return end !== undefined && end > a.sent ? end : undefined;
}

/** The instruction, in one language: what to do, now. */
function instructionOf(a: CapAlertInput, w: Words, end: string): string {
  if (capWindowsOver(a)) return w.windowsOver;
  // Withdrawn while its window ran: the ceasefire ends now, as an early closure's does.
  if (closedEarly(a) || (a.kind === 'withdrawn' && a.window !== null && a.window.start <= a.sent && a.sent < a.window.end)) return w.closedEarly;
  if (a.kind === 'resumed') return resumedInstruction(a, w);
  return fill(w.instruction[a.kind], { end });
}

/**
 * A resumption says the ceasefire holds again only when a window runs at that moment; between
 * windows it names when the next opens, and after the last that none will.
 */
function resumedInstruction(a: CapAlertInput, w: Words): string {
  const at = a.effective ?? a.sent;
  if (a.window === null || a.window.end <= at) return w.windowsOver;
  if (a.window.start > at) return fill(w.resumedLater, { start: `${localText(a.window.start, a.timeZone)} (${a.timeZone})` });
  return w.instruction.resumed;
}

/** Why a corridor closed, in each language of an alert; none when its window ended (the instruction says so). */
export function capClosedReason(closedBy: CapClosedCause): Record<CapLang, string> | null {
  if (closedBy.cause === 'window_end') return null;
  const party = closedBy.cause === 'key_compromised' ? closedBy.party : '';
  return Object.fromEntries(CAP_LANGS.map((l) => [l, fill(WORDS[l].closedReason[closedBy.cause], { party })])) as Record<CapLang, string>;
}

/** The `references` value: space-separated "sender,identifier,sent" triples. */
export function capReferences(sender: string, refs: readonly CapRef[], timeZone: string): string {
  return refs.map((r) => `${sender},${r.identifier},${capTime(r.sent, timeZone)}`).join(' ');
}

export function capAlertXml(a: CapAlertInput): string {
  const tz = a.timeZone;
  const lines: string[] = ['<?xml version="1.0" encoding="UTF-8"?>', `<alert xmlns="${CAP_NS}">`];
  const el = (indent: string, name: string, value: string): void => {
    lines.push(`${indent}<${name}>${xmlEscape(value)}</${name}>`);
  };
  el('  ', 'identifier', a.identifier);
  el('  ', 'sender', a.sender);
  el('  ', 'sent', capTime(a.sent, tz));
  el('  ', 'status', 'Actual');
  el('  ', 'msgType', a.msgType);
  el('  ', 'scope', 'Public');
  el('  ', 'code', 'passage:corridor');
  if (a.references.length > 0) el('  ', 'references', capReferences(a.sender, a.references, tz));
  el('  ', 'incidents', a.corridorId);
  for (const lang of CAP_LANGS) {
    const w = WORDS[lang];
    // "2,5 км" in Ukrainian and Russian, "2.5 km" in English (CLDR's decimal separators).
    const km = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 }).format(Math.round(a.widthM / 100) / 10);
    const end = a.window ? `${localText(a.window.end, tz)} (${tz})` : '';
    lines.push('  <info>');
    el('    ', 'language', lang);
    el('    ', 'category', 'Safety');
    el('    ', 'event', w.event[a.kind]);
    const tone = toneOf(a);
    el('    ', 'responseType', RESPONSE[tone]);
    el('    ', 'urgency', URGENCY[tone]);
    el('    ', 'severity', SEVERITY[tone]);
    el('    ', 'certainty', 'Observed');
    el('    ', 'audience', 'civilians, humanitarian agencies, journalists');
    el('    ', 'effective', capTime(a.effective ?? a.sent, tz));
    if (a.kind === 'opened' && a.window) el('    ', 'onset', capTime(a.window.start, tz));
    const expires = capExpires(a);
    if (expires !== undefined) el('    ', 'expires', capTime(expires, tz));
    el('    ', 'senderName', w.senderName);
    el('    ', 'headline', `${a.title}: ${w.event[a.kind]}`);
    const desc = [fill(w.description, { title: a.title, origin: a.origin, destination: a.destination })];
    if (a.window) desc.push(fill(w.window, { start: localText(a.window.start, tz), end: localText(a.window.end, tz), tz }));
    if (a.reason) desc.push(fill(w.reason, { reason: a.reason[lang] }));
    el('    ', 'description', desc.join(' '));
    el('    ', 'instruction', instructionOf(a, w, end));
    if (a.web) el('    ', 'web', a.web);
    lines.push('    <parameter>');
    el('      ', 'valueName', 'corridorId');
    el('      ', 'value', a.corridorId);
    lines.push('    </parameter>');
    lines.push('    <area>');
    el('      ', 'areaDesc', fill(w.area, { origin: a.origin, destination: a.destination, km }));
    if (a.zone.length >= 4) el('      ', 'polygon', capPolygon(a.zone));
    lines.push('    </area>');
    lines.push('  </info>');
  }
  lines.push('</alert>');
  return `${lines.join('\n')}\n`;
}

export interface AtomEntry {
  readonly id: string;
  readonly title: string;
  readonly updated: number;
  readonly summary: string;
  readonly href: string;
}

/** An Atom (RFC 4287) index of CAP alerts, newest first, each linking its CAP document. */
export function capAtom(feed: { id: string; title: string; self: string; updated: number; entries: readonly AtomEntry[] }): string {
  const iso = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `  <id>${xmlEscape(feed.id)}</id>`,
    `  <title>${xmlEscape(feed.title)}</title>`,
    `  <updated>${iso(feed.updated)}</updated>`,
    `  <author><name>Passage</name></author>`,
    `  <link rel="self" type="application/atom+xml" href="${xmlEscape(feed.self)}"/>`,
  ];
  for (const e of feed.entries) {
    out.push(
      '  <entry>',
      `    <id>${xmlEscape(e.id)}</id>`,
      `    <title>${xmlEscape(e.title)}</title>`,
      `    <updated>${iso(e.updated)}</updated>`,
      `    <summary>${xmlEscape(e.summary)}</summary>`,
      `    <link rel="alternate" type="application/cap+xml" href="${xmlEscape(e.href)}"/>`,
      '  </entry>',
    );
  }
  out.push('</feed>');
  return `${out.join('\n')}\n`;
}
