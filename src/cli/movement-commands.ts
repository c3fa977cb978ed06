import type { Command } from 'commander';
import type { CliKit } from './kit.js';

/** `passage simulate`, `passage movements …` (issue 5). */
export function registerMovementCommands(_program: Command, _kit: CliKit): void {}
