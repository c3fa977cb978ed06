/** The app's language: chosen by the user (remembered), else the browser's, else Ukrainian. */
import { LANGS, negotiateLang, translator, type Lang, type MessageKey, type Translate } from '../../src/i18n/index.js';
import { en } from '../../src/i18n/messages.js';

export { LANGS, type Lang, type MessageKey };

const KEY = 'passage_lang';
let current: Lang = negotiateLang({ query: new URLSearchParams(location.search).get('lang'), cookie: safeGet(), acceptLanguage: navigator.languages.join(',') });
let tr: Translate = translator(current);

function safeGet(): string | null {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function lang(): Lang {
  return current;
}

export function setLang(l: Lang): void {
  current = l;
  tr = translator(l);
  try {
    localStorage.setItem(KEY, l);
  } catch {
    /* private mode */
  }
  document.cookie = `${KEY}=${l}; Path=/; Max-Age=31536000; SameSite=Lax`;
  document.documentElement.lang = l;
}

export const t: Translate = (key, vars) => tr(key, vars);
document.documentElement.lang = current;

/**
 * A value from the API (a log action, a vehicle type, a cargo category …) in the reader's
 * language: the message `prefix.value` where the catalogue has one, else the value as it is.
 */
export function tValue(prefix: string, value: string): string {
  const key = `${prefix}.${value}`;
  return Object.hasOwn(en, key) ? t(key as MessageKey) : value;
}
