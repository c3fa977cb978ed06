/**
 * What the command line reads before it runs anything: option parsers, defaults and help text.
 * Kept apart from the commands themselves (./commands.ts loads the server, the store and the
 * demo) so that \`passage --help\`, a refused option or a client command such as \`passage status\`
 * starts without loading the server: cli.ts imports those modules only when a command needs them.
 */
import { dirname, join, resolve } from 'node:path';
import { decimalOf } from '../domain/numbers.js';
import { parseRfc3339 } from '../domain/windows.js';
import { DEFAULT_DB, isPostgresUrl } from '../store/location.js';
import { CliError } from './errors.js';

export type Print = (line: string) => void;

export function dbLocation(opt: string | undefined): string {
  const db = opt ?? (process.env.DATABASE_URL || DEFAULT_DB);
  if (db.trim() === '') throw new CliError('--db must not be empty: give a SQLite file path or a postgres:// URL', 2);
  return db;
}

/** A free-text option that must say something: not empty, not only spaces. Returns it trimmed. */
export function requireText(value: string, option: string): string {
  const text = value.trim();
  if (text === '') throw new CliError(`${option} must not be empty`, 2);
  return text;
}

/** Where demo key files and the demo summary live: beside the SQLite file, or ./data for PostgreSQL. */
export function dataDir(db: string): string {
  return isPostgresUrl(db) ? resolve('data') : dirname(resolve(db));
}

/**
 * The demo summary of the demo in `db` (its tokens, key files, ids), which `passage demo` and
 * `passage start` write and `start` and `simulate` read: demo.json in `dataDir(db)`.
 */
export function demoSummaryPath(db: string): string {
  return join(dataDir(db), 'demo.json');
}

/**
 * A whole-number option: decimal digits only, from `min` to `max`. Not `Number(value)`, which
 * also takes "1e3", "0x50", " 80" and "".
 */
export function parseWholeNumber(value: string, option: string, min: number, max: number): number {
  const n = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= min && n <= max)) throw new CliError(`invalid ${option} "${value}": use a whole number from ${min} to ${max}`, 2);
  return n;
}

/** A decimal number (the domain's `decimalOf`) within [min, max], else exit 2 naming the option. */
export function parseDecimal(value: string, name: string, min: number, max: number): number {
  const n = decimalOf(value);
  if (n === undefined || n < min || n > max) throw new CliError(`${name} must be a number between ${min} and ${max}, got "${value}"`, 2);
  return n;
}

export function parsePort(value: string | undefined, option: string, fallback: number): number {
  return value === undefined ? fallback : parseWholeNumber(value, option, 0, 65535);
}

/**
 * An API token as the server issues them is printable ASCII with no spaces (psg_ and base64url).
 * Anything else cannot be sent in an HTTP header, or not as typed (fetch refuses a newline or a
 * non-Latin-1 character before connecting, which would be reported as an unreachable server):
 * refused here, saying what is wrong with it, and without echoing the secret.
 */
export function checkToken(token: string): void {
  const bad = [...token].find((ch) => !/^[\x21-\x7e]$/.test(ch));
  if (bad === undefined) return;
  const what = bad === '\n' || bad === '\r' ? 'a line break' : bad === ' ' || bad === '\t' ? 'a space' : /[\x00-\x1f\x7f]/.test(bad) ? 'a control character' : `a non-ASCII character (${JSON.stringify(bad)})`;
  throw new CliError(`the token is malformed: it contains ${what}; an API token is printable ASCII without spaces (psg_…), check --token / PASSAGE_TOKEN`, 2);
}

/** What each reason does, for `passage keys revoke --help` and its refusals. */
export const REVOKE_REASON_HELP =
  'superseded = routine rotation (new liaison officer, scheduled change): the key signs nothing more, every guarantee it made still binds, no corridor changes; compromised = lost or stolen: its guarantees made at or after --since (default: all of them) are void, and their corridors return to proposed until your party signs again with a key that stands';

export function parseAtOption(at: string | undefined, name = '--at'): string | undefined {
  if (at === undefined) return undefined;
  if (parseRfc3339(at) === undefined) throw new CliError(`${name} must be an RFC 3339 date-time with an offset, e.g. 2022-03-08T10:00:00+02:00 (got "${at}")`, 2);
  return at;
}

/** An RFC 7638 thumbprint (a key id: 43 base64url characters) that starts with "-". */
const DASHED_KEY_ID = /^-[A-Za-z0-9_-]{42}$/;

/**
 * A key id starts with "-" one time in 64, and the option parser would read it as an unknown
 * option (`passage keys revoke -4oF…`). Such operands are moved after "--", where only operands
 * are read; no option of Passage's looks like one.
 */
export function keyIdsAsOperands(argv: readonly string[]): string[] {
  const end = argv.indexOf('--');
  const head = end < 0 ? argv : argv.slice(0, end);
  const tail = end < 0 ? [] : argv.slice(end + 1);
  const kids = head.filter((a) => DASHED_KEY_ID.test(a));
  if (kids.length === 0) return [...argv];
  return [...head.filter((a) => !DASHED_KEY_ID.test(a)), '--', ...kids, ...tail];
}

/**
 * A yes/no environment variable (PASSAGE_REFUSE_PRIVATE_WEBHOOKS): 1/true/yes/on or 0/false/no/off,
 * any case; unset or empty is `false`. Anything else is a usage error, not silently "no" (nor, as
 * Commander would have it for a flag, "yes" whatever it says).
 */
export function envSwitch(name: string, value: string | undefined): boolean {
  const v = (value ?? '').trim().toLowerCase();
  if (v === '' || ['0', 'false', 'no', 'off'].includes(v)) return false;
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  throw new CliError(`${name} must be 1 or 0 (true/false, yes/no, on/off), not ${JSON.stringify(value)}`, 2);
}
