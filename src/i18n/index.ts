/**
 * Translation and formatting shared by the public page (server-rendered) and the operations
 * app (bundled by Vite): i18next over the catalogues in messages.ts, language negotiation,
 * and times shown in the zone a corridor was agreed in and in UTC. No I/O: Intl only.
 */
import i18next, { type i18n } from 'i18next';
import { CATALOGUES, LANGS, type Lang, type MessageKey } from './messages.js';

export { LANGS, CATALOGUES, type Lang, type MessageKey };

export const DEFAULT_LANG: Lang = 'uk';

export function isLang(x: unknown): x is Lang {
  return typeof x === 'string' && (LANGS as readonly string[]).includes(x);
}

/**
 * The language a tag names, read as BCP 47 does: case-insensitively, and a region or other subtag
 * after the language does not change it (`ru-RU`, `RU`, `uk_UA`, `en-GB` → ru, ru, uk, en).
 * Undefined for a language Passage does not speak (`de`, `xx`, `ukr`).
 */
export function langOf(tag: unknown): Lang | undefined {
  if (typeof tag !== 'string') return undefined;
  const base = /^\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*\s*$/.exec(tag)?.[1]?.toLowerCase();
  return isLang(base) ? base : undefined;
}

const instances = new Map<Lang, i18n>();

function instance(lang: Lang): i18n {
  let inst = instances.get(lang);
  if (!inst) {
    inst = i18next.createInstance();
    void inst.init({
      lng: lang,
      fallbackLng: 'en',
      resources: Object.fromEntries(LANGS.map((l) => [l, { translation: CATALOGUES[l] }])),
      initAsync: false,
      keySeparator: false,
      nsSeparator: false,
      interpolation: { escapeValue: false },
      returnNull: false,
    });
    instances.set(lang, inst);
  }
  return inst;
}

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

/** A translate function for one language; values are plain text (escape them for HTML yourself). */
export function translator(lang: Lang): Translate {
  const inst = instance(lang);
  return (key, vars) => inst.t(key, vars ?? {}) as string;
}

/**
 * Picks a language: an explicit choice (query or cookie; `langOf`, so `RU` and `ru-RU` are
 * Russian) wins, then the first supported language in Accept-Language by quality (`uk`, `uk-UA`,
 * `ru`, `en-GB` …), then Ukrainian.
 */
export function negotiateLang(opts: { query?: unknown; cookie?: unknown; acceptLanguage?: string | undefined }): Lang {
  const query = langOf(opts.query);
  if (query) return query;
  const cookie = langOf(opts.cookie);
  if (cookie) return cookie;
  const header = opts.acceptLanguage ?? '';
  const ranked = header
    .split(',')
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { base: tag.trim().toLowerCase().split('-')[0] ?? '', q: q === undefined ? 1 : Number(q), i };
    })
    .filter((x) => x.base !== '' && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const r of ranked) if (isLang(r.base)) return r.base;
  return DEFAULT_LANG;
}

const LOCALES: Record<Lang, string> = { uk: 'uk-UA', ru: 'ru-RU', en: 'en-GB' };
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(lang: Lang, timeZone: string): Intl.DateTimeFormat {
  const k = `${lang}|${timeZone}`;
  let f = formatters.get(k);
  if (!f) {
    f = new Intl.DateTimeFormat(LOCALES[lang], { timeZone, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(k, f);
  }
  return f;
}

/** Wall-clock time in the agreed zone, in the reader's language: "вт, 8 бер. 2022 р., 09:00". */
export function formatZoned(ms: number, timeZone: string, lang: Lang): string {
  try {
    return formatter(lang, timeZone).format(ms);
  } catch {
    return formatUtcShort(ms);
  }
}

/** Places whose zones the corridors of this conflict are agreed in, as a reader would name them. */
const ZONE_PLACES: Record<string, Record<Lang, string>> = {
  'Europe/Kyiv': { uk: 'Київ', ru: 'Киев', en: 'Kyiv' },
  'Europe/Kiev': { uk: 'Київ', ru: 'Киев', en: 'Kyiv' },
  'Europe/Moscow': { uk: 'Москва', ru: 'Москва', en: 'Moscow' },
  'Europe/Minsk': { uk: 'Мінськ', ru: 'Минск', en: 'Minsk' },
  'Europe/Simferopol': { uk: 'Сімферополь', ru: 'Симферополь', en: 'Simferopol' },
  'Europe/Chisinau': { uk: 'Кишинів', ru: 'Кишинёв', en: 'Chișinău' },
  'Europe/Warsaw': { uk: 'Варшава', ru: 'Варшава', en: 'Warsaw' },
  UTC: { uk: 'UTC', ru: 'UTC', en: 'UTC' },
};

/**
 * A time zone as a civilian reads it: "Київ", not "Europe/Kyiv" (the public page's own header
 * says "(Київ)"). Zones not listed show their place name from the IANA id ("Europe/Rome" → "Rome").
 */
export function zonePlace(timeZone: string, lang: Lang): string {
  return ZONE_PLACES[timeZone]?.[lang] ?? (timeZone.split('/').at(-1) ?? timeZone).replace(/_/g, ' ');
}

/** Unambiguous UTC, the same in every language: "2022-03-08 07:00 UTC". */
export function formatUtcShort(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/**
 * A span in UTC: "2022-03-08 07:00 → 15:00 UTC" within one UTC day; once the end falls on
 * another day it carries its date, as the start does ("2022-03-08 22:00 → 2022-03-09 06:00 UTC").
 */
export function formatUtcSpan(startMs: number, endMs: number): string {
  const a = formatUtcShort(startMs);
  const b = formatUtcShort(endMs);
  return a.slice(0, 10) === b.slice(0, 10) ? `${a.slice(0, -4)} → ${b.slice(11)}` : `${a.slice(0, -4)} → ${b}`;
}

/** "2022-03-08 09:00" in the zone, for form fields (datetime-local) and compact tables. */
export function localInputValue(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(ms);
  const get = (t: string): string => parts.find((p) => p.type === t)?.value ?? '00';
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}`;
}

/** The zone's offset from UTC at instant ms, in minutes (Kyiv in winter: 120). */
export function zoneOffsetMinutes(ms: number, timeZone: string): number {
  const local = localInputValue(ms, timeZone);
  const asUtc = Date.parse(`${local}:00Z`);
  const seconds = Math.floor(ms / 60_000) * 60_000;
  return Math.round((asUtc - seconds) / 60_000);
}

/**
 * The instant at which the zone's wall clock reads `local` ("2022-03-08T09:00"), as RFC 3339 with
 * its offset ("2022-03-08T09:00:00+02:00"). Across a DST gap the later offset is used.
 */
export function zonedToRfc3339(local: string, timeZone: string): string {
  const guess = Date.parse(`${local}:00Z`);
  let off = zoneOffsetMinutes(guess, timeZone);
  off = zoneOffsetMinutes(guess - off * 60_000, timeZone);
  const sign = off >= 0 ? '+' : '-';
  const a = Math.abs(off);
  return `${local}:00${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}
