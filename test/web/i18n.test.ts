import { describe, expect, it } from 'vitest';
import { CATALOGUES, LANGS, formatUtcShort, formatUtcSpan, formatZoned, langOf, localInputValue, negotiateLang, translator, zonedToRfc3339 } from '../../src/i18n/index.js';
import { en } from '../../src/i18n/messages.js';

const vars = (s: string): string[] => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1] ?? '').sort();

describe('i18n catalogues', () => {
  it('every key is translated into uk, ru and en, with the same interpolations and no empty text', () => {
    const keys = Object.keys(en).sort();
    for (const lang of LANGS) {
      const cat = CATALOGUES[lang] as Record<string, string>;
      expect(Object.keys(cat).sort(), lang).toEqual(keys);
      for (const k of keys) {
        expect(cat[k]?.trim().length, `${lang} ${k}`).toBeGreaterThan(0);
        expect(vars(cat[k] ?? ''), `${lang} ${k}`).toEqual(vars((en as Record<string, string>)[k] ?? ''));
      }
    }
  });

  it('Ukrainian and Russian texts are not left in English', () => {
    const same = (lang: 'uk' | 'ru') =>
      Object.keys(en).filter((k) => /[a-z]{4}/i.test((en as Record<string, string>)[k] ?? '') && (CATALOGUES[lang] as Record<string, string>)[k] === (en as Record<string, string>)[k]);
    // Names and formats that are the same in every language.
    const allowed = ['app.name', 'signedInAs', 'common.utc', 'corridor.window.utc'];
    expect(same('uk').filter((k) => !allowed.includes(k))).toEqual([]);
    expect(same('ru').filter((k) => !allowed.includes(k))).toEqual([]);
  });

  it('translates with interpolation', () => {
    expect(translator('uk')('public.reason')).toBe('Причина:');
    expect(translator('ru')('corridor.version', { version: 3 })).toBe('Версия 3');
    expect(translator('en')('public.until', { local: 'A', zone: 'Europe/Kyiv', utc: 'B' })).toBe('Open until A (Europe/Kyiv) · B');
  });
});

describe('language negotiation', () => {
  it('an explicit choice wins, then Accept-Language by quality, then Ukrainian', () => {
    expect(negotiateLang({ query: 'ru', cookie: 'en', acceptLanguage: 'uk' })).toBe('ru');
    expect(negotiateLang({ query: 'de', cookie: 'en', acceptLanguage: 'uk' })).toBe('en');
    expect(negotiateLang({ acceptLanguage: 'de-DE,ru;q=0.8,en;q=0.9' })).toBe('en');
    expect(negotiateLang({ acceptLanguage: 'ru-RU,ru;q=0.9' })).toBe('ru');
    expect(negotiateLang({ acceptLanguage: 'uk-UA' })).toBe('uk');
    expect(negotiateLang({ acceptLanguage: 'fr, en;q=0' })).toBe('uk');
    expect(negotiateLang({})).toBe('uk');
  });

  it('reads ?lang= and the cookie as BCP 47 does: in any case, a region after the language is that language', () => {
    for (const [tag, lang] of [['ru-RU', 'ru'], ['RU', 'ru'], ['UK', 'uk'], ['uk_UA', 'uk'], ['En-gb', 'en'], ['en-Latn-GB', 'en']] as const) {
      expect(langOf(tag), tag).toBe(lang);
      expect(negotiateLang({ query: tag, acceptLanguage: 'de' }), tag).toBe(lang);
      expect(negotiateLang({ cookie: tag, acceptLanguage: 'de' }), tag).toBe(lang);
    }
    for (const tag of ['xx', 'ukr', 'de-DE', 'ru RU', '', 'r', 'ru-', undefined, 7]) expect(langOf(tag), String(tag)).toBeUndefined();
  });
});

describe('time formatting', () => {
  const ms = Date.parse('2022-03-08T07:00:00Z');
  it('shows the agreed zone’s wall clock and UTC', () => {
    expect(formatUtcShort(ms)).toBe('2022-03-08 07:00 UTC');
    // A window's span in UTC: the end carries its date once it is on another UTC day.
    expect(formatUtcSpan(ms, ms + 8 * 3_600_000)).toBe('2022-03-08 07:00 → 15:00 UTC');
    expect(formatUtcSpan(Date.parse('2026-11-28T14:28:00Z'), Date.parse('2026-11-29T02:28:00Z'))).toBe('2026-11-28 14:28 → 2026-11-29 02:28 UTC');
    expect(formatZoned(ms, 'Europe/Kyiv', 'en')).toMatch(/8 Mar 2022.*09:00/);
    expect(formatZoned(ms, 'Europe/Kyiv', 'uk')).toMatch(/09:00/);
    expect(formatZoned(ms, 'Europe/Kyiv', 'uk')).toMatch(/бер/);
    expect(formatZoned(ms, 'Europe/Moscow', 'ru')).toMatch(/10:00/);
  });
  it('converts local wall-clock input to RFC 3339 across DST', () => {
    expect(zonedToRfc3339('2022-03-08T09:00', 'Europe/Kyiv')).toBe('2022-03-08T09:00:00+02:00');
    expect(zonedToRfc3339('2022-07-08T09:00', 'Europe/Kyiv')).toBe('2022-07-08T09:00:00+03:00');
    expect(zonedToRfc3339('2022-03-27T12:00', 'Europe/Kyiv')).toBe('2022-03-27T12:00:00+03:00');
    expect(localInputValue(ms, 'Europe/Kyiv')).toBe('2022-03-08T09:00');
  });
});
