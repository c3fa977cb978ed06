import type { Command } from 'commander';
import type { ApiClient } from './client.js';

export interface CliKit {
  /** Adds --url and --token to a command. */
  remote: (cmd: Command) => Command;
  client: (opts: { url: string; token?: string }) => ApiClient;
  print: (line: string) => void;
}

/** `passage ledger …` (issue 8). */
export function registerLedgerCommands(_program: Command, _kit: CliKit): void {}
