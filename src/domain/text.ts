/**
 * Text a party wrote (a corridor's title, a suspension's or withdrawal's reason), made fit for a
 * public output: the control characters that XML 1.0 forbids (all of C0 but tab, line feed and
 * carriage return — a bell, a vertical tab, a form feed) and the noncharacters U+FFFE/U+FFFF are
 * left out. What CAP and KML drop (xmlEscape), and what the CSV and GeoJSON feeds drop too
 * (docs/feeds.md): a reader's spreadsheet or map must not receive a bell in a reason.
 */
export function withoutControlCharacters(s: string): string {
   
  return s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '');
}
