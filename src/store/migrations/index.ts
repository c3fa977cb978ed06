import type { Migration, MigrationProvider } from 'kysely';
import type { Engine } from '../schema.js';
import { core } from './0001-core.js';
import { logTree } from './0002-log-tree.js';
import { ledger } from './0003-ledger.js';
import { sites } from './0004-sites.js';
import { events } from './0005-events.js';
import { movements } from './0006-movements.js';
import { incidents } from './0007-incidents.js';
import { incidentMovements } from './0008-incident-movements.js';
import { positionsByTime } from './0009-positions-by-time.js';
import { logEntryOnce } from './0010-log-entry-once.js';
import { logOpenings } from './0011-log-openings.js';
import { alertEventNames } from './0012-alert-event-names.js';
import { suspensionIncident } from './0013-suspension-incident.js';
import { guaranteesOncePerKey } from './0014-guarantees-once-per-key.js';
import { keyRevocationReasons } from './0015-key-revocation-reasons.js';
import { protocolSignaturesOncePerKey } from './0016-protocol-signatures-once-per-key.js';
import { handedOverTokens } from './0017-handed-over-tokens.js';
import { trackerRelease } from './0018-tracker-release.js';
import { insertOnly } from './0019-insert-only.js';

/**
 * Every migration, in order. One file per migration; never edit a shipped one: add a new one.
 * Each is engine-neutral, with engine quirks handled inline where they occur.
 */
export function migrationProvider(engine: Engine): MigrationProvider {
  const migrations: Record<string, Migration> = {
    '0001_core': core(engine),
    '0002_log_tree': logTree(engine),
    '0003_ledger': ledger(engine),
    '0004_sites': sites(engine),
    '0005_events': events(engine),
    '0006_movements': movements(engine),
    '0007_incidents': incidents(engine),
    '0008_incident_movements': incidentMovements(engine),
    '0009_positions_by_time': positionsByTime(engine),
    '0010_log_entry_once': logEntryOnce(engine),
    '0011_log_openings': logOpenings(engine),
    '0012_alert_event_names': alertEventNames(engine),
    '0013_suspension_incident': suspensionIncident(engine),
    '0014_guarantees_once_per_key': guaranteesOncePerKey(engine),
    '0015_key_revocation_reasons': keyRevocationReasons(engine),
    '0016_protocol_signatures_once_per_key': protocolSignaturesOncePerKey(engine),
    '0017_handed_over_tokens': handedOverTokens(engine),
    '0018_tracker_release': trackerRelease(engine),
    '0019_insert_only': insertOnly(engine),
  };
  return { getMigrations: async () => migrations };
}
