/**
 * The closed vocabularies of corridor terms and incidents, as plain lists: the schemas make zod
 * enums of them (src/schemas), and the web app offers them in its forms without bundling zod.
 */

/**
 * Purposes of a corridor. Default categories follow the law Passage serves: Geneva Convention IV
 * arts. 17 and 23, Additional Protocol I art. 70. An agreement may add its own via `legalBasis`.
 */
export const PURPOSES = ['evacuation', 'medical', 'food', 'water', 'shelter', 'relief', 'medical_personnel', 'religious_personnel'] as const;

/** Who may use a corridor. */
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

/** What kind of incident was reported. */
export const INCIDENT_KINDS = ['shelling', 'small_arms_fire', 'air_strike', 'mine_uxo', 'obstruction', 'detention', 'other'] as const;

/** Severity, in CAP's words (OASIS CAP 1.2 `severity`). */
export const SEVERITIES = ['minor', 'moderate', 'severe', 'extreme'] as const;
