/**
 * What the CLI writes to a terminal, made safe to write there. Titles, names, statements and
 * problem details come from the server, that is from whoever wrote them: a corridor titled
 * "Safe\u001b[2K\r\u001b[31mCEASEFIRE HOLDS" erased the line `passage check` was printing and put
 * its own in its place. Every line a command prints goes through `forTerminal` (src/cli.ts,
 * `print`, and the error line), so each control character — C0, DEL, C1, the line breaks a value
 * carries included — is shown as an escape (`\u001b`) and does nothing.
 *
 * A JSON document (`--json`) is written as JSON: JSON.stringify has escaped every C0 character
 * inside its strings already and breaks lines only between values, so its line feeds stay;
 * DEL and C1, which it leaves raw, are written as the same \u escapes, which JSON reads back as
 * the same characters.
 */

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const NOT_LINE_FEED = /[\u0000-\u0009\u000b-\u001f]/;

const escape = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** Whether `text` is a JSON document as JSON.stringify writes one: an object or array, line feeds its only control characters. */
function isJsonDocument(text: string): boolean {
  if (!/^[[{]/.test(text) || NOT_LINE_FEED.test(text)) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** `text` with every control character shown as an escape; a JSON document keeps its line breaks. */
export function forTerminal(text: string): string {
  if (isJsonDocument(text)) return text.replace(/[\u007f-\u009f]/g, escape);
  return text.replace(CONTROL, escape);
}
