/** What every view needs: the signed-in member, parties, config, and navigation. */
import type { Actor } from '../../src/domain/authorization.js';
import type { AppConfig, Me, PartyView } from './api.js';

export interface Ctx {
  readonly me: Me;
  readonly actor: Actor;
  readonly parties: PartyView[];
  readonly config: AppConfig;
  navigate(path: string): void;
  partyName(id: string): string;
}
