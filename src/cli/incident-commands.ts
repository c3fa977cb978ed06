import type { Command } from 'commander';
import type { CliKit } from './kit.js';

/** `passage incidents …`, `passage webhooks …` (issue 6). */
export function registerIncidentCommands(_program: Command, _kit: CliKit): void {}
