import { DEFAULT_AUTOMATIC_SUSPENSION, type IncidentKind, type SuspensionPolicy } from '../schemas/incident.js';

/** The policy that applies when the signed terms name none (terms signed before policies existed, or omitted it). */
export const DEFAULT_SUSPENSION_POLICY: SuspensionPolicy = { automatic: DEFAULT_AUTOMATIC_SUSPENSION, resumeBy: 'mediator' };

export function effectivePolicy(policy: SuspensionPolicy | undefined): SuspensionPolicy {
  return policy ?? DEFAULT_SUSPENSION_POLICY;
}

/** Whether a confirmed incident of `kind` suspends a corridor with this policy by itself. */
export function suspendsAutomatically(policy: SuspensionPolicy | undefined, kind: IncidentKind): boolean {
  return effectivePolicy(policy).automatic.includes(kind);
}

/**
 * Whether confirming an incident of `kind` suspends a corridor in `state` with this policy, in the
 * confirmation's own transaction: only a guaranteed corridor whose signed policy names the kind.
 * The server acts on it (confirmIncident) and the app says it before the mediator confirms.
 */
export function suspendsOnConfirm(state: string, policy: SuspensionPolicy | undefined, kind: IncidentKind): boolean {
  return state === 'guaranteed' && suspendsAutomatically(policy, kind);
}

const KIND_WORDS: Record<IncidentKind, string> = {
  shelling: 'Shelling',
  small_arms_fire: 'Small-arms fire',
  air_strike: 'Air strike',
  mine_uxo: 'Mine or unexploded ordnance',
  obstruction: 'Obstruction',
  detention: 'Detention of personnel',
  other: 'Incident',
};

export function incidentKindWords(kind: IncidentKind): string {
  return KIND_WORDS[kind];
}

/**
 * The reason an automatic suspension records: the incident's kind and id. Not the reporter's
 * description: a suspension's reason reaches the public page and feeds, and a report's own words
 * (unreviewed, in one language, maybe naming people or positions) are for members, on the incident.
 */
export function automaticSuspensionReason(incident: { id: string; kind: IncidentKind; distribution: readonly string[] | null }): string {
  const named = suspensionIncident(incident);
  if (named.id === null) return `${incidentKindWords(incident.kind)} (a confirmed incident)`;
  return `${incidentKindWords(incident.kind)} (confirmed incident ${named.id})`;
}

/**
 * The incident behind an automatic suspension as structured data, for apps to say in their
 * reader's language what `automaticSuspensionReason` records in English — under the same rule:
 * a report shared with some parties only is named by no one else (the suspension every member
 * reads — its view, its log entry, its event — says what happened, not which report said so).
 */
export function suspensionIncident(incident: { id: string; kind: IncidentKind; distribution: readonly string[] | null }): { id: string | null; kind: IncidentKind } {
  return { id: incident.distribution === null ? incident.id : null, kind: incident.kind };
}
