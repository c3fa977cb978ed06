import type { Command } from 'commander';
import type { ApiClient } from './client.js';

/** What a group of CLI commands needs from the program: remote options, a client, output. */
export interface CliKit {
  /** Adds --url and --token to a command. */
  remote: (cmd: Command) => Command;
  client: (opts: { url: string; token?: string | undefined; timeout?: string | undefined }) => ApiClient;
  print: (line: string) => void;
}
