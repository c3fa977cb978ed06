/** Recurrence rules in words, for the corridor page (pure: no DOM, no i18n state). */
const FREQ_WORDS: Record<string, Record<'uk' | 'ru' | 'en', [one: string, many: (n: number) => string]>> = {
  DAILY: { en: ['daily', (n) => `every ${n} days`], uk: ['щодня', (n) => `кожні ${n} дн.`], ru: ['ежедневно', (n) => `каждые ${n} дн.`] },
  WEEKLY: { en: ['weekly', (n) => `every ${n} weeks`], uk: ['щотижня', (n) => `кожні ${n} тиж.`], ru: ['еженедельно', (n) => `каждые ${n} нед.`] },
  MONTHLY: { en: ['monthly', (n) => `every ${n} months`], uk: ['щомісяця', (n) => `кожні ${n} міс.`], ru: ['ежемесячно', (n) => `каждые ${n} мес.`] },
  YEARLY: { en: ['yearly', (n) => `every ${n} years`], uk: ['щороку', (n) => `кожні ${n} р.`], ru: ['ежегодно', (n) => `каждые ${n} г.`] },
};
const TIMES: Record<'uk' | 'ru' | 'en', Partial<Record<Intl.LDMLPluralRule, string>>> = {
  en: { one: 'time', other: 'times' },
  uk: { one: 'раз', few: 'рази', many: 'разів', other: 'разу' },
  ru: { one: 'раз', few: 'раза', many: 'раз', other: 'раза' },
};
const UNTIL_WORD = { en: 'until', uk: 'до', ru: 'до' } as const;
const DAY_INDEX: Record<string, number> = { MO: 1, TU: 2, WE: 3, TH: 4, FR: 5, SA: 6, SU: 0 };

/**
 * An RRULE in words, for the simple rules corridors use — FREQ with INTERVAL, COUNT or UNTIL,
 * and plain weekdays: "daily, 3 times", "щотижня (пн, ср), до 2022-04-01". Any other part
 * (BYSETPOS, BYMONTHDAY, …) gives null: the rule is then shown as written, never paraphrased wrong.
 */
export function rruleInWords(rule: string, language: 'uk' | 'ru' | 'en'): string | null {
  const parts = new Map(rule.replace(/^RRULE:/i, '').split(';').map((p) => p.split('=') as [string, string]).map(([k, v]) => [k.toUpperCase(), (v ?? '').toUpperCase()]));
  const freq = FREQ_WORDS[parts.get('FREQ') ?? ''];
  if (!freq || [...parts.keys()].some((k) => !['FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'BYDAY', 'WKST'].includes(k))) return null;
  const interval = Number(parts.get('INTERVAL') ?? '1');
  const [one, many] = freq[language];
  let out = interval > 1 ? many(interval) : one;
  const byday = parts.get('BYDAY');
  if (byday) {
    const days = byday.split(',');
    if (days.some((d) => !(d in DAY_INDEX))) return null;
    // 2024-01-07 was a Sunday: day index i is 2024-01-(7 + i).
    const fmt = new Intl.DateTimeFormat(language, { weekday: 'short', timeZone: 'UTC' });
    out += ` (${days.map((d) => fmt.format(Date.UTC(2024, 0, 7 + (DAY_INDEX[d] as number)))).join(', ')})`;
  }
  const count = parts.get('COUNT');
  if (count) out += `, ${count} ${TIMES[language][new Intl.PluralRules(language).select(Number(count))] ?? TIMES[language].other}`;
  const until = parts.get('UNTIL');
  if (until) {
    const m = /^(\d{4})(\d{2})(\d{2})/.exec(until);
    if (!m) return null;
    out += `, ${UNTIL_WORD[language]} ${m[1]}-${m[2]}-${m[3]}`;
  }
  return out;
}
