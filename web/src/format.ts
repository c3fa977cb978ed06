/** Times as the app shows them: the agreed zone's wall clock, then UTC. */
import { formatUtcShort, formatUtcSpan, formatZoned } from '../../src/i18n/index.js';
import { lang, t, tValue } from './i18n.js';

export function zoned(ms: number, timeZone: string): string {
  return formatZoned(ms, timeZone, lang());
}

/** "вт, 8 бер. 2022 р., 09:00 (Europe/Kyiv) · 2022-03-08 07:00 UTC" */
export function both(ms: number, timeZone: string): string {
  return `${zoned(ms, timeZone)} (${timeZone}) · ${formatUtcShort(ms)}`;
}

export { formatUtcShort, formatUtcSpan };

/** A window: "… 09:00 → … 17:00 (Europe/Kyiv) · 2022-03-08 07:00 UTC → 2022-03-08 15:00 UTC"; both ends carry the zone. */
export function span(startMs: number, endMs: number, timeZone: string): string {
  return `${zoned(startMs, timeZone)} → ${zoned(endMs, timeZone)} (${timeZone}) · ${formatUtcShort(startMs)} → ${formatUtcShort(endMs)}`;
}


/**
 * Why a suspension holds, in the reader's language: for one a confirmed incident caused, which
 * kind of incident (and, where the report is not restricted, its id) — as the public page says it,
 * from the same data (`incident`), never the English reason recorded ("Shelling (confirmed
 * incident inc_…)"); for the mediator's own, the mediator's words.
 */
export function suspensionWhy(s: { reason?: string | undefined; incident?: { id: string | null; kind: string } | null | undefined }): string {
  if (!s.incident) return s.reason ?? '';
  const kind = tValue('incident.kind', s.incident.kind);
  return s.incident.id ? t('suspension.incident', { kind, id: s.incident.id }) : t('public.reasonIncident', { kind });
}
