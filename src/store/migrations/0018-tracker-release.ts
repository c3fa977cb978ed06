import type { Kysely } from 'kysely';
import type { Engine } from '../schema.js';

/**
 * When a tracker was last released from a movement (its arrival or abort, on the server's clock):
 * a fix dated up to then, uploaded late from a phone's offline buffer after the tracker joined the
 * next convoy, is the earlier convoy's, and must not be filed under (and shown to the
 * distribution of) the next one (src/app/positions.ts). Null for a tracker never released.
 *
 * This touches only tracker_devices (0006), so its number may move by renaming the file and its key.
 */
export const trackerRelease = (_engine: Engine) => ({
  async up(db: Kysely<any>) {
    await db.schema.alterTable('tracker_devices').addColumn('released_at', 'text').execute();
  },
});
