/**
 * The terms' vocabularies (src/schemas/corridor.ts), copied so the app does not bundle zod;
 * test/web/ui-logic.test.ts checks they stay equal.
 */
export const PURPOSES = ['evacuation', 'medical', 'food', 'water', 'shelter', 'relief', 'medical_personnel', 'religious_personnel'] as const;
export const ELIGIBILITY = [
  'civilians',
  'wounded',
  'sick',
  'infirm',
  'aged',
  'children',
  'maternity_cases',
  'persons_with_disabilities',
  'foreign_nationals',
  'medical_personnel',
  'ministers_of_religion',
  'humanitarian_personnel',
] as const;

/** src/schemas/incident.ts: IncidentKind and IncidentSeverity (CAP's words). */
export const INCIDENT_KINDS = ['shelling', 'small_arms_fire', 'air_strike', 'mine_uxo', 'obstruction', 'detention', 'other'] as const;
export const SEVERITIES = ['minor', 'moderate', 'severe', 'extreme'] as const;
