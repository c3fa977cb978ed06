/**
 * Local wall-clock times around daylight-saving changes: a time that does not exist in its zone
 * (skipped when the clocks go forward) or that exists twice (when they go back).
 */
import { zoneOffsetMinutes, zonedToRfc3339 } from '../../src/i18n/index.js';

export type LocalTimeCheck = { kind: 'ok' } | { kind: 'gap' } | { kind: 'ambiguous'; chosen: string; other: string };

const fmt = (local: string, off: number): string => {
  const a = Math.abs(off);
  return `${local}:00${off >= 0 ? '+' : '-'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
};

/** Whether `local` ("YYYY-MM-DDTHH:mm") names exactly one instant in `timeZone`. */
export function checkLocalTime(local: string, timeZone: string): LocalTimeCheck {
  const naive = Date.parse(`${local}:00Z`);
  if (!Number.isFinite(naive)) return { kind: 'ok' };
  // Every offset the zone uses within a day either side; each that maps back to itself is a reading.
  const offsets = new Set([-86_400_000, -43_200_000, 0, 43_200_000, 86_400_000].map((d) => zoneOffsetMinutes(naive + d, timeZone)));
  const readings = [...offsets].filter((off) => zoneOffsetMinutes(naive - off * 60_000, timeZone) === off);
  if (readings.length === 0) return { kind: 'gap' };
  if (readings.length === 1) return { kind: 'ok' };
  const chosen = zonedToRfc3339(local, timeZone);
  const other = readings.map((off) => fmt(local, off)).find((r) => r !== chosen) ?? chosen;
  return { kind: 'ambiguous', chosen, other };
}
