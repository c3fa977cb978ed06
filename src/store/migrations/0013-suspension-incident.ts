import type { Kysely } from 'kysely';
import type { Engine } from '../schema.js';

/**
 * Each suspension names the confirmed incident that caused it (null for the mediator's own).
 * The public page and feeds translate such a suspension's reason by the incident's kind: with
 * the link on the suspension they read only the incidents of the suspensions they show, not
 * every confirmed incident on every anonymous request. Filled in from what incidents recorded
 * (`incidents.suspension_ids`).
 */
export const suspensionIncident = (_engine: Engine) => ({
  async up(db: Kysely<any>) {
    await db.schema.alterTable('suspensions').addColumn('incident_id', 'text', (c) => c.references('incidents.id')).execute();
    const rows = (await db.selectFrom('incidents').select(['id', 'suspension_ids']).where('suspension_ids', '<>', '[]').execute()) as { id: string; suspension_ids: string }[];
    for (const r of rows) {
      const ids = JSON.parse(r.suspension_ids) as string[];
      if (ids.length > 0) await db.updateTable('suspensions').set({ incident_id: r.id }).where('id', 'in', ids).execute();
    }
  },
});
